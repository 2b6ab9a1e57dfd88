//! One entry of the process table: what `/proc` or the event stream told
//! about a process, plus its descriptor table.

use super::fd::FdInfo;
use super::procfs::ProcessInfo;
use std::collections::{BTreeMap, VecDeque};

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
#[derive(Clone, Debug, Default)]
pub struct FdTable {
    slots: BTreeMap<i64, (u64, FdInfo)>,
    next_seq: u64,
    /// Insertion order, oldest first, so that eviction does not scan every
    /// slot; entries whose sequence number no longer matches the slot (the
    /// descriptor was closed or replaced) are stale and skipped. The process
    /// table evicts processes the same way.
    order: VecDeque<(u64, i64)>,
}

/// The descriptors and their age; the order queue is bookkeeping only.
impl PartialEq for FdTable {
    fn eq(&self, other: &Self) -> bool {
        self.slots == other.slots && self.next_seq == other.next_seq
    }
}

impl Eq for FdTable {}

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
            while let Some((seq, num)) = self.order.pop_front() {
                if self.slots.get(&num).is_some_and(|(s, _)| *s == seq) {
                    self.slots.remove(&num);
                    evicted = 1;
                    break;
                }
            }
        }
        self.next_seq += 1;
        let num = fd.num;
        self.slots.insert(num, (self.next_seq, fd));
        self.order.push_back((self.next_seq, num));
        // Closed and replaced descriptors leave stale entries: drop them
        // once they outnumber the live ones (amortised O(1) per insert).
        if self.order.len() > 2 * self.slots.len().max(16) {
            let slots = &self.slots;
            self.order
                .retain(|(seq, num)| slots.get(num).is_some_and(|(s, _)| s == seq));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::FdKind;

    fn fd(num: i64) -> FdInfo {
        FdInfo::new(num, FdKind::File, format!("/f{num}"))
    }

    fn nums(table: &FdTable) -> Vec<i64> {
        table.iter().map(|fd| fd.num).collect()
    }

    #[test]
    fn the_descriptor_opened_longest_ago_makes_room() {
        let mut table = FdTable::default();
        for num in 0..3 {
            assert_eq!(table.insert(fd(num), 3), 0);
        }
        // Reopening 0 makes it the newest; closing 1 frees its room.
        assert_eq!(table.insert(fd(0), 3), 0);
        assert!(table.remove(1).is_some());
        assert_eq!(table.insert(fd(5), 3), 0);
        assert_eq!(nums(&table), [0, 2, 5]);
        assert_eq!(table.insert(fd(6), 3), 1, "2 is the oldest left");
        assert_eq!(nums(&table), [0, 5, 6]);
        assert_eq!(table.insert(fd(7), 3), 1);
        assert_eq!(nums(&table), [5, 6, 7]);
    }

    #[test]
    fn open_and_close_storms_keep_the_order_queue_small() {
        let mut table = FdTable::default();
        table.insert(fd(100), 8);
        for round in 0..10_000 {
            let num = 3 + round % 5;
            table.insert(fd(num), 8);
            table.remove(num);
            table.retain(|_| true);
        }
        assert!(table.order.len() <= 2 * 16 + 1, "{}", table.order.len());
        assert_eq!(nums(&table), [100]);
        for num in 0..8 {
            table.insert(fd(num), 8);
        }
        assert_eq!(table.len(), 8);
        assert!(table.get(100).is_none(), "the oldest went first");
    }
}
