//! The live syscall stream: the probe's events plus what only the running
//! system can tell about them, as [`CaptureRecord`]s.
//!
//! The state tables and capture files consume the same records, so a replay
//! of what this module produced reaches the same state. What it adds to the
//! probe's events:
//! - at start, a `/proc` snapshot of every process and the host's users;
//! - before the first event of a cgroup, that cgroup's path;
//! - after an exec, a fresh `/proc` snapshot of the process when it is still
//!   running (not yet a zombie) the image the exec installed;
//! - the users of each container, and what its runtime's files say about it
//!   (name, image, mounts, pod: see [`runtimes`]), the first time one of its
//!   processes is seen;
//! - right before a connect, accept, bind or listen on an IP socket, both
//!   ends of the socket as the kernel has them (see [`sockets`]).
//!
//! The probe is attached before `/proc` is read, so no process can start in
//! between unseen.

mod cgroups;
pub mod runtimes;
pub mod sockets;

use crate::{
    CaptureRecord, EventDetail, SyscallEvent,
    probe::{ProbeConfig, ProbeError, ProbeStats, SyscallProbe},
    state::{Container, Runtime, UserDb, container_of, procfs},
};
use cgroups::CgroupPaths;
pub use runtimes::RuntimeRoots;
use std::{collections::HashSet, path::PathBuf, time::Duration};

/// The probe plus the enrichment that turns its events into capture records.
pub struct LiveSource {
    probe: SyscallProbe,
    proc_root: PathBuf,
    cgroups: CgroupPaths,
    runtime_roots: RuntimeRoots,
    /// The containers whose users and runtime description were read.
    containers_seen: HashSet<String>,
    pending: Vec<CaptureRecord>,
    events: Vec<SyscallEvent>,
    socket_lookups_left: usize,
    socket_lookups_skipped: u64,
}

/// How many sockets one batch may look up (each lookup is a handful of
/// syscalls, or a read of the process's network tables where pidfds are
/// unavailable). Past it, sockets keep the ends their syscall arguments
/// give, so a connection storm cannot make the reader fall behind and drop
/// events.
const SOCKET_LOOKUPS_PER_BATCH: usize = 256;

impl LiveSource {
    /// Loads and attaches the probe, then takes the start-up snapshot, which
    /// the first call to [`LiveSource::next_batch`] returns. Container
    /// runtimes' files are read where the host's configuration puts them
    /// ([`RuntimeRoots::discover`]).
    pub fn start(config: &ProbeConfig) -> Result<Self, ProbeError> {
        Self::start_with_runtimes(config, RuntimeRoots::discover())
    }

    /// [`LiveSource::start`], reading container runtimes' state under `roots`.
    pub fn start_with_runtimes(
        config: &ProbeConfig,
        roots: RuntimeRoots,
    ) -> Result<Self, ProbeError> {
        let probe = SyscallProbe::load(config)?;
        let proc_root = PathBuf::from("/proc");
        let mut source = Self {
            probe,
            cgroups: CgroupPaths::discover(),
            proc_root,
            runtime_roots: roots,
            containers_seen: HashSet::new(),
            pending: Vec::new(),
            events: Vec::new(),
            socket_lookups_left: SOCKET_LOOKUPS_PER_BATCH,
            socket_lookups_skipped: 0,
        };
        let mut snapshot = vec![CaptureRecord::Users {
            container: None,
            db: Box::new(UserDb::load(std::path::Path::new("/"))),
        }];
        for process in procfs::scan(&source.proc_root).unwrap_or_default() {
            source.first_sight_of(process.pid, &process.container, &mut snapshot);
            snapshot.push(CaptureRecord::Process(Box::new(process)));
        }
        source.pending = snapshot;
        Ok(source)
    }

    /// Appends the next records to `out`, waiting up to `timeout` for events.
    pub fn next_batch(
        &mut self,
        timeout: Duration,
        out: &mut Vec<CaptureRecord>,
    ) -> Result<(), ProbeError> {
        out.append(&mut self.pending);
        self.events.clear();
        let wait = if out.is_empty() {
            timeout
        } else {
            Duration::ZERO
        };
        self.probe.poll(wait, &mut self.events)?;
        self.enrich_events(out);
        Ok(())
    }

    /// Appends the records still held back for time order (and any not yet
    /// handed out), for when reading stops.
    pub fn finish(&mut self, out: &mut Vec<CaptureRecord>) {
        out.append(&mut self.pending);
        self.events.clear();
        self.probe.finish(&mut self.events);
        self.enrich_events(out);
    }

    /// Turns the events just read into records, a new batch's budget of
    /// socket lookups for them.
    fn enrich_events(&mut self, out: &mut Vec<CaptureRecord>) {
        let mut events = std::mem::take(&mut self.events);
        self.socket_lookups_left = SOCKET_LOOKUPS_PER_BATCH;
        for event in events.drain(..) {
            self.enrich(event, out);
        }
        // Keep the buffer's capacity for the next batch.
        self.events = events;
    }

    /// Sockets whose ends were not looked up because a batch had used its
    /// budget ([`SOCKET_LOOKUPS_PER_BATCH`]).
    pub fn socket_lookups_skipped(&self) -> u64 {
        self.socket_lookups_skipped
    }

    /// The probe's counters.
    pub fn stats(&self) -> Result<ProbeStats, ProbeError> {
        self.probe.stats()
    }

    fn enrich(&mut self, event: SyscallEvent, out: &mut Vec<CaptureRecord>) {
        if event.cgroup_id != 0
            && let Some(path) = self.cgroups.first_sight(event.cgroup_id)
        {
            let container = container_of(&path);
            out.push(CaptureRecord::Cgroup {
                id: event.cgroup_id,
                path,
            });
            self.first_sight_of(event.pid, &container, out);
        }
        if let Some(lookup) = sockets::lookup(&event) {
            if self.socket_lookups_left == 0 {
                self.socket_lookups_skipped += 1;
            } else if let Some(socket) = sockets::observe(&self.proc_root, &lookup) {
                self.socket_lookups_left -= 1;
                out.push(socket);
            }
        }
        let exec = match &event.detail {
            EventDetail::Exec { filename, .. } => Some((event.pid, filename.clone())),
            _ => None,
        };
        out.push(CaptureRecord::Event(event));
        if let Some((pid, filename)) = exec
            && let Ok(Some(process)) = procfs::read_exec_snapshot(&self.proc_root, pid, &filename)
        {
            out.push(CaptureRecord::Process(Box::new(process)));
        }
    }

    /// The records about a container not seen before: its users (read
    /// through the process's root) and what its runtime says about it.
    fn first_sight_of(&mut self, pid: u32, container: &Container, out: &mut Vec<CaptureRecord>) {
        // The host (the only container of runtime Host) has its users from
        // the start-up snapshot and no runtime to ask.
        if container.runtime == Runtime::Host || !self.containers_seen.insert(container.id.clone())
        {
            return;
        }
        let root = self.proc_root.join(pid.to_string()).join("root");
        out.push(CaptureRecord::Users {
            container: Some(container.id.clone()),
            db: Box::new(UserDb::load(&root)),
        });
        if let Some(info) = self.runtime_roots.describe(container) {
            out.push(CaptureRecord::ContainerInfo(info));
        }
    }
}
