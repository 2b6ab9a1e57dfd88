//! The kernel's view of a socket right after a connect, accept, bind or
//! listen. The probe copies the address the caller passed, which for a
//! connect is only the peer: the local address and port the kernel picked
//! (and, for an accept without an address buffer, the peer) live in the
//! kernel's socket. The process's own `/proc/PID/fd/FD` link names the
//! socket's inode, and the TCP/UDP tables of the process's network namespace
//! (`/proc/PID/net/*`) hold both ends of that inode.
//!
//! This races with the process: when it already closed the socket or
//! exited, nothing is found and the event keeps what its arguments said.

use crate::{
    CaptureRecord, EventDetail, SyscallEvent,
    state::{
        Endpoint, L4Proto,
        effects::{fd_arg, nr, observes_socket_ends},
        netfs::{
            IPV4_FIRST, IPV6_FIRST, IpSocketEnds, IpTable, TCP_ONLY, find_ip_socket, socket_inode,
        },
        sockaddr::{self, SockAddr},
    },
};
use std::{net::IpAddr, path::Path};

/// A socket worth looking up, as [`lookup`] found it in an event (without I/O).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lookup {
    /// The process holding it.
    pid: u32,
    /// Its descriptor.
    fd: i64,
    /// The tables to look in when the socket cannot be asked itself.
    tables: &'static [IpTable],
    /// The port a connect asked for: other ends mean the descriptor was
    /// reused before the lookup.
    connect_port: Option<u16>,
}

/// The socket of `event` whose ends are worth looking up, and the tables to
/// look in: the socket of a connect (done or in progress) or bind on an IP
/// address, of a listen, and the new socket of an accept. Which calls
/// qualify is the state's own rule ([`observes_socket_ends`]), so nothing is
/// looked up that the tables would then ignore.
pub fn lookup(event: &SyscallEvent) -> Option<Lookup> {
    let EventDetail::Syscall(exit) = &event.detail else {
        return None;
    };
    if !observes_socket_ends(exit) {
        return None;
    }
    let (fd, tables, connect_port) = match exit.nr {
        nr::CONNECT | nr::BIND => {
            let address = exit.memory[1].as_deref().and_then(sockaddr::parse);
            let tables = match address {
                Some(SockAddr::Ip(IpAddr::V4(_), _)) => IPV4_FIRST,
                Some(SockAddr::Ip(IpAddr::V6(_), _)) => IPV6_FIRST,
                // A Unix or netlink address has no table entry to find.
                Some(SockAddr::Unix(_) | SockAddr::Other(_)) => return None,
                // Unreadable: it may still be IP.
                None => IPV4_FIRST,
            };
            let connect_port = match address {
                Some(SockAddr::Ip(_, port)) if exit.nr == nr::CONNECT => Some(port),
                _ => None,
            };
            (fd_arg(exit, 0), tables, connect_port)
        }
        nr::LISTEN => (fd_arg(exit, 0), TCP_ONLY, None),
        nr::ACCEPT | nr::ACCEPT4 => (exit.ret, TCP_ONLY, None),
        _ => return None,
    };
    Some(Lookup {
        pid: event.pid,
        fd,
        tables,
        connect_port,
    })
}

/// A [`CaptureRecord::Socket`] with both ends of the socket `lookup` names,
/// read under `proc_root`; `None` when the socket is gone.
pub fn observe(proc_root: &Path, lookup: &Lookup) -> Option<CaptureRecord> {
    let Lookup {
        pid,
        fd,
        tables,
        connect_port,
    } = *lookup;
    // On the live system, ask the socket itself (constant cost); the tables
    // are the way for other roots and where pidfds are unavailable.
    let from_the_socket = if proc_root == Path::new("/proc") {
        ends_from_the_socket(pid, fd)
    } else {
        PidfdAnswer::Unavailable
    };
    let ends = match from_the_socket {
        PidfdAnswer::Ends(ends) => ends,
        // The process or descriptor is gone: the tables would not have it either.
        PidfdAnswer::Gone => return None,
        PidfdAnswer::Unavailable => {
            let pid_dir = proc_root.join(pid.to_string());
            let target = std::fs::read_link(pid_dir.join("fd").join(fd.to_string())).ok()?;
            let inode = socket_inode(target.to_str()?)?;
            find_ip_socket(&pid_dir.join("net"), inode, tables)?
        }
    };
    if let Some(port) = connect_port
        && ends.remote.is_some_and(|remote| remote.port != port)
    {
        // The descriptor was closed and reused for another connection
        // before we looked: these ends are not the connect's.
        return None;
    }
    Some(CaptureRecord::Socket {
        pid,
        fd,
        l4proto: Some(ends.l4proto),
        local: ends.local,
        remote: ends.remote,
    })
}

/// What asking a socket through a pidfd gave.
enum PidfdAnswer {
    /// Both ends (the peer when connected).
    Ends(IpSocketEnds),
    /// The process exited, closed the descriptor, or it is no IP socket.
    Gone,
    /// pidfds cannot be used here (kernel before 5.6, no permission).
    Unavailable,
}

/// Both ends of descriptor `fd` of process `pid`, from a duplicate of it
/// (`pidfd_getfd`, Linux 5.6, needs the right to ptrace the process):
/// `getsockname`/`getpeername` cost the same however many sockets the host
/// has, where the `/proc/PID/net` tables grow with them.
fn ends_from_the_socket(pid: u32, fd: i64) -> PidfdAnswer {
    let (Ok(pid), Ok(fd)) = (libc::pid_t::try_from(pid), libc::c_int::try_from(fd)) else {
        return PidfdAnswer::Gone;
    };
    // SAFETY: plain syscalls on integers; the descriptors are ours and closed below.
    let pidfd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) };
    let Some(pidfd) = libc::c_int::try_from(pidfd).ok().filter(|&f| f >= 0) else {
        return match std::io::Error::last_os_error().raw_os_error() {
            Some(libc::ESRCH) => PidfdAnswer::Gone,
            _ => PidfdAnswer::Unavailable,
        };
    };
    // SAFETY: as above.
    let copy = unsafe { libc::syscall(libc::SYS_pidfd_getfd, pidfd, fd, 0) };
    let copy_error = std::io::Error::last_os_error().raw_os_error();
    // SAFETY: closing the pidfd we opened.
    unsafe { libc::close(pidfd) };
    let Some(copy) = libc::c_int::try_from(copy).ok().filter(|&f| f >= 0) else {
        return match copy_error {
            Some(libc::EBADF | libc::ESRCH) => PidfdAnswer::Gone,
            _ => PidfdAnswer::Unavailable,
        };
    };
    let ends = socket_ends(copy);
    // SAFETY: closing the duplicate we made.
    unsafe { libc::close(copy) };
    ends.map_or(PidfdAnswer::Gone, PidfdAnswer::Ends)
}

/// The ends of the IP socket `fd` (ours), `None` for other sockets.
fn socket_ends(fd: libc::c_int) -> Option<IpSocketEnds> {
    let address = |peer: bool| -> Option<Endpoint> {
        // SAFETY: an all-zero sockaddr_storage is valid.
        let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
        let mut len = std::mem::size_of::<libc::sockaddr_storage>() as libc::socklen_t;
        let target = (&raw mut storage).cast::<libc::sockaddr>();
        // SAFETY: `storage` and `len` describe a buffer the call may fill.
        let rc = unsafe {
            if peer {
                libc::getpeername(fd, target, &mut len)
            } else {
                libc::getsockname(fd, target, &mut len)
            }
        };
        if rc != 0 {
            return None;
        }
        // SAFETY: the kernel wrote `len` bytes (at most the storage's size).
        let bytes = unsafe {
            std::slice::from_raw_parts(
                (&raw const storage).cast::<u8>(),
                (len as usize).min(std::mem::size_of::<libc::sockaddr_storage>()),
            )
        };
        match sockaddr::parse(bytes)? {
            SockAddr::Ip(ip, port) => Some(Endpoint { ip, port }),
            _ => None,
        }
    };
    let mut protocol: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: `protocol` and `len` describe an int the call may fill.
    let rc = unsafe {
        libc::getsockopt(
            fd,
            libc::SOL_SOCKET,
            libc::SO_PROTOCOL,
            (&raw mut protocol).cast(),
            &mut len,
        )
    };
    let l4proto = match (rc, protocol) {
        (0, libc::IPPROTO_TCP) => L4Proto::Tcp,
        (0, libc::IPPROTO_UDP) => L4Proto::Udp,
        _ => return None,
    };
    Some(IpSocketEnds {
        l4proto,
        local: address(false)?,
        remote: address(true),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SyscallExit;

    fn event(nr: u64, ret: i64, fd: u64, address: Option<&[u8]>) -> SyscallEvent {
        let mut memory: [Option<Vec<u8>>; 6] = Default::default();
        memory[1] = address.map(<[u8]>::to_vec);
        SyscallEvent {
            ts_ns: 1,
            cpu: 0,
            pid: 4242,
            tid: 4242,
            uid: 0,
            gid: 0,
            cgroup_id: 0,
            comm: "t".into(),
            detail: EventDetail::Syscall(SyscallExit {
                nr,
                ret,
                args: [fd, 0, 0, 0, 0, 0],
                memory,
            }),
        }
    }

    #[test]
    fn only_calls_that_settle_an_ip_sockets_ends_are_looked_up() {
        let v4 = [2, 0, 1, 187, 198, 51, 100, 7, 0, 0, 0, 0, 0, 0, 0, 0];
        let unix = b"\x01\x00/run/x.sock\x00";
        let mut v6 = vec![10, 0, 1, 187, 0, 0, 0, 0];
        v6.extend_from_slice(&[0; 16]);
        let of = |e: SyscallEvent| lookup(&e).map(|l| (l.fd, l.tables));
        assert_eq!(
            of(event(nr::CONNECT, 0, 3, Some(&v4))),
            Some((3, IPV4_FIRST))
        );
        assert_eq!(
            of(event(nr::CONNECT, -115, 3, Some(&v6))),
            Some((3, IPV6_FIRST))
        );
        assert_eq!(of(event(nr::CONNECT, -111, 3, Some(&v4))), None);
        assert_eq!(of(event(nr::CONNECT, 0, 3, Some(unix))), None);
        assert_eq!(of(event(nr::CONNECT, 0, 3, None)), Some((3, IPV4_FIRST)));
        assert_eq!(of(event(nr::BIND, 0, 4, Some(&v4))), Some((4, IPV4_FIRST)));
        assert_eq!(of(event(nr::BIND, 0, 4, Some(unix))), None);
        assert_eq!(of(event(nr::LISTEN, 0, 4, None)), Some((4, TCP_ONLY)));
        assert_eq!(of(event(nr::ACCEPT4, 9, 4, None)), Some((9, TCP_ONLY)));
        assert_eq!(of(event(nr::ACCEPT, -11, 4, None)), None);
        assert_eq!(of(event(nr::READ, 5, 4, None)), None);
    }

    #[test]
    fn a_process_that_is_gone_yields_nothing() {
        let v4 = [2, 0, 1, 187, 198, 51, 100, 7, 0, 0, 0, 0, 0, 0, 0, 0];
        let connect = lookup(&event(nr::CONNECT, 0, 3, Some(&v4))).unwrap();
        assert_eq!(connect.connect_port, Some(443));
        assert_eq!(observe(Path::new("/nonexistent"), &connect), None);
    }
}
