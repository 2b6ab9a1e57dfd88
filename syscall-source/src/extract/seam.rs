//! Syscall arguments as rules read them (`evt.arg.*`, `evt.rawarg.*`,
//! `evt.args`), answered by [`crate::params`]
//! with this event's state as its [`ParamContext`].

use super::{EventView, FieldValue};
use crate::{
    event::{EventDetail, SyscallExit},
    params::{self, ParamContext, ProcessField, ProcessValue, flags::exe},
    state::{FdInfo, L4Proto, effects::nr},
};
use std::borrow::Cow;

/// The exit `params` renders for this event: the syscall's own, or for a
/// successful exec the exit Falco reports (execve/execveat returning 0 with
/// the file name as its path argument).
fn exit_of<'a>(view: &EventView<'a>) -> Option<Cow<'a, SyscallExit>> {
    match &view.event().detail {
        EventDetail::Syscall(exit) => Some(Cow::Borrowed(exit)),
        EventDetail::Exec { filename, .. } => {
            let mut memory: [Option<Vec<u8>>; 6] = Default::default();
            memory[0] = Some(filename.clone().into_bytes());
            Some(Cow::Owned(SyscallExit {
                nr: nr::EXECVE,
                ret: 0,
                args: [0; 6],
                memory,
            }))
        }
        _ => None,
    }
}

/// `evt.arg[key]` / `evt.arg.key`: one argument by Falco name or position, as text.
pub(crate) fn syscall_arg<'a>(view: &EventView<'a>, key: &str) -> Option<FieldValue<'a>> {
    let exit = exit_of(view)?;
    params::arg_text(&exit, view, key).map(FieldValue::owned)
}

/// `evt.rawarg.key`: one argument by Falco name, as its raw number.
pub(crate) fn syscall_raw_arg<'a>(view: &EventView<'a>, key: &str) -> Option<FieldValue<'a>> {
    let exit = exit_of(view)?;
    params::arg_raw(&exit, view, key).map(FieldValue::Int)
}

/// `evt.args`: every argument as one `name=value ...` line.
pub(crate) fn syscall_args_text(view: &EventView<'_>) -> Option<String> {
    let exit = exit_of(view)?;
    Some(params::args_line(&exit, view))
}

/// Descriptor `fd` of the event's process, or the event's own descriptor
/// when the table no longer holds it (one the event closed).
fn fd_info<'a>(view: &EventView<'a>, fd: i64) -> Option<&'a FdInfo> {
    view.process()?
        .fds
        .get(fd)
        .or(view.fd().filter(|f| f.num == fd))
}

impl ParamContext for EventView<'_> {
    fn fd_name(&self, fd: i64) -> Option<Cow<'_, str>> {
        let info = fd_info(self, fd)?;
        (!info.name.is_empty()).then_some(Cow::Borrowed(info.name.as_str()))
    }

    fn fd_tag(&self, fd: i64) -> Option<Cow<'_, str>> {
        let info = fd_info(self, fd)?;
        let proto = match info.socket.as_ref().and_then(|s| s.l4proto) {
            Some(L4Proto::Tcp) => "t",
            Some(L4Proto::Udp) => "u",
            _ => "",
        };
        Some(if info.kind.is_ip() {
            Cow::Owned(format!("{}{proto}", info.kind.type_char()))
        } else {
            Cow::Borrowed(info.kind.type_char())
        })
    }

    fn cwd(&self) -> Option<Cow<'_, str>> {
        let cwd = &self.process()?.info.cwd;
        (!cwd.is_empty()).then_some(Cow::Borrowed(cwd.as_str()))
    }

    fn user_name(&self, uid: u32) -> Option<Cow<'_, str>> {
        self.user(uid).map(|u| Cow::Borrowed(u.name.as_str()))
    }

    fn group_name(&self, gid: u32) -> Option<Cow<'_, str>> {
        self.group(gid).map(|g| Cow::Borrowed(g.name.as_str()))
    }

    fn thread_comm(&self, tid: i64) -> Option<Cow<'_, str>> {
        let tid = u32::try_from(tid).ok()?;
        self.state()
            .process_of_thread(tid)
            .map(|p| Cow::Borrowed(p.info.comm.as_str()))
    }

    fn process_value(&self, field: ProcessField) -> Option<ProcessValue> {
        use ProcessField as F;
        use ProcessValue as V;
        let event = self.event();
        let process = self.process()?;
        let info = &process.info;
        let num = |n: u64| Some(V::Num(i64::try_from(n).unwrap_or(i64::MAX)));
        match field {
            F::Exe => process.exe().map(|exe| V::Text(exe.to_string())),
            F::Args => Some(V::List(process.args().to_vec())),
            F::Tid => num(u64::from(event.tid)),
            F::Pid => num(u64::from(info.pid)),
            F::Ptid => num(u64::from(info.ppid)),
            F::Cwd => Some(V::Text(info.cwd.clone())),
            F::Comm => Some(V::Text(info.comm.clone())),
            F::Env => Some(V::List(info.env.clone())),
            F::Tty => num(u64::from(info.tty)),
            F::Pgid => num(u64::from(info.pgid)),
            F::Vpgid => info.vpgid.and_then(|v| num(u64::from(v))),
            F::LoginUid => num(u64::from(info.loginuid)),
            F::ExeFlags => {
                let mut flags = 0;
                if info.exe_from_memfd {
                    flags |= exe::EXE_FROM_MEMFD;
                }
                match info.exe_upper_layer {
                    Some(true) => flags |= exe::EXE_UPPER_LAYER,
                    Some(false) => flags |= exe::EXE_LOWER_LAYER,
                    None => {}
                }
                num(flags)
            }
            F::CapInheritable => info
                .caps_known
                .then_some(V::Num(info.cap_inheritable as i64)),
            F::CapPermitted => info.caps_known.then_some(V::Num(info.cap_permitted as i64)),
            F::CapEffective => info.caps_known.then_some(V::Num(info.cap_effective as i64)),
            F::ExeIno => info.exe_ino.and_then(num),
            F::ExeInoCtime => info.exe_ctime_ns.and_then(num),
            F::ExeInoMtime => info.exe_mtime_ns.and_then(num),
            F::Uid => num(u64::from(info.euid)),
            F::Gid => num(u64::from(info.egid)),
            F::TrustedExePath => {
                (!info.exe_path.is_empty()).then(|| V::Text(info.exe_path.clone()))
            }
            F::Vtid => info
                .threads
                .iter()
                .find(|t| t.tid == event.tid)
                .and_then(|t| num(u64::from(t.vtid))),
            F::Vpid => info.vpid.and_then(|v| num(u64::from(v))),
            F::FdLimit | F::Cgroups | F::PidnsInitStartTs => None,
        }
    }
}
