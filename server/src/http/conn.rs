//! Serving connections with bounds (issue #9, item 5): how long a client
//! may take to send its headers and its body, how long an idle keep-alive
//! connection stays open, how many connections are open at once, and how
//! many large pushes are read at once. Over a bound the answer is a 503
//! with `Retry-After` or a closed connection, never a hang.
//!
//! `axum::serve` has none of these (no header read timeout: 300
//! connections trickling a byte every 5 s stayed open for good and ran
//! the process out of file descriptors), so the accept loop is here, on
//! hyper's HTTP/1 connection builder.
use axum::extract::ConnectInfo;
use axum::extract::Request;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Defaults of the `serve` flags (see `server/README.md` for why).
pub const DEFAULT_HEADER_TIMEOUT_S: u64 = 10;
pub const DEFAULT_BODY_TIMEOUT_S: u64 = 30;
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
pub const DEFAULT_MAX_LARGE_PUSHES: usize = 8;
/// A push body above this (or of unknown length) is "large": the app's
/// batches are at most 256 KiB, so its pushes are never held up.
pub const LARGE_PUSH_BYTES: u64 = 256 * 1024;
/// How long a large push waits for its turn before the answer is 503.
pub const LARGE_PUSH_WAIT: Duration = Duration::from_secs(2);
/// File descriptors kept for the database, logs and the listener when the
/// connection cap is fitted under the process's open-file limit.
const SPARE_FDS: usize = 64;
/// Connections over the cap that are answered 503 at once; past that many
/// at the same moment, a new one is closed without an answer.
const REFUSING_AT_ONCE: usize = 64;
/// Most bytes read from an over-the-cap connection before it is answered.
const REFUSAL_READ: usize = 16 * 1024;
/// How long an over-the-cap connection is given to send its request and
/// read its 503.
const REFUSAL_LINGER: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnLimits {
    /// Time to send a request's headers; also how long a keep-alive
    /// connection may sit idle (hyper starts the header timer as soon as
    /// it waits for the next request).
    pub header_timeout: Duration,
    /// Time to send a request's body.
    pub body_timeout: Duration,
    /// Connections open at once; over it, 503 and closed.
    pub max_connections: usize,
    /// Large push bodies being read and handled at once.
    pub max_large_pushes: usize,
}

impl Default for ConnLimits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(DEFAULT_HEADER_TIMEOUT_S),
            body_timeout: Duration::from_secs(DEFAULT_BODY_TIMEOUT_S),
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_large_pushes: DEFAULT_MAX_LARGE_PUSHES,
        }
    }
}

/// The process's soft open-file limit, if it can be read (Linux).
fn open_file_limit() -> Option<usize> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

/// The connection cap actually used: the one asked for, lowered to fit
/// under the open-file limit, since running out of descriptors stops
/// accepting altogether (the hang this module exists to prevent).
pub fn fitted_max_connections(asked: usize) -> usize {
    match open_file_limit() {
        Some(fds) if asked + SPARE_FDS > fds => {
            let fitted = fds.saturating_sub(SPARE_FDS).max(1);
            tracing::warn!(
                asked,
                open_file_limit = fds,
                fitted,
                "--max-connections is above the open-file limit; using {fitted} (raise `ulimit -n` for more)"
            );
            fitted
        }
        _ => asked,
    }
}

/// A request body that did not arrive whole by its deadline (408).
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive in time")]
pub struct BodyTimedOut;

/// A request body with a deadline for the whole of it. tower-http's
/// `RequestBodyTimeout` restarts its clock at every frame, so a client
/// trickling a byte at a time would never reach it.
struct DeadlineBody {
    inner: Incoming,
    deadline: Pin<Box<tokio::time::Sleep>>,
}

impl http_body::Body for DeadlineBody {
    type Data = bytes::Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let this = &mut *self;
        if let Poll::Ready(frame) = Pin::new(&mut this.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|f| f.map_err(Into::into)));
        }
        if this.deadline.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Some(Err(Box::new(BodyTimedOut))));
        }
        Poll::Pending
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

/// The request as the router takes it: the peer's address as
/// `ConnectInfo` (what `into_make_service_with_connect_info` gave
/// handlers), and a body with a deadline unless there is no body.
fn prepare(req: hyper::Request<Incoming>, peer: SocketAddr, body_timeout: Duration) -> Request {
    use http_body::Body as _;
    let mut req = req.map(|body| {
        if body.is_end_stream() {
            axum::body::Body::new(body)
        } else {
            axum::body::Body::new(DeadlineBody {
                inner: body,
                deadline: Box::pin(tokio::time::sleep(body_timeout)),
            })
        }
    });
    req.extensions_mut().insert(ConnectInfo(peer));
    req
}

/// The whole answer to a connection over the cap.
fn busy_response() -> Vec<u8> {
    let body = r#"{"error":"unavailable","message":"The server is busy; try again shortly"}"#;
    format!(
        "HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-type: application/json\r\n\
         cache-control: no-store\r\nx-content-type-options: nosniff\r\nconnection: close\r\n\
         content-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Answers 503 without handling the request: reads its head (16 KiB at
/// most), answers, then reads and drops what else the client sent for a
/// moment, so that closing does not reset the connection before the
/// client has read the answer; all within a second.
fn refuse(mut stream: TcpStream, refusing: &Arc<Semaphore>, answer: Arc<[u8]>) {
    let Ok(permit) = Arc::clone(refusing).try_acquire_owned() else {
        // A flood: close at once (still an answer of sorts, not a hang).
        return;
    };
    tokio::spawn(async move {
        let _permit = permit;
        let _ = tokio::time::timeout(REFUSAL_LINGER, async {
            // Wait for the request's head first: a client gets confused by
            // an answer that comes before its question.
            let mut seen = Vec::new();
            let mut chunk = [0u8; 4096];
            while seen.len() < REFUSAL_READ && !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                let n = stream.read(&mut chunk).await?;
                if n == 0 {
                    return Ok(());
                }
                seen.extend_from_slice(chunk.get(..n).unwrap_or_default());
            }
            stream.write_all(&answer).await?;
            stream.shutdown().await?;
            while stream.read(&mut chunk).await? > 0 {}
            Ok::<_, std::io::Error>(())
        })
        .await;
    });
}

/// Accepts and serves until `shutdown` completes, then stops accepting and
/// waits for the open connections to finish their requests.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let open = Arc::new(Semaphore::new(fitted_max_connections(
        limits.max_connections,
    )));
    let refusing = Arc::new(Semaphore::new(REFUSING_AT_ONCE));
    let answer: Arc<[u8]> = busy_response().into();
    let graceful = GracefulShutdown::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .keep_alive(true);
    tokio::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of descriptors or memory, or a connection reset while
                // queued: wait a moment rather than spin.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&open).try_acquire_owned() else {
            refuse(stream, &refusing, Arc::clone(&answer));
            continue;
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let body_timeout = limits.body_timeout;
        let service = hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
            router.clone().oneshot(prepare(req, peer, body_timeout))
        });
        let conn = builder.serve_connection(TokioIo::new(stream), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            if let Err(e) = conn.await {
                // Header timeouts, resets and bad requests: the client's doing.
                tracing::debug!(error = %e, %peer, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_answer_is_well_formed() {
        let text = String::from_utf8(busy_response()).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 503 "));
        assert!(head.contains(&format!("content-length: {}", body.len())));
        let body: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(body["error"], "unavailable");
    }

    #[test]
    fn the_cap_fits_under_the_open_file_limit() {
        let fds = open_file_limit().unwrap();
        assert!(fitted_max_connections(usize::MAX / 2) + SPARE_FDS <= fds.max(SPARE_FDS + 1));
        assert_eq!(fitted_max_connections(1), 1);
    }
}
