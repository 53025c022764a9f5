//! `bench-sign-in`: what the sign-in path costs a running server, one
//! attempt at a time over one kept-alive connection (so the figures are
//! the server's work, not the client's or the connection's):
//! - wrong passwords for officer IDs nobody has: each checked against the
//!   limits and counted, verified against the dummy hash (Argon2id, as a
//!   known ID would be) and logged as a security event;
//! - attempts at a locked (officer ID, address) pair: refused by the
//!   limits before any hashing, so this is the limits' check alone.
//!
//! Prints one line per kind: `kind n=N median_ms=X p90_ms=Y mean_ms=Z`.
//! A server on a fresh database, with nothing else going on, gives figures
//! to compare between builds (`scripts/bench-sign-in-cost.sh`).
use reqwest::{Client, StatusCode};
use std::io::Write;
use std::time::{Duration, Instant};
use thiserror::Error;

use crate::cli::SignInCostArgs;

/// The per-address limit is 200 failures in 15 minutes: a run stays
/// below it (with the five that lock the pair), or its own attempts
/// would start being refused.
pub const MAX_WRONG: usize = 190;
/// Failures that lock a pair (the server's default limit).
const LOCK_AFTER: usize = 5;

#[derive(Debug, Error)]
pub enum SignInCostError {
    #[error("{0}")]
    Invalid(String),
    #[error("HTTP: {0}")]
    Http(#[from] reqwest::Error),
    #[error("{what}: expected {want}, the server answered {got}")]
    Unexpected {
        what: &'static str,
        want: StatusCode,
        got: StatusCode,
    },
    #[error("writing the output: {0}")]
    Io(#[from] std::io::Error),
}

/// Latencies of one kind of attempt, in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Figures {
    pub kind: &'static str,
    pub ms: Vec<f64>,
}

impl Figures {
    /// The value at `q` (0 to 1) of the sorted latencies.
    pub fn quantile(&self, q: f64) -> f64 {
        let mut sorted = self.ms.clone();
        sorted.sort_by(f64::total_cmp);
        let last = sorted.len().saturating_sub(1);
        let at = ((last as f64) * q).round() as usize;
        sorted.get(at.min(last)).copied().unwrap_or(0.0)
    }

    pub fn mean(&self) -> f64 {
        self.ms.iter().sum::<f64>() / self.ms.len().max(1) as f64
    }

    pub fn line(&self) -> String {
        format!(
            "{} n={} median_ms={:.2} p90_ms={:.2} mean_ms={:.2}",
            self.kind,
            self.ms.len(),
            self.quantile(0.5),
            self.quantile(0.9),
            self.mean()
        )
    }
}

struct Target {
    client: Client,
    url: String,
}

impl Target {
    /// One sign-in; its status and how long the answer took.
    async fn sign_in(&self, officer_id: &str) -> Result<(StatusCode, f64), SignInCostError> {
        let body = serde_json::json!({
            "officer_id": officer_id,
            "password": "not the password",
            "device_id": "bench-sign-in",
        });
        let start = Instant::now();
        let res = self.client.post(&self.url).json(&body).send().await?;
        let status = res.status();
        // The whole answer is read: that is when the client has it.
        res.bytes().await?;
        Ok((status, start.elapsed().as_secs_f64() * 1000.0))
    }

    async fn expect(
        &self,
        what: &'static str,
        officer_id: &str,
        want: StatusCode,
    ) -> Result<f64, SignInCostError> {
        let (got, ms) = self.sign_in(officer_id).await?;
        if got != want {
            return Err(SignInCostError::Unexpected { what, want, got });
        }
        Ok(ms)
    }
}

pub async fn run(args: &SignInCostArgs, out: &mut dyn Write) -> Result<(), SignInCostError> {
    if args.wrong == 0 || args.wrong > MAX_WRONG || args.refused == 0 {
        return Err(SignInCostError::Invalid(format!(
            "--wrong must be 1 to {MAX_WRONG} and --refused at least 1"
        )));
    }
    let target = Target {
        client: Client::builder()
            .timeout(Duration::from_secs(30))
            .no_proxy()
            .tcp_nodelay(true)
            .build()?,
        url: format!("{}/api/v1/auth/sign-in", args.url.trim_end_matches('/')),
    };
    // One untimed attempt: the connection and the server's first hash.
    target
        .expect("warm-up", "bench-warm-up", StatusCode::UNAUTHORIZED)
        .await?;
    let mut wrong = Figures {
        kind: "wrong_password",
        ms: Vec::with_capacity(args.wrong),
    };
    for n in 0..args.wrong {
        let ms = target
            .expect(
                "a wrong password",
                &format!("bench-{n}"),
                StatusCode::UNAUTHORIZED,
            )
            .await?;
        wrong.ms.push(ms);
    }
    writeln!(out, "{}", wrong.line())?;
    for _ in 0..LOCK_AFTER {
        target
            .expect("locking a pair", "bench-locked", StatusCode::UNAUTHORIZED)
            .await?;
    }
    let mut refused = Figures {
        kind: "refused_locked_pair",
        ms: Vec::with_capacity(args.refused),
    };
    for _ in 0..args.refused {
        let ms = target
            .expect(
                "an attempt at a locked pair",
                "bench-locked",
                StatusCode::TOO_MANY_REQUESTS,
            )
            .await?;
        refused.ms.push(ms);
    }
    writeln!(out, "{}", refused.line())?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_of_the_sorted_latencies() {
        let f = Figures {
            kind: "k",
            ms: vec![5.0, 1.0, 3.0, 2.0, 4.0],
        };
        assert_eq!(
            (f.quantile(0.5), f.quantile(0.9), f.mean()),
            (3.0, 5.0, 3.0)
        );
        assert_eq!(f.line(), "k n=5 median_ms=3.00 p90_ms=5.00 mean_ms=3.00");
    }
}
