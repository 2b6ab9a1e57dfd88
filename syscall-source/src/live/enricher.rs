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

/// A job with its sequence number, as queued.
type Queued = (u64, Job);

/// An answer with its job's sequence number.
type Answer = (u64, Done);

/// The event thread's side of the worker.
pub struct Enricher {
    jobs: Option<SyncSender<Queued>>,
    done: Receiver<Answer>,
    worker: Option<JoinHandle<()>>,
    next: u64,
    /// The last job whose answer was received.
    answered: u64,
    dropped: u64,
    /// Whether the worker was found gone (said once).
    lost: bool,
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
                    // One job that panics (a bug met by some container's
                    // files) must not end the descriptions of all others;
                    // its answer is empty, so waits for it end.
                    let done =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&roots, job)))
                            .unwrap_or_else(|_| {
                                tracing::error!(
                                    "an enrichment job panicked; its records are left out"
                                );
                                Done::Records(Vec::new())
                            });
                    if answers.send((seq, done)).is_err() {
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
            lost: false,
        }
    }

    /// An enricher whose worker never takes a job: what the event thread
    /// sees when the worker is stuck.
    #[cfg(test)]
    fn stuck() -> (Self, Receiver<Queued>, mpsc::Sender<Answer>) {
        let (jobs, queue) = mpsc::sync_channel(QUEUE_CAPACITY);
        let (answers, done) = mpsc::channel::<(u64, Done)>();
        let enricher = Self {
            jobs: Some(jobs),
            done,
            worker: None,
            next: 0,
            answered: 0,
            dropped: 0,
            lost: false,
        };
        (enricher, queue, answers)
    }

    /// Queues `job`; its sequence number, or `None` when the queue was full
    /// or the worker is gone (the job is dropped and counted).
    pub fn submit(&mut self, job: Job) -> Option<u64> {
        self.submit_by(job, Instant::now(), |_| {})
    }

    /// [`Enricher::submit`], but while the queue is full and `deadline`
    /// has not passed, waits for the worker to answer a job (handing the
    /// answer to `handle`), which frees a place, and tries again.
    pub fn submit_by(
        &mut self,
        job: Job,
        deadline: Instant,
        mut handle: impl FnMut(Done),
    ) -> Option<u64> {
        let jobs = self.jobs.as_ref()?;
        let seq = self.next + 1;
        let mut queued = (seq, job);
        loop {
            match jobs.try_send(queued) {
                Ok(()) => {
                    self.next = seq;
                    return Some(seq);
                }
                Err(TrySendError::Full(back)) => {
                    let left = deadline.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    // Each answer is sent after its job left the queue.
                    let Ok((answered, done)) = self.done.recv_timeout(left) else {
                        break;
                    };
                    self.answered = answered;
                    handle(done);
                    queued = back;
                }
                Err(TrySendError::Disconnected(_)) => {
                    if !self.lost {
                        self.lost = true;
                        tracing::error!(
                            "the enrichment thread is gone: containers are no longer described"
                        );
                    }
                    break;
                }
            }
        }
        self.dropped += 1;
        None
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

    /// Jobs dropped because the queue was full (or the worker gone).
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn job() -> Job {
        Job::Container {
            container: Container::host(),
            root: None,
        }
    }

    #[test]
    fn a_stuck_worker_costs_a_bounded_wait_and_a_full_queue_drops() {
        let (mut enricher, _queue, _answers) = Enricher::stuck();
        for n in 1..=QUEUE_CAPACITY as u64 {
            assert_eq!(enricher.submit(job()), Some(n));
        }
        assert_eq!(enricher.submit(job()), None, "the queue is full");
        assert_eq!(enricher.dropped(), 1);
        // The wait ends at its deadline, unanswered.
        let deadline = Instant::now() + Duration::from_millis(20);
        assert!(!enricher.wait_for(1, deadline, |_| panic!("no answer")));
    }

    #[test]
    fn a_full_queue_takes_a_job_once_the_worker_answers_one() {
        let (mut enricher, queue, answers) = Enricher::stuck();
        for _ in 0..QUEUE_CAPACITY {
            enricher.submit(job()).unwrap();
        }
        // A worker takes job 1 and answers it, freeing a place, whether
        // before the submission below or while it waits.
        let worker = std::thread::spawn(move || {
            let (first, _) = queue.recv().unwrap();
            answers.send((first, Done::Records(Vec::new()))).unwrap();
            (queue, answers)
        });
        let mut handed = 0;
        let deadline = Instant::now() + Duration::from_secs(30);
        let seq = enricher.submit_by(job(), deadline, |_| handed += 1);
        assert_eq!(seq, Some(QUEUE_CAPACITY as u64 + 1), "queued, not dropped");
        assert!(handed <= 1);
        assert_eq!(enricher.dropped(), 0);
        let (_queue, _answers) = worker.join().unwrap();
        // Full again, and nothing answers: dropped at the deadline.
        let deadline = Instant::now() + Duration::from_millis(20);
        assert_eq!(enricher.submit_by(job(), deadline, |_| {}), None);
        assert_eq!(enricher.dropped(), 1);
    }

    #[test]
    fn a_gone_worker_drops_jobs_and_counts_them() {
        let (mut enricher, queue, _answers) = Enricher::stuck();
        drop(queue);
        assert_eq!(enricher.submit(job()), None);
        assert_eq!(enricher.submit(job()), None);
        assert!(enricher.lost);
        assert_eq!(enricher.dropped(), 2);
    }

    #[test]
    fn the_worker_reads_a_containers_users_under_its_root() {
        let dir = std::env::temp_dir().join(format!("lanner-enrich-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("etc")).unwrap();
        std::fs::write(dir.join("etc/passwd"), "app:x:1000:1000::/app:/bin/sh\n").unwrap();
        let container = crate::state::container_of(&format!("0::/docker/{}", "ab".repeat(32)));
        let mut enricher = Enricher::start(RuntimeRoots::default());
        let seq = enricher
            .submit(Job::Container {
                container: container.clone(),
                root: Dir::open(&dir).ok(),
            })
            .unwrap();
        let mut records = Vec::new();
        let answered = enricher.wait_for(seq, Instant::now() + Duration::from_secs(30), |done| {
            if let Done::Records(r) = done {
                records.extend(r);
            }
        });
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(answered);
        let [CaptureRecord::Users { container: id, db }] = records.as_slice() else {
            panic!("{records:?}");
        };
        assert_eq!(id.as_deref(), Some(container.id.as_str()));
        assert_eq!(db.user(1000).map(|u| u.name.as_str()), Some("app"));
    }
}
