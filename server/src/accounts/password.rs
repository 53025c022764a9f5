//! Passwords and session tokens.
//!
//! Passwords: Argon2id (the `argon2` crate's defaults, RFC 9106's second
//! recommended option: m = 19 MiB, t = 2, p = 1), each with its own random
//! salt, stored as a PHC string. Verification uses the parameters in the
//! stored string, so raising the cost later leaves old hashes readable.
//!
//! Tokens: 32 bytes from the operating system's generator, base64url without
//! padding (43 characters). The server keeps only their SHA-256.
use argon2::password_hash::phc::Output;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use argon2::PasswordHash;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use thiserror::Error;

use crate::db::accounts::TokenHash;

/// Shortest password an admin may set by hand.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest password accepted anywhere (longer ones are refused without hashing).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// Length of a token as sent.
pub const TOKEN_CHARS: usize = 43;
/// One-time passwords: no 0/O, 1/l/I, so they can be read out and typed on
/// a phone.
const OTP_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
const OTP_GROUPS: usize = 4;
const OTP_GROUP_LEN: usize = 4;

#[derive(Debug, Error)]
pub enum SecretError {
    #[error("the system random number generator failed: {0}")]
    Random(String),
    #[error("hashing the password failed: {0}")]
    Hash(String),
}

fn random_bytes<const N: usize>() -> Result<[u8; N], SecretError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| SecretError::Random(e.to_string()))?;
    Ok(bytes)
}

/// Argon2id PHC string of `password`, with a fresh random salt. Slow on
/// purpose (tens of milliseconds): call from a blocking thread.
pub fn hash_password(password: &str) -> Result<String, SecretError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| SecretError::Hash(e.to_string()))
}

/// Whether `password` matches the stored PHC string. An unreadable string
/// never matches. Slow on purpose: call from a blocking thread.
pub fn verify_password(password: &str, phc: &str) -> bool {
    password.len() <= MAX_PASSWORD_BYTES
        && Argon2::default()
            .verify_password(password.as_bytes(), phc)
            .is_ok()
}

/// Memory for one Argon2 computation, kept between verifications (see
/// [`verify_password_in`]).
pub type HashMemory = Vec<argon2::Block>;

/// [`verify_password`], with the Argon2 working memory (19 MiB at the
/// default cost) in `memory` rather than a fresh allocation: the allocator
/// keeps a freed block of that size in the arena of the thread that freed
/// it, and blocking threads come and go, so a burst of sign-ins left
/// hundreds of MiB behind (36 -> 689 MiB for two bursts of 200). Reusing a
/// few buffers bounds that to one per verification allowed at once.
/// `memory` grows to the largest cost met and is zeroed after use (it
/// holds state derived from the password).
pub fn verify_password_in(password: &str, phc: &str, memory: &mut HashMemory) -> bool {
    if password.len() > MAX_PASSWORD_BYTES {
        return false;
    }
    let Ok(hash) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return false;
    };
    let Ok(algorithm) = argon2::Algorithm::try_from(hash.algorithm.as_str()) else {
        return false;
    };
    let version = match hash.version.map(argon2::Version::try_from) {
        None => argon2::Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let Ok(params) = argon2::Params::try_from(&hash) else {
        return false;
    };
    let blocks = params.block_count();
    if memory.len() < blocks {
        memory.resize(blocks, argon2::Block::new());
    }
    let Some(work) = memory.get_mut(..blocks) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    let hashed = Argon2::new(algorithm, version, params).hash_password_into_with_memory(
        password.as_bytes(),
        salt.as_ref(),
        &mut out,
        &mut *work,
    );
    work.fill(argon2::Block::new());
    // `Output`'s equality is constant-time.
    hashed.is_ok() && Output::new(&out).is_ok_and(|out| out == *expected)
}

/// Why a password chosen by an admin is refused.
pub fn check_new_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters"
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(format!(
            "a password may have at most {MAX_PASSWORD_BYTES} bytes"
        ));
    }
    if password.chars().any(char::is_control) {
        return Err("a password may not contain control characters".into());
    }
    Ok(())
}

/// A random one-time password such as `k7dm-3xqe-p9tw-hr2a` (about 79 bits).
pub fn one_time_password() -> Result<String, SecretError> {
    let bytes: [u8; 64] = random_bytes()?;
    let n = OTP_ALPHABET.len();
    // Rejection sampling: only bytes below the largest multiple of n, so
    // every character is equally likely.
    let limit = 256 - 256 % n;
    let mut chars = bytes
        .iter()
        .filter(|&&b| usize::from(b) < limit)
        .filter_map(|&b| OTP_ALPHABET.get(usize::from(b) % n).map(|&c| char::from(c)));
    let mut out = String::with_capacity(OTP_GROUPS * (OTP_GROUP_LEN + 1));
    for g in 0..OTP_GROUPS {
        if g > 0 {
            out.push('-');
        }
        for _ in 0..OTP_GROUP_LEN {
            // 64 bytes give 16 accepted characters with overwhelming odds;
            // if not, ask again.
            match chars.next() {
                Some(c) => out.push(c),
                None => return one_time_password(),
            }
        }
    }
    Ok(out)
}

/// A new session token and the hash to store.
pub fn new_token() -> Result<(String, TokenHash), SecretError> {
    let bytes: [u8; 32] = random_bytes()?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = token_hash(&token);
    Ok((token, hash))
}

pub fn token_hash(token: &str) -> TokenHash {
    Sha256::digest(token.as_bytes()).into()
}

/// Whether `token` looks like one this server hands out (checked before
/// any lookup).
pub fn well_formed_token(token: &str) -> bool {
    token.len() == TOKEN_CHARS
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_with_their_own_salt_and_verify() {
        let a = hash_password("correct horse battery").unwrap();
        let b = hash_password("correct horse battery").unwrap();
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "each hash has its own salt");
        assert!(verify_password("correct horse battery", &a));
        assert!(!verify_password("correct horse batterY", &a));
        assert!(!verify_password("correct horse battery", "not a hash"));
        assert!(!verify_password("", "!unusable"));
    }

    #[test]
    fn verifying_in_reused_memory_agrees_with_the_library() {
        let a = hash_password("correct horse battery").unwrap();
        // Another cost, another variant: the parameters come from the string.
        let small = argon2::Argon2::new(
            argon2::Algorithm::Argon2i,
            argon2::Version::V0x10,
            argon2::Params::new(64, 1, 1, Some(16)).unwrap(),
        )
        .hash_password(b"tiny cost one")
        .unwrap()
        .to_string();
        let mut memory = HashMemory::new();
        for _ in 0..2 {
            assert!(verify_password_in("correct horse battery", &a, &mut memory));
            assert!(!verify_password_in(
                "correct horse batterY",
                &a,
                &mut memory
            ));
            assert!(verify_password_in("tiny cost one", &small, &mut memory));
            assert!(!verify_password_in("tiny cost two", &small, &mut memory));
        }
        assert_eq!(memory.len(), 19456);
        assert!(!verify_password_in("x", "not a hash", &mut memory));
        assert!(!verify_password_in("", "!unusable", &mut memory));
        assert!(!verify_password_in(&"x".repeat(2000), &a, &mut memory));
    }

    #[test]
    fn new_passwords_are_checked() {
        assert!(check_new_password("short").is_err());
        assert!(check_new_password("long enough now").is_ok());
        assert!(check_new_password("tab\tinside it").is_err());
        assert!(check_new_password(&"x".repeat(2000)).is_err());
    }

    #[test]
    fn one_time_passwords_are_readable_and_different() {
        let a = one_time_password().unwrap();
        let b = one_time_password().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), 19);
        assert!(a
            .split('-')
            .all(|g| g.len() == 4 && g.bytes().all(|c| OTP_ALPHABET.contains(&c))));
        assert!(check_new_password(&a).is_ok());
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (t1, h1) = new_token().unwrap();
        let (t2, h2) = new_token().unwrap();
        assert_ne!(t1, t2);
        assert_ne!(h1, h2);
        assert!(well_formed_token(&t1));
        assert_eq!(token_hash(&t1), h1);
        assert!(!well_formed_token("short"));
        assert!(!well_formed_token(&format!("{}!", &t1[..42])));
    }
}
