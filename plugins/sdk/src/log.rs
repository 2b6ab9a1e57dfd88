//! Logging to the host. In a component, messages go to the host's `log`
//! import and are attributed to the plugin; in a native build they go to
//! standard error.

/// Severity of a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    /// Something failed.
    Error,
    /// Something is wrong but work goes on.
    Warn,
    /// Normal operation.
    Info,
    /// Detail for debugging.
    Debug,
    /// Everything.
    Trace,
}

#[cfg(target_family = "wasm")]
fn to_wit(level: Level) -> crate::bindings::wit_log::Level {
    use crate::bindings::wit_log::Level as L;
    match level {
        Level::Error => L::Error,
        Level::Warn => L::Warn,
        Level::Info => L::Info,
        Level::Debug => L::Debug,
        Level::Trace => L::Trace,
    }
}

/// Whether the host records messages at `level`.
pub fn enabled(level: Level) -> bool {
    #[cfg(target_family = "wasm")]
    {
        crate::bindings::wit_log::enabled(to_wit(level))
    }
    #[cfg(not(target_family = "wasm"))]
    {
        level <= Level::Warn
    }
}

/// Records `message` at `level`.
pub fn write(level: Level, message: &str) {
    #[cfg(target_family = "wasm")]
    crate::bindings::wit_log::write(to_wit(level), message);
    #[cfg(not(target_family = "wasm"))]
    if enabled(level) {
        eprintln!("{level:?}: {message}");
    }
}

/// Logs a formatted message at a level, formatting only when the level is enabled.
#[macro_export]
macro_rules! log {
    ($level:expr, $($arg:tt)+) => {
        if $crate::log::enabled($level) {
            $crate::log::write($level, &::std::format!($($arg)+));
        }
    };
}
