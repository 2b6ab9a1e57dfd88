//! Slow enrichment beside the event thread: a container's users (read
//! through its own root, which its processes control), its runtime's
//! description, and the cgroup walk where cgroups cannot be opened by id.
//!
//! The thread that drains the rings must never wait on any of it for long:
//! a file read the container controls may be slow however carefully it is
//! bounded (a stalled FUSE daemon answers nothing), and while that thread
//! waits nothing on the host is seen. So these jobs run on one worker
//! thread; the event thread hands a job over on a bounded queue (a full
//! queue drops the job and counts it), waits for the answer a short while
//! (a budget per batch), and what arrives later is emitted later: the state
//! tables take a container's records whenever they come.

use super::{cgroups::walk_for, runtimes::RuntimeRoots};
use crate::{
    CaptureRecord,
    state::{Container, UserDb},
    untrusted::Dir,
};
use std::{
    path::PathBuf,
    sync::mpsc::{self, Receiver, RecvTimeoutError, SyncSender, TrySendError},
    thread::JoinHandle,
    time::Instant,
};

/// How many jobs may wait for the worker; past it, new ones are dropped.
pub const QUEUE_CAPACITY: usize = 256;

/// Work for the enrichment thread.
pub enum Job {
    /// A container's users, read under its root (when it could be opened),
    /// and its runtime's description.
    Container {
        /// The container.
        container: Container,
        /// `/proc/PID/root` of one of its processes, opened on the event
        /// thread (an `O_PATH` open, which cannot block) while the process
        /// still ran.
        root: Option<Dir>,
    },
    /// The path of a cgroup id, by walking the hierarchy at `root`.
    Cgroup {
        /// The id.
        id: u64,
        /// A process in it, whose container is then looked at.
        pid: u32,
        /// The v2 mount.
        root: PathBuf,
    },
}

/// What a job gave.
pub enum Done {
    /// Records to emit as they are.
    Records(Vec<CaptureRecord>),
    /// The path of a walked cgroup (`None` when not found).
    Cgroup {
        /// The id.
        id: u64,
        /// The process that was in it.
        pid: u32,
        /// The path below the v2 mount.
        path: Option<String>,
    },
}

/// The event thread's side of the worker.
pub struct Enricher {
    jobs: Option<SyncSender<(u64, Job)>>,
    done: Receiver<(u64, Done)>,
    worker: Option<JoinHandle<()>>,
    next: u64,
    /// The last job whose answer was received.
    answered: u64,
    dropped: u64,
}

impl Enricher {
    /// Starts the worker, reading runtime state under `roots`.
    pub fn start(roots: RuntimeRoots) -> Self {
        let (jobs, queue) = mpsc::sync_channel::<(u64, Job)>(QUEUE_CAPACITY);
        // Unbounded, yet never longer than the jobs queued: one answer each.
        let (answers, done) = mpsc::channel();
        let worker = std::thread::Builder::new()
            .name("lanner-enrich".into())
            .spawn(move || {
                for (seq, job) in queue {
                    if answers.send((seq, run(&roots, job))).is_err() {
                        return;
                    }
                }
            })
            .ok();
        if worker.is_none() {
            tracing::warn!("no enrichment thread: containers will not be described");
        }
        Self {
            jobs: worker.as_ref().map(|_| jobs),
            done,
            worker,
            next: 0,
            answered: 0,
            dropped: 0,
        }
    }

    /// Queues `job`; its sequence number, or `None` when the queue was full
    /// (the job is dropped and counted) or the worker is gone.
    pub fn submit(&mut self, job: Job) -> Option<u64> {
        let jobs = self.jobs.as_ref()?;
        let seq = self.next + 1;
        match jobs.try_send((seq, job)) {
            Ok(()) => {
                self.next = seq;
                Some(seq)
            }
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped += 1;
                None
            }
        }
    }

    /// Hands `handle` every answer that arrives until the answer to job
    /// `seq` has, or `deadline` passes; answers already there are handed
    /// over even past the deadline. `false` when `seq` is still unanswered.
    pub fn wait_for(&mut self, seq: u64, deadline: Instant, mut handle: impl FnMut(Done)) -> bool {
        while self.answered < seq {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.done.recv_timeout(left) {
                Ok((answered, done)) => {
                    self.answered = answered;
                    handle(done);
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => return false,
            }
        }
        true
    }

    /// Hands `handle` the answers already there, without waiting.
    pub fn ready(&mut self, mut handle: impl FnMut(Done)) {
        while let Ok((answered, done)) = self.done.try_recv() {
            self.answered = answered;
            handle(done);
        }
    }

    /// The number of the last job queued (0 before any).
    pub fn last_queued(&self) -> u64 {
        self.next
    }

    /// Jobs dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

impl Drop for Enricher {
    fn drop(&mut self) {
        // Closing the queue ends the worker once its current job returns;
        // it is not joined, since that job may be stuck in a read whose
        // writer never comes.
        self.jobs = None;
        drop(self.worker.take());
    }
}

/// Does one job, on the worker.
fn run(roots: &RuntimeRoots, job: Job) -> Done {
    match job {
        Job::Container { container, root } => {
            let mut records = vec![CaptureRecord::Users {
                container: Some(container.id.clone()),
                db: Box::new(root.as_ref().map(UserDb::load_in).unwrap_or_default()),
            }];
            if let Some(info) = roots.describe(&container) {
                records.push(CaptureRecord::ContainerInfo(info));
            }
            Done::Records(records)
        }
        Job::Cgroup { id, pid, root } => Done::Cgroup {
            id,
            pid,
            path: walk_for(&root, id),
        },
    }
}
