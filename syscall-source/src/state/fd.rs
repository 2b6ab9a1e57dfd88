//! File descriptors as the state tables know them: what each open fd of a
//! process refers to (a file, a socket with its addresses, a pipe, ...).

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// What kind of object a descriptor refers to, with Falco's names for
/// `fd.type` and letters for `fd.typechar`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FdKind {
    /// A regular file (or device, or anything else with a path).
    File,
    /// A directory (opened with `O_DIRECTORY`, or a directory in `/proc/PID/fd`).
    Directory,
    /// An IPv4 socket.
    Ipv4,
    /// An IPv6 socket.
    Ipv6,
    /// A Unix-domain socket.
    Unix,
    /// A netlink socket.
    Netlink,
    /// A socket of another family (packet sockets, or one whose family a
    /// `/proc` snapshot could not tell).
    OtherSocket,
    /// One end of a pipe or a FIFO.
    Pipe,
    /// An eventfd.
    Event,
    /// A signalfd.
    Signalfd,
    /// An epoll instance.
    Eventpoll,
    /// An inotify instance.
    Inotify,
    /// A timerfd.
    Timerfd,
    /// A BPF map, program or link.
    Bpf,
    /// A userfaultfd.
    Userfaultfd,
    /// An io_uring instance.
    IoUring,
    /// An anonymous memory file from `memfd_create`.
    Memfd,
    /// A pidfd.
    Pidfd,
    /// Anything else.
    Unknown,
}

impl FdKind {
    /// The `fd.type` text.
    pub fn type_name(self) -> &'static str {
        match self {
            Self::File => "file",
            Self::Directory => "directory",
            Self::Ipv4 => "ipv4",
            Self::Ipv6 => "ipv6",
            Self::Unix => "unix",
            Self::Netlink => "netlink",
            Self::OtherSocket | Self::Unknown => "unknown",
            Self::Pipe => "pipe",
            Self::Event => "event",
            Self::Signalfd => "signalfd",
            Self::Eventpoll => "eventpoll",
            Self::Inotify => "inotify",
            Self::Timerfd => "timerfd",
            Self::Bpf => "bpf",
            Self::Userfaultfd => "userfaultfd",
            Self::IoUring => "io_uring",
            Self::Memfd => "memfd",
            Self::Pidfd => "pidfd",
        }
    }

    /// The `fd.typechar` letter.
    pub fn type_char(self) -> &'static str {
        match self {
            Self::File => "f",
            Self::Directory => "d",
            Self::Ipv4 => "4",
            Self::Ipv6 => "6",
            Self::Unix | Self::Userfaultfd => "u",
            Self::Netlink => "n",
            Self::OtherSocket | Self::Unknown => "o",
            Self::Pipe => "p",
            Self::Event => "e",
            Self::Signalfd => "s",
            Self::Eventpoll => "l",
            Self::Inotify => "i",
            Self::Timerfd => "t",
            Self::Bpf => "b",
            Self::IoUring => "r",
            Self::Memfd => "m",
            Self::Pidfd => "P",
        }
    }

    /// Whether this is a socket of any family.
    pub fn is_socket(self) -> bool {
        matches!(
            self,
            Self::Ipv4 | Self::Ipv6 | Self::Unix | Self::Netlink | Self::OtherSocket
        )
    }

    /// Whether this is an IP socket.
    pub fn is_ip(self) -> bool {
        matches!(self, Self::Ipv4 | Self::Ipv6)
    }
}

/// Transport protocol of an IP socket (`fd.l4proto`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum L4Proto {
    /// Stream sockets.
    Tcp,
    /// Datagram sockets.
    Udp,
    /// ICMP datagram ("ping") sockets.
    Icmp,
    /// Raw sockets.
    Raw,
}

impl L4Proto {
    /// The `fd.l4proto` text.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tcp => "tcp",
            Self::Udp => "udp",
            Self::Icmp => "icmp",
            Self::Raw => "raw",
        }
    }
}

/// One end of an IP conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Endpoint {
    /// Address.
    pub ip: IpAddr,
    /// Port (0 when none).
    pub port: u16,
}

/// What the state knows about a socket.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SocketInfo {
    /// Transport protocol, for IP sockets.
    pub l4proto: Option<L4Proto>,
    /// This process's end, when known (bind, or the listening socket of an accept).
    pub local: Option<Endpoint>,
    /// The peer, when known (connect, accept, sendto/recvfrom with an address).
    pub remote: Option<Endpoint>,
    /// `Some(true)` when this process is the server end (bind/listen/accept),
    /// `Some(false)` when it is the client (connect, sendto), `None` before either.
    pub is_server: Option<bool>,
    /// Whether a connection is established (connect returned 0, or accept).
    pub connected: bool,
}

/// One open descriptor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FdInfo {
    /// The descriptor number.
    pub num: i64,
    /// What it refers to.
    pub kind: FdKind,
    /// `fd.name`: an absolute path for files, the address tuple for sockets,
    /// `memfd:NAME` for memfds; empty when unknown.
    pub name: String,
    /// `fd.nameraw`: the name as the process gave it (the path before it was
    /// made absolute); empty when it equals `name`.
    pub name_raw: String,
    /// Open flags (`O_*`), as far as known; `O_CLOEXEC` decides what an exec closes.
    pub flags: u64,
    /// Socket details, for sockets.
    pub socket: Option<SocketInfo>,
}

impl FdInfo {
    /// A descriptor of `kind` named `name`.
    pub fn new(num: i64, kind: FdKind, name: impl Into<String>) -> Self {
        Self {
            num,
            kind,
            name: name.into(),
            name_raw: String::new(),
            flags: 0,
            socket: kind.is_socket().then(SocketInfo::default),
        }
    }

    /// Closed by a successful exec.
    pub fn close_on_exec(&self) -> bool {
        crate::params::flags::open::is_cloexec(self.flags)
    }

    /// The client end of an IP socket.
    pub fn client(&self) -> Option<Endpoint> {
        let socket = self.socket.as_ref()?;
        if socket.is_server == Some(true) {
            socket.remote
        } else {
            socket.local
        }
    }

    /// The server end of an IP socket.
    pub fn server(&self) -> Option<Endpoint> {
        let socket = self.socket.as_ref()?;
        if socket.is_server == Some(true) {
            socket.local
        } else {
            socket.remote
        }
    }

    /// Recomputes `name` of an IP socket from its ends: `client->server`,
    /// with an unknown end shown as the unspecified address and port 0.
    pub fn rename_ip_socket(&mut self) {
        if !self.kind.is_ip() {
            return;
        }
        let unspecified = || Endpoint {
            ip: if self.kind == FdKind::Ipv6 {
                IpAddr::from([0u16; 8])
            } else {
                IpAddr::from([0u8; 4])
            },
            port: 0,
        };
        let Some(socket) = &self.socket else { return };
        let show = |e: Endpoint| format!("{}:{}", e.ip, e.port);
        self.name = match (socket.local, socket.remote) {
            (None, None) => String::new(),
            // Bound or listening, no peer yet: only its own address.
            (Some(local), None) => show(local),
            _ => format!(
                "{}->{}",
                show(self.client().unwrap_or_else(unspecified)),
                show(self.server().unwrap_or_else(unspecified))
            ),
        };
    }
}
