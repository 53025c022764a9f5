//! `beatbook-tools fault-proxy`: an HTTP/1.1 proxy that loses answers the
//! way a phone's network does. Each request goes to the upstream on the
//! client's own upstream connection; the proxy reads the whole response
//! (so the server has committed whatever the request stored), and then,
//! for a POST with probability `--drop-rate`, closes both connections
//! instead of passing the answer on. The client never hears back and must
//! retry; a server that stores the retry twice is caught by the load
//! generator's read-back. GETs are always answered, so the read-back after
//! a run is never lost.
//!
//! It understands what the server and the load generator send: messages
//! with a `Content-Length` body, or a `chunked` one, and no body else.
use crate::sample::Rng;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use thiserror::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Largest header block accepted (the server's own limit is smaller).
const MAX_HEAD: usize = 64 * 1024;
/// Largest body accepted (a push is at most 2 MiB).
const MAX_BODY: usize = 8 * 1024 * 1024;

#[derive(Debug, Error)]
pub enum ProxyError {
    #[error("listening on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("--drop-rate must be from 0 to 1, not {0}")]
    BadRate(f64),
}

/// Why one exchange ended; the connection closes on any of them.
#[derive(Debug, Error)]
enum MessageError {
    #[error("connection closed")]
    Closed,
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("malformed message: {0}")]
    Malformed(&'static str),
}

/// Which POST answers are dropped.
#[derive(Debug, Clone, Copy)]
pub enum Drops {
    /// Each with probability `rate` (from 0 to 1), the choices following `seed`.
    Rate { rate: f64, seed: u64 },
    /// The next `n`, then none.
    Next(u64),
}

/// What decides, answer by answer.
enum Chooser {
    Rate { rate: f64, rng: Rng },
    Next(u64),
}

impl Chooser {
    fn drop_next(&mut self) -> bool {
        match self {
            Self::Rate { rate, rng } => rng.unit() < *rate,
            Self::Next(n) => match n.checked_sub(1) {
                Some(left) => {
                    *n = left;
                    true
                }
                None => false,
            },
        }
    }
}

/// How many POST answers were passed on and how many dropped.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub passed: u64,
    pub dropped: u64,
}

/// A running proxy: where it listens and what it has done so far.
pub struct Proxy {
    pub addr: SocketAddr,
    counts: Arc<Mutex<Counts>>,
}

impl Proxy {
    pub fn counts(&self) -> Counts {
        *self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Starts the proxy on `listen` (port 0: one the system picks) in front of
/// `upstream`, dropping the POST answers `drops` says.
pub async fn start(
    listen: SocketAddr,
    upstream: SocketAddr,
    drops: Drops,
) -> Result<Proxy, ProxyError> {
    let chooser = match drops {
        Drops::Rate { rate, .. } if !(0.0..=1.0).contains(&rate) => {
            return Err(ProxyError::BadRate(rate))
        }
        Drops::Rate { rate, seed } => Chooser::Rate {
            rate,
            rng: Rng::new(seed),
        },
        Drops::Next(n) => Chooser::Next(n),
    };
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| ProxyError::Bind {
            addr: listen,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ProxyError::Bind {
        addr: listen,
        source,
    })?;
    let counts = Arc::new(Mutex::new(Counts::default()));
    let chooser = Arc::new(Mutex::new(chooser));
    let shared = Arc::clone(&counts);
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            let counts = Arc::clone(&shared);
            let chooser = Arc::clone(&chooser);
            tokio::spawn(async move {
                // Any error ends this client's connection, nothing else.
                let _ = relay(client, upstream, &chooser, &counts).await;
            });
        }
    });
    Ok(Proxy { addr, counts })
}

async fn relay(
    mut client: TcpStream,
    upstream: SocketAddr,
    chooser: &Mutex<Chooser>,
    counts: &Mutex<Counts>,
) -> Result<(), MessageError> {
    let mut server = TcpStream::connect(upstream).await?;
    let mut from_client = Vec::new();
    let mut from_server = Vec::new();
    loop {
        let request = read_message(&mut client, &mut from_client).await?;
        let is_post = request.starts_with(b"POST ");
        server.write_all(&request).await?;
        let response = read_message(&mut server, &mut from_server).await?;
        if is_post {
            let drop = chooser
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .drop_next();
            let mut counts = counts.lock().unwrap_or_else(PoisonError::into_inner);
            if drop {
                counts.dropped += 1;
                // Both connections close here: the answer is lost after the
                // server did the work.
                return Ok(());
            }
            counts.passed += 1;
        }
        client.write_all(&response).await?;
    }
}

/// Reads one whole HTTP/1.1 message from `stream`; `buf` keeps what was
/// read past it (a pipelined next message).
async fn read_message(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<Vec<u8>, MessageError> {
    let head_end = loop {
        if let Some(pos) = find(buf, b"\r\n\r\n") {
            break pos + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err(MessageError::Malformed("header block too large"));
        }
        fill(stream, buf).await?;
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(name))
            .map(|v| v.trim().to_owned())
    };
    let end = if header("transfer-encoding:").is_some_and(|v| v.contains("chunked")) {
        chunked_end(stream, buf, head_end).await?
    } else {
        let length = match header("content-length:") {
            Some(v) => v
                .parse::<usize>()
                .map_err(|_| MessageError::Malformed("bad Content-Length"))?,
            None => 0,
        };
        if length > MAX_BODY {
            return Err(MessageError::Malformed("body too large"));
        }
        while buf.len() < head_end + length {
            fill(stream, buf).await?;
        }
        head_end + length
    };
    let rest = buf.split_off(end);
    Ok(std::mem::replace(buf, rest))
}

/// Where a chunked body that starts at `start` ends (after its last chunk
/// and the empty trailer).
async fn chunked_end(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    start: usize,
) -> Result<usize, MessageError> {
    let mut at = start;
    loop {
        let line_end = loop {
            if let Some(pos) = find(&buf[at..], b"\r\n") {
                break at + pos;
            }
            fill(stream, buf).await?;
        };
        let size_text = String::from_utf8_lossy(&buf[at..line_end]);
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| MessageError::Malformed("bad chunk size"))?;
        if size > MAX_BODY || at - start > MAX_BODY {
            return Err(MessageError::Malformed("body too large"));
        }
        at = line_end + 2;
        if size == 0 {
            // Trailer fields (none expected), then the empty line.
            loop {
                let line_end = loop {
                    if let Some(pos) = find(&buf[at..], b"\r\n") {
                        break at + pos;
                    }
                    fill(stream, buf).await?;
                };
                let empty = line_end == at;
                at = line_end + 2;
                if empty {
                    return Ok(at);
                }
            }
        }
        while buf.len() < at + size + 2 {
            fill(stream, buf).await?;
        }
        at += size + 2;
    }
}

async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<(), MessageError> {
    let mut chunk = [0u8; 16 * 1024];
    let n = stream.read(&mut chunk).await?;
    if n == 0 {
        return Err(MessageError::Closed);
    }
    buf.extend_from_slice(&chunk[..n]);
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upstream that answers every request with `body`, chunked or not.
    async fn upstream(chunked: bool) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    while read_message(&mut s, &mut buf).await.is_ok() {
                        let answer: &[u8] = if chunked {
                            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
                        } else {
                            b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nabcde"
                        };
                        if s.write_all(answer).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        addr
    }

    async fn exchange(addr: SocketAddr, request: &[u8]) -> Option<Vec<u8>> {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(request).await.unwrap();
        let mut buf = Vec::new();
        read_message(&mut s, &mut buf).await.ok()
    }

    #[tokio::test]
    async fn posts_lose_about_the_rate_asked_and_gets_are_always_answered() {
        for chunked in [false, true] {
            let drops = Drops::Rate { rate: 0.2, seed: 7 };
            let proxy = start(
                "127.0.0.1:0".parse().unwrap(),
                upstream(chunked).await,
                drops,
            )
            .await
            .unwrap();
            let post = b"POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: 4\r\n\r\nbody";
            let mut answered = 0;
            for _ in 0..500 {
                if let Some(answer) = exchange(proxy.addr, post).await {
                    assert!(answer.ends_with(if chunked { b"0\r\n\r\n" } else { b"abcde" }));
                    answered += 1;
                }
            }
            let counts = proxy.counts();
            assert_eq!(counts.passed, answered);
            assert_eq!(counts.passed + counts.dropped, 500);
            assert!((70..=130).contains(&counts.dropped), "{counts:?}");
            for _ in 0..50 {
                let get = b"GET /x HTTP/1.1\r\nhost: a\r\n\r\n";
                assert!(exchange(proxy.addr, get).await.is_some());
            }
        }
    }

    #[tokio::test]
    async fn the_next_three_are_dropped_and_then_none() {
        let proxy = start(
            "127.0.0.1:0".parse().unwrap(),
            upstream(false).await,
            Drops::Next(3),
        )
        .await
        .unwrap();
        let post = b"POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: 0\r\n\r\n";
        let mut answered = Vec::new();
        for _ in 0..6 {
            answered.push(exchange(proxy.addr, post).await.is_some());
        }
        assert_eq!(answered, [false, false, false, true, true, true]);
        assert_eq!(proxy.counts().dropped, 3);
    }

    #[tokio::test]
    async fn a_rate_outside_zero_to_one_is_refused() {
        let up = upstream(false).await;
        for rate in [-0.1, 1.5, f64::NAN] {
            let drops = Drops::Rate { rate, seed: 1 };
            let e = start("127.0.0.1:0".parse().unwrap(), up, drops).await;
            assert!(matches!(e, Err(ProxyError::BadRate(_))));
        }
    }
}
