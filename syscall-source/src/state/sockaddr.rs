//! A minimal reader of raw `struct sockaddr` bytes, enough for the state
//! tables to learn socket addresses.
//!
//! SEAM: the `params` module (another branch) provides the full sockaddr
//! parser used for rendering arguments; once both branches are merged this
//! module should delegate to `params::parse_sockaddr` and disappear.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `AF_UNIX`.
pub const AF_UNIX: u16 = 1;
/// `AF_INET`.
pub const AF_INET: u16 = 2;
/// `AF_INET6`.
pub const AF_INET6: u16 = 10;
/// `AF_NETLINK`.
pub const AF_NETLINK: u16 = 16;
/// `AF_PACKET`.
pub const AF_PACKET: u16 = 17;

/// A socket address as the state tables use it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockAddr {
    /// An IPv4 or IPv6 address and port.
    Ip(IpAddr, u16),
    /// A Unix socket path; abstract names start with `@`; empty when unnamed.
    Unix(String),
    /// Another family, by number.
    Other(u16),
}

/// Parses raw `struct sockaddr` bytes; `None` when too short to hold its family's address.
pub fn parse(bytes: &[u8]) -> Option<SockAddr> {
    let family = u16::from_le_bytes([*bytes.first()?, *bytes.get(1)?]);
    let port = || Some(u16::from_be_bytes([*bytes.get(2)?, *bytes.get(3)?]));
    match family {
        AF_INET => {
            let octets: [u8; 4] = bytes.get(4..8)?.try_into().ok()?;
            Some(SockAddr::Ip(IpAddr::V4(Ipv4Addr::from(octets)), port()?))
        }
        AF_INET6 => {
            let octets: [u8; 16] = bytes.get(8..24)?.try_into().ok()?;
            let v6 = Ipv6Addr::from(octets);
            Some(SockAddr::Ip(IpAddr::V6(v6), port()?))
        }
        AF_UNIX => {
            let path = bytes.get(2..).unwrap_or_default();
            let text = match path.split_first() {
                // Abstract namespace: a leading NUL, the name may hold NULs.
                Some((0, rest)) if !rest.is_empty() => {
                    let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
                    format!("@{}", String::from_utf8_lossy(&rest[..end]))
                }
                _ => {
                    let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
                    String::from_utf8_lossy(&path[..end]).into_owned()
                }
            };
            Some(SockAddr::Unix(text))
        }
        other => Some(SockAddr::Other(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_family_and_rejects_short_input() {
        let v4 = [2, 0, 0x1f, 0x90, 10, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(
            parse(&v4),
            Some(SockAddr::Ip("10.0.0.1".parse().unwrap(), 8080))
        );
        let mut v6 = vec![10, 0, 0, 22, 0, 0, 0, 0];
        v6.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        assert_eq!(parse(&v6), Some(SockAddr::Ip("::1".parse().unwrap(), 22)));
        assert_eq!(
            parse(b"\x01\x00/run/x.sock\x00junk"),
            Some(SockAddr::Unix("/run/x.sock".into()))
        );
        assert_eq!(
            parse(b"\x01\x00\x00abs\x00"),
            Some(SockAddr::Unix("@abs".into()))
        );
        assert_eq!(parse(&[16, 0, 0, 0]), Some(SockAddr::Other(16)));
        assert_eq!(parse(&v4[..6]), None);
        assert_eq!(parse(&[2]), None);
        assert_eq!(parse(&[]), None);
    }
}
