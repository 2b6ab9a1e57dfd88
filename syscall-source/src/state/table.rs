//! The process and thread table, fed by the record stream in order.
//!
//! `/proc` snapshots seed it; fork, exec and exit events and the
//! state-changing syscalls (see [`super::effects`]) keep it current; the
//! event header (pid, tid, ids, comm, cgroup) is authoritative and refreshes
//! the entry of every event's thread. Memory is bounded: past the limits the
//! oldest processes and descriptors are evicted and counted.

use super::bounded::BoundedMap;
use super::container::{Container, Runtime, container_of};
use super::container_info::ContainerInfo;
use super::fd::{Endpoint, FdInfo, L4Proto};
use super::process::Process;
use super::procfs::{ProcessInfo, ThreadIds};
use super::users::UserDb;
use crate::event::{CaptureRecord, EventDetail, SyscallEvent};
use rustc_hash::{FxBuildHasher, FxHashMap};
use std::collections::VecDeque;

/// How much the tables may hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Processes in the table; the oldest is evicted past this.
    pub max_processes: usize,
    /// Descriptors per process; the oldest is evicted past this.
    pub max_fds_per_process: usize,
    /// Forks whose child has not shown up yet, and exec arguments waiting
    /// for their exec; past this the waiting entries are dropped.
    pub max_pending: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_processes: 32_768,
            max_fds_per_process: 1024,
            max_pending: 4096,
        }
    }
}

/// Counters of what the bounds cost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StateStats {
    /// Processes evicted to stay within [`Limits::max_processes`].
    pub evicted_processes: u64,
    /// Descriptors evicted to stay within [`Limits::max_fds_per_process`].
    pub evicted_fds: u64,
    /// Pending forks or exec arguments dropped to stay within [`Limits::max_pending`].
    pub dropped_pending: u64,
    /// Processes created from an event header because nothing was known about them.
    pub unknown_processes: u64,
}

/// What the table knows about one thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ThreadEntry {
    /// Its process.
    pub pid: u32,
    /// Its id in its own pid namespace, when known.
    pub vtid: Option<u32>,
}

/// A fork whose child has not produced an event yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PendingFork {
    /// The process that forked.
    pub parent_pid: u32,
    /// The clone asked for a new pid namespace (the child is its init).
    pub new_pid_ns: bool,
    /// When the fork happened: the child's start time.
    pub ts_ns: u64,
}

/// A socket's ends as the kernel showed them, waiting for the event they
/// belong to (the record comes right before it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ObservedSocket {
    /// The process holding it.
    pub pid: u32,
    /// The descriptor the event acts on.
    pub fd: i64,
    /// Transport protocol.
    pub l4proto: Option<L4Proto>,
    /// Its own end.
    pub local: Endpoint,
    /// The peer, when connected.
    pub remote: Option<Endpoint>,
}

/// Where the descriptor an event acts on lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FdSlot {
    /// The event has no descriptor, or it is unknown.
    None,
    /// In the process's table, under the event's descriptor number.
    Table,
    /// In the per-event scratch slot: a descriptor the event closed, or the
    /// would-be descriptor of a failed open.
    Scratch,
}

/// What updating the tables with an event found out, for extraction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EventContext {
    /// The descriptor number the event acts on (negative for a failed open).
    pub fd_num: Option<i64>,
    /// Where that descriptor's information is.
    pub fd_slot: FdSlot,
    /// The event changed the descriptor's name (connect, accept, ...).
    pub fd_name_changed: bool,
    /// The event's process left the table (its last thread exited); its
    /// entry is kept in the scratch slot for this event.
    pub process_departed: bool,
}

impl EventContext {
    pub(crate) fn new() -> Self {
        Self {
            fd_num: None,
            fd_slot: FdSlot::None,
            fd_name_changed: false,
            process_departed: false,
        }
    }
}

/// The syscall source's view of the system: processes, threads, their
/// descriptors, cgroups and user databases.
#[derive(Debug, Default)]
pub struct SystemState {
    pub(crate) processes: FxHashMap<u32, Process>,
    pub(crate) threads: FxHashMap<u32, ThreadEntry>,
    /// Process insertion order, oldest first; entries whose sequence number
    /// no longer matches the process are stale and skipped.
    order: VecDeque<(u64, u32)>,
    next_seq: u64,
    pub(crate) pending_forks: FxHashMap<u32, PendingFork>,
    exec_args: FxHashMap<u32, (Vec<String>, Vec<String>)>,
    /// The container (or the host) each cgroup id names. Bounded: cgroup
    /// ids come and go forever, and a capture may hold any number of them.
    pub(crate) cgroups: BoundedMap<u64, Container, FxBuildHasher>,
    pub(crate) host_users: UserDb,
    /// Each container's own users, bounded like `cgroups`.
    pub(crate) container_users: BoundedMap<String, UserDb>,
    pub(crate) limits: Limits,
    pub(crate) stats: StateStats,
    /// The process of the current event when it just left the table.
    pub(crate) departed: Option<Process>,
    /// The current event's closed or would-be descriptor.
    pub(crate) scratch_fd: Option<FdInfo>,
    /// The kernel's view of the next event's socket, from a `Socket` record.
    observed_socket: Option<ObservedSocket>,
    /// What runtimes said about containers, by short id; bounded like `cgroups`.
    pub(crate) container_info: BoundedMap<String, ContainerInfo>,
}

impl SystemState {
    /// An empty state with the default [`Limits`].
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    /// An empty state with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Self {
            limits,
            ..Self::default()
        }
    }

    /// The counters of evictions and unknown processes.
    pub fn stats(&self) -> StateStats {
        self.stats
    }

    /// Number of processes in the table.
    pub fn process_count(&self) -> usize {
        self.processes.len()
    }

    /// The process `pid`.
    pub fn process(&self, pid: u32) -> Option<&Process> {
        self.processes.get(&pid)
    }

    /// The process thread `tid` belongs to.
    pub fn process_of_thread(&self, tid: u32) -> Option<&Process> {
        self.processes.get(&self.threads.get(&tid)?.pid)
    }

    /// The users and groups that apply to a container: the host's for the
    /// host, a container's own when a table was recorded for it, else none.
    /// A container's table can come late (it is read beside the event
    /// thread), be dropped or be evicted; the host's names would then be
    /// wrong for its uids, where missing names are only missing.
    pub fn users_for(&self, container: &Container) -> &UserDb {
        static NONE: std::sync::LazyLock<UserDb> = std::sync::LazyLock::new(UserDb::default);
        if container.runtime == Runtime::Host {
            return &self.host_users;
        }
        self.container_users.get(&container.id).unwrap_or(&NONE)
    }

    /// What the runtime said about the container with short id `id`, when
    /// a [`CaptureRecord::ContainerInfo`] described it.
    pub fn container_info(&self, id: &str) -> Option<&ContainerInfo> {
        self.container_info.get(id)
    }

    /// Updates the tables with one record. Returns the extraction context for
    /// events rules see (`evt_type()` is `Some`), `None` for records that only
    /// feed the tables.
    pub fn update(&mut self, record: &CaptureRecord) -> Option<EventContext> {
        self.departed = None;
        self.scratch_fd = None;
        match record {
            CaptureRecord::Process(info) => {
                self.seed(info.as_ref().clone());
                None
            }
            CaptureRecord::Cgroup { id, path } => {
                self.cgroups.insert(*id, container_of(path));
                None
            }
            CaptureRecord::Users { container, db } => {
                match container {
                    Some(id) => {
                        self.container_users.insert(id.clone(), db.as_ref().clone());
                    }
                    None => self.host_users = db.as_ref().clone(),
                }
                None
            }
            CaptureRecord::Socket {
                pid,
                fd,
                l4proto,
                local,
                remote,
            } => {
                self.observed_socket = Some(ObservedSocket {
                    pid: *pid,
                    fd: *fd,
                    l4proto: *l4proto,
                    local: *local,
                    remote: *remote,
                });
                None
            }
            CaptureRecord::ContainerInfo(info) => {
                self.container_info.insert(info.id.clone(), info.clone());
                None
            }
            CaptureRecord::Event(event) => {
                // It describes this event's socket, or none at all.
                let observed = self.observed_socket.take();
                self.on_event(event, observed)
            }
        }
    }

    /// Seeds or refreshes a process from a snapshot. A refresh without
    /// descriptors keeps the descriptors already known.
    fn seed(&mut self, info: ProcessInfo) {
        let pid = info.pid;
        let threads = info.threads.clone();
        let (mut process, evicted) = Process::from_info(info, self.limits.max_fds_per_process);
        self.stats.evicted_fds += evicted;
        if let Some(old) = self.processes.get_mut(&pid) {
            if process.fds.is_empty() {
                process.fds = std::mem::take(&mut old.fds);
            }
            process.seq = old.seq;
            *old = process;
        } else {
            self.insert_process(process);
        }
        self.pending_forks.remove(&pid);
        for ThreadIds { tid, vtid } in threads {
            self.threads.insert(
                tid,
                ThreadEntry {
                    pid,
                    vtid: Some(vtid),
                },
            );
        }
        self.threads
            .entry(pid)
            .or_insert(ThreadEntry { pid, vtid: None });
    }

    /// Adds a new process, evicting the oldest past the limit.
    pub(crate) fn insert_process(&mut self, mut process: Process) {
        while self.processes.len() >= self.limits.max_processes.max(1) {
            let Some((seq, pid)) = self.order.pop_front() else {
                break;
            };
            if self.processes.get(&pid).is_some_and(|p| p.seq == seq) {
                self.remove_process(pid);
                self.stats.evicted_processes += 1;
            }
        }
        self.next_seq += 1;
        process.seq = self.next_seq;
        let pid = process.info.pid;
        self.order.push_back((process.seq, pid));
        if self.order.len() > 2 * self.limits.max_processes.max(16) {
            let processes = &self.processes;
            self.order
                .retain(|(seq, pid)| processes.get(pid).is_some_and(|p| p.seq == *seq));
        }
        if let Some(old) = self.processes.insert(pid, process) {
            self.forget_threads(&old);
        }
    }

    /// Removes a process and its threads from the tables.
    pub(crate) fn remove_process(&mut self, pid: u32) -> Option<Process> {
        let process = self.processes.remove(&pid)?;
        self.forget_threads(&process);
        Some(process)
    }

    fn forget_threads(&mut self, process: &Process) {
        let pid = process.info.pid;
        for thread in &process.info.threads {
            if self.threads.get(&thread.tid).is_some_and(|t| t.pid == pid) {
                self.threads.remove(&thread.tid);
            }
        }
        if self.threads.get(&pid).is_some_and(|t| t.pid == pid) {
            self.threads.remove(&pid);
        }
    }

    fn on_event(
        &mut self,
        event: &SyscallEvent,
        observed: Option<ObservedSocket>,
    ) -> Option<EventContext> {
        match &event.detail {
            EventDetail::ExecArgs { argv, env } => {
                if self.exec_args.len() >= self.limits.max_pending {
                    self.stats.dropped_pending += self.exec_args.len() as u64;
                    self.exec_args.clear();
                }
                self.exec_args
                    .insert(event.tid, (argv.clone(), env.clone()));
                self.ensure_thread(event);
                return None;
            }
            EventDetail::Fork { child_tid } => {
                self.ensure_thread(event);
                self.on_fork(event, *child_tid);
                return None;
            }
            _ => {}
        }
        self.ensure_thread(event);
        let mut context = EventContext::new();
        match &event.detail {
            EventDetail::Exec {
                filename,
                old_tid,
                tty,
                loginuid,
            } => self.on_exec(event, filename, *old_tid, *tty, *loginuid),
            EventDetail::Exit => {
                context.process_departed = self.on_exit(event);
            }
            EventDetail::Syscall(exit) => {
                self.apply_syscall(event, exit, observed, &mut context);
            }
            EventDetail::ExecArgs { .. } | EventDetail::Fork { .. } => {}
        }
        Some(context)
    }

    /// Makes sure the event's thread and process are in the table (resolving
    /// a pending fork, or creating them from the header), then refreshes the
    /// entry from the header.
    fn ensure_thread(&mut self, event: &SyscallEvent) {
        let (pid, tid) = (event.pid, event.tid);
        if let Some(fork) = self.pending_forks.remove(&tid) {
            self.adopt_child(event, fork);
        }
        if !self.processes.contains_key(&pid) {
            let mut info = ProcessInfo::bare(pid, &event.comm);
            info.uid = event.uid;
            info.euid = event.uid;
            info.gid = event.gid;
            info.egid = event.gid;
            self.stats.unknown_processes += 1;
            let (process, _) = Process::from_info(info, self.limits.max_fds_per_process);
            self.insert_process(process);
        }
        let known_vtid = self
            .threads
            .get(&tid)
            .filter(|t| t.pid == pid)
            .map(|t| t.vtid);
        let Some(process) = self.processes.get_mut(&pid) else {
            return;
        };
        let vtid = match known_vtid {
            Some(vtid) => vtid,
            None => {
                // A thread we have not seen: in the host's pid namespace its
                // id is the same inside and out.
                let vtid = (process.info.vpid == Some(pid)).then_some(tid);
                if !process.info.threads.iter().any(|t| t.tid == tid) {
                    process.info.threads.push(ThreadIds {
                        tid,
                        vtid: vtid.unwrap_or(0),
                    });
                }
                vtid
            }
        };
        self.threads.insert(tid, ThreadEntry { pid, vtid });
        if tid == pid && !event.comm.is_empty() {
            process.info.comm.clone_from(&event.comm);
        }
        // The header's ids are the real ones; a change of the real id (a
        // setuid by a privileged process) sets the effective one too.
        if process.info.uid != event.uid {
            process.info.uid = event.uid;
            process.info.euid = event.uid;
        }
        if process.info.gid != event.gid {
            process.info.gid = event.gid;
            process.info.egid = event.gid;
        }
        // Every event passes here: copy the container's strings only when
        // the thread moved to another cgroup's container.
        if let Some(container) = self.cgroups.get(&event.cgroup_id)
            && process.info.container != *container
        {
            process.info.container = container.clone();
        }
    }

    /// Drops the remembered exec arguments of thread `tid`.
    pub(crate) fn forget_exec_args(&mut self, tid: u32) {
        self.exec_args.remove(&tid);
    }

    fn on_fork(&mut self, event: &SyscallEvent, child_tid: u32) {
        // The kernel just handed out this id, so whatever we knew under it is gone.
        if self.processes.contains_key(&child_tid) {
            self.remove_process(child_tid);
        }
        if let Some(stale) = self.threads.remove(&child_tid)
            && let Some(process) = self.processes.get_mut(&stale.pid)
        {
            process.info.threads.retain(|t| t.tid != child_tid);
        }
        if self.pending_forks.len() >= self.limits.max_pending {
            self.stats.dropped_pending += self.pending_forks.len() as u64;
            self.pending_forks.clear();
        }
        self.pending_forks.insert(
            child_tid,
            PendingFork {
                parent_pid: event.pid,
                new_pid_ns: false,
                ts_ns: event.ts_ns,
            },
        );
    }

    /// The first event of a forked child: a new process copied from its
    /// parent when it leads its own thread group, else a new thread.
    fn adopt_child(&mut self, event: &SyscallEvent, fork: PendingFork) {
        let (pid, tid) = (event.pid, event.tid);
        if pid != tid || self.processes.contains_key(&pid) {
            // A thread (handled by ensure_thread), or a snapshot already seeded it.
            return;
        }
        let Some(parent) = self.processes.get(&fork.parent_pid) else {
            return;
        };
        let mut info = parent.info.clone();
        let fds = parent.fds.clone();
        info.pid = pid;
        info.ppid = fork.parent_pid;
        info.start_ns = Some(fork.ts_ns);
        info.vpid = if fork.new_pid_ns {
            Some(1)
        } else if parent.info.vpid == Some(parent.info.pid) {
            Some(pid)
        } else {
            None
        };
        info.threads = vec![ThreadIds {
            tid,
            vtid: info.vpid.unwrap_or(0),
        }];
        let vtid = info.vpid;
        self.insert_process(Process { info, fds, seq: 0 });
        self.threads.insert(tid, ThreadEntry { pid, vtid });
    }

    fn on_exec(
        &mut self,
        event: &SyscallEvent,
        filename: &str,
        old_tid: u32,
        tty: Option<u32>,
        loginuid: Option<u32>,
    ) {
        let pid = event.pid;
        let args = self
            .exec_args
            .remove(&old_tid)
            .or_else(|| self.exec_args.remove(&event.tid));
        if old_tid != event.tid {
            // A non-leader thread exec'd: it takes over the leader's id and
            // every other thread of the process is gone.
            self.exec_args.remove(&event.tid);
            if self.threads.get(&old_tid).is_some_and(|t| t.pid == pid) {
                self.threads.remove(&old_tid);
            }
        }
        let Some(process) = self.processes.get_mut(&pid) else {
            return;
        };
        let mut gone = Vec::new();
        process.info.threads.retain(|t| {
            let keep = t.tid == pid;
            if !keep {
                gone.push(t.tid);
            }
            keep
        });
        if process.info.threads.is_empty() {
            process.info.threads.push(ThreadIds {
                tid: pid,
                vtid: process.info.vpid.unwrap_or(0),
            });
        }
        let exe = super::effects::exec_target(process, filename);
        process.info.exe_path = exe.path;
        process.info.exe_from_memfd = exe.from_memfd;
        match args {
            Some((argv, env)) => {
                process.info.args = if argv.is_empty() {
                    vec![filename.to_string()]
                } else {
                    argv
                };
                process.info.env = env;
            }
            None => process.info.args = vec![filename.to_string()],
        }
        if !event.comm.is_empty() {
            process.info.comm.clone_from(&event.comm);
        }
        // Read from the task by the probe: right even for a process gone
        // before any /proc snapshot could be taken.
        if let Some(tty) = tty {
            process.info.tty = tty;
        }
        if let Some(loginuid) = loginuid {
            process.info.loginuid = loginuid;
        }
        // The new image's file is known only to a later snapshot.
        process.info.exe_ino = None;
        process.info.exe_ctime_ns = None;
        process.info.exe_mtime_ns = None;
        process.info.exe_upper_layer = None;
        process.fds.retain(|fd| !fd.close_on_exec());
        for tid in gone {
            if self.threads.get(&tid).is_some_and(|t| t.pid == pid) {
                self.threads.remove(&tid);
            }
        }
    }

    /// Removes the exiting thread; returns whether its process left the
    /// table with it (the entry then stays in the scratch slot for this event).
    fn on_exit(&mut self, event: &SyscallEvent) -> bool {
        let (pid, tid) = (event.pid, event.tid);
        self.exec_args.remove(&tid);
        self.threads.remove(&tid);
        let Some(process) = self.processes.get_mut(&pid) else {
            return false;
        };
        process.info.threads.retain(|t| t.tid != tid);
        let live = process
            .info
            .threads
            .iter()
            .any(|t| self.threads.get(&t.tid).is_some_and(|e| e.pid == pid));
        if live {
            return false;
        }
        self.departed = self.remove_process(pid);
        self.departed.is_some()
    }
}
