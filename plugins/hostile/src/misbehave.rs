//! The three ways a plugin can hurt its host, each one a function that
//! never returns. They are written so the optimiser cannot remove or shorten
//! them: the host's limits (fuel or epoch deadline, memory cap, trap
//! handling) must be what stops them.

use serde::Deserialize;
use std::hint::black_box;

/// A fault the plugin can be asked to commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fault {
    /// Behave.
    #[default]
    None,
    /// Spin forever.
    Loop,
    /// Allocate without bound.
    Bomb,
    /// Panic (a trap in the component).
    Trap,
}

impl Fault {
    /// Commits the fault; returns only for [`Fault::None`].
    pub fn commit(self) {
        match self {
            Fault::None => {}
            Fault::Loop => spin(),
            Fault::Bomb => bomb(),
            Fault::Trap => trap(),
        }
    }
}

/// Loops forever. `black_box` makes each iteration an observable effect as
/// far as the compiler knows, so the loop stays a loop.
pub fn spin() -> ! {
    let mut turns = 0u64;
    loop {
        turns = black_box(turns.wrapping_add(1));
    }
}

/// Allocates 1 MiB chunks forever and keeps them all. Each chunk is filled
/// with a non-zero byte so its pages are really written, not lazily
/// zero-mapped; `black_box` keeps the hoard from being optimised away.
pub fn bomb() -> ! {
    const CHUNK: usize = 1 << 20;
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![0xA5; CHUNK]);
        black_box(&mut hoard);
    }
}

/// Panics; in a component the panic becomes a trap.
pub fn trap() -> ! {
    panic!("hostile plugin asked to trap")
}

/// Sleeps for an hour: in a component, a monotonic-clock subscription and a
/// poll on it, which the host must refuse rather than block in.
pub fn sleep() -> ! {
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}

/// Writes to the host's log forever: the time goes into host calls.
pub fn log_flood() -> ! {
    let mut line = 0u64;
    loop {
        line = black_box(line.wrapping_add(1));
        lanner_plugin_sdk::log::write(lanner_plugin_sdk::log::Level::Error, "flood");
    }
}

/// Events a plugin returns whose data all alias one buffer.
const ALIASES: usize = 4096;

/// Adds [`ALIASES`] events whose data all point at the same 1 MiB buffer:
/// the plugin's memory holds 1 MiB, the host would copy 4 GiB. The vectors
/// are moved into the return value, which the host must refuse before
/// copying; the instance is then discarded, so nothing is freed twice in it.
pub fn aliased_events(out: &mut lanner_plugin_sdk::Ingested) {
    const SIZE: usize = 1 << 20;
    let mut region = std::mem::ManuallyDrop::new(vec![0x5Au8; SIZE]);
    let ptr = region.as_mut_ptr();
    for n in 0..ALIASES {
        // SAFETY: none; this aliasing is the attack under test (see above).
        let alias = unsafe { Vec::from_raw_parts(ptr, SIZE, SIZE) };
        out.event(n as u64 + 1, alias);
    }
}
