use super::*;
use crate::{CaptureRecord, EventDetail, SyscallEvent, SyscallExit};
use std::io::Write;

/// A capture path in a directory of its own, removed with it when dropped.
struct TempCapture {
    dir: std::path::PathBuf,
    path: std::path::PathBuf,
}

impl std::ops::Deref for TempCapture {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.path
    }
}

impl AsRef<std::path::Path> for TempCapture {
    fn as_ref(&self) -> &std::path::Path {
        &self.path
    }
}

impl Drop for TempCapture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn temp_path(name: &str) -> TempCapture {
    let dir = std::env::temp_dir().join(format!("lanner-capture-{}-{name}", std::process::id()));
    // Captures are created exclusively: clear what an interrupted run left.
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("capture.jsonl");
    TempCapture { dir, path }
}

fn openat_event(path: &[u8]) -> CaptureRecord {
    let mut memory: [Option<Vec<u8>>; 6] = Default::default();
    memory[1] = Some(path.to_vec());
    CaptureRecord::Event(SyscallEvent {
        ts_ns: 1_700_000_000_000_000_000,
        cpu: 1,
        pid: 42,
        tid: 43,
        uid: 0,
        gid: 0,
        cgroup_id: 7,
        comm: "cat".into(),
        detail: EventDetail::Syscall(SyscallExit {
            nr: 257,
            ret: 3,
            args: [u64::MAX - 99, 0x1000, 0, 0, 0, 0],
            memory,
        }),
    })
}

#[test]
fn records_round_trip_in_order_with_text_and_binary_memory() {
    let path = temp_path("round-trip");
    let records = vec![
        CaptureRecord::Cgroup {
            id: 7,
            path: "/docker/abc".into(),
        },
        openat_event(b"/etc/shadow"),
        openat_event(&[0xff, 0x00, b'a']),
    ];
    let mut writer = CaptureWriter::create(&path, &CaptureHeader::new("box", 5)).unwrap();
    for record in &records {
        writer.write(record).unwrap();
    }
    writer.flush().unwrap();
    assert_eq!(writer.records(), 3);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("\"/etc/shadow\""),
        "paths stay readable: {text}"
    );

    let reader = CaptureReader::open(&path).unwrap();
    assert_eq!(reader.header().hostname, "box");
    let back: Vec<CaptureRecord> = reader.map(Result::unwrap).collect();
    assert_eq!(back, records);
}

#[test]
fn a_malformed_line_is_reported_with_its_number_and_the_rest_is_read() {
    let path = temp_path("malformed");
    let mut writer = CaptureWriter::create(&path, &CaptureHeader::new("box", 5)).unwrap();
    writer.write(&openat_event(b"/a")).unwrap();
    writer.flush().unwrap();
    drop(writer);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    file.write_all(b"{\"Event\": 12}\n\n\xff\xfe not utf-8\n")
        .unwrap();
    file.write_all(
        serde_json::to_string(&openat_event(b"/b"))
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    file.write_all(b"\n{\"Event\":{\"ts_ns\":1").unwrap();
    drop(file);

    let items: Vec<_> = CaptureReader::open(&path).unwrap().collect();
    assert_eq!(items.len(), 5);
    assert!(items[0].is_ok());
    let lines: Vec<u64> = items
        .iter()
        .filter_map(|item| match item {
            Err(ReadError::Record { line, .. }) => Some(*line),
            _ => None,
        })
        .collect();
    assert_eq!(lines, vec![3, 5, 7], "{items:?}");
    assert_eq!(items[3].as_ref().unwrap(), &openat_event(b"/b"));
}

#[test]
fn files_that_are_not_captures_are_refused_with_the_reason() {
    let path = temp_path("not-a-capture");
    std::fs::write(&path, "").unwrap();
    let err = CaptureReader::open(&path).err().unwrap();
    assert!(err.to_string().contains("empty"), "{err}");

    std::fs::write(&path, "{\"kind\":\"Event\"}\n").unwrap();
    let err = CaptureReader::open(&path).err().unwrap();
    assert!(matches!(err, ReadError::NotACapture { .. }), "{err}");

    std::fs::write(
        &path,
        "{\"format\":\"something-else\",\"version\":1,\"hostname\":\"h\",\"started_ns\":0}\n",
    )
    .unwrap();
    let err = CaptureReader::open(&path).err().unwrap();
    assert!(err.to_string().contains("something-else"), "{err}");

    std::fs::write(
        &path,
        format!("{{\"format\":\"{FORMAT}\",\"version\":99,\"hostname\":\"h\",\"started_ns\":0}}\n"),
    )
    .unwrap();
    let err = CaptureReader::open(&path).err().unwrap();
    assert!(matches!(err, ReadError::Version { found: 99, .. }), "{err}");

    let missing = CaptureReader::open(std::path::Path::new("/nonexistent/capture")).err();
    assert!(matches!(missing, Some(ReadError::Io { .. })));
}

#[test]
fn a_capture_is_a_new_private_file_never_an_existing_one_or_a_link() {
    use std::os::unix::fs::PermissionsExt;
    let path = temp_path("exclusive");
    let header = CaptureHeader::new("box", 5);
    drop(CaptureWriter::create(&path, &header).unwrap());
    let mode = std::fs::metadata(&path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");

    // An existing file is refused and left as it was.
    std::fs::write(&path, "precious").unwrap();
    let err = CaptureWriter::create(&path, &header).err().unwrap();
    assert!(matches!(err, WriteError::Exists { .. }), "{err}");
    assert!(err.to_string().contains("already exists"), "{err}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "precious");

    // So is a link, dangling or not, and its target is untouched.
    let target = path.with_file_name("target");
    std::fs::write(&target, "host file").unwrap();
    std::fs::remove_file(&path).unwrap();
    std::os::unix::fs::symlink(&target, &path).unwrap();
    let err = CaptureWriter::create(&path, &header).err().unwrap();
    assert!(matches!(err, WriteError::Exists { .. }), "{err}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "host file");
    std::fs::remove_file(&target).unwrap();
    let err = CaptureWriter::create(&path, &header).err().unwrap();
    assert!(matches!(err, WriteError::Exists { .. }), "{err}");
    assert!(!target.exists(), "a dangling link is not followed");
}

fn process_with_env(env: Vec<String>) -> CaptureRecord {
    let mut info = crate::state::ProcessInfo::bare(42, "sh");
    info.env = env;
    CaptureRecord::Process(Box::new(info))
}

fn exec_args_with_env(env: Vec<String>) -> CaptureRecord {
    CaptureRecord::Event(SyscallEvent {
        ts_ns: 1,
        cpu: 0,
        pid: 42,
        tid: 42,
        uid: 0,
        gid: 0,
        cgroup_id: 0,
        comm: "sh".into(),
        detail: EventDetail::ExecArgs {
            argv: vec!["env".into()],
            env,
        },
    })
}

#[test]
fn environment_values_are_redacted_unless_kept_and_names_stay() {
    let env = || {
        vec![
            "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI".to_string(),
            "EMPTY=".into(),
            "NOEQUALS-s3cret".into(),
        ]
    };
    let records = [process_with_env(env()), exec_args_with_env(env())];

    let path = temp_path("redacted");
    let header = CaptureHeader::new("box", 5);
    assert!(header.environment_redacted);
    let mut writer = CaptureWriter::create(&path, &header).unwrap();
    for record in &records {
        writer.write(record).unwrap();
    }
    writer.flush().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains("wJalrXUtnFEMI") && !text.contains("s3cret"),
        "{text}"
    );
    let reader = CaptureReader::open(&path).unwrap();
    assert!(reader.header().environment_redacted);
    let expected = vec![
        format!("AWS_SECRET_ACCESS_KEY={REDACTED}"),
        format!("EMPTY={REDACTED}"),
        REDACTED.to_string(),
    ];
    for record in reader.map(Result::unwrap) {
        match record {
            CaptureRecord::Process(info) => assert_eq!(info.env, expected),
            CaptureRecord::Event(SyscallEvent {
                detail: EventDetail::ExecArgs { argv, env },
                ..
            }) => {
                assert_eq!(env, expected);
                assert_eq!(argv, vec!["env".to_string()]);
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    let path = temp_path("kept");
    let header = CaptureHeader::new("box", 5).keeping_environment();
    let mut writer = CaptureWriter::create(&path, &header).unwrap();
    for record in &records {
        writer.write(record).unwrap();
    }
    writer.flush().unwrap();
    let reader = CaptureReader::open(&path).unwrap();
    assert!(!reader.header().environment_redacted);
    let back: Vec<CaptureRecord> = reader.map(Result::unwrap).collect();
    assert_eq!(back, records);
}

#[test]
fn a_header_without_the_redaction_flag_reads_as_kept() {
    let path = temp_path("old-header");
    std::fs::write(
        &path,
        format!("{{\"format\":\"{FORMAT}\",\"version\":1,\"hostname\":\"h\",\"started_ns\":0}}\n"),
    )
    .unwrap();
    assert!(
        !CaptureReader::open(&path)
            .unwrap()
            .header()
            .environment_redacted
    );
}

#[test]
fn an_overlong_line_is_skipped_by_number_and_the_lines_after_it_are_read() {
    let path = temp_path("overlong");
    let mut writer = CaptureWriter::create(&path, &CaptureHeader::new("box", 5)).unwrap();
    writer.write(&openat_event(b"/a")).unwrap();
    writer.flush().unwrap();
    drop(writer);
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap();
    let long = vec![b'x'; MAX_LINE_BYTES + 1];
    file.write_all(&long).unwrap();
    file.write_all(b"\n").unwrap();
    // Exactly at the cap is still a line (a malformed one here).
    file.write_all(&long[..MAX_LINE_BYTES]).unwrap();
    file.write_all(b"\n").unwrap();
    file.write_all(
        serde_json::to_string(&openat_event(b"/b"))
            .unwrap()
            .as_bytes(),
    )
    .unwrap();
    file.write_all(b"\n").unwrap();
    drop(file);

    let items: Vec<_> = CaptureReader::open(&path).unwrap().collect();
    assert_eq!(items.len(), 4, "{items:?}");
    assert_eq!(items[0].as_ref().unwrap(), &openat_event(b"/a"));
    match &items[1] {
        Err(err @ ReadError::LineTooLong { line: 3, .. }) => {
            assert!(err.to_string().contains("capture.jsonl:3:"), "{err}")
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(items[2], Err(ReadError::Record { line: 4, .. })));
    assert_eq!(items[3].as_ref().unwrap(), &openat_event(b"/b"));
}

#[test]
fn a_header_line_without_end_is_refused_at_the_header_cap() {
    let path = temp_path("endless-header");
    std::fs::write(&path, vec![0u8; MAX_HEADER_BYTES + 10]).unwrap();
    let err = CaptureReader::open(&path).err().unwrap();
    assert!(matches!(err, ReadError::NotACapture { .. }), "{err}");
    assert!(err.to_string().contains("longer than"), "{err}");
}

#[test]
fn a_record_too_long_to_replay_is_left_out_and_counted() {
    let path = temp_path("writer-oversize");
    let header = CaptureHeader::new("box", 5).keeping_environment();
    let mut writer = CaptureWriter::create(&path, &header).unwrap();
    writer
        .write(&process_with_env(vec!["X".repeat(MAX_LINE_BYTES)]))
        .unwrap();
    writer.write(&openat_event(b"/a")).unwrap();
    writer.flush().unwrap();
    assert_eq!((writer.records(), writer.oversize()), (1, 1));
    let back: Vec<CaptureRecord> = CaptureReader::open(&path)
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(back, vec![openat_event(b"/a")]);
}

#[test]
fn a_line_that_never_ends_stops_reading_with_bounded_memory() {
    use super::reader::{Line, read_line};
    let mut endless = std::io::BufReader::new(std::io::repeat(0));
    let mut buffer = Vec::new();
    let read = read_line(&mut endless, &mut buffer, 1000, Some(1 << 20)).unwrap();
    assert_eq!(read, Line::Unterminated);
    assert!(buffer.capacity() <= 8192, "{}", buffer.capacity());
    let read = read_line(&mut endless, &mut buffer, 1000, None).unwrap();
    assert_eq!(read, Line::TooLong);
}
