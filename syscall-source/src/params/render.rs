//! Turns one parameter of a [`SyscallExit`] into Falco's text: finds its
//! value ([`Source`]) and prints it by its [`ParamKind`].
//!
//! Every value comes from registers or user memory, so each step is
//! fallible: a missing or short buffer gives no value, never a panic, and
//! bytes that are not UTF-8 are shown with replacement characters.

use std::borrow::Cow;

use super::context::{ParamContext, ProcessValue};
use super::errno::error_name;
use super::flags::at::AT_FDCWD;
use super::flags::mode::{CHMOD_MODE, octal_text};
use super::flags::open::effective_mode;
use super::flags::signal;
use super::path;
use super::schema::{Base, CapabilitySet, Param, ParamKind, Source, SyscallSchema};
use super::sockaddr::parse_sockaddr;
use crate::event::SyscallExit;

/// A parameter as Falco shows it: the value, and the resolved form that
/// `evt.args` prints in parentheses (`fd=3(<f>/etc/passwd)`) and
/// `evt.arg.<name>` prefers when present.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamText {
    /// The value (`3`, `4097`, `/etc/passwd`).
    pub value: String,
    /// The resolved form (`<f>/etc/passwd`, `O_RDONLY|O_CLOEXEC`), if any.
    pub resolved: Option<String>,
}

impl ParamText {
    /// What `evt.arg.<name>` gives: the resolved form when there is one.
    pub fn arg_text(self) -> String {
        match self.resolved {
            Some(resolved) if !resolved.is_empty() => resolved,
            _ => self.value,
        }
    }

    /// How `evt.args` shows it after `name=`.
    pub fn args_text(&self) -> String {
        match &self.resolved {
            Some(resolved) if !resolved.is_empty() => format!("{}({resolved})", self.value),
            _ => self.value.clone(),
        }
    }
}

/// A parameter's value before formatting.
enum Raw<'a> {
    Num(i64),
    Bytes(&'a [u8]),
    Text(String),
    List(Vec<String>),
}

/// Reads the value a source points at.
fn extract<'a>(exit: &'a SyscallExit, ctx: &dyn ParamContext, source: &Source) -> Option<Raw<'a>> {
    match *source {
        Source::Return => Some(Raw::Num(exit.ret)),
        Source::Arg(i) => exit.args.get(i).map(|&v| Raw::Num(v as i64)),
        Source::Memory(i) => memory(exit, i).map(Raw::Bytes),
        Source::MemoryI32 { arg, index } => {
            let bytes = memory(exit, arg)?;
            let start = index.checked_mul(4)?;
            let field: [u8; 4] = bytes.get(start..start.checked_add(4)?)?.try_into().ok()?;
            Some(Raw::Num(i64::from(i32::from_le_bytes(field))))
        }
        Source::MemoryU64 { arg, offset } => {
            u64_at(memory(exit, arg)?, offset).map(|v| Raw::Num(v as i64))
        }
        Source::Capabilities { arg, set } => {
            capabilities(memory(exit, arg)?, set).map(|v| Raw::Num(v as i64))
        }
        Source::OpenMode { flags, mode } => {
            let mode = number(extract(exit, ctx, mode)?)? as u64;
            let value = match flags {
                Some(flags) => effective_mode(number(extract(exit, ctx, flags)?)? as u64, mode),
                None => mode & 0o7777,
            };
            Some(Raw::Num(value as i64))
        }
        Source::Tuple { fd, remote } => {
            let fd = narrow_fd(number(extract(exit, ctx, fd)?)?);
            if let Some(name) = ctx.fd_name(fd).filter(|n| n.contains("->")) {
                return Some(Raw::Text(name.into_owned()));
            }
            let addr = parse_sockaddr(memory(exit, remote?)?)?;
            Some(Raw::Text(addr.to_string()))
        }
        Source::Zero => Some(Raw::Num(0)),
        Source::Process(field) => Some(match ctx.process_value(field)? {
            ProcessValue::Num(n) => Raw::Num(n),
            ProcessValue::Text(t) => Raw::Text(t),
            ProcessValue::List(l) => Raw::List(l),
        }),
        Source::SyscallNumber => Some(Raw::Num(exit.nr as i64)),
        Source::NotCaptured => None,
    }
}

fn memory(exit: &SyscallExit, arg: usize) -> Option<&[u8]> {
    exit.memory.get(arg)?.as_deref()
}

fn u64_at(bytes: &[u8], offset: usize) -> Option<u64> {
    let field: [u8; 8] = bytes.get(offset..offset.checked_add(8)?)?.try_into().ok()?;
    Some(u64::from_le_bytes(field))
}

/// One 64-bit mask from the two `{effective, permitted, inheritable}` u32
/// triples `capset` takes (low word first). A missing second triple (the
/// 32-bit capability ABI) leaves the high word 0.
pub(crate) fn capabilities(bytes: &[u8], set: CapabilitySet) -> Option<u64> {
    let offset = match set {
        CapabilitySet::Effective => 0,
        CapabilitySet::Permitted => 4,
        CapabilitySet::Inheritable => 8,
    };
    let word = |at: usize| -> Option<u64> {
        let field: [u8; 4] = bytes.get(at..at + 4)?.try_into().ok()?;
        Some(u64::from(u32::from_le_bytes(field)))
    };
    let low = word(offset)?;
    let high = word(offset + 12).unwrap_or(0);
    Some(low | (high << 32))
}

fn number(raw: Raw<'_>) -> Option<i64> {
    match raw {
        Raw::Num(n) => Some(n),
        _ => None,
    }
}

/// A descriptor or pid register holds a C `int`; the upper half of the
/// register is not part of the value.
fn narrow_fd(value: i64) -> i64 {
    i64::from(value as i32)
}

/// A flag, mode, uid or enumeration register holds a 32-bit value.
fn narrow_u32(value: i64) -> u64 {
    u64::from(value as u32)
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Falco's byte-buffer text: printable ASCII as is, anything else `.`.
fn printable(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            }
        })
        .collect()
}

/// The number a parameter holds in Falco's encoding (`evt.rawarg`), after
/// narrowing registers to the C type and translating flag sets.
fn encoded(kind: &ParamKind, source: &Source, n: i64) -> i64 {
    let from_register = matches!(source, Source::Arg(_));
    match kind {
        ParamKind::Fd | ParamKind::Pid if from_register => narrow_fd(n),
        ParamKind::Uid | ParamKind::Gid | ParamKind::Signal => narrow_u32(n) as i64,
        ParamKind::Flags(set) => set.encode(narrow_u32(n)) as i64,
        ParamKind::Enum(set) => set.encode(narrow_u32(n)) as i64,
        ParamKind::Mode => CHMOD_MODE.encode(narrow_u32(n)) as i64,
        _ => n,
    }
}

/// Renders parameter `param` of `exit` (found in `schema`).
pub fn render(
    exit: &SyscallExit,
    ctx: &dyn ParamContext,
    schema: &SyscallSchema,
    param: &Param,
) -> Option<ParamText> {
    let raw = extract(exit, ctx, &param.source)?;
    let n = match raw {
        Raw::Num(n) => encoded(&param.kind, &param.source, n),
        Raw::Bytes(bytes) => return Some(render_bytes(exit, ctx, schema, param, bytes)),
        Raw::Text(text) => return Some(plain(text)),
        Raw::List(list) => return Some(render_list(&param.kind, list)),
    };
    Some(render_number(ctx, &param.kind, n))
}

/// The number `evt.rawarg.<name>` gives, for numeric parameters.
pub fn raw_number(exit: &SyscallExit, ctx: &dyn ParamContext, param: &Param) -> Option<i64> {
    match extract(exit, ctx, &param.source)? {
        Raw::Num(n) => Some(encoded(&param.kind, &param.source, n)),
        _ => None,
    }
}

fn plain(value: String) -> ParamText {
    ParamText {
        value,
        resolved: None,
    }
}

fn with(value: String, resolved: Option<Cow<'_, str>>) -> ParamText {
    ParamText {
        value,
        resolved: resolved.map(Cow::into_owned).filter(|r| !r.is_empty()),
    }
}

fn render_number(ctx: &dyn ParamContext, kind: &ParamKind, n: i64) -> ParamText {
    let value = n.to_string();
    match kind {
        ParamKind::Errno => with(value, error_name(n).map(Cow::Borrowed)),
        ParamKind::Fd => with(value, fd_resolved(ctx, n)),
        ParamKind::Pid => with(value, ctx.thread_comm(n)),
        ParamKind::Uid => {
            let name = ctx.user_name(n as u32);
            with(value, Some(name.unwrap_or(Cow::Borrowed("<NA>"))))
        }
        ParamKind::Gid => {
            let name = ctx.group_name(n as u32);
            with(value, Some(name.unwrap_or(Cow::Borrowed("<NA>"))))
        }
        ParamKind::Unsigned(Base::Dec) => plain((n as u64).to_string()),
        ParamKind::Unsigned(Base::Hex) => plain(format!("{:X}", n as u64)),
        ParamKind::Unsigned(Base::Oct) => plain(octal_text(n as u64)),
        ParamKind::Flags(set) => with(value, Some(Cow::Owned(set.render(n as u64)))),
        ParamKind::Enum(set) => with(value, set.name(n as u64).map(Cow::Borrowed)),
        ParamKind::Mode => ParamText {
            value: octal_text(n as u64),
            resolved: Some(CHMOD_MODE.render(n as u64)).filter(|r| !r.is_empty()),
        },
        ParamKind::Signal => with(value, signal::name(n as u64).map(Cow::Borrowed)),
        ParamKind::SyscallId => with(value, crate::syscalls::name(n as u64).map(Cow::Borrowed)),
        ParamKind::Signed
        | ParamKind::Path
        | ParamKind::RelativePath { .. }
        | ParamKind::Text
        | ParamKind::Bytes
        | ParamKind::SockAddr
        | ParamKind::SockTuple => plain(value),
    }
}

/// `<tag>name` of a descriptor, `AT_FDCWD`, or the errno of a failed call.
fn fd_resolved<'c>(ctx: &'c dyn ParamContext, fd: i64) -> Option<Cow<'c, str>> {
    if fd == AT_FDCWD {
        return Some(Cow::Borrowed("AT_FDCWD"));
    }
    if fd < 0 {
        return error_name(fd).map(Cow::Borrowed);
    }
    let name = ctx.fd_name(fd)?;
    Some(match ctx.fd_tag(fd) {
        Some(tag) => Cow::Owned(format!("<{tag}>{name}")),
        None => name,
    })
}

fn render_bytes(
    exit: &SyscallExit,
    ctx: &dyn ParamContext,
    schema: &SyscallSchema,
    param: &Param,
    bytes: &[u8],
) -> ParamText {
    match param.kind {
        ParamKind::Bytes => plain(printable(bytes)),
        ParamKind::SockAddr | ParamKind::SockTuple => {
            plain(parse_sockaddr(bytes).map_or_else(String::new, |a| a.to_string()))
        }
        ParamKind::Path => {
            let text = lossy(bytes);
            let resolved = relative_base(&text, || ctx.cwd().map(Cow::into_owned))
                .map(|base| path::join(&base, &text));
            ParamText {
                value: text,
                resolved,
            }
        }
        ParamKind::RelativePath { dirfd_param } => {
            let text = lossy(bytes);
            let resolved = relative_base(&text, || dirfd_base(exit, ctx, schema, dirfd_param))
                .map(|base| path::join(&base, &text));
            ParamText {
                value: text,
                resolved,
            }
        }
        _ => plain(lossy(bytes)),
    }
}

/// The directory a relative path is relative to; `None` for absolute or
/// empty paths, which Falco leaves unresolved.
fn relative_base(path: &str, base: impl FnOnce() -> Option<String>) -> Option<String> {
    if path.is_empty() || path.starts_with('/') {
        None
    } else {
        base()
    }
}

/// The directory the dirfd parameter names: the working directory for
/// `AT_FDCWD`, else the descriptor's path.
fn dirfd_base(
    exit: &SyscallExit,
    ctx: &dyn ParamContext,
    schema: &SyscallSchema,
    dirfd_param: usize,
) -> Option<String> {
    let param = schema.params.get(dirfd_param)?;
    let dirfd = narrow_fd(number(extract(exit, ctx, &param.source)?)?);
    if dirfd == AT_FDCWD {
        ctx.cwd().map(Cow::into_owned)
    } else {
        ctx.fd_name(dirfd).map(Cow::into_owned)
    }
}

fn render_list(kind: &ParamKind, list: Vec<String>) -> ParamText {
    match kind {
        // Falco's buffers hold NUL-terminated strings; NUL prints as `.`.
        ParamKind::Bytes => plain(
            list.iter()
                .map(|s| format!("{}.", printable(s.as_bytes())))
                .collect(),
        ),
        _ => plain(list.join(" ")),
    }
}
