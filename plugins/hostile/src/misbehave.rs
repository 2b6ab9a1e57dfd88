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
