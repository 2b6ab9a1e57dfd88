//! Per-instance confinement: one memory budget over all of an instance's
//! memories and tables, small counts of each, a call deadline, the few WASI
//! interfaces a plugin's standard library needs (granting nothing), and the
//! log import.
//!
//! # What a plugin can import
//!
//! Only [`linked_interfaces`]: environment, arguments and exit (all empty),
//! stdio (closed input, discarded output), wall and monotonic clocks,
//! randomness, streams and their errors, and a filesystem with no
//! directories. Sockets and name lookup are not linked: a component that
//! imports them is refused when it is loaded, naming the import. Waiting is
//! not possible: `wasi:clocks/monotonic-clock` is Lanner's own, whose
//! `subscribe-*` functions (what `sleep` and timed polls are built on) trap,
//! so no plugin call can block where the epoch deadline cannot reach it.

use super::bindings::wit_log;
use std::time::{Duration, Instant};
use wasmtime::{
    Engine, ResourceLimiter, Store, Trap,
    component::{HasData, Linker, Resource},
};
use wasmtime_wasi::{
    ResourceTable, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView, cli::WasiCli,
    filesystem::WasiFilesystem, p2::DynPollable, random::WasiRandom,
};

/// How often the engine's epoch advances; deadlines are counted in these ticks.
const EPOCH_TICK: Duration = Duration::from_millis(10);

/// Longest log message kept from a plugin; the rest is cut, so a plugin cannot
/// flood the host's log with one call.
const MAX_LOG_MESSAGE: usize = 4096;

/// Host bytes one table element costs, charged to the instance's memory
/// budget (a function reference is a pointer plus bookkeeping).
const TABLE_ELEMENT_BYTES: usize = 16;

/// Most core instances one plugin may create. A Rust `wasm32-wasip2`
/// plugin has three (its module, the component shim and its fixups), one
/// memory and two tables; the limits leave one spare of each kind and no
/// more, instead of wasmtime's default of 10,000.
const MAX_INSTANCES: usize = 4;
/// Most linear memories one plugin may create.
const MAX_MEMORIES: usize = 2;
/// Most tables one plugin may create.
const MAX_TABLES: usize = 3;

/// Most log lines a plugin may write in one call; the rest are counted and
/// dropped, so a plugin cannot flood the host's log in a loop.
const MAX_LOG_LINES_PER_CALL: u32 = 100;

/// Limits applied to every plugin instance.
#[derive(Clone, Debug)]
pub struct Limits {
    /// Longest a single call into the plugin may run.
    pub call_timeout: Duration,
    /// Most linear memory an instance may hold, in bytes.
    pub max_memory_bytes: usize,
    /// Most wasm stack a call may use, in bytes.
    pub max_stack_bytes: usize,
    /// Most bytes of host data one call may return (strings and lists,
    /// counted as the host copies them); more faults the instance.
    pub max_return_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            call_timeout: Duration::from_secs(1),
            max_memory_bytes: 256 << 20,
            max_stack_bytes: 512 << 10,
            max_return_bytes: 64 << 20,
        }
    }
}

/// One memory budget for the whole instance (every memory and table
/// together) and small counts of instances, memories and tables; remembers
/// when the budget refused a request, so the failure is reported as "out of
/// memory" rather than a bare trap.
struct InstanceLimiter {
    max_bytes: usize,
    /// Bytes of every memory and table of the instance.
    used: usize,
    exceeded: bool,
}

impl InstanceLimiter {
    fn grow(&mut self, current: usize, desired: usize) -> wasmtime::Result<bool> {
        let total = (self.used - current.min(self.used)).saturating_add(desired);
        if total > self.max_bytes {
            self.exceeded = true;
            return Err(wasmtime::Error::msg(format!(
                "memory limit of {} MiB exceeded",
                self.max_bytes >> 20
            )));
        }
        self.used = total;
        Ok(true)
    }
}

impl ResourceLimiter for InstanceLimiter {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.grow(current, desired)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.grow(
            current.saturating_mul(TABLE_ELEMENT_BYTES),
            desired.saturating_mul(TABLE_ELEMENT_BYTES),
        )
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }
}

/// What a plugin's store holds: its empty WASI context, its limits and its name.
pub struct PluginState {
    wasi: WasiCtx,
    table: ResourceTable,
    memory: InstanceLimiter,
    /// The plugin's name, for log lines.
    plugin: String,
    /// Log lines written in the current call.
    log_lines: u32,
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
        self.log_lines = self.log_lines.saturating_add(1);
        if self.log_lines > MAX_LOG_LINES_PER_CALL {
            if self.log_lines == MAX_LOG_LINES_PER_CALL + 1 {
                tracing::warn!(
                    plugin = self.plugin.as_str(),
                    "plugin wrote more than {MAX_LOG_LINES_PER_CALL} log lines in one call; dropping the rest of this call's"
                );
            }
            return;
        }
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
            memory: InstanceLimiter {
                max_bytes: limits.max_memory_bytes,
                used: 0,
                exceeded: false,
            },
            plugin: plugin.to_string(),
            log_lines: 0,
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
    store.data_mut().log_lines = 0;
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
    /// The call returned more host data than its byte budget.
    ReturnTooLarge(usize),
    /// The watchdog found the call stuck past its deadline (in a host call).
    Stuck(Duration),
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
            FaultKind::ReturnTooLarge(budget) => write!(
                f,
                "returned more than its budget of {} MiB of data",
                budget >> 20
            ),
            FaultKind::Stuck(elapsed) => write!(
                f,
                "was stuck for {elapsed:?}, past its deadline (found by the watchdog)"
            ),
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

/// The WASI interfaces linked for plugins, as `namespace:package/interface`.
pub fn linked_interfaces() -> &'static [&'static str] {
    &[
        "wasi:cli/environment",
        "wasi:cli/exit",
        "wasi:cli/stdin",
        "wasi:cli/stdout",
        "wasi:cli/stderr",
        "wasi:cli/terminal-input",
        "wasi:cli/terminal-output",
        "wasi:cli/terminal-stdin",
        "wasi:cli/terminal-stdout",
        "wasi:cli/terminal-stderr",
        "wasi:clocks/wall-clock",
        "wasi:clocks/monotonic-clock",
        "wasi:filesystem/types",
        "wasi:filesystem/preopens",
        "wasi:io/error",
        "wasi:io/poll",
        "wasi:io/streams",
        "wasi:random/random",
        "wasi:random/insecure",
        "wasi:random/insecure-seed",
        "lanner:plugin/log",
        // Types only: nothing to call.
        "lanner:plugin/types",
    ]
}

/// The version of the WASI 0.2 interfaces `wasmtime-wasi` implements; the
/// linker accepts imports of any earlier 0.2 version.
const WASI_VERSION: &str = "0.2.12";

/// `HasData` for interfaces whose host state is the resource table.
struct Io;

impl HasData for Io {
    type Data<'a> = &'a mut ResourceTable;
}

/// Links the WASI subset of [`linked_interfaces`] and nothing else.
pub fn add_wasi(linker: &mut Linker<PluginState>) -> wasmtime::Result<()> {
    use wasmtime_wasi::p2::bindings::{cli, clocks, filesystem, random, sync};
    let l = linker;
    clocks::wall_clock::add_to_linker::<PluginState, wasmtime_wasi::clocks::WasiClocks>(l, |t| {
        wasmtime_wasi::clocks::WasiClocksView::clocks(t)
    })?;
    filesystem::preopens::add_to_linker::<PluginState, WasiFilesystem>(l, |t| {
        wasmtime_wasi::filesystem::WasiFilesystemView::filesystem(t)
    })?;
    sync::filesystem::types::add_to_linker::<PluginState, WasiFilesystem>(l, |t| {
        wasmtime_wasi::filesystem::WasiFilesystemView::filesystem(t)
    })?;
    random::random::add_to_linker::<PluginState, WasiRandom>(l, |t| t.wasi.random())?;
    random::insecure::add_to_linker::<PluginState, WasiRandom>(l, |t| t.wasi.random())?;
    random::insecure_seed::add_to_linker::<PluginState, WasiRandom>(l, |t| t.wasi.random())?;
    fn cli_view(t: &mut PluginState) -> wasmtime_wasi::cli::WasiCliCtxView<'_> {
        wasmtime_wasi::cli::WasiCliView::cli(t)
    }
    cli::exit::add_to_linker::<PluginState, WasiCli>(l, cli_view)?;
    cli::environment::add_to_linker::<PluginState, WasiCli>(l, cli_view)?;
    cli::stdin::add_to_linker::<PluginState, WasiCli>(l, cli_view)?;
    cli::stdout::add_to_linker::<PluginState, WasiCli>(l, cli_view)?;
    cli::stderr::add_to_linker::<PluginState, WasiCli>(l, cli_view)?;
    cli::terminal_input::add_to_linker::<PluginState, WasiCli>(l, cli_view)?;
    cli::terminal_output::add_to_linker::<PluginState, WasiCli>(l, cli_view)?;
    cli::terminal_stdin::add_to_linker::<PluginState, WasiCli>(l, cli_view)?;
    cli::terminal_stdout::add_to_linker::<PluginState, WasiCli>(l, cli_view)?;
    cli::terminal_stderr::add_to_linker::<PluginState, WasiCli>(l, cli_view)?;
    wasmtime_wasi::p2::bindings::io::error::add_to_linker::<PluginState, Io>(l, |t| &mut t.table)?;
    sync::io::poll::add_to_linker::<PluginState, Io>(l, |t| &mut t.table)?;
    sync::io::streams::add_to_linker::<PluginState, Io>(l, |t| &mut t.table)?;
    add_monotonic_clock(l)
}

/// `wasi:clocks/monotonic-clock` without waiting: `now` and `resolution` are
/// real, `subscribe-instant` and `subscribe-duration` trap, naming what the
/// plugin tried, so `sleep` or a timed poll ends the call instead of blocking
/// it where the deadline cannot reach.
fn add_monotonic_clock(linker: &mut Linker<PluginState>) -> wasmtime::Result<()> {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    let start = *START.get_or_init(Instant::now);
    let mut clock = linker.instance(&format!("wasi:clocks/monotonic-clock@{WASI_VERSION}"))?;
    clock.func_wrap("now", move |_, (): ()| {
        Ok((u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX),))
    })?;
    clock.func_wrap("resolution", |_, (): ()| Ok((1u64,)))?;
    for name in ["subscribe-instant", "subscribe-duration"] {
        clock.func_wrap(
            name,
            move |_, (_,): (u64,)| -> wasmtime::Result<(Resource<DynPollable>,)> {
                Err(wasmtime::format_err!(
                    "plugins may not sleep or wait (wasi:clocks/monotonic-clock.{name})"
                ))
            },
        )?;
    }
    Ok(())
}

/// The first import of `component` that the plugin linker does not provide
/// (sockets, name lookup, anything unknown), for a load error that names it.
pub fn unlinked_import(
    engine: &Engine,
    component: &wasmtime::component::Component,
) -> Option<String> {
    component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_string())
        .find(|name| {
            let interface = name.split('@').next().unwrap_or(name);
            !linked_interfaces().contains(&interface)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasmtime::component::Component;

    fn leb(mut n: u32) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let byte = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(byte);
                return out;
            }
            out.push(byte | 0x80);
        }
    }

    fn section(id: u8, count: u32, items: &[u8]) -> Vec<u8> {
        let mut body = leb(count);
        body.extend_from_slice(items);
        let mut out = vec![id];
        out.extend(leb(body.len() as u32));
        out.extend(body);
        out
    }

    /// A core module with `memories` memories of `pages` 64 KiB pages each
    /// and `tables` one-element tables, hand-assembled: the hostile shapes
    /// here cannot come out of a Rust compiler.
    fn core_module(memories: u32, pages: u32, tables: u32) -> Vec<u8> {
        let mut module = b"\0asm\x01\0\0\0".to_vec();
        if tables > 0 {
            let table: Vec<u8> = (0..tables).flat_map(|_| [0x70, 0x00, 0x01]).collect();
            module.extend(section(4, tables, &table));
        }
        if memories > 0 {
            let memory: Vec<u8> = (0..memories)
                .flat_map(|_| {
                    let mut m = vec![0x00];
                    m.extend(leb(pages));
                    m
                })
                .collect();
            module.extend(section(5, memories, &memory));
        }
        module
    }

    /// A component that embeds `module` and instantiates it `instances` times.
    fn component(module: &[u8], instances: u32) -> Vec<u8> {
        let mut component = b"\0asm\x0d\0\x01\0".to_vec();
        component.push(1);
        component.extend(leb(module.len() as u32));
        component.extend_from_slice(module);
        let instance: Vec<u8> = (0..instances).flat_map(|_| [0x00, 0x00, 0x00]).collect();
        component.extend(section(2, instances, &instance));
        component
    }

    /// Instantiates `bytes` under the plugin limits, as the host does.
    fn instantiate(bytes: &[u8]) -> (wasmtime::Result<()>, bool) {
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true);
        let engine = Engine::new(&config).unwrap();
        let component = Component::new(&engine, bytes).expect("a valid component");
        let linker = Linker::<PluginState>::new(&engine);
        let limits = Limits {
            max_memory_bytes: 32 << 20,
            ..Limits::default()
        };
        let mut store = new_store(&engine, &limits, "hand-made");
        let result = linker.instantiate(&mut store, &component).map(|_| ());
        (result, store.data().memory.exceeded)
    }

    #[test]
    fn the_counts_of_memories_tables_and_instances_are_small() {
        let (fits, _) = instantiate(&component(
            &core_module(MAX_MEMORIES as u32, 1, MAX_TABLES as u32),
            1,
        ));
        fits.expect("a component within the counts instantiates");
        for (what, bytes) in [
            (
                "memories",
                component(&core_module(MAX_MEMORIES as u32 + 1, 1, 0), 1),
            ),
            (
                "tables",
                component(&core_module(0, 0, MAX_TABLES as u32 + 1), 1),
            ),
            (
                "instances",
                component(&core_module(0, 0, 0), MAX_INSTANCES as u32 + 1),
            ),
        ] {
            let (result, _) = instantiate(&bytes);
            let error = result.expect_err(what);
            assert!(format!("{error:#}").contains("limit"), "{what}: {error:#}");
        }
    }

    #[test]
    fn memories_each_under_the_cap_but_together_over_it_are_refused() {
        // Two memories of 20 MiB each under a 32 MiB budget.
        let (result, exceeded) = instantiate(&component(&core_module(2, 320, 0), 1));
        let error = result.expect_err("the sum is over the budget");
        assert!(exceeded, "reported as the memory budget: {error:#}");
        // Spread over instances, the same is refused too.
        let (result, exceeded) = instantiate(&component(&core_module(1, 320, 0), 2));
        assert!(result.is_err() && exceeded);
    }

    #[test]
    fn one_budget_covers_every_memory_and_table() {
        let mut limiter = InstanceLimiter {
            max_bytes: 100,
            used: 0,
            exceeded: false,
        };
        assert!(limiter.memory_growing(0, 60, None).is_ok());
        // A second memory of the same size would fit its own cap, not the total.
        assert!(limiter.memory_growing(0, 60, None).is_err());
        assert!(limiter.exceeded);
        let mut limiter = InstanceLimiter {
            max_bytes: 100,
            used: 0,
            exceeded: false,
        };
        assert!(limiter.memory_growing(0, 60, None).is_ok());
        assert!(limiter.table_growing(0, 2, None).is_ok()); // 32 bytes
        assert!(limiter.table_growing(2, 3, None).is_err()); // 48 + 60 > 100
        assert!(limiter.memory_growing(60, 68, None).is_ok());
    }
}
