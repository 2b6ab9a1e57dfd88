//! Socket addresses as the state tables need them: an IP and port, a Unix
//! path, or just the family. The bytes are read by
//! [`params::parse_sockaddr`](crate::params::parse_sockaddr), the one parser
//! of raw `struct sockaddr` in the crate; this module only narrows its answer.

use crate::params::{
    self, SockAddr as Parsed,
    flags::socket::{AF_NETLINK, AF_PACKET},
};
use std::net::IpAddr;

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
    Some(match params::parse_sockaddr(bytes)? {
        Parsed::Inet(v4) => SockAddr::Ip(IpAddr::V4(*v4.ip()), v4.port()),
        Parsed::Inet6(v6) => SockAddr::Ip(IpAddr::V6(*v6.ip()), v6.port()),
        Parsed::Unix(path) => SockAddr::Unix(path),
        Parsed::Netlink { .. } => SockAddr::Other(AF_NETLINK),
        Parsed::Packet { .. } => SockAddr::Other(AF_PACKET),
        Parsed::Other { family } => SockAddr::Other(family),
    })
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
        v6.extend_from_slice(&std::net::Ipv6Addr::LOCALHOST.octets());
        assert_eq!(parse(&v6), Some(SockAddr::Ip("::1".parse().unwrap(), 22)));
        assert_eq!(
            parse(b"\x01\x00/run/x.sock\x00junk"),
            Some(SockAddr::Unix("/run/x.sock".into()))
        );
        assert_eq!(
            parse(b"\x01\x00\x00abs\x00"),
            Some(SockAddr::Unix("@abs".into()))
        );
        assert_eq!(
            parse(&[16, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]),
            Some(SockAddr::Other(16))
        );
        assert_eq!(
            parse(&[16, 0, 0, 0]),
            None,
            "too short for a netlink address"
        );
        assert_eq!(parse(&v4[..6]), None);
        assert_eq!(parse(&[2]), None);
        assert_eq!(parse(&[]), None);
    }
}
