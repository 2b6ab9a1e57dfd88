//! The syscall source's events, as the engine sees them.
//!
//! Extraction here covers what the probe decodes today (process identity,
//! exec file names, syscall results); fields that need process/fd state come
//! with the state tables and are reported missing (`<NA>`) until then.

use crate::{
    engine::{Event, FieldRequest},
    fields::Value,
};
use lanner_syscall_source::{EventDetail, SyscallEvent};
use std::{borrow::Cow, collections::HashMap};

/// Maps event type names to the indices of the syscall field table.
pub struct EventTypes {
    index: HashMap<String, usize>,
}

impl EventTypes {
    /// Builds the map from the source's event type table.
    pub fn new(types: &[String]) -> Self {
        let mut index = HashMap::new();
        for (i, name) in types.iter().enumerate() {
            index.entry(name.clone()).or_insert(i);
        }
        Self { index }
    }

    /// The index of `name`, if it is a known type.
    pub fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

/// A decoded syscall event with its type already resolved.
pub struct SyscallView<'a> {
    /// The event.
    pub event: &'a SyscallEvent,
    /// Its type's index in the syscall table.
    pub type_index: Option<usize>,
}

impl<'a> SyscallView<'a> {
    /// Wraps `event`, resolving its type with `types`.
    pub fn new(event: &'a SyscallEvent, types: &EventTypes) -> Self {
        Self {
            event,
            type_index: types.get(event.evt_type()),
        }
    }
}

impl Event for SyscallView<'_> {
    fn event_type_index(&self) -> Option<usize> {
        self.type_index
    }

    fn timestamp_ns(&self) -> u64 {
        self.event.ts_ns
    }

    fn extract(&self, request: &FieldRequest<'_>) -> Option<Value<'_>> {
        let event = self.event;
        let text = |s: &'_ str| Some(Value::Str(Cow::Owned(s.to_string())));
        let ret = match &event.detail {
            EventDetail::Exec { .. } => 0,
            EventDetail::SyscallExit { ret, .. } => *ret,
        };
        match request.name {
            "evt.type" => text(event.evt_type()),
            "evt.dir" => text("<"),
            "evt.rawres" => Some(Value::Int(ret)),
            "evt.res" => {
                if ret >= 0 {
                    text("SUCCESS")
                } else {
                    text(&errno_name(-ret))
                }
            }
            "evt.failed" => Some(Value::Bool(ret < 0)),
            "proc.name" => text(&event.comm),
            "proc.pid" | "proc.vpid" => Some(Value::Int(i64::from(event.pid))),
            "thread.tid" | "thread.vtid" => Some(Value::Int(i64::from(event.tid))),
            "user.uid" => Some(Value::UInt(u64::from(event.uid))),
            "group.gid" => Some(Value::UInt(u64::from(event.gid))),
            "proc.exepath" | "proc.exe" => match &event.detail {
                EventDetail::Exec { filename, .. } => text(filename),
                EventDetail::SyscallExit { .. } => None,
            },
            "evt.arg" => match (&event.detail, request.arg) {
                (EventDetail::Exec { filename, .. }, Some("filename" | "0")) => text(filename),
                (
                    EventDetail::SyscallExit {
                        path: Some(path), ..
                    },
                    Some("filename" | "pathname"),
                ) => text(path),
                (_, Some("res")) => Some(Value::Int(ret)),
                _ => None,
            },
            _ => None,
        }
    }
}

/// The symbolic name of an errno value, as Falco renders `evt.res` (`ENOENT`).
fn errno_name(errno: i64) -> String {
    const NAMES: &[(i64, &str)] = &[
        (1, "EPERM"),
        (2, "ENOENT"),
        (3, "ESRCH"),
        (4, "EINTR"),
        (5, "EIO"),
        (9, "EBADF"),
        (11, "EAGAIN"),
        (12, "ENOMEM"),
        (13, "EACCES"),
        (14, "EFAULT"),
        (16, "EBUSY"),
        (17, "EEXIST"),
        (20, "ENOTDIR"),
        (21, "EISDIR"),
        (22, "EINVAL"),
        (24, "EMFILE"),
        (28, "ENOSPC"),
        (30, "EROFS"),
        (38, "ENOSYS"),
        (95, "EOPNOTSUPP"),
        (111, "ECONNREFUSED"),
    ];
    NAMES
        .iter()
        .find(|(n, _)| *n == errno)
        .map_or_else(|| format!("E{errno}"), |(_, name)| (*name).to_string())
}
