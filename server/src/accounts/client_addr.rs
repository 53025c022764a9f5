//! Who the client is: the TCP peer, or, when the peer is a reverse proxy
//! the operator listed (`serve --trusted-proxy`), the address that proxy
//! says it forwarded for. The header is believed only from a listed peer:
//! anyone else could write any address into it and so pick their own
//! sign-in limits.
use axum::http::HeaderMap;
use std::net::{IpAddr, Ipv6Addr};
use std::str::FromStr;
use thiserror::Error;

/// Most forwarded hops read from the headers (a longer chain is cut from
/// the left): the walk is linear in it, and no real deployment has more.
const MAX_HOPS: usize = 32;

/// An IP network, `10.0.0.0/8`, `2001:db8::/32`, or one address (`/32`,
/// `/128` implied).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    net: IpAddr,
    prefix: u8,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum CidrError {
    #[error("{0:?} is not an IP address or network (e.g. 10.0.0.0/8, 2001:db8::/32, 192.0.2.7)")]
    Address(String),
    #[error("{0:?}: the prefix length must be 0 to {1}")]
    Prefix(String, u8),
    #[error("{0:?}: the address has bits set beyond the prefix (did you mean {1}?)")]
    HostBits(String, String),
}

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Self, CidrError> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let net: IpAddr = addr.parse().map_err(|_| CidrError::Address(s.to_owned()))?;
        let max = max_prefix(net);
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| CidrError::Prefix(s.to_owned(), max))?,
        };
        let cidr = Self { net, prefix };
        // A typo such as 10.1.2.3/8 is refused rather than silently widened.
        if mask(net, prefix) != net {
            let fixed = Self {
                net: mask(net, prefix),
                prefix,
            };
            return Err(CidrError::HostBits(s.to_owned(), fixed.to_string()));
        }
        Ok(cidr)
    }
}

impl std::fmt::Display for Cidr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.net, self.prefix)
    }
}

impl Cidr {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        matches!(
            (self.net, ip),
            (IpAddr::V4(_), IpAddr::V4(_)) | (IpAddr::V6(_), IpAddr::V6(_))
        ) && mask(ip, self.prefix) == self.net
    }
}

fn max_prefix(ip: IpAddr) -> u8 {
    match ip {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// `ip` with every bit past `prefix` cleared.
fn mask(ip: IpAddr, prefix: u8) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => {
            let bits = u32::from(v4);
            let m = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            IpAddr::from((bits & m).to_be_bytes())
        }
        IpAddr::V6(v6) => {
            let bits = u128::from(v6);
            let m = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            IpAddr::V6(Ipv6Addr::from(bits & m))
        }
    }
}

/// The key sign-in limits count under: an IPv4 address as it is, an IPv6
/// address by its /64. One subscriber (a phone, a home, a small office) is
/// usually given a whole /64 and can pick any address in it, so counting
/// single IPv6 addresses would give one attacker 2^64 fresh budgets.
/// IPv4-mapped IPv6 addresses count as the IPv4 address they carry.
pub fn limit_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        v4 @ IpAddr::V4(_) => v4,
        v6 @ IpAddr::V6(_) => mask(v6, 64),
    }
}

/// The client's address for a request from `peer`: the peer itself unless
/// it is one of `trusted`; then the forwarded chain is walked from the
/// right (the hop nearest us, written by the trusted proxy) past every
/// trusted hop, and the first address not trusted is the client. A hop
/// that cannot be read stops the walk at the last trusted one: what lies
/// left of it could have been written by anyone.
///
/// `X-Forwarded-For` is read when present, else `Forwarded` (RFC 7239,
/// its `for=` parameters): a proxy in the list must set the one it uses,
/// and one that sets only `Forwarded` must drop a client's
/// `X-Forwarded-For` (see `server/README.md`).
pub fn client_addr(peer: IpAddr, headers: &HeaderMap, trusted: &[Cidr]) -> IpAddr {
    let peer = peer.to_canonical();
    let is_trusted = |ip: IpAddr| trusted.iter().any(|c| c.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let hops = forwarded_hops(headers);
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = hop else {
            break;
        };
        client = ip.to_canonical();
        if !is_trusted(client) {
            break;
        }
    }
    client
}

/// The forwarded chain, leftmost (the original client) first; `None` for
/// a hop that is not an address (`unknown`, `_hidden`, garbage).
fn forwarded_hops(headers: &HeaderMap) -> Vec<Option<IpAddr>> {
    let xff: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .map(|v| v.to_str().unwrap_or("\u{0}"))
        .collect();
    let mut hops: Vec<Option<IpAddr>> = if xff.is_empty() {
        headers
            .get_all("forwarded")
            .iter()
            .flat_map(|v| {
                let v = v.to_str().unwrap_or("for=\u{0}");
                v.split(',')
                    .map(|element| {
                        element
                            .split(';')
                            .filter_map(|pair| pair.split_once('='))
                            .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                            .and_then(|(_, v)| parse_hop(v))
                    })
                    .collect::<Vec<_>>()
            })
            .collect()
    } else {
        xff.iter()
            .flat_map(|v| v.split(',').map(parse_hop).collect::<Vec<_>>())
            .collect()
    };
    if hops.len() > MAX_HOPS {
        hops.drain(..hops.len() - MAX_HOPS);
    }
    hops
}

/// One hop: `192.0.2.7`, `192.0.2.7:4711`, `2001:db8::1`, `[2001:db8::1]`,
/// `[2001:db8::1]:4711`, optionally quoted (`Forwarded`).
fn parse_hop(text: &str) -> Option<IpAddr> {
    let t = text.trim().trim_matches('"');
    if let Ok(ip) = t.parse::<IpAddr>() {
        return Some(ip);
    }
    if let Some(rest) = t.strip_prefix('[') {
        let (inner, _) = rest.split_once(']')?;
        return inner.parse::<Ipv6Addr>().ok().map(IpAddr::V6);
    }
    let (host, port) = t.rsplit_once(':')?;
    port.parse::<u16>().ok()?;
    host.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    #[test]
    fn cidrs_parse_and_match() {
        let c: Cidr = "10.0.0.0/8".parse().unwrap();
        assert!(c.contains(ip("10.200.1.1")));
        assert!(!c.contains(ip("11.0.0.1")));
        assert!(c.contains(ip("::ffff:10.1.2.3")));
        assert!(!c.contains(ip("::1")));
        let one: Cidr = "192.0.2.7".parse().unwrap();
        assert_eq!(one.to_string(), "192.0.2.7/32");
        assert!(one.contains(ip("192.0.2.7")) && !one.contains(ip("192.0.2.8")));
        let v6: Cidr = "2001:db8::/32".parse().unwrap();
        assert!(v6.contains(ip("2001:db8:ffff::1")));
        assert!("0.0.0.0/0".parse::<Cidr>().unwrap().contains(ip("8.8.8.8")));
        assert!(matches!(
            "10.1.2.3/8".parse::<Cidr>(),
            Err(CidrError::HostBits(_, fixed)) if fixed == "10.0.0.0/8"
        ));
        assert!(matches!(
            "10.0.0.0/33".parse::<Cidr>(),
            Err(CidrError::Prefix(..))
        ));
        assert!(matches!(
            "proxy.local".parse::<Cidr>(),
            Err(CidrError::Address(_))
        ));
    }

    #[test]
    fn ipv6_counts_per_64() {
        assert_eq!(
            limit_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(limit_key(ip("2001:db8:1:2::1")), ip("2001:db8:1:2::"));
        assert_ne!(limit_key(ip("2001:db8:1:3::1")), ip("2001:db8:1:2::"));
        assert_eq!(limit_key(ip("::ffff:192.0.2.1")), ip("192.0.2.1"));
        assert_eq!(limit_key(ip("192.0.2.1")), ip("192.0.2.1"));
    }

    #[test]
    fn headers_are_ignored_from_an_untrusted_peer() {
        let h = headers(&[
            ("x-forwarded-for", "203.0.113.9"),
            ("forwarded", "for=1.2.3.4"),
        ]);
        assert_eq!(client_addr(ip("198.51.100.1"), &h, &[]), ip("198.51.100.1"));
        let trusted = ["10.0.0.0/8".parse().unwrap()];
        assert_eq!(
            client_addr(ip("198.51.100.1"), &h, &trusted),
            ip("198.51.100.1")
        );
    }

    #[test]
    fn a_trusted_proxy_is_walked_past_from_the_right() {
        let trusted: Vec<Cidr> = vec!["10.0.0.0/8".parse().unwrap()];
        let peer = ip("10.0.0.2");
        // What the client wrote (the left) is not believed past the first
        // untrusted hop.
        let h = headers(&[("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.0.0.3")]);
        assert_eq!(client_addr(peer, &h, &trusted), ip("203.0.113.9"));
        // Several header lines read as one list.
        let h = headers(&[
            ("x-forwarded-for", "6.6.6.6"),
            ("x-forwarded-for", "203.0.113.9:5555"),
        ]);
        assert_eq!(client_addr(peer, &h, &trusted), ip("203.0.113.9"));
        // No header: the proxy itself.
        assert_eq!(client_addr(peer, &HeaderMap::new(), &trusted), peer);
        // Unreadable hop: stop at the last trusted one.
        let h = headers(&[("x-forwarded-for", "203.0.113.9, garbage")]);
        assert_eq!(client_addr(peer, &h, &trusted), peer);
        // Forwarded, when there is no X-Forwarded-For.
        let h = headers(&[(
            "forwarded",
            "for=6.6.6.6, for=\"[2001:db8::7]:4711\";proto=https, for=10.1.1.1",
        )]);
        assert_eq!(client_addr(peer, &h, &trusted), ip("2001:db8::7"));
        let h = headers(&[("forwarded", "for=unknown")]);
        assert_eq!(client_addr(peer, &h, &trusted), peer);
        // Every hop trusted: the leftmost.
        let h = headers(&[("x-forwarded-for", "10.9.9.9, 10.0.0.3")]);
        assert_eq!(client_addr(peer, &h, &trusted), ip("10.9.9.9"));
    }
}
