//! Encryption at rest: AES-GCM (WebCrypto) under a key derived from the
//! officer's PIN with PBKDF2-SHA-256 and a random salt. The key is
//! non-extractable and lives only in memory while the app is unlocked.
//!
//! A wrong PIN cannot decrypt the check value, so it is told apart from a
//! right one without storing anything derived from the PIN in the clear.
use js_sys::{Array, Object, Reflect, Uint8Array};
use serde::Serialize;
use thiserror::Error;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// PBKDF2 work factor (OWASP 2023 guidance for PBKDF2-HMAC-SHA256).
pub const PBKDF2_ITERATIONS: u32 = 600_000;
pub const MIN_PIN_DIGITS: usize = 6;
const CHECK_PLAINTEXT: &[u8] = b"beatbook vault check v1";

#[derive(Debug, Error)]
pub enum VaultError {
    #[error("This browser cannot encrypt (Web Crypto is missing); use an up-to-date browser over a secure connection")]
    NoCrypto,
    #[error("Wrong PIN")]
    WrongPin,
    #[error("Stored data could not be decrypted")]
    Undecryptable,
    #[error("Encryption failed: {0}")]
    Browser(String),
}

fn browser(e: JsValue) -> VaultError {
    VaultError::Browser(
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| "unknown error".into()),
    )
}

/// What is stored about the vault (nothing secret).
#[derive(Debug, Clone, Serialize)]
pub struct VaultParams {
    pub salt: String,
    pub iterations: u32,
    /// A known plaintext sealed under the key: opening it proves the PIN.
    pub check: Sealed,
}

// Decoders from `decode_struct!`: a derived one costs the download more.
beatbook_core::decode_struct!(VaultParams {
    salt,
    iterations,
    check,
});

/// An encrypted value: base64 IV and ciphertext (with its GCM tag).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sealed {
    pub iv: String,
    pub ct: String,
}

beatbook_core::decode_struct!(Sealed { iv, ct });

#[derive(Clone)]
pub struct Vault {
    key: web_sys::CryptoKey,
}

fn subtle() -> Result<web_sys::SubtleCrypto, VaultError> {
    let crypto = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or(VaultError::NoCrypto)?;
    // `crypto.subtle` is undefined outside secure contexts.
    let subtle = Reflect::get(&crypto, &"subtle".into()).map_err(|_| VaultError::NoCrypto)?;
    if subtle.is_undefined() {
        return Err(VaultError::NoCrypto);
    }
    Ok(crypto.subtle())
}

/// The SHA-256 of `bytes` in 64 lowercase hex digits (WebCrypto's digest):
/// the device chain's link (`Revision::prev`, ARCHITECTURE.md "Device chain").
pub async fn sha256_hex(bytes: &[u8]) -> Result<String, VaultError> {
    let digest = JsFuture::from(
        subtle()?
            .digest_with_str_and_u8_array("SHA-256", bytes)
            .map_err(browser)?,
    )
    .await
    .map_err(browser)?;
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(64);
    for b in Uint8Array::new(&digest).to_vec() {
        hex.push(char::from(DIGITS[usize::from(b >> 4)]));
        hex.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    Ok(hex)
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N], VaultError> {
    let mut bytes = [0u8; N];
    web_sys::window()
        .and_then(|w| w.crypto().ok())
        .ok_or(VaultError::NoCrypto)?
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(browser)?;
    Ok(bytes)
}

fn object(pairs: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&o, &(*k).into(), v);
    }
    o
}

impl Vault {
    /// Derives the key from a PIN (slow on purpose: about a second on a phone).
    pub async fn derive(pin: &str, salt: &[u8], iterations: u32) -> Result<Self, VaultError> {
        let subtle = subtle()?;
        let usages_derive = Array::of1(&"deriveKey".into());
        let base = JsFuture::from(
            subtle
                .import_key_with_object(
                    "raw",
                    &Uint8Array::from(pin.as_bytes()),
                    &object(&[("name", "PBKDF2".into())]),
                    false,
                    &usages_derive,
                )
                .map_err(browser)?,
        )
        .await
        .map_err(browser)?;
        let params = object(&[
            ("name", "PBKDF2".into()),
            ("hash", "SHA-256".into()),
            ("salt", Uint8Array::from(salt).into()),
            ("iterations", iterations.into()),
        ]);
        let target = object(&[("name", "AES-GCM".into()), ("length", 256.into())]);
        let usages = Array::of2(&"encrypt".into(), &"decrypt".into());
        let key = JsFuture::from(
            subtle
                .derive_key_with_object_and_object(
                    &params,
                    base.unchecked_ref(),
                    &target,
                    false,
                    &usages,
                )
                .map_err(browser)?,
        )
        .await
        .map_err(browser)?;
        Ok(Self {
            key: key.unchecked_into(),
        })
    }

    /// Creates a new vault for a PIN: a fresh salt and check value.
    pub async fn create(pin: &str) -> Result<(Self, VaultParams), VaultError> {
        let salt = random_bytes::<16>()?;
        let vault = Self::derive(pin, &salt, PBKDF2_ITERATIONS).await?;
        let check = vault.seal(CHECK_PLAINTEXT).await?;
        Ok((
            vault,
            VaultParams {
                salt: crate::base64::encode(&salt),
                iterations: PBKDF2_ITERATIONS,
                check,
            },
        ))
    }

    /// Opens an existing vault; a wrong PIN is `WrongPin`.
    pub async fn unlock(pin: &str, params: &VaultParams) -> Result<Self, VaultError> {
        let salt = crate::base64::decode(&params.salt).ok_or(VaultError::Undecryptable)?;
        let vault = Self::derive(pin, &salt, params.iterations).await?;
        match vault.open(&params.check).await {
            Ok(plain) if plain == CHECK_PLAINTEXT => Ok(vault),
            _ => Err(VaultError::WrongPin),
        }
    }

    fn gcm(iv: &[u8]) -> Object {
        object(&[
            ("name", "AES-GCM".into()),
            ("iv", Uint8Array::from(iv).into()),
        ])
    }

    /// Boxed (see `idb::Boxed`): sealing is awaited from many places.
    pub fn seal<'a>(
        &'a self,
        plaintext: &'a [u8],
    ) -> crate::idb::Boxed<'a, Result<Sealed, VaultError>> {
        Box::pin(self.seal_now(plaintext))
    }

    async fn seal_now(&self, plaintext: &[u8]) -> Result<Sealed, VaultError> {
        let iv = random_bytes::<12>()?;
        let ct = JsFuture::from(
            subtle()?
                .encrypt_with_object_and_u8_array(&Self::gcm(&iv), &self.key, plaintext)
                .map_err(browser)?,
        )
        .await
        .map_err(browser)?;
        Ok(Sealed {
            iv: crate::base64::encode(&iv),
            ct: crate::base64::encode(&Uint8Array::new(&ct).to_vec()),
        })
    }

    pub fn open<'a>(
        &'a self,
        sealed: &'a Sealed,
    ) -> crate::idb::Boxed<'a, Result<Vec<u8>, VaultError>> {
        Box::pin(self.open_now(sealed))
    }

    async fn open_now(&self, sealed: &Sealed) -> Result<Vec<u8>, VaultError> {
        let iv = crate::base64::decode(&sealed.iv).ok_or(VaultError::Undecryptable)?;
        let ct = crate::base64::decode(&sealed.ct).ok_or(VaultError::Undecryptable)?;
        let plain = JsFuture::from(
            subtle()?
                .decrypt_with_object_and_u8_array(&Self::gcm(&iv), &self.key, &ct)
                .map_err(browser)?,
        )
        .await
        .map_err(|_| VaultError::Undecryptable)?;
        Ok(Uint8Array::new(&plain).to_vec())
    }
}
