//! Accounts: sign-in, sessions and who may do what; the account commands
//! ([`admin`]) and security events ([`security`]).
//!
//! Every API route but `health` and `sign-in` takes a [`Caller`]: the
//! extractor reads `Authorization: Bearer <token>` (never a URL), hashes the
//! token (SHA-256) and finds the session and its user in **one indexed
//! query** on the read pool (`sessions.token_hash` is UNIQUE), so the account
//! is checked at every request: a revoked session, or any session of a
//! disabled account, is refused at once, even when the change was made by
//! the command line in another process. No cache, so nothing to go stale.
//! `last_seen_at` is written at most once a minute per session
//! ([`LAST_SEEN_EVERY`]), off the request's path.
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use beatbook_core::auth::{
    MeResponse, Role, SignInRequest, SignInResponse, UserInfo, MAX_DEVICE_ID,
};
use beatbook_core::sync::ApiErrorBody;
use chrono::{DateTime, SubsecRound, Utc};
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

pub mod admin;
pub mod client_addr;
pub mod limit;
pub mod password;
pub mod security;
pub mod turns;

use crate::accounts::security::{Event, EventKind};
use crate::db::accounts::NewSession;
use crate::http::error::ApiError;
use crate::http::extract::JsonBody;
use crate::http::state::AppState;
use client_addr::Cidr;
use limit::{Limit, Limiter, Limits, Settled, SlowDown};
use password::SecretError;

/// Default absolute session lifetime (`serve --session-hours`).
pub const DEFAULT_SESSION_HOURS: u32 = 12;
/// How often at most a session's `last_seen_at` is written.
pub const LAST_SEEN_EVERY: chrono::Duration = chrono::Duration::seconds(60);
/// Argon2 computations at once per core. Each takes a core for tens of ms
/// and a 19 MiB buffer that is kept for the next one
/// ([`password::verify_password_in`]): one per core keeps the cores busy,
/// and a second would only add a buffer.
const HASHING_PER_CORE: usize = 1;
/// How long a sign-in waits for its turn to be verified before the answer
/// is 503 with `Retry-After`: a queue without a bound is memory without one.
const HASHING_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
/// `Retry-After` when the verifications are all taken.
const BUSY_RETRY_S: u64 = 2;
/// Largest sign-in body.
pub const MAX_SIGN_IN_BYTES: usize = 4 * 1024;
/// Sign-ins from one address (its limit key) being verified or waiting for
/// a turn at once. Without it one address firing a burst fills the Argon2
/// queue and everyone else's sign-in waits behind it (or gets 503); with
/// it, others wait behind at most this many of the burst's.
pub const IN_FLIGHT_PER_ADDRESS: usize = 8;
/// `Retry-After` when an address has [`IN_FLIGHT_PER_ADDRESS`] in flight.
const IN_FLIGHT_RETRY_S: u64 = 1;
/// The sign-in limits' window.
const WINDOW_S: u64 = 15 * 60;

/// The sign-in limits by default (see `server/README.md` for why these).
pub const DEFAULT_LIMITS: Limits = Limits {
    // A typo or five never locks anyone out; a guesser at one account from
    // one address gets 5 tries per 15 minutes.
    per_pair: Limit::new(5, WINDOW_S),
    // Failures only, over every officer ID: a force of a few thousand
    // behind one NAT or proxy mistypes far fewer than 200 times in 15
    // minutes, even at a shift change.
    per_address: Limit::new(200, WINDOW_S),
    // Ten failures from anywhere are free, then turns 1 s apart, doubling
    // to a minute: many addresses together get some 30 guesses per 15
    // minutes at one account, and its owner waits seconds, not 15 minutes.
    per_account: SlowDown {
        free: 10,
        window: Duration::from_secs(WINDOW_S),
        first_spacing: Duration::from_secs(1),
        max_spacing: Duration::from_secs(60),
        max_wait: Duration::from_secs(2),
    },
};

#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub session_lifetime: chrono::Duration,
    pub limits: Limits,
    /// Reverse proxies whose `X-Forwarded-For` / `Forwarded` is believed
    /// (`serve --trusted-proxy`); empty: the TCP peer is the client.
    pub trusted_proxies: Vec<Cidr>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            session_lifetime: chrono::Duration::hours(i64::from(DEFAULT_SESSION_HOURS)),
            limits: DEFAULT_LIMITS,
            trusted_proxies: Vec::new(),
        }
    }
}

/// Shared sign-in state: the limits (their counts are in the database, so
/// every instance on it shares them), and a cap on how many password
/// hashes run at once (this process's own cores).
pub struct AuthState {
    pub config: AuthConfig,
    limiter: Limiter,
    /// Sign-ins in flight per address limit key ([`IN_FLIGHT_PER_ADDRESS`]).
    in_flight: Mutex<HashMap<Option<IpAddr>, usize>>,
    /// Turns at the hash, shared round the client addresses ([`turns`]).
    hashing: turns::Turns,
    /// Argon2 working memory, one buffer per verification allowed at once,
    /// reused (see [`password::verify_password_in`] for why).
    memory: Mutex<Vec<password::HashMemory>>,
    /// A hash of a random password: unknown officer IDs are checked against
    /// it so they take as long as known ones.
    dummy_hash: String,
}

impl AuthState {
    /// Makes the state; computes one Argon2 hash (tens of milliseconds).
    pub async fn new(config: AuthConfig) -> Result<Self, SecretError> {
        let dummy_hash = tokio::task::spawn_blocking(|| {
            let random = password::one_time_password()?;
            password::hash_password(&random)
        })
        .await
        .map_err(|e| SecretError::Hash(e.to_string()))??;
        Ok(Self {
            limiter: Limiter::new(config.limits),
            config,
            in_flight: Mutex::new(HashMap::new()),
            hashing: turns::Turns::new(hashing_at_once()),
            memory: Mutex::new(Vec::new()),
            dummy_hash,
        })
    }

    /// A place among the sign-ins in flight from `ip`, or `None` when it
    /// has [`IN_FLIGHT_PER_ADDRESS`] already.
    fn enter(self: &Arc<Self>, ip: Option<IpAddr>) -> Option<InFlight> {
        let key = ip.map(client_addr::limit_key);
        let mut map = self
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let n = map.entry(key).or_insert(0);
        if *n >= IN_FLIGHT_PER_ADDRESS {
            return None;
        }
        *n += 1;
        Some(InFlight {
            auth: Arc::clone(self),
            key,
        })
    }

    /// Verifies on a blocking thread, at most [`hashing_at_once`] at a
    /// time, the turns shared fairly between addresses (so a burst from
    /// many addresses delays an officer by one verification per address,
    /// not one per guess); `None` when no turn came within [`HASHING_WAIT`].
    async fn verify(&self, ip: Option<IpAddr>, password: String, phc: String) -> Option<bool> {
        let key = ip.map(client_addr::limit_key);
        let _turn = self.hashing.take(key, HASHING_WAIT).await?;
        // At most one buffer per permit is out at a time; a buffer lost to
        // a panic is simply made again.
        let mut memory = self
            .memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop()
            .unwrap_or_default();
        let verified = tokio::task::spawn_blocking(move || {
            let ok = password::verify_password_in(&password, &phc, &mut memory);
            (ok, memory)
        })
        .await;
        let Ok((ok, memory)) = verified else {
            return Some(false);
        };
        self.memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(memory);
        Some(ok)
    }
}

/// One sign-in in flight from an address; the place is given back when it
/// is dropped, however the request ends (answered, failed, or abandoned by
/// a client that hung up mid-wait).
struct InFlight {
    auth: SharedAuth,
    key: Option<IpAddr>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut map = self
            .auth
            .in_flight
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.key);
            }
        }
    }
}

/// [`HASHING_PER_CORE`] verifications per core at once.
pub fn hashing_at_once() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()) * HASHING_PER_CORE
}

/// The client's address: the TCP peer, or what a trusted reverse proxy
/// says it forwarded for ([`client_addr::client_addr`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(Self(peer.map(|peer| {
            client_addr::client_addr(peer, &parts.headers, &state.auth.config.trusted_proxies)
        })))
    }
}

/// The signed-in user making a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub session_id: i64,
    pub user_id: i64,
    pub officer_id: String,
    pub display_name: String,
    pub role: Role,
    pub device_id: String,
    pub expires_at: DateTime<Utc>,
    pub client_ip: Option<IpAddr>,
}

impl Caller {
    /// A security event about this caller.
    pub fn event(&self, kind: EventKind) -> Event {
        Event::new(kind)
            .officer(&self.officer_id)
            .device(&self.device_id)
            .ip(self.client_ip)
    }
}

/// The token from `Authorization: Bearer <token>`, if there is one.
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts.headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts).ok_or(ApiError::NotSignedIn)?;
        if !password::well_formed_token(token) {
            return Err(ApiError::NotSignedIn);
        }
        let hash = password::token_hash(token);
        let session = state
            .db
            .session_by_token_hash(&hash)
            .await?
            .ok_or(ApiError::NotSignedIn)?;
        let ClientIp(client_ip) = match ClientIp::from_request_parts(parts, state).await {
            Ok(ip) => ip,
            Err(never) => match never {},
        };
        let now = Utc::now();
        if session.revoked || session.disabled {
            Event::new(EventKind::RevokedSessionUsed)
                .officer(&session.officer_id)
                .device(&session.device_id)
                .ip(client_ip)
                .detail(if session.disabled {
                    "account disabled"
                } else {
                    "session revoked"
                })
                .record(&state.accounts)
                .await;
            return Err(ApiError::SessionRevoked);
        }
        if now >= session.expires_at {
            return Err(ApiError::SessionExpired);
        }
        if now - session.last_seen_at >= LAST_SEEN_EVERY {
            let accounts = state.accounts.clone();
            let id = session.session_id;
            tokio::spawn(async move {
                if let Err(e) = accounts.touch_session(id, now).await {
                    tracing::warn!(error = %e, "could not note a session's last use");
                }
            });
        }
        Ok(Self {
            session_id: session.session_id,
            user_id: session.user_id,
            officer_id: session.officer_id,
            display_name: session.display_name,
            role: session.role,
            device_id: session.device_id,
            expires_at: session.expires_at,
            client_ip,
        })
    }
}

/// Refuses with 403 and records why (never the data asked for).
pub async fn deny(state: &AppState, caller: &Caller, why: &str) -> ApiError {
    caller
        .event(EventKind::PermissionDenied)
        .detail(why)
        .record(&state.accounts)
        .await;
    ApiError::Forbidden
}

fn valid_device_id(device_id: &str) -> bool {
    let n = device_id.chars().count();
    (1..=MAX_DEVICE_ID).contains(&n) && !device_id.chars().any(char::is_control)
}

/// `POST /api/v1/auth/sign-in`.
#[utoipa::path(
    post,
    path = "/api/v1/auth/sign-in",
    tag = "auth",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in: a session token bound to the device", body = SignInResponse),
        (status = 401, description = "Officer ID or password not recognised", body = ApiErrorBody),
        (status = 400, description = "Bad query or body", body = ApiErrorBody),
        (status = 408, description = "The body took too long to arrive", body = ApiErrorBody),
        (status = 413, description = "The body is too large", body = ApiErrorBody),
        (status = 415, description = "The body is not application/json", body = ApiErrorBody),
        (status = 429, description = "Too many failed sign-ins", body = ApiErrorBody),
        (status = 503, description = "Busy or shutting down; see Retry-After", body = ApiErrorBody),
    )
)]
pub async fn sign_in(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    JsonBody(bytes): JsonBody,
) -> Result<Json<SignInResponse>, ApiError> {
    // Serde's messages can quote what was sent: say only what is expected.
    let req: SignInRequest = serde_json::from_slice(&bytes).map_err(|_| {
        ApiError::BadRequest(
            "send {\"officer_id\", \"password\", \"device_id\"}, each a string".into(),
        )
    })?;
    drop(bytes);
    if !valid_device_id(&req.device_id) {
        return Err(ApiError::BadRequest(format!(
            "device_id must have 1 to {MAX_DEVICE_ID} characters and no control characters"
        )));
    }
    let auth = &state.auth;
    let key = limit::account_key(&req.officer_id);
    let Some(_in_flight) = auth.enter(ip) else {
        return Err(ApiError::Busy {
            retry_after_s: IN_FLIGHT_RETRY_S,
        });
    };
    let reserved = auth
        .limiter
        .reserve(&state.accounts, &key, ip, Utc::now())
        .await?;
    let reservation = match reserved {
        Ok(r) => r,
        Err(wait) => {
            // Logged only: a flood of these must not fill the table.
            Event::new(EventKind::SignInThrottled)
                .officer(&req.officer_id)
                .device(&req.device_id)
                .ip(ip)
                .log();
            return Err(ApiError::TooManyAttempts {
                retry_after_s: (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1),
            });
        }
    };
    // This officer ID's turn (the slow-down): a short wait, no lockout.
    if !reservation.wait.is_zero() {
        tokio::time::sleep(reservation.wait).await;
    }
    let user = match req.officer_id.trim() {
        "" => None,
        id => state.db.user_by_officer_id(id).await?,
    };
    // The same work whether the officer ID is known or not.
    let phc = user
        .as_ref()
        .map_or_else(|| auth.dummy_hash.clone(), |u| u.password_hash.clone());
    let Some(matches) = auth.verify(ip, req.password, phc).await else {
        auth.limiter
            .settle(&state.accounts, &key, ip, &reservation, Settled::NotTried)
            .await?;
        return Err(ApiError::Busy {
            retry_after_s: BUSY_RETRY_S,
        });
    };
    let failure = match &user {
        None => Some("unknown officer ID"),
        Some(_) if !matches => Some("wrong password"),
        Some(u) if u.disabled => Some("account disabled"),
        Some(_) => None,
    };
    let (Some(user), None) = (user, failure) else {
        // Counted already, when reserved.
        Event::new(EventKind::SignInFailed)
            .officer(&req.officer_id)
            .device(&req.device_id)
            .ip(ip)
            .detail(failure.unwrap_or_default())
            .record(&state.accounts)
            .await;
        return Err(ApiError::SignInFailed);
    };
    auth.limiter
        .settle(&state.accounts, &key, ip, &reservation, Settled::Succeeded)
        .await?;
    let (token, hash) = password::new_token().map_err(|e| ApiError::Internal(e.to_string()))?;
    // Stored with microseconds: answer the same instant `me` will.
    let now = Utc::now().trunc_subsecs(6);
    let expires_at = now + auth.config.session_lifetime;
    let event = Event::new(EventKind::SignIn)
        .officer(&user.officer_id)
        .device(&req.device_id)
        .ip(ip);
    state
        .accounts
        .create_session(
            &NewSession {
                user_id: user.user_id,
                device_id: &req.device_id,
                token_hash: &hash,
                created_at: now,
                expires_at,
            },
            &event.row(),
        )
        .await?;
    event.log();
    let teams = state.db.user_teams(user.user_id).await?;
    Ok(Json(SignInResponse {
        token,
        expires_at,
        user: UserInfo {
            officer_id: user.officer_id,
            display_name: user.display_name,
            role: user.role,
            teams,
        },
    }))
}

/// `POST /api/v1/auth/sign-out`: ends the calling session. 204.
#[utoipa::path(
    post,
    path = "/api/v1/auth/sign-out",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The session is ended"),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
    )
)]
pub async fn sign_out(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let event = caller.event(EventKind::SignOut);
    state
        .accounts
        .revoke_session(caller.session_id, "signed_out", &event.row())
        .await?;
    event.log();
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/me`.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user and when the session ends", body = MeResponse),
        (status = 401, description = "Not signed in, or the session ended or was revoked", body = ApiErrorBody),
    )
)]
pub async fn me(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<MeResponse>, ApiError> {
    let teams = state.db.user_teams(caller.user_id).await?;
    Ok(Json(MeResponse {
        expires_at: caller.expires_at,
        user: UserInfo {
            officer_id: caller.officer_id,
            display_name: caller.display_name,
            role: caller.role,
            teams,
        },
    }))
}

/// Shared handle for the router.
pub type SharedAuth = Arc<AuthState>;

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(auth: Option<&str>) -> Parts {
        let mut b = Request::builder().uri("/api/v1/me");
        if let Some(a) = auth {
            b = b.header(AUTHORIZATION, a);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn only_the_bearer_header_carries_a_token() {
        assert_eq!(bearer(&parts(Some("Bearer abc"))), Some("abc"));
        assert_eq!(bearer(&parts(Some("bearer  abc "))), Some("abc"));
        assert_eq!(bearer(&parts(Some("Basic abc"))), None);
        assert_eq!(bearer(&parts(Some("Bearer"))), None);
        assert_eq!(bearer(&parts(None)), None);
    }

    #[test]
    fn device_ids() {
        assert!(valid_device_id("phone-7f3a"));
        assert!(!valid_device_id(""));
        assert!(!valid_device_id("a\nb"));
        assert!(!valid_device_id(&"d".repeat(101)));
    }
}
