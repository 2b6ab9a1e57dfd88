//! Converts the probe's `CLOCK_BOOTTIME` stamps to wall-clock time.

/// The offset between boot time and wall time, sampled once.
#[derive(Clone, Copy, Debug)]
pub struct BootClock {
    wall_minus_boot_ns: i128,
}

impl BootClock {
    /// Samples both clocks now.
    pub fn now() -> Self {
        let wall = clock_ns(libc::CLOCK_REALTIME);
        let boot = clock_ns(libc::CLOCK_BOOTTIME);
        Self {
            wall_minus_boot_ns: wall - boot,
        }
    }

    /// A clock with a fixed offset, for tests and replays.
    pub fn with_offset(wall_minus_boot_ns: i128) -> Self {
        Self { wall_minus_boot_ns }
    }

    /// The present moment as [`Self::to_wall_ns`] would stamp an event now.
    pub fn wall_now_ns(&self) -> u64 {
        self.to_wall_ns(clock_ns(libc::CLOCK_BOOTTIME).clamp(0, u64::MAX as i128) as u64)
    }

    /// Wall-clock nanoseconds since the epoch for a boot-time stamp.
    pub fn to_wall_ns(&self, boot_ns: u64) -> u64 {
        let wall = boot_ns as i128 + self.wall_minus_boot_ns;
        wall.clamp(0, u64::MAX as i128) as u64
    }
}

fn clock_ns(clock: libc::clockid_t) -> i128 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid out-pointer; both clocks exist on every Linux we support.
    unsafe { libc::clock_gettime(clock, &mut ts) };
    ts.tv_sec as i128 * 1_000_000_000 + ts.tv_nsec as i128
}
