//! Socket address families (`AF_*`), as `socket` and `socketpair` take them.
//!
//! Falco's family numbers are the kernel's. When two names share a number
//! Falco shows the first one it lists, so family 1 prints as `AF_LOCAL`
//! and 16 as `AF_ROUTE`. The socket type and protocol are printed as plain
//! numbers, as Falco prints them.

use super::{EnumSet, same_as_kernel};

/// `AF_UNIX`/`AF_LOCAL`.
pub const AF_UNIX: u16 = 1;
/// `AF_INET`.
pub const AF_INET: u16 = 2;
/// `AF_INET6`.
pub const AF_INET6: u16 = 10;
/// `AF_NETLINK`.
pub const AF_NETLINK: u16 = 16;
/// `AF_PACKET`.
pub const AF_PACKET: u16 = 17;

/// Socket families as Falco names them (`socket_families`), in its order.
pub static SOCKET_FAMILIES: EnumSet = EnumSet {
    names: &[
        ("AF_NFC", 39),
        ("AF_ALG", 38),
        ("AF_CAIF", 37),
        ("AF_IEEE802154", 36),
        ("AF_PHONET", 35),
        ("AF_ISDN", 34),
        ("AF_RXRPC", 33),
        ("AF_IUCV", 32),
        ("AF_BLUETOOTH", 31),
        ("AF_TIPC", 30),
        ("AF_CAN", 29),
        ("AF_LLC", 26),
        ("AF_WANPIPE", 25),
        ("AF_PPPOX", 24),
        ("AF_IRDA", 23),
        ("AF_SNA", 22),
        ("AF_RDS", 21),
        ("AF_ATMSVC", 20),
        ("AF_ECONET", 19),
        ("AF_ASH", 18),
        ("AF_PACKET", AF_PACKET as u64),
        ("AF_ROUTE", AF_NETLINK as u64),
        ("AF_NETLINK", AF_NETLINK as u64),
        ("AF_KEY", 15),
        ("AF_SECURITY", 14),
        ("AF_NETBEUI", 13),
        ("AF_DECnet", 12),
        ("AF_ROSE", 11),
        ("AF_INET6", AF_INET6 as u64),
        ("AF_X25", 9),
        ("AF_ATMPVC", 8),
        ("AF_BRIDGE", 7),
        ("AF_NETROM", 6),
        ("AF_APPLETALK", 5),
        ("AF_IPX", 4),
        ("AF_AX25", 3),
        ("AF_INET", AF_INET as u64),
        ("AF_LOCAL", AF_UNIX as u64),
        ("AF_UNIX", AF_UNIX as u64),
        ("AF_UNSPEC", 0),
    ],
    encode: same_as_kernel,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_rules_watch() {
        assert_eq!(SOCKET_FAMILIES.name(17), Some("AF_PACKET"));
        assert_eq!(SOCKET_FAMILIES.name(2), Some("AF_INET"));
        assert_eq!(SOCKET_FAMILIES.name(10), Some("AF_INET6"));
    }

    #[test]
    fn shared_numbers_take_the_first_name() {
        assert_eq!(SOCKET_FAMILIES.name(1), Some("AF_LOCAL"));
        assert_eq!(SOCKET_FAMILIES.name(16), Some("AF_ROUTE"));
    }

    #[test]
    fn unknown_families_have_no_name() {
        assert_eq!(SOCKET_FAMILIES.name(27), None);
        assert_eq!(SOCKET_FAMILIES.name(4096), None);
        assert_ne!(SOCKET_FAMILIES.name(2), Some("AF_PACKET"));
    }
}
