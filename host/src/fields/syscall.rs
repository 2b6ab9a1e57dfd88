//! The syscall source's fields as a host [`FieldTable`].
//!
//! The syscall source declares its fields once, in its own types
//! (`lanner_syscall_source::fields`), because it cannot depend on the host.
//! This module maps those declarations 1:1 onto the registry's types; it adds
//! and drops nothing.

use lanner_syscall_source::fields::{self as decl, Arg, FieldDecl};

use super::registry::{ArgKind, ArgMode, FieldDef, FieldFlags, FieldTable};
use super::value::FieldType;

/// Name of the syscall event source, as rules write it in `source:`.
pub const SOURCE: &str = "syscall";

/// The syscall source's field table, ready for [`Registry::register`](super::Registry::register).
pub fn table() -> FieldTable {
    FieldTable {
        source: SOURCE.to_owned(),
        fields: decl::FIELDS.iter().map(convert).collect(),
        event_types: decl::event_types().map(str::to_owned).collect(),
    }
}

fn convert(f: &FieldDecl) -> FieldDef {
    let (arg_mode, arg_kind) = match f.arg {
        Arg::None => (ArgMode::None, ArgKind::Key),
        Arg::Index { required } => (mode(required), ArgKind::Index),
        Arg::Key { required } => (mode(required), ArgKind::Key),
    };
    FieldDef {
        name: f.name.to_owned(),
        ty: field_type(f.ty),
        arg_mode,
        arg_kind,
        flags: FieldFlags {
            is_list: f.flags.list,
            no_rhs: f.flags.no_rhs,
            no_transformer: f.flags.no_transformer,
            filter_only: f.flags.filter_only,
            deprecated: f.flags.deprecated,
            dotted_arg: f.flags.dotted_arg,
            any_match: f.flags.any_match,
        },
        description: f.description.to_owned(),
    }
}

fn mode(required: bool) -> ArgMode {
    if required {
        ArgMode::Required
    } else {
        ArgMode::Optional
    }
}

fn field_type(ty: decl::FieldType) -> FieldType {
    use decl::FieldType as D;
    match ty {
        D::CharBuf | D::FsPath => FieldType::String,
        D::ByteBuf => FieldType::Bytes,
        D::Int16 | D::Int32 | D::Int64 => FieldType::Int,
        D::UInt32 | D::UInt64 | D::Port => FieldType::UInt,
        D::Bool => FieldType::Bool,
        D::IpAddr => FieldType::Ip,
        D::IpNet => FieldType::Net,
        D::RelTime => FieldType::RelTime,
        D::AbsTime => FieldType::AbsTime,
    }
}
