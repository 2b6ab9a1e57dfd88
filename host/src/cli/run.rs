//! `lanner run`: read a source and print its events.

use super::args::{RunArgs, SourceName};
use anyhow::Context;
use lanner_syscall_source::{EventDetail, ProbeConfig, SyscallEvent, SyscallProbe, syscalls};
use std::{
    io::{BufWriter, Write},
    time::Duration,
};

/// Runs `lanner run`.
pub fn run(args: &RunArgs) -> anyhow::Result<()> {
    match args.source {
        SourceName::Syscall => run_syscall(args),
    }
}

fn run_syscall(args: &RunArgs) -> anyhow::Result<()> {
    let syscalls = ["execve", "execveat"]
        .iter()
        .filter_map(|name| syscalls::number(name))
        .collect();
    let mut probe =
        SyscallProbe::load(&ProbeConfig { syscalls }).context("starting the syscall source")?;
    eprintln!("lanner: syscall source attached; printing execve events (Ctrl-C to stop)");

    let stdout = std::io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut events = Vec::new();
    let mut printed = 0u64;
    loop {
        events.clear();
        probe
            .poll(Duration::from_millis(100), &mut events)
            .context("reading the syscall source")?;
        for event in &events {
            writeln!(out, "{}", format_event(event))?;
            printed += 1;
            if args.max_events.is_some_and(|max| printed >= max) {
                out.flush()?;
                return Ok(());
            }
        }
        out.flush()?;
    }
}

/// One line per event, in the spirit of Falco's text output.
fn format_event(event: &SyscallEvent) -> String {
    let time = jiff::Timestamp::from_nanosecond(i128::from(event.ts_ns))
        .map(|t| t.to_string())
        .unwrap_or_else(|_| event.ts_ns.to_string());
    let what = match &event.detail {
        EventDetail::Exec { filename, .. } => format!("res=0 filename={filename}"),
        EventDetail::SyscallExit { ret, path, .. } => {
            format!("res={ret} filename={}", path.as_deref().unwrap_or("<NA>"))
        }
    };
    format!(
        "{time}: {evt_type} pid={pid} tid={tid} uid={uid} comm={comm} {what}",
        evt_type = event.evt_type(),
        pid = event.pid,
        tid = event.tid,
        uid = event.uid,
        comm = event.comm,
    )
}
