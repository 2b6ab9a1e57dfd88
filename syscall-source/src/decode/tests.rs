use super::*;
use lanner_syscall_ebpf::wire::{RecordHeader, RecordKind};

fn header(kind: RecordKind) -> RecordHeader {
    let mut comm = [0u8; 16];
    comm[..4].copy_from_slice(b"bash");
    RecordHeader {
        boot_ns: 1_000,
        cgroup_id: 77,
        kind: kind as u32,
        tgid: 42,
        tid: 43,
        uid: 1000,
        gid: 100,
        cpu: 1,
        comm,
    }
}

fn bytes_of<T: Copy>(value: &T) -> Vec<u8> {
    // SAFETY: reading the bytes of a plain-old-data wire struct without padding.
    unsafe { std::slice::from_raw_parts((value as *const T).cast::<u8>(), size_of::<T>()) }.to_vec()
}

fn record<T: Copy>(head: &T, tail: &[u8]) -> Vec<u8> {
    let mut bytes = bytes_of(head);
    bytes.extend_from_slice(tail);
    bytes
}

fn clock() -> BootClock {
    BootClock::with_offset(0)
}

/// openat(AT_FDCWD, "/etc/passwd", ...) = 3, with the path copied for argument 1.
fn openat_record() -> Vec<u8> {
    let path = b"/etc/passwd";
    let head = SyscallExitHead {
        header: header(RecordKind::SyscallExit),
        nr: 257,
        ret: 3,
        args: [u64::MAX - 99, 0x7fff_0000, 0, 0, 0, 0],
        memory_present: 0b10,
        memory_lens: [0, path.len() as u16, 0, 0, 0, 0],
    };
    record(&head, path)
}

fn exec_args_record() -> Vec<u8> {
    let argv = b"/bin/true\0-x\0\0";
    let env = b"LANNER=1\0";
    let head = ExecArgsHead {
        header: header(RecordKind::ExecArgs),
        argc: 3,
        envc: 1,
        argv_len: argv.len() as u32,
        env_len: env.len() as u32,
    };
    record(&head, &[&argv[..], &env[..]].concat())
}

fn exec_record() -> Vec<u8> {
    let head = ExecHead {
        header: header(RecordKind::Exec),
        old_tid: 43,
        filename_len: 9,
        tty: 34816,
        loginuid: 7,
        // The login uid was not read: its value must not be believed.
        known: exec_known::TTY,
        reserved: 0,
    };
    record(&head, b"/bin/true")
}

fn fork_record() -> Vec<u8> {
    bytes_of(&Fork {
        header: header(RecordKind::Fork),
        child_tid: 4242,
        reserved: 0,
    })
}

fn exit_record() -> Vec<u8> {
    bytes_of(&header(RecordKind::Exit))
}

fn all_valid_records() -> Vec<Vec<u8>> {
    vec![
        openat_record(),
        exec_args_record(),
        exec_record(),
        fork_record(),
        exit_record(),
    ]
}

#[test]
fn decodes_the_header_fields() {
    let event = decode(&exit_record(), &BootClock::with_offset(5_000)).unwrap();
    assert_eq!(event.ts_ns, 6_000);
    assert_eq!(
        (event.pid, event.tid, event.uid, event.gid, event.cpu),
        (42, 43, 1000, 100, 1)
    );
    assert_eq!(event.cgroup_id, 77);
    assert_eq!(event.comm, "bash");
    assert_eq!(event.detail, EventDetail::Exit);
    assert_eq!(event.evt_type(), Some("procexit"));
}

#[test]
fn decodes_a_syscall_exit_with_memory() {
    let event = decode(&openat_record(), &clock()).unwrap();
    assert_eq!(event.evt_type(), Some("openat"));
    let EventDetail::Syscall(exit) = event.detail else {
        panic!("not a syscall: {:?}", event.detail);
    };
    assert_eq!(exit.nr, 257);
    assert_eq!(exit.ret, 3);
    assert_eq!(exit.args[1], 0x7fff_0000);
    assert_eq!(exit.memory[1].as_deref(), Some(&b"/etc/passwd"[..]));
    assert!(
        exit.memory
            .iter()
            .enumerate()
            .all(|(i, m)| i == 1 || m.is_none())
    );
}

#[test]
fn keeps_present_empty_memory_apart_from_absent_memory() {
    let head = SyscallExitHead {
        header: header(RecordKind::SyscallExit),
        nr: 82,
        ret: -2,
        args: [1, 2, 0, 0, 0, 0],
        memory_present: 0b11,
        memory_lens: [0, 3, 0, 0, 0, 0],
    };
    let EventDetail::Syscall(exit) = decode(&record(&head, b"new"), &clock()).unwrap().detail
    else {
        panic!("not a syscall");
    };
    assert_eq!(exit.memory[0].as_deref(), Some(&b""[..]));
    assert_eq!(exit.memory[1].as_deref(), Some(&b"new"[..]));
    assert_eq!(exit.memory[2], None);
}

#[test]
fn decodes_exec_args_exec_and_fork() {
    assert_eq!(
        decode(&exec_args_record(), &clock()).unwrap().detail,
        EventDetail::ExecArgs {
            argv: vec!["/bin/true".into(), "-x".into(), String::new()],
            env: vec!["LANNER=1".into()],
        }
    );
    assert_eq!(
        decode(&exec_record(), &clock()).unwrap().detail,
        EventDetail::Exec {
            filename: "/bin/true".into(),
            old_tid: 43,
            tty: Some(34816),
            loginuid: None,
        }
    );
    assert_eq!(
        decode(&fork_record(), &clock()).unwrap().detail,
        EventDetail::Fork { child_tid: 4242 }
    );
}

#[test]
fn empty_exec_args_are_fine() {
    let head = ExecArgsHead {
        header: header(RecordKind::ExecArgs),
        argc: 0,
        envc: 0,
        argv_len: 0,
        env_len: 0,
    };
    assert_eq!(
        decode(&bytes_of(&head), &clock()).unwrap().detail,
        EventDetail::ExecArgs {
            argv: vec![],
            env: vec![]
        }
    );
}

#[test]
fn non_utf8_text_is_kept_lossily() {
    let mut head = ExecHead {
        header: header(RecordKind::Exec),
        old_tid: 1,
        filename_len: 4,
        tty: 0,
        loginuid: 0,
        known: exec_known::TTY | exec_known::LOGINUID,
        reserved: 0,
    };
    head.header.comm[..4].copy_from_slice(&[0xff, b'a', 0xfe, 0]);
    let event = decode(&record(&head, &[b'/', 0xff, b'x', 0xc3]), &clock()).unwrap();
    assert_eq!(event.comm, "\u{fffd}a\u{fffd}");
    assert_eq!(
        event.detail,
        EventDetail::Exec {
            filename: "/\u{fffd}x\u{fffd}".into(),
            old_tid: 1,
            tty: Some(0),
            loginuid: Some(0),
        }
    );
}

#[test]
fn rejects_unknown_kinds() {
    let mut odd = header(RecordKind::Exit);
    odd.kind = 99;
    assert_eq!(
        decode(&bytes_of(&odd), &clock()),
        Err(DecodeError::UnknownKind(99))
    );
}

#[test]
fn rejects_every_truncation_of_every_kind() {
    for full in all_valid_records() {
        for len in 0..full.len() {
            assert!(
                decode(&full[..len], &clock()).is_err(),
                "a {len}-byte prefix of a {}-byte record decoded",
                full.len()
            );
        }
    }
}

#[test]
fn rejects_trailing_bytes() {
    for mut full in all_valid_records() {
        full.push(0);
        assert!(matches!(
            decode(&full, &clock()),
            Err(DecodeError::BadLength { .. })
        ));
    }
}

#[test]
fn rejects_lengths_pointing_outside_the_record() {
    let mut head = SyscallExitHead {
        header: header(RecordKind::SyscallExit),
        nr: 0,
        ret: 0,
        args: [0; 6],
        memory_present: 0b1,
        memory_lens: [u16::MAX, 0, 0, 0, 0, 0],
    };
    assert!(matches!(
        decode(&record(&head, b"abc"), &clock()),
        Err(DecodeError::BadLength {
            field: "memory_lens",
            ..
        })
    ));
    // A length for an absent argument.
    head.memory_present = 0;
    head.memory_lens = [0, 0, 0, 0, 0, 3];
    assert!(decode(&record(&head, b"abc"), &clock()).is_err());
    // Presence bits past the sixth argument.
    head.memory_present = 1 << 7;
    head.memory_lens = [0; 6];
    assert!(decode(&bytes_of(&head), &clock()).is_err());

    let exec = ExecHead {
        header: header(RecordKind::Exec),
        old_tid: 1,
        filename_len: u32::MAX,
        tty: 0,
        loginuid: 0,
        known: 0,
        reserved: 0,
    };
    assert!(decode(&record(&exec, b"/x"), &clock()).is_err());

    let args = ExecArgsHead {
        header: header(RecordKind::ExecArgs),
        argc: 1,
        envc: 0,
        argv_len: u32::MAX,
        env_len: 2,
    };
    assert!(decode(&record(&args, b"a\0"), &clock()).is_err());
}

#[test]
fn rejects_exec_args_whose_counts_or_nuls_disagree() {
    let mut head = ExecArgsHead {
        header: header(RecordKind::ExecArgs),
        argc: 2,
        envc: 0,
        argv_len: 2,
        env_len: 0,
    };
    assert!(decode(&record(&head, b"a\0"), &clock()).is_err());
    head.argc = 1;
    assert!(decode(&record(&head, b"ab"), &clock()).is_err());
    assert!(decode(&record(&head, b"a\0"), &clock()).is_ok());
}

#[test]
fn random_bytes_and_corruptions_never_panic() {
    // A small xorshift generator: deterministic, no extra dependency.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..20_000 {
        let len = (next() % 400) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Give half of them a valid kind so the per-kind paths are exercised.
        if bytes.len() >= 20 && next() % 2 == 0 {
            bytes[16..20].copy_from_slice(&((next() % 6) as u32).to_le_bytes());
        }
        let _ = decode(&bytes, &clock());
    }
    for full in all_valid_records() {
        for _ in 0..2_000 {
            let mut bytes = full.clone();
            let at = (next() as usize) % bytes.len();
            bytes[at] = next() as u8;
            let _ = decode(&bytes, &clock());
        }
    }
}
