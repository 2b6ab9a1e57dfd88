use super::*;
use crate::{CaptureRecord, EventDetail, SyscallEvent, SyscallExit};
use std::io::Write;

fn temp_path(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lanner-capture-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("capture.jsonl")
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
