//! Socket addresses as user space passes them (`struct sockaddr` bytes),
//! decoded, and printed the way Falco prints them: `ip:port` for IPv4 and
//! IPv6, the path for Unix sockets (`@name` for abstract ones), and
//! `family N` for the rest.
//!
//! The bytes come from user memory, so any length and content must be
//! handled: a buffer too short for its family gives `None`.

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddrV4, SocketAddrV6};

use super::flags::socket::{AF_INET, AF_INET6, AF_NETLINK, AF_PACKET, AF_UNIX};

/// A decoded socket address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SockAddr {
    /// `AF_INET`.
    Inet(SocketAddrV4),
    /// `AF_INET6`.
    Inet6(SocketAddrV6),
    /// `AF_UNIX`: the path, `@`-prefixed for the abstract namespace, empty
    /// for an unnamed socket.
    Unix(String),
    /// `AF_NETLINK`: the port id and multicast groups.
    Netlink {
        /// `nl_pid`.
        pid: u32,
        /// `nl_groups`.
        groups: u32,
    },
    /// `AF_PACKET`: the link-layer protocol (host order) and interface.
    Packet {
        /// `sll_protocol`, converted from network order.
        protocol: u16,
        /// `sll_ifindex`.
        ifindex: i32,
    },
    /// Any other family.
    Other {
        /// The `sa_family` value.
        family: u16,
    },
}

/// Decodes raw `struct sockaddr` bytes (x86-64 layout, family in host
/// order, ports in network order).
pub fn parse_sockaddr(bytes: &[u8]) -> Option<SockAddr> {
    let family = u16::from_le_bytes(array(bytes, 0)?);
    match family {
        AF_INET => {
            let port = u16::from_be_bytes(array(bytes, 2)?);
            let ip = Ipv4Addr::from(array::<4>(bytes, 4)?);
            Some(SockAddr::Inet(SocketAddrV4::new(ip, port)))
        }
        AF_INET6 => {
            let port = u16::from_be_bytes(array(bytes, 2)?);
            let flowinfo = u32::from_be_bytes(array(bytes, 4)?);
            let ip = Ipv6Addr::from(array::<16>(bytes, 8)?);
            // The scope id is absent in the old 24-byte layout.
            let scope = array(bytes, 24).map_or(0, u32::from_le_bytes);
            Some(SockAddr::Inet6(SocketAddrV6::new(
                ip, port, flowinfo, scope,
            )))
        }
        AF_UNIX => Some(SockAddr::Unix(unix_path(bytes.get(2..).unwrap_or(&[])))),
        AF_NETLINK => Some(SockAddr::Netlink {
            pid: u32::from_le_bytes(array(bytes, 4)?),
            groups: u32::from_le_bytes(array(bytes, 8)?),
        }),
        AF_PACKET => Some(SockAddr::Packet {
            protocol: u16::from_be_bytes(array(bytes, 2)?),
            ifindex: i32::from_le_bytes(array(bytes, 4)?),
        }),
        family => Some(SockAddr::Other { family }),
    }
}

/// `N` bytes at `offset`, if the buffer holds them.
fn array<const N: usize>(bytes: &[u8], offset: usize) -> Option<[u8; N]> {
    bytes.get(offset..offset.checked_add(N)?)?.try_into().ok()
}

/// The path of a Unix address: up to the first NUL, or for an abstract
/// address (leading NUL) `@` and the name up to the next NUL.
fn unix_path(raw: &[u8]) -> String {
    let (prefix, rest) = match raw.split_first() {
        Some((0, rest)) if !rest.is_empty() => ("@", rest),
        _ => ("", raw),
    };
    let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
    format!("{prefix}{}", String::from_utf8_lossy(&rest[..end]))
}

impl SockAddr {
    /// The address family number.
    pub fn family(&self) -> u16 {
        match self {
            SockAddr::Inet(_) => AF_INET,
            SockAddr::Inet6(_) => AF_INET6,
            SockAddr::Unix(_) => AF_UNIX,
            SockAddr::Netlink { .. } => AF_NETLINK,
            SockAddr::Packet { .. } => AF_PACKET,
            SockAddr::Other { family } => *family,
        }
    }
}

impl fmt::Display for SockAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SockAddr::Inet(a) => write!(f, "{}:{}", a.ip(), a.port()),
            SockAddr::Inet6(a) => write!(f, "{}:{}", a.ip(), a.port()),
            SockAddr::Unix(path) => f.write_str(path),
            other => write!(f, "family {}", other.family()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inet(ip: [u8; 4], port: u16) -> Vec<u8> {
        let mut b = vec![2, 0];
        b.extend_from_slice(&port.to_be_bytes());
        b.extend_from_slice(&ip);
        b.extend_from_slice(&[0; 8]);
        b
    }

    #[test]
    fn ipv4() {
        let addr = parse_sockaddr(&inet([10, 0, 0, 7], 2222)).unwrap();
        assert_eq!(addr.to_string(), "10.0.0.7:2222");
        assert_eq!(addr.family(), AF_INET);
    }

    #[test]
    fn ipv6() {
        let mut b = vec![10, 0];
        b.extend_from_slice(&443u16.to_be_bytes());
        b.extend_from_slice(&[0; 4]);
        b.extend_from_slice(&Ipv6Addr::LOCALHOST.octets());
        b.extend_from_slice(&[0; 4]);
        let addr = parse_sockaddr(&b).unwrap();
        assert_eq!(addr.to_string(), "::1:443");
        assert_eq!(parse_sockaddr(&b[..24]).unwrap().to_string(), "::1:443");
    }

    #[test]
    fn unix_paths() {
        let mut b = vec![1, 0];
        b.extend_from_slice(b"/run/docker.sock\0garbage");
        assert_eq!(parse_sockaddr(&b).unwrap().to_string(), "/run/docker.sock");
        let abstract_name = [1, 0, 0, b'x', b'y', 0, 0];
        assert_eq!(parse_sockaddr(&abstract_name).unwrap().to_string(), "@xy");
        assert_eq!(parse_sockaddr(&[1, 0]).unwrap().to_string(), "");
        let bad_utf8 = [1, 0, b'/', 0xff, b'a'];
        assert_eq!(parse_sockaddr(&bad_utf8).unwrap().to_string(), "/\u{fffd}a");
    }

    #[test]
    fn netlink_packet_and_others() {
        let nl = [16, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0];
        assert_eq!(
            parse_sockaddr(&nl),
            Some(SockAddr::Netlink { pid: 5, groups: 1 })
        );
        assert_eq!(parse_sockaddr(&nl).unwrap().to_string(), "family 16");
        let packet = [17, 0, 0x08, 0x00, 2, 0, 0, 0];
        assert_eq!(
            parse_sockaddr(&packet),
            Some(SockAddr::Packet {
                protocol: 0x0800,
                ifindex: 2
            })
        );
        assert_eq!(parse_sockaddr(&[0, 0]).unwrap().to_string(), "family 0");
    }

    #[test]
    fn short_buffers() {
        assert_eq!(parse_sockaddr(&[]), None);
        assert_eq!(parse_sockaddr(&[2]), None);
        assert_eq!(parse_sockaddr(&inet([1, 2, 3, 4], 1)[..7]), None);
        assert_eq!(parse_sockaddr(&[10, 0, 0, 80, 0, 0, 0, 0]), None);
        assert_eq!(parse_sockaddr(&[16, 0, 0, 0]), None);
    }
}
