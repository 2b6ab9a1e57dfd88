//! Per-instance confinement: a memory cap that says when it was hit, a call
//! deadline, a WASI context that grants nothing, and the log import.

use super::bindings::wit_log;
use std::time::Duration;
use wasmtime::{Engine, ResourceLimiter, Store, Trap};
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// How often the engine's epoch advances; deadlines are counted in these ticks.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Longest log message kept from a plugin; the rest is cut, so a plugin cannot
/// flood the host's log with one call.
const MAX_LOG_MESSAGE: usize = 4096;

/// Most table elements an instance may hold (function references, resources).
const MAX_TABLE_ELEMENTS: usize = 100_000;

/// Limits applied to every plugin instance.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Longest a single call into the plugin may run.
    pub call_timeout: Duration,
    /// Most linear memory an instance may hold, in bytes.
    pub max_memory_bytes: usize,
    /// Most wasm stack a call may use, in bytes.
    pub max_stack_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            call_timeout: Duration::from_secs(1),
            max_memory_bytes: 256 << 20,
            max_stack_bytes: 512 << 10,
        }
    }
}

/// Caps an instance's memory and remembers when the cap refused a request,
/// so the failure is reported as "out of memory" rather than a bare trap.
struct MemoryCap {
    max_bytes: usize,
    exceeded: bool,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.max_bytes {
            self.exceeded = true;
            return Err(wasmtime::Error::msg(format!(
                "memory limit of {} MiB exceeded",
                self.max_bytes >> 20
            )));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

/// What a plugin's store holds: its empty WASI context, its limits and its name.
pub struct PluginState {
    wasi: WasiCtx,
    table: ResourceTable,
    memory: MemoryCap,
    /// The plugin's name, for log lines.
    plugin: String,
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl wit_log::Host for PluginState {
    fn write(&mut self, level: wit_log::Level, message: String) {
        let mut message = message;
        if message.len() > MAX_LOG_MESSAGE {
            let mut cut = MAX_LOG_MESSAGE;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
            message.push_str(" [cut]");
        }
        let plugin = self.plugin.as_str();
        match level {
            wit_log::Level::Error => tracing::error!(plugin, "{message}"),
            wit_log::Level::Warn => tracing::warn!(plugin, "{message}"),
            wit_log::Level::Info => tracing::info!(plugin, "{message}"),
            wit_log::Level::Debug => tracing::debug!(plugin, "{message}"),
            wit_log::Level::Trace => tracing::trace!(plugin, "{message}"),
        }
    }

    fn enabled(&mut self, level: wit_log::Level) -> bool {
        match level {
            wit_log::Level::Error => tracing::enabled!(tracing::Level::ERROR),
            wit_log::Level::Warn => tracing::enabled!(tracing::Level::WARN),
            wit_log::Level::Info => tracing::enabled!(tracing::Level::INFO),
            wit_log::Level::Debug => tracing::enabled!(tracing::Level::DEBUG),
            wit_log::Level::Trace => tracing::enabled!(tracing::Level::TRACE),
        }
    }
}

/// A fresh store for `plugin` with no WASI grants and `limits` enforced.
pub fn new_store(engine: &Engine, limits: &Limits, plugin: &str) -> Store<PluginState> {
    // The builder's defaults grant no files, environment, args or network.
    let wasi = WasiCtxBuilder::new().build();
    let mut store = Store::new(
        engine,
        PluginState {
            wasi,
            table: ResourceTable::new(),
            memory: MemoryCap {
                max_bytes: limits.max_memory_bytes,
                exceeded: false,
            },
            plugin: plugin.to_string(),
        },
    );
    store.limiter(|state| &mut state.memory);
    arm_deadline(&mut store, limits);
    store
}

/// Sets the store's deadline to `limits.call_timeout` from now; call before each plugin call.
pub fn arm_deadline(store: &mut Store<PluginState>, limits: &Limits) {
    let ticks = limits.call_timeout.as_millis() / EPOCH_TICK.as_millis();
    store.set_epoch_deadline(ticks.max(1) as u64);
}

/// Starts the thread that advances `engine`'s epoch; it ends when the engine is dropped.
pub fn start_epoch_ticker(engine: &Engine) -> std::io::Result<()> {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("lanner-epoch".into())
        .spawn(move || {
            while let Some(engine) = weak.upgrade() {
                engine.increment_epoch();
                drop(engine);
                std::thread::sleep(EPOCH_TICK);
            }
        })
        .map(|_| ())
}

/// Why a call into a plugin failed in a way that leaves its instance unusable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// The call ran past its deadline.
    Timeout(Duration),
    /// The instance asked for more memory than its cap.
    OutOfMemory(usize),
    /// The wasm stack overflowed.
    StackOverflow,
    /// Any other trap (a panic, `unreachable`, an out-of-bounds access, ...).
    Trap(String),
}

impl std::fmt::Display for FaultKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FaultKind::Timeout(limit) => write!(f, "exceeded its {limit:?} deadline"),
            FaultKind::OutOfMemory(cap) => {
                write!(f, "exceeded its memory limit of {} MiB", cap >> 20)
            }
            FaultKind::StackOverflow => f.write_str("overflowed its stack"),
            FaultKind::Trap(reason) => write!(f, "trapped: {reason}"),
        }
    }
}

/// Classifies a failed call: deadline, memory cap, stack, or another trap.
pub fn classify(error: &wasmtime::Error, store: &Store<PluginState>, limits: &Limits) -> FaultKind {
    if store.data().memory.exceeded {
        return FaultKind::OutOfMemory(limits.max_memory_bytes);
    }
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => FaultKind::Timeout(limits.call_timeout),
        Some(Trap::StackOverflow) => FaultKind::StackOverflow,
        Some(trap) => FaultKind::Trap(trap.to_string()),
        None => FaultKind::Trap(format!("{error:#}")),
    }
}
