//! Socket details for a `/proc` snapshot: `/proc/PID/fd` only says
//! `socket:[INODE]`; the kernel's socket tables in `/proc/PID/net/` (the
//! process's own network namespace) say which family, addresses and state
//! that inode has.

use super::fd::{Endpoint, FdInfo, FdKind, L4Proto, SocketInfo};
use crate::untrusted::{Dir, read_text};
use std::{
    collections::{HashMap, HashSet},
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
    path::Path,
};

/// TCP state `LISTEN` in the `st` column.
const TCP_LISTEN: u8 = 0x0a;
/// TCP state `ESTABLISHED`.
const TCP_ESTABLISHED: u8 = 0x01;

/// One socket of an IP table.
#[derive(Clone, Debug, PartialEq, Eq)]
struct IpSocket {
    l4proto: L4Proto,
    local: Endpoint,
    remote: Endpoint,
    state: u8,
}

/// The most one socket table (`/proc/PID/net/tcp` and the like) may hold:
/// about 150 bytes a socket, so some 400,000 sockets.
const NET_TABLE_CAP: usize = 64 << 20;

/// One socket table under `dir` (`/proc/PID/net`), through the bounded
/// reader; `None` when missing or refused.
fn net_table(dir: &Dir, name: &str) -> Option<String> {
    read_text(dir, Path::new(name), NET_TABLE_CAP)
        .inspect_err(|err| tracing::debug!("socket table not read: {err}"))
        .ok()
}

/// The sockets of one network namespace, by inode.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SocketTables {
    ip: HashMap<u64, IpSocket>,
    unix: HashMap<u64, String>,
    listening_ports: HashSet<(L4Proto, u16)>,
}

impl SocketTables {
    /// Reads the tables under `net_dir` (`/proc/PID/net`); missing or
    /// refused files add nothing.
    pub fn read(net_dir: &Path) -> Self {
        let dir = Dir::open(net_dir).ok();
        let read = |name: &str| {
            dir.as_ref()
                .and_then(|dir| net_table(dir, name))
                .unwrap_or_default()
        };
        let mut tables = Self::default();
        for (name, l4proto) in [
            ("tcp", L4Proto::Tcp),
            ("tcp6", L4Proto::Tcp),
            ("udp", L4Proto::Udp),
            ("udp6", L4Proto::Udp),
            ("raw", L4Proto::Raw),
            ("raw6", L4Proto::Raw),
        ] {
            tables.add_ip_table(&read(name), l4proto);
        }
        tables.add_unix_table(&read("unix"));
        tables
    }

    /// Adds the rows of one `/proc/net/{tcp,udp,raw}[6]` text.
    pub fn add_ip_table(&mut self, text: &str, l4proto: L4Proto) {
        for line in text.lines().skip(1) {
            let columns: Vec<&str> = line.split_whitespace().collect();
            let (Some(local), Some(remote), Some(state), Some(inode)) = (
                columns.get(1).and_then(|c| parse_endpoint(c)),
                columns.get(2).and_then(|c| parse_endpoint(c)),
                columns.get(3).and_then(|c| u8::from_str_radix(c, 16).ok()),
                columns.get(9).and_then(|c| c.parse::<u64>().ok()),
            ) else {
                continue;
            };
            if l4proto == L4Proto::Tcp && state == TCP_LISTEN {
                self.listening_ports.insert((l4proto, local.port));
            }
            self.ip.insert(
                inode,
                IpSocket {
                    l4proto,
                    local,
                    remote,
                    state,
                },
            );
        }
    }

    /// Adds the rows of a `/proc/net/unix` text.
    pub fn add_unix_table(&mut self, text: &str) {
        for line in text.lines().skip(1) {
            let columns: Vec<&str> = line.split_whitespace().collect();
            if let Some(inode) = columns.get(6).and_then(|c| c.parse::<u64>().ok()) {
                let path = columns.get(7).copied().unwrap_or_default();
                self.unix.insert(inode, path.to_string());
            }
        }
    }

    /// Fills in a snapshot descriptor of socket `inode`; unknown inodes stay as they are.
    pub fn describe(&self, fd: &mut FdInfo, inode: u64) {
        if let Some(socket) = self.ip.get(&inode) {
            fd.kind = if socket.local.ip.is_ipv4() {
                FdKind::Ipv4
            } else {
                FdKind::Ipv6
            };
            let listening = socket.l4proto == L4Proto::Tcp && socket.state == TCP_LISTEN;
            let has_peer = is_peer(&socket.remote);
            // An accepted connection's local port is one this namespace listens on.
            let is_server = listening
                || self
                    .listening_ports
                    .contains(&(socket.l4proto, socket.local.port));
            fd.socket = Some(SocketInfo {
                l4proto: Some(socket.l4proto),
                local: Some(socket.local),
                remote: has_peer.then_some(socket.remote),
                is_server: Some(is_server),
                connected: match socket.l4proto {
                    L4Proto::Tcp => socket.state == TCP_ESTABLISHED,
                    _ => has_peer,
                },
            });
            fd.rename_ip_socket();
        } else if let Some(path) = self.unix.get(&inode) {
            fd.kind = FdKind::Unix;
            fd.socket.get_or_insert_with(SocketInfo::default);
            fd.name.clone_from(path);
        }
    }
}

/// An IP socket's ends as the kernel's tables show them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IpSocketEnds {
    /// Transport protocol, from the table the socket is in.
    pub l4proto: L4Proto,
    /// Its own address and port.
    pub local: Endpoint,
    /// The peer; `None` while unconnected (the table shows all zeros).
    pub remote: Option<Endpoint>,
}

/// A `/proc/PID/net` table of IP sockets and the protocol of its sockets.
pub type IpTable = (&'static str, L4Proto);

/// The tables an IPv4 address's socket may be in, likeliest first.
pub const IPV4_FIRST: &[IpTable] = &[
    ("tcp", L4Proto::Tcp),
    ("udp", L4Proto::Udp),
    ("tcp6", L4Proto::Tcp),
    ("udp6", L4Proto::Udp),
];
/// The tables an IPv6 address's socket may be in, likeliest first.
pub const IPV6_FIRST: &[IpTable] = &[
    ("tcp6", L4Proto::Tcp),
    ("udp6", L4Proto::Udp),
    ("tcp", L4Proto::Tcp),
    ("udp", L4Proto::Udp),
];
/// The tables of connection-oriented sockets (what listen and accept act on).
pub const TCP_ONLY: &[IpTable] = &[("tcp", L4Proto::Tcp), ("tcp6", L4Proto::Tcp)];

/// Looks socket `inode` up in `tables` under `net_dir` (`/proc/PID/net`,
/// the process's own network namespace), stopping at the first table that
/// has it, since on a busy host each table is long. `None` when no table
/// has it (a Unix socket, or one closed meanwhile).
pub fn find_ip_socket(net_dir: &Path, inode: u64, tables: &[IpTable]) -> Option<IpSocketEnds> {
    let dir = Dir::open(net_dir).ok()?;
    tables.iter().find_map(|(name, l4proto)| {
        let text = net_table(&dir, name)?;
        find_in_ip_table(&text, *l4proto, inode)
    })
}

/// Socket `inode` in one `/proc/net/{tcp,udp}[6]` text.
pub fn find_in_ip_table(text: &str, l4proto: L4Proto, inode: u64) -> Option<IpSocketEnds> {
    let wanted = inode.to_string();
    text.lines().skip(1).find_map(|line| {
        let columns: Vec<&str> = line.split_whitespace().collect();
        if columns.get(9) != Some(&wanted.as_str()) {
            return None;
        }
        let local = parse_endpoint(columns.get(1)?)?;
        let remote = parse_endpoint(columns.get(2)?)?;
        Some(IpSocketEnds {
            l4proto,
            local,
            remote: is_peer(&remote).then_some(remote),
        })
    })
}

/// Whether a remote column names a peer (unconnected sockets show zeros).
fn is_peer(remote: &Endpoint) -> bool {
    remote.port != 0 || !remote.ip.is_unspecified()
}

/// The inode of a `socket:[INODE]` link target.
pub fn socket_inode(target: &str) -> Option<u64> {
    target
        .strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// `ADDR:PORT` in the kernel's hex notation: the address as 32-bit words in
/// host (little-endian) byte order, the port as a plain hex number.
fn parse_endpoint(text: &str) -> Option<Endpoint> {
    let (addr, port) = text.split_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let word = |i: usize| -> Option<[u8; 4]> {
        let hex = addr.get(i * 8..i * 8 + 8)?;
        Some(u32::from_str_radix(hex, 16).ok()?.to_le_bytes())
    };
    let ip = match addr.len() {
        8 => IpAddr::V4(Ipv4Addr::from(word(0)?)),
        32 => {
            let mut octets = [0u8; 16];
            for i in 0..4 {
                octets[i * 4..i * 4 + 4].copy_from_slice(&word(i)?);
            }
            IpAddr::V6(Ipv6Addr::from(octets))
        }
        _ => return None,
    };
    Some(Endpoint { ip, port })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1 0 100 0 0 10 0
   1: 0100007F:1F90 0900000A:15B3 01 00000000:00000000 00:00000000 00000000     0        0 222 1 0 20 4 30 10 -1
   2: 0100007F:D431 04030201:08AE 01 00000000:00000000 00:00000000 00000000     0        0 333 1 0 20 4 30 10 -1
   3: garbage
";
    const TCP6: &str = "header
   0: 00000000000000000000000001000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 444 1 0 100 0 0 10 0
";
    const UNIX: &str = "Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 555 /run/docker.sock
0000000000000000: 00000003 00000000 00000000 0001 03 666
";

    fn tables() -> SocketTables {
        let mut tables = SocketTables::default();
        tables.add_ip_table(TCP, L4Proto::Tcp);
        tables.add_ip_table(TCP6, L4Proto::Tcp);
        tables.add_unix_table(UNIX);
        tables
    }

    fn describe(inode: u64) -> FdInfo {
        let mut fd = FdInfo::new(3, FdKind::OtherSocket, "");
        tables().describe(&mut fd, inode);
        fd
    }

    #[test]
    fn listening_accepted_and_outgoing_sockets() {
        let listening = describe(111);
        assert_eq!(
            (listening.kind, listening.name.as_str()),
            (FdKind::Ipv4, "127.0.0.1:8080")
        );
        let accepted = describe(222);
        assert_eq!(accepted.name, "10.0.0.9:5555->127.0.0.1:8080");
        assert_eq!(accepted.socket.as_ref().unwrap().is_server, Some(true));
        let outgoing = describe(333);
        assert_eq!(outgoing.name, "127.0.0.1:54321->1.2.3.4:2222");
        let socket = outgoing.socket.unwrap();
        assert_eq!((socket.is_server, socket.connected), (Some(false), true));
        let v6 = describe(444);
        assert_eq!((v6.kind, v6.name.as_str()), (FdKind::Ipv6, "::1:22"));
    }

    #[test]
    fn single_sockets_are_found_by_inode() {
        let outgoing = find_in_ip_table(TCP, L4Proto::Tcp, 333).unwrap();
        let pair = |e: Endpoint| (e.ip.to_string(), e.port);
        assert_eq!(pair(outgoing.local), ("127.0.0.1".into(), 54321));
        assert_eq!(outgoing.remote.map(pair), Some(("1.2.3.4".into(), 2222)));
        let listening = find_in_ip_table(TCP, L4Proto::Tcp, 111).unwrap();
        assert_eq!(listening.remote, None);
        assert_eq!(
            find_in_ip_table(TCP6, L4Proto::Tcp, 444)
                .unwrap()
                .local
                .port,
            22
        );
        assert_eq!(find_in_ip_table(TCP, L4Proto::Tcp, 999), None);
        assert_eq!(
            find_in_ip_table("header\n   3: garbage 444\n", L4Proto::Tcp, 3),
            None
        );
        assert_eq!(
            find_ip_socket(Path::new("/nonexistent"), 333, IPV4_FIRST),
            None
        );
    }

    #[test]
    fn unix_sockets_and_unknown_inodes() {
        assert_eq!(describe(555).name, "/run/docker.sock");
        assert_eq!(
            (describe(666).kind, describe(666).name.as_str()),
            (FdKind::Unix, "")
        );
        assert_eq!(describe(999).kind, FdKind::OtherSocket);
        assert_eq!(socket_inode("socket:[42]"), Some(42));
        assert_eq!(socket_inode("pipe:[42]"), None);
    }
}
