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
        effects::{fd_arg, nr},
        netfs::{IPV4_FIRST, IPV6_FIRST, IpTable, TCP_ONLY, find_ip_socket, socket_inode},
        sockaddr::{self, SockAddr},
    },
};
use std::{net::IpAddr, path::Path};

/// `EINPROGRESS`: a non-blocking connect that has picked its local end already.
const EINPROGRESS: i64 = 115;

/// The descriptor whose ends are worth looking up for `event`, and the
/// tables to look in: the socket of a connect (done or in progress) or bind
/// on an IP address, of a listen, and the new socket of an accept.
fn socket_of(event: &SyscallEvent) -> Option<(i64, &'static [IpTable])> {
    let EventDetail::Syscall(exit) = &event.detail else {
        return None;
    };
    let address_tables = || match exit.memory[1].as_deref().and_then(sockaddr::parse) {
        Some(SockAddr::Ip(IpAddr::V4(_), _)) => Some(IPV4_FIRST),
        Some(SockAddr::Ip(IpAddr::V6(_), _)) => Some(IPV6_FIRST),
        // A Unix or netlink address has no table entry to find.
        Some(SockAddr::Unix(_) | SockAddr::Other(_)) => None,
        // Unreadable: it may still be IP.
        None => Some(IPV4_FIRST),
    };
    match exit.nr {
        nr::CONNECT if exit.ret == 0 || exit.ret == -EINPROGRESS => {
            Some((fd_arg(exit, 0), address_tables()?))
        }
        nr::BIND if exit.ret == 0 => Some((fd_arg(exit, 0), address_tables()?)),
        nr::LISTEN if exit.ret == 0 => Some((fd_arg(exit, 0), TCP_ONLY)),
        nr::ACCEPT | nr::ACCEPT4 if exit.ret >= 0 => Some((exit.ret, TCP_ONLY)),
        _ => None,
    }
}

/// Whether `event` is one whose socket [`observe`] would look up (cheap: no I/O).
pub fn worth_a_lookup(event: &SyscallEvent) -> bool {
    socket_of(event).is_some()
}

/// A [`CaptureRecord::Socket`] with both ends of `event`'s socket, read
/// under `proc_root`; `None` for other events and when the socket is gone.
pub fn observe(proc_root: &Path, event: &SyscallEvent) -> Option<CaptureRecord> {
    let (fd, tables) = socket_of(event)?;
    let pid_dir = proc_root.join(event.pid.to_string());
    let target = std::fs::read_link(pid_dir.join("fd").join(fd.to_string())).ok()?;
    let inode = socket_inode(target.to_str()?)?;
    let ends = find_ip_socket(&pid_dir.join("net"), inode, tables)?;
    if let EventDetail::Syscall(exit) = &event.detail
        && exit.nr == nr::CONNECT
        && let Some(SockAddr::Ip(_, port)) = exit.memory[1].as_deref().and_then(sockaddr::parse)
        && ends.remote.is_some_and(|remote| remote.port != port)
    {
        // The descriptor was closed and reused for another connection
        // before we looked: these ends are not the connect's.
        return None;
    }
    Some(CaptureRecord::Socket {
        pid: event.pid,
        fd,
        l4proto: Some(ends.l4proto),
        local: ends.local,
        remote: ends.remote,
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
        let of = |e: SyscallEvent| socket_of(&e);
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
        assert_eq!(
            observe(
                Path::new("/nonexistent"),
                &event(nr::CONNECT, 0, 3, Some(&v4))
            ),
            None
        );
    }
}
