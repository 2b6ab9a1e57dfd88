//! Loads the kernel probe, attaches it, and reads its ring buffer.

mod tracefs;

use crate::{
    decode::{self, BootClock},
    event::SyscallEvent,
};
use aya::{
    Ebpf, EbpfLoader,
    maps::{Array, MapData, PerCpuArray, RingBuf},
    programs::{RawTracePoint, TracePoint},
};
use lanner_syscall_ebpf::wire::{
    COUNTERS_MAP, Counters, EVENTS_MAP, EXEC_FILENAME_LOC_GLOBAL, EXEC_OLD_PID_GLOBAL,
    INTEREST_MAP, SELF_TGID_GLOBAL, SYSCALL_TABLE_SIZE,
};
use std::{os::fd::AsRawFd, time::Duration};

/// The probe object, compiled from `syscall-ebpf` by this crate's build script.
static PROBE_OBJECT: &[u8] = aya::include_bytes_aligned!(concat!(env!("OUT_DIR"), "/lanner-probe"));

/// Why the probe could not be loaded or read.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// tracefs is missing and could not be mounted, or a format file is unreadable.
    #[error("tracefs: {0}")]
    Tracefs(String),
    /// The kernel refused the object or a program (verifier, permissions, BTF).
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
    /// A map is missing or has the wrong type.
    #[error("map `{name}`: {source}")]
    Map {
        /// The map's name in the object.
        name: &'static str,
        /// What aya reported.
        #[source]
        source: aya::maps::MapError,
    },
    /// A syscall number outside the interest table was requested.
    #[error("syscall number {0} is outside the probe's table (< {SYSCALL_TABLE_SIZE})")]
    SyscallOutOfRange(u64),
    /// Waiting on the ring buffer failed.
    #[error("polling the ring buffer: {0}")]
    Poll(std::io::Error),
}

/// What to capture.
#[derive(Clone, Debug, Default)]
pub struct ProbeConfig {
    /// Syscall numbers whose exits are reported (successful execs are always reported).
    pub syscalls: Vec<u64>,
}

/// Counters summed over CPUs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ProbeStats {
    /// Records the probe tried to send.
    pub events: u64,
    /// Records lost because the ring buffer was full.
    pub drops: u64,
    /// Records received that could not be decoded.
    pub decode_errors: u64,
}

/// The loaded, attached probe. Dropping it detaches every program.
pub struct SyscallProbe {
    ebpf: Ebpf,
    ring: RingBuf<MapData>,
    clock: BootClock,
    decode_errors: u64,
}

impl SyscallProbe {
    /// Loads the probe into the kernel, marks `config.syscalls` as interesting and attaches.
    pub fn load(config: &ProbeConfig) -> Result<Self, ProbeError> {
        raise_memlock_limit();
        tracefs::ensure_mounted()?;
        let filename_offset = tracefs::field_offset("sched", "sched_process_exec", "filename")?;
        let old_pid_offset = tracefs::field_offset("sched", "sched_process_exec", "old_pid")?;
        let self_tgid = std::process::id();

        let mut ebpf = EbpfLoader::new()
            .override_global(EXEC_FILENAME_LOC_GLOBAL, &filename_offset, true)
            .override_global(EXEC_OLD_PID_GLOBAL, &old_pid_offset, true)
            .override_global(SELF_TGID_GLOBAL, &self_tgid, true)
            .load(PROBE_OBJECT)?;

        {
            let map = ebpf.map_mut(INTEREST_MAP).ok_or(ProbeError::Map {
                name: INTEREST_MAP,
                source: aya::maps::MapError::InvalidName {
                    name: INTEREST_MAP.into(),
                },
            })?;
            let mut interest: Array<_, u8> =
                Array::try_from(map).map_err(|source| ProbeError::Map {
                    name: INTEREST_MAP,
                    source,
                })?;
            for &nr in &config.syscalls {
                if nr >= u64::from(SYSCALL_TABLE_SIZE) {
                    return Err(ProbeError::SyscallOutOfRange(nr));
                }
                interest
                    .set(nr as u32, 1, 0)
                    .map_err(|source| ProbeError::Map {
                        name: INTEREST_MAP,
                        source,
                    })?;
            }
        }

        attach_raw_tracepoint(&mut ebpf, "lanner_sys_exit", "sys_exit")?;
        attach_tracepoint(
            &mut ebpf,
            "lanner_sched_process_exec",
            "sched",
            "sched_process_exec",
        )?;

        let map = ebpf.take_map(EVENTS_MAP).ok_or(ProbeError::Map {
            name: EVENTS_MAP,
            source: aya::maps::MapError::InvalidName {
                name: EVENTS_MAP.into(),
            },
        })?;
        let ring = RingBuf::try_from(map).map_err(|source| ProbeError::Map {
            name: EVENTS_MAP,
            source,
        })?;
        Ok(Self {
            ebpf,
            ring,
            clock: BootClock::now(),
            decode_errors: 0,
        })
    }

    /// Waits up to `timeout` for records, then decodes every available one into `out`.
    /// Returns how many events were appended.
    pub fn poll(
        &mut self,
        timeout: Duration,
        out: &mut Vec<SyscallEvent>,
    ) -> Result<usize, ProbeError> {
        let before = out.len();
        self.drain(out);
        if out.len() == before {
            let mut pollfd = libc::pollfd {
                fd: self.ring.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            };
            let millis = timeout.as_millis().min(i32::MAX as u128) as i32;
            // SAFETY: one valid pollfd for the duration of the call.
            let rc = unsafe { libc::poll(&mut pollfd, 1, millis) };
            if rc < 0 {
                let err = std::io::Error::last_os_error();
                if err.kind() != std::io::ErrorKind::Interrupted {
                    return Err(ProbeError::Poll(err));
                }
            }
            self.drain(out);
        }
        Ok(out.len() - before)
    }

    fn drain(&mut self, out: &mut Vec<SyscallEvent>) {
        while let Some(record) = self.ring.next() {
            match decode::decode(&record, &self.clock) {
                Ok(event) => out.push(event),
                Err(err) => {
                    self.decode_errors += 1;
                    if self.decode_errors == 1 {
                        tracing::warn!(%err, "dropping an undecodable probe record");
                    }
                }
            }
        }
    }

    /// Event and drop counters summed over CPUs.
    pub fn stats(&self) -> Result<ProbeStats, ProbeError> {
        let map = self.ebpf.map(COUNTERS_MAP).ok_or(ProbeError::Map {
            name: COUNTERS_MAP,
            source: aya::maps::MapError::InvalidName {
                name: COUNTERS_MAP.into(),
            },
        })?;
        let counters: PerCpuArray<_, Counters> =
            PerCpuArray::try_from(map).map_err(|source| ProbeError::Map {
                name: COUNTERS_MAP,
                source,
            })?;
        let per_cpu = counters.get(&0, 0).map_err(|source| ProbeError::Map {
            name: COUNTERS_MAP,
            source,
        })?;
        let mut stats = ProbeStats {
            decode_errors: self.decode_errors,
            ..ProbeStats::default()
        };
        for cpu in per_cpu.iter() {
            stats.events += cpu.events;
            stats.drops += cpu.drops;
        }
        Ok(stats)
    }
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
