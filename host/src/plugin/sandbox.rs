//! Per-instance confinement: memory cap, call deadline, and a WASI context
//! that grants nothing.

use std::time::Duration;
use wasmtime::{Engine, Store, StoreLimits, StoreLimitsBuilder, Trap};
use wasmtime_wasi::{ResourceTable, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

/// How often the engine's epoch advances; deadlines are counted in these ticks.
const EPOCH_TICK: Duration = Duration::from_millis(10);

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

/// What a plugin's store holds: its (empty) WASI context and its limits.
pub struct PluginState {
    wasi: WasiCtx,
    table: ResourceTable,
    limits: StoreLimits,
}

impl WasiView for PluginState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// A fresh store with no WASI grants and `limits` enforced.
pub fn new_store(engine: &Engine, limits: &Limits) -> Store<PluginState> {
    // The builder's defaults grant no files, environment, args or network.
    let wasi = WasiCtxBuilder::new().build();
    let store_limits = StoreLimitsBuilder::new()
        .memory_size(limits.max_memory_bytes)
        .trap_on_grow_failure(true)
        .build();
    let mut store = Store::new(
        engine,
        PluginState {
            wasi,
            table: ResourceTable::new(),
            limits: store_limits,
        },
    );
    store.limiter(|state| &mut state.limits);
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

/// A one-line reason for a failed call: deadline, memory cap, or the trap itself.
pub fn describe_failure(error: &wasmtime::Error, _store: &Store<PluginState>) -> String {
    match error.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => "call exceeded its deadline".to_string(),
        Some(trap) => format!("trapped: {trap}"),
        None => format!("{error:#}"),
    }
}
