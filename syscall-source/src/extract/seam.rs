//! SEAM to the `params` module (written on another branch): Falco's
//! parameter names per syscall and the text rendering of arguments, flags,
//! errno values and socket addresses. Until the branches merge, every
//! function here answers `None`; connecting them is the only change needed.

use super::{EventView, FieldValue};
use std::borrow::Cow;

/// `evt.arg[key]` / `evt.arg.key`: one argument by Falco name or position, as text.
pub(crate) fn syscall_arg<'a>(_view: &EventView<'a>, _key: &str) -> Option<FieldValue<'a>> {
    None
}

/// `evt.rawarg.key`: one argument by Falco name, as its raw number.
pub(crate) fn syscall_raw_arg<'a>(_view: &EventView<'a>, _key: &str) -> Option<FieldValue<'a>> {
    None
}

/// `evt.args`: every argument as one `name=value ...` line.
pub(crate) fn syscall_args_text(_view: &EventView<'_>) -> Option<String> {
    None
}

/// The symbolic name of a positive errno value (`ENOENT`), for `evt.res`.
pub(crate) fn errno_name(_errno: i64) -> Option<Cow<'static, str>> {
    None
}
