use super::*;
use lanner_syscall_ebpf::wire::{RecordHeader, RecordKind};

fn header(kind: RecordKind) -> RecordHeader {
    let mut comm = [0u8; 16];
    comm[..4].copy_from_slice(b"bash");
    RecordHeader {
        boot_ns: 1_000,
        kind: kind as u32,
        tgid: 42,
        tid: 43,
        uid: 1000,
        gid: 100,
        reserved: 0,
        comm,
    }
}

fn bytes_of<T: Copy>(value: &T) -> Vec<u8> {
    // SAFETY: reading the bytes of a plain-old-data wire struct.
    unsafe { std::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }.to_vec()
}

#[test]
fn decodes_an_exec_record() {
    let mut filename = [0u8; MAX_PATH_LEN];
    filename[..9].copy_from_slice(b"/bin/true");
    let exec = Exec {
        header: header(RecordKind::Exec),
        old_tid: 43,
        filename_len: 10,
        filename,
    };
    let event = decode(&bytes_of(&exec), &BootClock::with_offset(5_000)).unwrap();
    assert_eq!(event.ts_ns, 6_000);
    assert_eq!(
        (event.pid, event.tid, event.uid, event.gid),
        (42, 43, 1000, 100)
    );
    assert_eq!(event.comm, "bash");
    assert_eq!(event.evt_type(), "execve");
    assert_eq!(
        event.detail,
        EventDetail::Exec {
            filename: "/bin/true".into(),
            old_tid: 43
        }
    );
}

#[test]
fn decodes_a_failed_execve_exit_with_its_path() {
    let mut path = [0u8; MAX_PATH_LEN];
    path[..8].copy_from_slice(b"/nope/x\0");
    let exit = SyscallExit {
        header: header(RecordKind::SyscallExit),
        nr: 59,
        ret: -2,
        args: [1, 2, 3, 4, 5, 6],
        path_len: 8,
        reserved: 0,
        path,
    };
    let event = decode(&bytes_of(&exit), &BootClock::with_offset(0)).unwrap();
    assert_eq!(event.evt_type(), "execve");
    match event.detail {
        EventDetail::SyscallExit { ret, path, .. } => {
            assert_eq!(ret, -2);
            assert_eq!(path.as_deref(), Some("/nope/x"));
        }
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn rejects_truncated_and_unknown_records() {
    let short = bytes_of(&header(RecordKind::Exec));
    assert!(matches!(
        decode(&short, &BootClock::with_offset(0)),
        Err(DecodeError::Truncated { kind: "exec", .. })
    ));
    assert!(matches!(
        decode(&short[..10], &BootClock::with_offset(0)),
        Err(DecodeError::Truncated { kind: "header", .. })
    ));
    let mut odd = header(RecordKind::Exec);
    odd.kind = 99;
    assert_eq!(
        decode(&bytes_of(&odd), &BootClock::with_offset(0)),
        Err(DecodeError::UnknownKind(99))
    );
}
