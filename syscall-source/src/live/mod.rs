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
//!
//! What a container controls (its files, its runtime's record of it) is
//! read on a worker thread ([`enricher`]) through the bounded reader
//! ([`crate::untrusted`]); the thread that drains the rings waits for it
//! only [`ENRICH_WAIT_PER_BATCH`] per batch, and a container's records that
//! come later follow in a later batch. Cgroup ids are named by handle, in
//! constant time, and what is remembered of cgroups and containers is
//! bounded ([`cgroups`], [`seen`]).

pub mod cgroups;
pub mod enricher;
pub mod runtimes;
pub mod seen;
pub mod sockets;

use crate::{
    CaptureRecord, EventDetail, SyscallEvent,
    probe::{ProbeConfig, ProbeError, ProbeStats, SyscallProbe},
    state::{Container, Runtime, UserDb, container_of, procfs},
    untrusted::Dir,
};
use cgroups::{CgroupPaths, Lookup};
use enricher::{Done, Enricher, Job};
pub use runtimes::RuntimeRoots;
use seen::SeenSet;
use std::{
    path::PathBuf,
    time::{Duration, Instant},
};

/// The longest the event thread waits, per batch, for container records
/// from the enrichment thread, so that they usually precede the container's
/// first event; past it, events go on and the records follow later.
pub const ENRICH_WAIT_PER_BATCH: Duration = Duration::from_millis(100);

/// The longest the start-up snapshot waits for the containers it found to
/// be described (the probe's rings hold the events meanwhile).
const ENRICH_WAIT_AT_START: Duration = Duration::from_secs(2);

/// The longest [`LiveSource::finish`] waits for records still being made.
const ENRICH_WAIT_AT_FINISH: Duration = Duration::from_secs(1);

/// How many containers are remembered as described; one forgotten and seen
/// again is described again.
pub const CONTAINERS_CAPACITY: usize = 4096;

/// How much the live stream remembers (each bounded by a capacity).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Remembered {
    /// Cgroup ids announced ([`cgroups::ANNOUNCED_CAPACITY`] at most).
    pub cgroups: usize,
    /// Containers described ([`CONTAINERS_CAPACITY`] at most).
    pub containers: usize,
}

/// The probe plus the enrichment that turns its events into capture records.
pub struct LiveSource {
    probe: SyscallProbe,
    proc_root: PathBuf,
    cgroups: CgroupPaths,
    enricher: Enricher,
    /// When the current batch stops waiting for the enrichment thread.
    batch_deadline: Option<Instant>,
    /// The containers whose users and runtime description were asked for.
    containers_seen: SeenSet<String>,
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
            enricher: Enricher::start(roots),
            batch_deadline: None,
            containers_seen: SeenSet::new(CONTAINERS_CAPACITY),
            pending: Vec::new(),
            events: Vec::new(),
            socket_lookups_left: SOCKET_LOOKUPS_PER_BATCH,
            socket_lookups_skipped: 0,
        };
        let mut snapshot = vec![CaptureRecord::Users {
            container: None,
            db: Box::new(UserDb::load(std::path::Path::new("/"))),
        }];
        let processes = procfs::scan(&source.proc_root).unwrap_or_default();
        // The budget starts once the host is read. Every container is
        // queued (while the queue is full, as the worker frees places),
        // then all are waited for together.
        let deadline = Instant::now() + ENRICH_WAIT_AT_START;
        source.batch_deadline = Some(deadline);
        for process in &processes {
            source.first_sight_of(
                process.pid,
                &process.container,
                Submit::QueueBy(deadline),
                &mut snapshot,
            );
        }
        source.wait_for(source.enricher.last_queued(), &mut snapshot);
        snapshot.extend(
            processes
                .into_iter()
                .map(|process| CaptureRecord::Process(Box::new(process))),
        );
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
        self.take_ready(out);
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
        self.batch_deadline = Some(Instant::now() + ENRICH_WAIT_AT_FINISH);
        self.wait_for(self.enricher.last_queued(), out);
    }

    /// Turns the events just read into records, a new batch's budget of
    /// socket lookups for them.
    fn enrich_events(&mut self, out: &mut Vec<CaptureRecord>) {
        let mut events = std::mem::take(&mut self.events);
        self.socket_lookups_left = SOCKET_LOOKUPS_PER_BATCH;
        self.batch_deadline = None;
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

    /// Enrichment jobs (a container's description, a cgroup walk) dropped
    /// because the enrichment thread's queue was full.
    pub fn enrichment_dropped(&self) -> u64 {
        self.enricher.dropped()
    }

    /// How much is remembered of cgroups and containers.
    pub fn remembered(&self) -> Remembered {
        Remembered {
            cgroups: self.cgroups.remembered(),
            containers: self.containers_seen.len(),
        }
    }

    /// The probe's counters.
    pub fn stats(&self) -> Result<ProbeStats, ProbeError> {
        self.probe.stats()
    }

    fn enrich(&mut self, event: SyscallEvent, out: &mut Vec<CaptureRecord>) {
        if event.cgroup_id != 0
            && let Some(lookup) = self.cgroups.first_sight(event.cgroup_id)
        {
            match lookup {
                Lookup::Path(path) => self.announce_cgroup(event.cgroup_id, path, event.pid, out),
                Lookup::Gone => {}
                Lookup::NeedsWalk(root) => {
                    let job = Job::Cgroup {
                        id: event.cgroup_id,
                        pid: event.pid,
                        root,
                    };
                    match self.enricher.submit(job) {
                        Some(seq) => self.wait_for(seq, out),
                        // Not lost: the cgroup's next event asks again.
                        None => self.cgroups.forget(event.cgroup_id),
                    }
                }
            }
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

    /// The record naming cgroup `id`, then the container's if new.
    fn announce_cgroup(&mut self, id: u64, path: String, pid: u32, out: &mut Vec<CaptureRecord>) {
        let container = container_of(&path);
        out.push(CaptureRecord::Cgroup { id, path });
        if !self.first_sight_of(pid, &container, Submit::Wait, out) {
            // The container is asked about again at the cgroup's next event.
            self.cgroups.forget(id);
        }
    }

    /// Asks the enrichment thread about a container not seen before: its
    /// users (read through the process's root) and what its runtime says
    /// about it, and waits for the answer as `how` says. `false` when the
    /// job could not be queued: the container is then not remembered, so
    /// that a later sight of it asks again.
    fn first_sight_of(
        &mut self,
        pid: u32,
        container: &Container,
        how: Submit,
        out: &mut Vec<CaptureRecord>,
    ) -> bool {
        // The host (the only container of runtime Host) has its users from
        // the start-up snapshot and no runtime to ask.
        if container.runtime == Runtime::Host || !self.containers_seen.insert(container.id.clone())
        {
            return true;
        }
        // Opened here, while the process runs: an O_PATH open of the
        // process's root, which reads nothing in it.
        let root = Dir::open(&self.proc_root.join(pid.to_string()).join("root")).ok();
        let job = Job::Container {
            container: container.clone(),
            root,
        };
        let queued = match how {
            Submit::QueueBy(deadline) => {
                let mut answers = Vec::new();
                let queued = self
                    .enricher
                    .submit_by(job, deadline, |done| answers.push(done));
                for done in answers {
                    self.emit(done, out);
                }
                queued
            }
            Submit::Queue => self.enricher.submit(job),
            Submit::Wait => {
                let queued = self.enricher.submit(job);
                if let Some(seq) = queued {
                    self.wait_for(seq, out);
                }
                queued
            }
        };
        if queued.is_none() {
            self.containers_seen.remove(&container.id);
        }
        queued.is_some()
    }

    /// Waits for job `seq` until the batch's deadline, emitting whatever
    /// the enrichment thread answers meanwhile.
    fn wait_for(&mut self, seq: u64, out: &mut Vec<CaptureRecord>) {
        let deadline = *self
            .batch_deadline
            .get_or_insert_with(|| Instant::now() + ENRICH_WAIT_PER_BATCH);
        let mut answers = Vec::new();
        self.enricher
            .wait_for(seq, deadline, |done| answers.push(done));
        for done in answers {
            self.emit(done, out);
        }
    }

    /// Emits the answers that came in since the last batch.
    fn take_ready(&mut self, out: &mut Vec<CaptureRecord>) {
        let mut answers = Vec::new();
        self.enricher.ready(|done| answers.push(done));
        for done in answers {
            self.emit(done, out);
        }
    }

    /// Emits one answer of the enrichment thread; a walked cgroup's
    /// container is asked about without waiting (this runs inside a wait).
    fn emit(&mut self, done: Done, out: &mut Vec<CaptureRecord>) {
        match done {
            Done::Records(records) => out.extend(records),
            Done::Cgroup {
                id,
                pid,
                path: Some(path),
            } => {
                let container = container_of(&path);
                out.push(CaptureRecord::Cgroup { id, path });
                if !self.first_sight_of(pid, &container, Submit::Queue, out) {
                    self.cgroups.forget(id);
                }
            }
            Done::Cgroup { path: None, .. } => {}
        }
    }
}

/// How [`LiveSource::first_sight_of`] hands a container's job over.
#[derive(Clone, Copy)]
enum Submit {
    /// Queue it if there is room, and wait for the answer within the
    /// batch's budget.
    Wait,
    /// Queue it if there is room, without waiting (inside a wait).
    Queue,
    /// Queue it, while the queue is full waiting for room until the
    /// deadline (the start-up snapshot, which waits for all at the end).
    QueueBy(Instant),
}
