//! Falco's view of a syscall's arguments: the parameter list of each exit
//! event, and the text Falco gives every parameter.
//!
//! Rules read arguments by Falco's parameter names (`evt.arg.flags contains
//! O_CREAT`, `evt.arg.request contains PTRACE_ATTACH`, `evt.arg.uid =
//! nobody`), by position (`evt.arg[0]`), as raw numbers (`evt.rawarg.X`)
//! and all at once (`evt.args`). This module answers those questions for a
//! [`SyscallExit`]. [`schema()`] says which parameters a syscall has and where
//! each one's value is, the renderers print them as Falco does, and a
//! [`ParamContext`] supplies what only the state tables know (descriptor
//! names, the working directory, user names, process details).
//!
//! Layout: [`schema`](mod@schema) holds the per-syscall tables,
//! [`flags`] one module per flag set, [`errno`], [`sockaddr`] and [`path`]
//! the other value kinds, [`render`](mod@render) the formatting, and this
//! module the entry points the field extractors call.

pub mod context;
pub mod errno;
pub mod flags;
pub mod path;
pub mod render;
pub mod schema;
pub mod sockaddr;

#[cfg(test)]
mod tests;

pub use context::{NoContext, ParamContext, ProcessField, ProcessValue};
pub use errno::error_name;
pub use render::ParamText;
pub use schema::{Param, ParamKind, Source, SyscallSchema};
pub use sockaddr::{SockAddr, parse_sockaddr};

use std::sync::OnceLock;

use crate::event::SyscallExit;

/// The exit-event parameters of syscall `nr`, if Falco has a dedicated
/// event for it. `None` means Falco reports the syscall as a generic event
/// whose only parameter is `ID` (the syscall); [`arg_text`] and
/// [`args_line`] handle that case.
pub fn schema(nr: u64) -> Option<&'static SyscallSchema> {
    // Every evt.arg, evt.rawarg and evt.args extraction asks; index by
    // number once instead of naming the syscall and matching the name.
    static BY_NUMBER: OnceLock<Vec<Option<&'static SyscallSchema>>> = OnceLock::new();
    let table = BY_NUMBER.get_or_init(|| {
        let size = crate::syscalls::all().map(|(_, nr)| nr as usize + 1).max();
        let mut table = vec![None; size.unwrap_or(0)];
        for (name, nr) in crate::syscalls::all() {
            table[nr as usize] = schema::by_event_name(name);
        }
        table
    });
    table.get(usize::try_from(nr).ok()?).copied().flatten()
}

fn schema_or_generic(nr: u64) -> &'static SyscallSchema {
    schema(nr).unwrap_or(&schema::GENERIC)
}

/// Parameter `key` (a name such as `"flags"`, or a position such as `"0"`)
/// with its value and resolved form; `None` if the syscall has no such
/// parameter or its value was not captured.
pub fn arg(exit: &SyscallExit, ctx: &dyn ParamContext, key: &str) -> Option<ParamText> {
    let schema = schema_or_generic(exit.nr);
    let (_, param) = schema.find(key)?;
    render::render(exit, ctx, schema, param)
}

/// `evt.arg.<key>` / `evt.arg[<key>]`: the resolved form when Falco has
/// one (flag names, `<f>/path` for descriptors, the user name of a uid,
/// the absolute path of a relative one), the value otherwise.
pub fn arg_text(exit: &SyscallExit, ctx: &dyn ParamContext, key: &str) -> Option<String> {
    arg(exit, ctx, key).map(ParamText::arg_text)
}

/// `evt.rawarg.<key>`: the number a numeric parameter holds, in Falco's
/// encoding (open flags, clone flags and ptrace requests are Falco's own
/// numbers, not the kernel's). `None` for text parameters.
pub fn arg_raw(exit: &SyscallExit, ctx: &dyn ParamContext, key: &str) -> Option<i64> {
    let (_, param) = schema_or_generic(exit.nr).find(key)?;
    render::raw_number(exit, ctx, param)
}

/// `evt.args`: every parameter as `name=value` or `name=value(resolved)`,
/// separated by spaces. Parameters Lanner does not capture are left out;
/// captured ones without a value show `<NA>`.
pub fn args_line(exit: &SyscallExit, ctx: &dyn ParamContext) -> String {
    let schema = schema_or_generic(exit.nr);
    schema
        .params
        .iter()
        .filter(|p| !matches!(p.source, Source::NotCaptured))
        .map(|p| {
            let text = render::render(exit, ctx, schema, p)
                .map_or_else(|| "<NA>".to_string(), |t| t.args_text());
            format!("{}={text}", p.name)
        })
        .collect::<Vec<_>>()
        .join(" ")
}
