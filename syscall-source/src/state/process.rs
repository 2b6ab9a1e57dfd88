//! One entry of the process table: what `/proc` or the event stream told
//! about a process, plus its descriptor table.

use super::fd::FdInfo;
use super::procfs::ProcessInfo;
use std::collections::BTreeMap;

/// A process as the state tables keep it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Process {
    /// Identity, ids, executable, arguments and the rest; `info.fds` is
    /// always empty here: the descriptors live in [`Process::fds`].
    pub info: ProcessInfo,
    /// Open descriptors by number.
    pub fds: FdTable,
    /// Insertion order in the process table, for eviction.
    pub(crate) seq: u64,
}

/// A process's descriptors, bounded: past the limit the descriptor opened
/// longest ago is forgotten to make room.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FdTable {
    slots: BTreeMap<i64, (u64, FdInfo)>,
    next_seq: u64,
}

impl FdTable {
    /// The descriptor `num`.
    pub fn get(&self, num: i64) -> Option<&FdInfo> {
        self.slots.get(&num).map(|(_, fd)| fd)
    }

    /// The descriptor `num`, to change it.
    pub fn get_mut(&mut self, num: i64) -> Option<&mut FdInfo> {
        self.slots.get_mut(&num).map(|(_, fd)| fd)
    }

    /// Adds or replaces a descriptor; returns how many were evicted (0 or 1)
    /// to stay within `limit`.
    pub fn insert(&mut self, fd: FdInfo, limit: usize) -> u64 {
        let mut evicted = 0;
        if !self.slots.contains_key(&fd.num) && self.slots.len() >= limit.max(1) {
            let oldest = self
                .slots
                .iter()
                .min_by_key(|(_, (seq, _))| *seq)
                .map(|(num, _)| *num);
            if let Some(num) = oldest {
                self.slots.remove(&num);
                evicted = 1;
            }
        }
        self.next_seq += 1;
        self.slots.insert(fd.num, (self.next_seq, fd));
        evicted
    }

    /// Removes and returns descriptor `num`.
    pub fn remove(&mut self, num: i64) -> Option<FdInfo> {
        self.slots.remove(&num).map(|(_, fd)| fd)
    }

    /// Keeps only the descriptors `keep` accepts.
    pub fn retain(&mut self, mut keep: impl FnMut(&FdInfo) -> bool) {
        self.slots.retain(|_, (_, fd)| keep(fd));
    }

    /// Number of open descriptors.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// No descriptor is open.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The descriptors in number order.
    pub fn iter(&self) -> impl Iterator<Item = &FdInfo> {
        self.slots.values().map(|(_, fd)| fd)
    }
}

impl Process {
    /// A table entry from a snapshot, moving its descriptors into the table.
    pub fn from_info(mut info: ProcessInfo, fd_limit: usize) -> (Self, u64) {
        let mut fds = FdTable::default();
        let mut evicted = 0;
        for fd in std::mem::take(&mut info.fds) {
            evicted += fds.insert(fd, fd_limit);
        }
        (Self { info, fds, seq: 0 }, evicted)
    }

    /// `argv[0]`, what Falco calls `proc.exe`.
    pub fn exe(&self) -> Option<&str> {
        self.info.args.first().map(String::as_str)
    }

    /// The arguments after `argv[0]`.
    pub fn args(&self) -> &[String] {
        self.info.args.get(1..).unwrap_or_default()
    }

    /// `proc.cmdline`: the name followed by the arguments.
    pub fn cmdline(&self, name: &str) -> String {
        join_command(name, self.args())
    }

    /// The value of environment variable `name`.
    pub fn env_var(&self, name: &str) -> Option<&str> {
        self.info.env.iter().find_map(|entry| {
            let (key, value) = entry.split_once('=')?;
            (key == name).then_some(value)
        })
    }
}

/// `head` followed by `args`, separated by spaces.
pub fn join_command(head: &str, args: &[String]) -> String {
    let mut text =
        String::with_capacity(head.len() + args.iter().map(|a| a.len() + 1).sum::<usize>());
    text.push_str(head);
    for arg in args {
        text.push(' ');
        text.push_str(arg);
    }
    text
}
