//! The fields the syscall source offers to rules, declared once.
//!
//! Rules name fields (`proc.name`, `fd.sip`, `evt.arg.flags`); before a rule
//! can be compiled the engine must know every field's type, whether it takes
//! an argument and what it means. This module is that declaration for the
//! syscall source, in its own small types so this crate does not depend on
//! the host: the host converts [`FIELDS`] 1:1 into its registry.
//!
//! Names, types and argument shapes follow Falco's syscall fields so existing
//! rules validate unchanged; the descriptions are Lanner's own.
//!
//! Fields every source shares (`evt.num`, `evt.time`, `evt.rawtime`,
//! `evt.hostname`, ...) are not declared here: the host provides them for all
//! sources and consults them after this table.

mod table;

pub use table::FIELDS;

/// A field's value type, mirroring the Falco `PT_*` types the syscall fields use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// Text (`PT_CHARBUF`).
    CharBuf,
    /// A filesystem path (`PT_FSPATH`); text for comparison purposes.
    FsPath,
    /// Raw bytes, e.g. an I/O buffer (`PT_BYTEBUF`).
    ByteBuf,
    /// Signed 16-bit integer (`PT_INT16`).
    Int16,
    /// Signed 32-bit integer (`PT_INT32`).
    Int32,
    /// Signed 64-bit integer (`PT_INT64`).
    Int64,
    /// Unsigned 32-bit integer (`PT_UINT32`).
    UInt32,
    /// Unsigned 64-bit integer (`PT_UINT64`).
    UInt64,
    /// A TCP/UDP port number (`PT_PORT`, unsigned 16-bit).
    Port,
    /// Boolean (`PT_BOOL`).
    Bool,
    /// An IPv4 or IPv6 address (`PT_IPADDR`).
    IpAddr,
    /// An address matched against networks written in CIDR form (`PT_IPNET`).
    IpNet,
    /// A duration in nanoseconds (`PT_RELTIME`).
    RelTime,
    /// A point in time, nanoseconds since the Unix epoch (`PT_ABSTIME`).
    AbsTime,
}

impl FieldType {
    /// Falco's name for the type, as `falco --list` prints it.
    pub const fn falco_name(self) -> &'static str {
        match self {
            Self::CharBuf => "CHARBUF",
            Self::FsPath => "FSPATH",
            Self::ByteBuf => "BYTEBUF",
            Self::Int16 => "INT16",
            Self::Int32 => "INT32",
            Self::Int64 => "INT64",
            Self::UInt32 => "UINT32",
            Self::UInt64 => "UINT64",
            Self::Port => "PORT",
            Self::Bool => "BOOL",
            Self::IpAddr => "IPADDR",
            Self::IpNet => "IPNET",
            Self::RelTime => "RELTIME",
            Self::AbsTime => "ABSTIME",
        }
    }
}

/// Whether and how a field takes a bracketed argument (`proc.aname[2]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arg {
    /// No argument.
    None,
    /// A non-negative integer index.
    Index {
        /// The field is unusable without it.
        required: bool,
    },
    /// A free-form key: a name, a path, or a path pattern.
    Key {
        /// The field is unusable without it.
        required: bool,
    },
}

/// Extra properties of a field (Falco's `EPF_*` flags, plus Lanner's `any_match`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flags {
    /// The field yields a list of values.
    pub list: bool,
    /// Not allowed on the right-hand side of a field-to-field comparison.
    pub no_rhs: bool,
    /// Not allowed inside a transformer such as `tolower(...)`.
    pub no_transformer: bool,
    /// Usable in conditions only, not in outputs.
    pub filter_only: bool,
    /// Deprecated; using it should raise a warning.
    pub deprecated: bool,
    /// The argument may also be written as a dotted suffix: `evt.arg.flags`
    /// means `evt.arg[flags]`.
    pub dotted_arg: bool,
    /// Without an argument the field stands for several values (e.g. every
    /// ancestor for `proc.aname`) and a comparison holds if it holds for any.
    pub any_match: bool,
}

/// One field of the syscall source.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FieldDecl {
    /// Full name as rules write it, e.g. `proc.name`.
    pub name: &'static str,
    /// Value type (of each element, for list fields).
    pub ty: FieldType,
    /// Argument shape.
    pub arg: Arg,
    /// Flags.
    pub flags: Flags,
    /// One-line description.
    pub description: &'static str,
}

impl FieldDecl {
    /// A field without argument or flags.
    pub const fn new(name: &'static str, ty: FieldType, description: &'static str) -> Self {
        Self {
            name,
            ty,
            arg: Arg::None,
            flags: Flags {
                list: false,
                no_rhs: false,
                no_transformer: false,
                filter_only: false,
                deprecated: false,
                dotted_arg: false,
                any_match: false,
            },
            description,
        }
    }

    /// Takes an index argument; `required` says whether it must be given.
    pub const fn index(mut self, required: bool) -> Self {
        self.arg = Arg::Index { required };
        self
    }

    /// Takes a key argument; `required` says whether it must be given.
    pub const fn key(mut self, required: bool) -> Self {
        self.arg = Arg::Key { required };
        self
    }

    /// Also accepts the argument as a dotted suffix (`evt.arg.flags`).
    pub const fn dotted(mut self) -> Self {
        self.flags.dotted_arg = true;
        self
    }

    /// Yields a list of values.
    pub const fn list(mut self) -> Self {
        self.flags.list = true;
        self
    }

    /// Usable in conditions only, and stands for more than one value, so it
    /// can be neither a comparison's right-hand side nor transformed.
    pub const fn filter_only(mut self) -> Self {
        self.flags.filter_only = true;
        self.flags.no_rhs = true;
        self.flags.no_transformer = true;
        self
    }

    /// Without its index it matches if any of its values match (ancestor fields);
    /// it is then no single value, so it cannot be a right-hand side.
    pub const fn any_match(mut self) -> Self {
        self.flags.any_match = true;
        self.flags.no_rhs = true;
        self
    }

    /// Deprecated.
    pub const fn deprecated(mut self) -> Self {
        self.flags.deprecated = true;
        self
    }
}

/// Event names that are not syscalls but that rules may compare `evt.type` with:
/// process lifecycle, scheduler and engine-internal events Falco defines.
pub const NON_SYSCALL_EVENTS: &[&str] = &[
    "procexit",
    "procinfo",
    "switch",
    "signaldeliver",
    "container",
    "drop",
    "notification",
    "infra",
    "page_fault",
    "cpu_hotplug",
    "pluginevent",
    "asyncevent",
    "k8s",
    "mesos",
    "tracer",
    "sysdigevent",
    "scapevent",
];

/// Every valid `evt.type` value of the syscall source: each syscall name
/// (Falco's spelling and, where different, the kernel's) and each name in
/// [`NON_SYSCALL_EVENTS`].
pub fn event_types() -> impl Iterator<Item = &'static str> {
    crate::syscalls::all()
        .map(|(name, _)| name)
        .chain(crate::syscalls::kernel_aliases())
        .chain(NON_SYSCALL_EVENTS.iter().copied())
}

#[cfg(test)]
mod tests;
