//! Loads the kernel probe, attaches it, and reads its per-CPU ring buffers.

mod merge;
mod rings;
mod task_layout;
mod tracefs;

use task_layout::{KERNEL_BTF, TaskLayout};

use crate::{
    decode::{self, BootClock},
    event::SyscallEvent,
    syscalls::memory::{self, DEFAULT_SNAPLEN},
};
use aya::{
    Ebpf, EbpfLoader,
    maps::{Array, MapData, MapError, PerCpuArray, RingBuf},
    programs::{RawTracePoint, TracePoint},
};
use lanner_syscall_ebpf::wire::{
    COUNTERS_MAP, Counters, EXEC_FILENAME_LOC_GLOBAL, EXEC_OLD_PID_GLOBAL, EXECVE_ARGV_GLOBAL,
    EXECVE_ENVP_GLOBAL, EXECVEAT_ARGV_GLOBAL, EXECVEAT_ENVP_GLOBAL, FORK_CHILD_PID_GLOBAL,
    INTEREST_MAP, MAX_COPY_LEN, MEMORY_MAP, RINGS_MAP, RecordKind, SCRATCH_MAP, SELF_TGID_GLOBAL,
    SYSCALL_TABLE_SIZE, SyscallMemory, TASK_OFFSETS_GLOBAL,
};
use std::time::Duration;

/// The probe object, compiled from `syscall-ebpf` by this crate's build script.
static PROBE_OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/lanner-probe"));

/// Default size of each CPU's ring buffer: 8 MiB, enough to ride out bursts
/// of a busy CPU between two polls.
pub const DEFAULT_RING_BYTES_PER_CPU: u32 = 8 << 20;

/// How long [`SyscallProbe::poll`] waits at most when the rings are empty:
/// the bound on alert latency the wakeup-free rings add, and the reader's
/// idle wake rate (200 per second).
pub const POLL_NAP: Duration = Duration::from_millis(5);

/// The most records [`SyscallProbe::poll`] takes from one CPU's ring per
/// call (and the most it holds back per ring to restore time order). A ring
/// the kernel fills faster than it is read is never empty, so draining it to
/// the end would keep a batch growing without bound while nothing is
/// evaluated or reported; the rest waits for the next poll (and the kernel
/// counts what no longer fits).
pub const RECORDS_PER_RING_PER_POLL: usize = 8192;

/// How long before the moment a ring is found empty its stamps are trusted
/// to be complete: a record is stamped a little before it is committed.
const COMMIT_SLACK_NS: u64 = 1_000_000;

/// Why the probe could not be loaded or read.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// tracefs is missing and could not be mounted, or a format file is unreadable.
    #[error("tracefs: {0}")]
    Tracefs(String),
    /// The kernel refused the object or a map (verifier, permissions, BTF).
    #[error("loading the eBPF probe failed (are you root, on Linux ≥ 5.8 with BPF?): {0}")]
    Load(#[from] aya::EbpfError),
    /// A program could not be loaded or attached.
    #[error("program `{name}`: {source}")]
    Program {
        /// The program's name in the object.
        name: &'static str,
        /// What aya reported.
        #[source]
        source: aya::programs::ProgramError,
    },
    /// A map is missing, has the wrong type, or could not be created or written.
    #[error("map `{name}`: {source}")]
    Map {
        /// The map's name.
        name: &'static str,
        /// What aya reported.
        #[source]
        source: MapError,
    },
    /// A syscall number outside the interest table was requested.
    #[error("syscall number {0} is outside the probe's table (< {SYSCALL_TABLE_SIZE})")]
    SyscallOutOfRange(u64),
    /// The per-CPU ring size is not one the kernel accepts.
    #[error(
        "ring_bytes_per_cpu = {bytes}: must be a power of two and a multiple of the page size ({page} bytes)"
    )]
    RingSize {
        /// The requested size.
        bytes: u32,
        /// This machine's page size.
        page: usize,
    },
    /// The snaplen is larger than the probe copies.
    #[error("snaplen = {0}: must be at most {MAX_COPY_LEN} bytes")]
    Snaplen(u32),
    /// The number of possible CPUs could not be read.
    #[error("reading the possible CPUs ({path}): {source}")]
    Cpus {
        /// The file that was read.
        path: &'static str,
        /// What failed.
        #[source]
        source: std::io::Error,
    },
    /// Waiting on the ring buffers failed.
    #[error("polling the ring buffers: {0}")]
    Poll(std::io::Error),
}

/// What to capture, and how much memory to use for it.
#[derive(Clone, Debug)]
pub struct ProbeConfig {
    /// Syscall numbers whose exits are reported (successful execs, exec
    /// arguments, forks and exits are always reported).
    pub syscalls: Vec<u64>,
    /// Size of each CPU's ring buffer in bytes: a power of two and a multiple
    /// of the page size. Default [`DEFAULT_RING_BYTES_PER_CPU`].
    pub ring_bytes_per_cpu: u32,
    /// Bytes of read/write/send/recv buffers copied, at most 4096. Default 80.
    pub snaplen: u32,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        Self {
            syscalls: Vec::new(),
            ring_bytes_per_cpu: DEFAULT_RING_BYTES_PER_CPU,
            snaplen: DEFAULT_SNAPLEN,
        }
    }
}

/// Counts per record kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct KindCounts {
    /// Syscall exits.
    pub syscall_exit: u64,
    /// Successful execs.
    pub exec: u64,
    /// Exec arguments.
    pub exec_args: u64,
    /// Task creations.
    pub fork: u64,
    /// Thread exits.
    pub exit: u64,
}

impl KindCounts {
    fn from_raw(raw: &[u64]) -> Self {
        let at = |kind: RecordKind| raw.get(kind as usize).copied().unwrap_or(0);
        Self {
            syscall_exit: at(RecordKind::SyscallExit),
            exec: at(RecordKind::Exec),
            exec_args: at(RecordKind::ExecArgs),
            fork: at(RecordKind::Fork),
            exit: at(RecordKind::Exit),
        }
    }

    fn add(&mut self, other: &Self) {
        self.syscall_exit += other.syscall_exit;
        self.exec += other.exec;
        self.exec_args += other.exec_args;
        self.fork += other.fork;
        self.exit += other.exit;
    }

    /// The sum over all kinds.
    pub fn total(&self) -> u64 {
        self.syscall_exit + self.exec + self.exec_args + self.fork + self.exit
    }
}

/// One CPU's probe counters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuStats {
    /// Records the probe tried to send from this CPU (including dropped ones).
    pub events: u64,
    /// Records lost because this CPU's ring buffer was full.
    pub drops: u64,
    /// `drops` by record kind.
    pub drops_by_kind: KindCounts,
    /// Arguments whose memory was left out because their record was full.
    pub truncated: u64,
}

/// The probe's counters per CPU, plus the reader's own.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProbeStats {
    /// Counters of each possible CPU, indexed by CPU id.
    pub per_cpu: Vec<CpuStats>,
    /// Records received that could not be decoded.
    pub decode_errors: u64,
}

impl ProbeStats {
    /// Records the probe tried to send, summed over CPUs.
    pub fn events(&self) -> u64 {
        self.per_cpu.iter().map(|cpu| cpu.events).sum()
    }

    /// Records lost because a ring buffer was full, summed over CPUs.
    pub fn drops(&self) -> u64 {
        self.per_cpu.iter().map(|cpu| cpu.drops).sum()
    }

    /// Drops by record kind, summed over CPUs.
    pub fn drops_by_kind(&self) -> KindCounts {
        let mut sum = KindCounts::default();
        for cpu in &self.per_cpu {
            sum.add(&cpu.drops_by_kind);
        }
        sum
    }

    /// Arguments whose memory was left out, summed over CPUs.
    pub fn truncated(&self) -> u64 {
        self.per_cpu.iter().map(|cpu| cpu.truncated).sum()
    }
}

/// The loaded, attached probe. Dropping it detaches every program and frees the rings.
pub struct SyscallProbe {
    ebpf: Ebpf,
    rings: Vec<RingBuf<MapData>>,
    /// What [`rings::wait`] polls: one entry per ring, in ring order.
    poll_fds: Vec<libc::pollfd>,
    merge: merge::Merge,
    clock: BootClock,
    decode_errors: u64,
}

impl SyscallProbe {
    /// Loads the probe into the kernel, creates one ring per possible CPU,
    /// writes the copy table and `config.syscalls` as the interest set, and attaches.
    pub fn load(config: &ProbeConfig) -> Result<Self, ProbeError> {
        rings::validate_size(config.ring_bytes_per_cpu)?;
        if config.snaplen as usize > MAX_COPY_LEN {
            return Err(ProbeError::Snaplen(config.snaplen));
        }
        check_syscalls(&config.syscalls)?;
        raise_memlock_limit();
        tracefs::ensure_mounted()?;
        let [filename_offset, old_pid_offset] =
            tracefs::field_offsets("sched", "sched_process_exec", ["filename", "old_pid"])?;
        let [child_pid_offset] =
            tracefs::field_offsets("sched", "sched_process_fork", ["child_pid"])?;
        let [execve_argv, execve_envp] =
            tracefs::field_offsets("syscalls", "sys_enter_execve", ["argv", "envp"])?;
        let [execveat_argv, execveat_envp] =
            tracefs::field_offsets("syscalls", "sys_enter_execveat", ["argv", "envp"])?;
        let layout = TaskLayout::read(std::path::Path::new(KERNEL_BTF));
        if !layout.missing.is_empty() {
            tracing::warn!(
                missing = ?layout.missing,
                "kernel BTF lacks members the exec record reads; \
                 terminals and login uids of processes will come from /proc only"
            );
        }
        let self_tgid = std::process::id();
        let cpus = aya::util::nr_cpus()
            .map_err(|(path, source)| ProbeError::Cpus { path, source })? as u32;

        let mut loader = EbpfLoader::new();
        // The probe has no CO-RE relocations (kernel member offsets come
        // from `layout` instead), so the kernel BTF that aya 0.14 parses in
        // `EbpfLoader::new` (unavoidably) is of no use: dropping it now
        // rather than with the loader keeps it out of the resident-memory
        // peak while the maps and rings are created.
        loader.btf(None);
        let mut ebpf = loader
            .override_global(EXECVE_ARGV_GLOBAL, &execve_argv, true)
            .override_global(EXECVE_ENVP_GLOBAL, &execve_envp, true)
            .override_global(EXECVEAT_ARGV_GLOBAL, &execveat_argv, true)
            .override_global(EXECVEAT_ENVP_GLOBAL, &execveat_envp, true)
            .override_global(EXEC_FILENAME_LOC_GLOBAL, &filename_offset, true)
            .override_global(EXEC_OLD_PID_GLOBAL, &old_pid_offset, true)
            .override_global(FORK_CHILD_PID_GLOBAL, &child_pid_offset, true)
            .override_global(SELF_TGID_GLOBAL, &self_tgid, true)
            .override_global(TASK_OFFSETS_GLOBAL, &layout.offsets, true)
            .map_max_entries(RINGS_MAP, cpus)
            .map_max_entries(SCRATCH_MAP, cpus)
            .load(PROBE_OBJECT)?;

        write_memory_rules(&mut ebpf, config.snaplen)?;
        write_interest(&mut ebpf, &config.syscalls)?;
        let rings = rings::create(
            map_mut(&mut ebpf, RINGS_MAP)?,
            cpus,
            config.ring_bytes_per_cpu,
        )?;

        attach_raw_tracepoint(&mut ebpf, "lanner_sys_exit", "sys_exit")?;
        for (program, tracepoint) in [
            ("lanner_enter_execve", "sys_enter_execve"),
            ("lanner_enter_execveat", "sys_enter_execveat"),
        ] {
            attach_tracepoint(&mut ebpf, program, "syscalls", tracepoint)?;
        }
        for (program, tracepoint) in [
            ("lanner_sched_process_exec", "sched_process_exec"),
            ("lanner_sched_process_fork", "sched_process_fork"),
            ("lanner_sched_process_exit", "sched_process_exit"),
        ] {
            attach_tracepoint(&mut ebpf, program, "sched", tracepoint)?;
        }

        Ok(Self {
            ebpf,
            merge: merge::Merge::new(rings.len(), RECORDS_PER_RING_PER_POLL),
            poll_fds: rings::poll_fds(&rings),
            rings,
            clock: BootClock::now(),
            decode_errors: 0,
        })
    }

    /// Replaces the set of syscalls whose exits are reported.
    pub fn set_interest(&mut self, syscalls: &[u64]) -> Result<(), ProbeError> {
        check_syscalls(syscalls)?;
        write_interest(&mut self.ebpf, syscalls)
    }

    /// Reads the available records of every CPU's ring (at most
    /// [`RECORDS_PER_RING_PER_POLL`] from each) and appends to `out`, in
    /// time order across CPUs, the events no ring can still precede (see
    /// `merge`): a fork precedes its child's first events and exec arguments
    /// their exec, whichever CPUs they ran on. Waits up to `timeout` (at most
    /// [`POLL_NAP`]) when nothing is ready. Returns how many events were appended.
    pub fn poll(
        &mut self,
        timeout: Duration,
        out: &mut Vec<SyscallEvent>,
    ) -> Result<usize, ProbeError> {
        self.read_rings();
        let mut released = self.merge.release(out);
        if released == 0 {
            // The probe does not wake the reader (see the probe's
            // `NO_WAKEUP`), so nap briefly and look again.
            rings::wait(&mut self.poll_fds, timeout.min(POLL_NAP))?;
            self.read_rings();
            released = self.merge.release(out);
        }
        Ok(released)
    }

    /// Reads the rings once more and appends every event still held for
    /// ordering, in time order: for when the reader stops. Returns how many.
    pub fn finish(&mut self, out: &mut Vec<SyscallEvent>) -> usize {
        self.read_rings();
        self.merge.release_all(out)
    }

    /// Reads and decodes each ring's records, as many as its queue has room for.
    fn read_rings(&mut self) {
        for (index, ring) in self.rings.iter_mut().enumerate() {
            let read_at = self.clock.wall_now_ns().saturating_sub(COMMIT_SLACK_NS);
            let mut room = self.merge.room(index);
            while room > 0 {
                let Some(record) = ring.next() else {
                    self.merge.drained(index, read_at);
                    break;
                };
                room -= 1;
                match decode::decode(&record, &self.clock) {
                    Ok(event) => self.merge.push(index, event),
                    Err(err) => {
                        self.decode_errors += 1;
                        if self.decode_errors == 1 {
                            tracing::warn!(%err, "dropping an undecodable probe record");
                        }
                    }
                }
            }
        }
    }

    /// The probe's counters per CPU and summed, and the reader's decode errors.
    pub fn stats(&self) -> Result<ProbeStats, ProbeError> {
        let map = self
            .ebpf
            .map(COUNTERS_MAP)
            .ok_or_else(|| missing(COUNTERS_MAP))?;
        let counters: PerCpuArray<_, Counters> =
            PerCpuArray::try_from(map).map_err(map_error(COUNTERS_MAP))?;
        let values = counters.get(&0, 0).map_err(map_error(COUNTERS_MAP))?;
        let per_cpu = values
            .iter()
            .map(|cpu| CpuStats {
                events: cpu.events,
                drops: cpu.drops,
                drops_by_kind: KindCounts::from_raw(&cpu.drops_by_kind),
                truncated: cpu.truncated,
            })
            .collect();
        Ok(ProbeStats {
            per_cpu,
            decode_errors: self.decode_errors,
        })
    }
}

fn check_syscalls(syscalls: &[u64]) -> Result<(), ProbeError> {
    match syscalls
        .iter()
        .find(|&&nr| nr >= u64::from(SYSCALL_TABLE_SIZE))
    {
        Some(&nr) => Err(ProbeError::SyscallOutOfRange(nr)),
        None => Ok(()),
    }
}

/// Sets the flag of every syscall in `syscalls` and clears all others.
fn write_interest(ebpf: &mut Ebpf, syscalls: &[u64]) -> Result<(), ProbeError> {
    let mut table: Array<_, u8> =
        Array::try_from(map_mut(ebpf, INTEREST_MAP)?).map_err(map_error(INTEREST_MAP))?;
    for nr in 0..SYSCALL_TABLE_SIZE {
        let flag = u8::from(syscalls.contains(&u64::from(nr)));
        table.set(nr, flag, 0).map_err(map_error(INTEREST_MAP))?;
    }
    Ok(())
}

/// Writes the copy table's rule for every syscall that has one.
fn write_memory_rules(ebpf: &mut Ebpf, snaplen: u32) -> Result<(), ProbeError> {
    let mut table: Array<_, SyscallMemory> =
        Array::try_from(map_mut(ebpf, MEMORY_MAP)?).map_err(map_error(MEMORY_MAP))?;
    for (nr, rule) in memory::probe_rules(snaplen) {
        let index = u32::try_from(nr).map_err(|_| ProbeError::SyscallOutOfRange(nr))?;
        table.set(index, rule, 0).map_err(map_error(MEMORY_MAP))?;
    }
    Ok(())
}

fn map_mut<'a>(
    ebpf: &'a mut Ebpf,
    name: &'static str,
) -> Result<&'a mut aya::maps::Map, ProbeError> {
    ebpf.map_mut(name).ok_or_else(|| missing(name))
}

fn missing(name: &'static str) -> ProbeError {
    ProbeError::Map {
        name,
        source: MapError::InvalidName { name: name.into() },
    }
}

/// Wraps a map error with the map's name.
fn map_error(name: &'static str) -> impl Fn(MapError) -> ProbeError {
    move |source| ProbeError::Map { name, source }
}

fn attach_raw_tracepoint(
    ebpf: &mut Ebpf,
    name: &'static str,
    tracepoint: &str,
) -> Result<(), ProbeError> {
    let wrap = |source| ProbeError::Program { name, source };
    let program: &mut RawTracePoint = ebpf
        .program_mut(name)
        .ok_or(wrap(aya::programs::ProgramError::UnexpectedProgramType))?
        .try_into()
        .map_err(wrap)?;
    program.load().map_err(wrap)?;
    program.attach(tracepoint).map_err(wrap)?;
    Ok(())
}

fn attach_tracepoint(
    ebpf: &mut Ebpf,
    name: &'static str,
    category: &str,
    tracepoint: &str,
) -> Result<(), ProbeError> {
    let wrap = |source| ProbeError::Program { name, source };
    let program: &mut TracePoint = ebpf
        .program_mut(name)
        .ok_or(wrap(aya::programs::ProgramError::UnexpectedProgramType))?
        .try_into()
        .map_err(wrap)?;
    program.load().map_err(wrap)?;
    program.attach(category, tracepoint).map_err(wrap)?;
    Ok(())
}

/// Kernels before 5.11 charge BPF maps to RLIMIT_MEMLOCK; newer ones use the
/// memory cgroup, and some sandboxes refuse the raise, so failure is only a warning.
fn raise_memlock_limit() {
    let limit = libc::rlimit {
        rlim_cur: libc::RLIM_INFINITY,
        rlim_max: libc::RLIM_INFINITY,
    };
    // SAFETY: valid pointer to a fully initialised rlimit.
    if unsafe { libc::setrlimit(libc::RLIMIT_MEMLOCK, &limit) } != 0 {
        tracing::debug!(
            err = %std::io::Error::last_os_error(),
            "could not raise RLIMIT_MEMLOCK; relying on cgroup accounting"
        );
    }
}
