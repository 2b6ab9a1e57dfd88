//! Field extraction: the values rules compare, read from one event and the
//! state tables right after the event updated them.
//!
//! [`SystemState::apply`] feeds one record to the tables and, for events
//! rules see, returns an [`EventView`]; [`EventView::extract`] takes a field
//! by its index in [`crate::fields::FIELDS`]. A field without a value for the
//! event (`fd.sip` of an `openat`, `proc.pname` of a process whose parent is
//! unknown) is `None`, never an empty placeholder.
//!
//! Container names, images, mounts, start times, labels and the pod
//! (`k8s.pod.name`, `k8s.ns.name`) come from the runtime's own files, read
//! by the live stream and recorded as [`CaptureRecord::ContainerInfo`]; a
//! container no such record describes has none of them.
//! `container.privileged` takes the runtime's word when it recorded one and
//! is otherwise decided from capabilities: see
//! [`EventView::container_privileged`].

mod kind;
mod paths;
mod seam;

pub use kind::{FieldKind, KINDS, kind_at, kind_of};

use crate::event::{CaptureRecord, EventDetail, SyscallEvent, SyscallExit};
use crate::params::{self, flags::open};
use crate::state::effects::{self, nr};
use crate::state::{
    Container, ContainerInfo, EventContext, FdInfo, FdKind, FdSlot, Process, SystemState, caps,
    path, process::join_command,
};
use std::{borrow::Cow, net::IpAddr};

/// A field's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldValue<'a> {
    /// Text.
    Str(Cow<'a, str>),
    /// Raw bytes.
    Bytes(Cow<'a, [u8]>),
    /// Signed integer.
    Int(i64),
    /// Unsigned integer.
    UInt(u64),
    /// Boolean.
    Bool(bool),
    /// IP address (also for network-typed fields: the host tests it against the network).
    Ip(IpAddr),
    /// Duration in nanoseconds.
    RelTime(u64),
    /// Nanoseconds since the Unix epoch.
    AbsTime(u64),
    /// Several values: a list field, or an any-match field without index.
    List(Vec<FieldValue<'a>>),
}

impl<'a> FieldValue<'a> {
    fn text(text: &'a str) -> Self {
        Self::Str(Cow::Borrowed(text))
    }

    fn owned(text: String) -> Self {
        Self::Str(Cow::Owned(text))
    }

    /// Text, or no value when empty (unknown).
    fn non_empty(text: &'a str) -> Option<Self> {
        (!text.is_empty()).then(|| Self::text(text))
    }
}

/// Ancestor walks stop after this many generations (guards against cycles
/// in corrupt or replayed data).
const MAX_GENERATIONS: usize = 64;

/// Names of shells, for `proc.loginshellid`.
const SHELLS: &[&str] = &[
    "ash", "bash", "csh", "dash", "ksh", "sh", "tcsh", "zsh", "fish",
];

impl SystemState {
    /// Feeds one record to the tables. For events rules see, returns the
    /// view to extract fields from; `None` for records that only feed the
    /// tables (process snapshots, cgroups, users, exec arguments, forks).
    pub fn apply<'s>(&'s mut self, record: &'s CaptureRecord) -> Option<EventView<'s>> {
        let context = self.update(record)?;
        let CaptureRecord::Event(event) = record else {
            return None;
        };
        let evt_type = event.evt_type()?;
        let state: &'s SystemState = self;
        Some(EventView::new(state, event, evt_type, context))
    }
}

/// One event together with the state it happened in.
#[derive(Clone, Copy, Debug)]
pub struct EventView<'s> {
    state: &'s SystemState,
    event: &'s SyscallEvent,
    evt_type: &'static str,
    context: EventContext,
    process: Option<&'s Process>,
    fd: Option<&'s FdInfo>,
}

impl<'s> EventView<'s> {
    fn new(
        state: &'s SystemState,
        event: &'s SyscallEvent,
        evt_type: &'static str,
        context: EventContext,
    ) -> Self {
        let process = if context.process_departed {
            state.departed.as_ref()
        } else {
            state.processes.get(&event.pid)
        };
        let fd = match (context.fd_slot, context.fd_num) {
            (FdSlot::Table, Some(num)) => process.and_then(|p| p.fds.get(num)),
            (FdSlot::Scratch, _) => state.scratch_fd.as_ref(),
            _ => None,
        };
        Self {
            state,
            event,
            evt_type,
            context,
            process,
            fd,
        }
    }

    /// The event's type, as `evt.type` names it.
    pub fn evt_type(&self) -> &'static str {
        self.evt_type
    }

    /// The event.
    pub fn event(&self) -> &'s SyscallEvent {
        self.event
    }

    /// The event's process, as the tables know it.
    pub fn process(&self) -> Option<&'s Process> {
        self.process
    }

    /// The descriptor the event acts on.
    pub fn fd(&self) -> Option<&'s FdInfo> {
        self.fd
    }

    /// The state the event happened in.
    pub fn state(&self) -> &'s SystemState {
        self.state
    }

    /// The syscall exit, for syscall events.
    pub fn syscall(&self) -> Option<&'s SyscallExit> {
        match &self.event.detail {
            EventDetail::Syscall(exit) => Some(exit),
            _ => None,
        }
    }

    /// The event's return value: the syscall's, 0 for a successful exec,
    /// none for a thread exit.
    fn ret(&self) -> Option<i64> {
        match &self.event.detail {
            EventDetail::Syscall(exit) => Some(exit.ret),
            EventDetail::Exec { .. } => Some(0),
            _ => None,
        }
    }

    /// Ancestor `generation` of the event's process: 0 is the process
    /// itself, 1 its parent, and so on.
    pub fn ancestor(&self, generation: usize) -> Option<&'s Process> {
        let mut current = self.process?;
        for _ in 0..generation.min(MAX_GENERATIONS) {
            current = self.parent_of(current)?;
        }
        Some(current)
    }

    fn parent_of(&self, process: &Process) -> Option<&'s Process> {
        let ppid = process.info.ppid;
        if ppid == 0 || ppid == process.info.pid {
            return None;
        }
        self.state.processes.get(&ppid)
    }

    /// Every ancestor, parent first, each found from the one before.
    fn ancestors(&self) -> impl Iterator<Item = &'s Process> + '_ {
        let parent = self.process.and_then(|p| self.parent_of(p));
        std::iter::successors(parent, |p| self.parent_of(p)).take(MAX_GENERATIONS)
    }

    /// The process's name: the thread's `comm` from the event for the
    /// process itself (threads may rename themselves), the kept `comm` for others.
    fn name_of(&self, process: &'s Process) -> &'s str {
        if process.info.pid == self.event.pid && !self.event.comm.is_empty() {
            &self.event.comm
        } else {
            &process.info.comm
        }
    }

    fn container(&self) -> Option<&'s Container> {
        self.process.map(|p| &p.info.container)
    }

    /// What the runtime said about the event's container (never for the host).
    pub fn container_info(&self) -> Option<&'s ContainerInfo> {
        let container = self.container()?;
        if container.runtime == crate::state::Runtime::Host {
            return None;
        }
        self.state.container_info(&container.id)
    }

    /// A text field of the runtime's record, when known and not empty.
    fn info_text(
        &self,
        text: impl Fn(&'s ContainerInfo) -> Option<&'s String>,
    ) -> Option<FieldValue<'s>> {
        FieldValue::non_empty(text(self.container_info()?)?)
    }

    /// The mount a `container.mount*` key picks: by position, or by a
    /// pattern matched against the source (`by_source`) or destination.
    fn mount(&self, key: Option<&str>, by_source: bool) -> Option<&'s crate::state::Mount> {
        self.container_info()?.mount_by(key?, by_source)
    }

    /// `container.privileged`: what the runtime recorded when it did;
    /// otherwise a container is taken
    /// as privileged when every process of it whose capabilities we know
    /// holds every capability the host grants (what `--privileged` gives),
    /// judged from the bounding set (which no process of an ordinary
    /// container holds in full, and which a privileged container's non-root
    /// processes keep) or, when that is unknown, the effective set. "What
    /// the host grants" is the bounding set of the host's init when known
    /// (hosts and sandboxes may withhold some capabilities from everyone),
    /// else every capability. `None` on the host and when no process's
    /// capabilities are known.
    pub fn container_privileged(&self) -> Option<bool> {
        let container = self.container()?;
        if container.runtime == crate::state::Runtime::Host {
            return None;
        }
        if let Some(privileged) = self.container_info().and_then(|i| i.privileged) {
            return Some(privileged);
        }
        let host_grants = self
            .state
            .processes
            .get(&1)
            .filter(|init| {
                init.info.caps_known && init.info.container.runtime == crate::state::Runtime::Host
            })
            .and_then(|init| init.info.cap_bounding);
        // A host whose init lacks CAP_SYS_ADMIN says nothing useful; ask for everything then.
        let required = match host_grants {
            Some(grants) if grants & (1 << caps::CAP_SYS_ADMIN) != 0 => {
                grants & caps::PRIVILEGED_MASK
            }
            _ => caps::PRIVILEGED_MASK,
        };
        let holds_all = |mask: u64| mask & required == required;
        let mut any = false;
        let members = self
            .state
            .processes
            .values()
            .chain(self.state.departed.as_ref())
            .filter(|p| p.info.caps_known && p.info.container.id == container.id);
        for process in members {
            any = true;
            let mask = process
                .info
                .cap_bounding
                .unwrap_or(process.info.cap_effective);
            if !holds_all(mask) {
                return Some(false);
            }
        }
        any.then_some(true)
    }

    /// Extracts field `field` (an index into [`crate::fields::FIELDS`]) with
    /// its optional key argument (`evt.arg.flags`, `proc.env[HOME]`) or
    /// index argument (`proc.aname[2]`).
    pub fn extract(
        &self,
        field: usize,
        arg: Option<&str>,
        index: Option<u64>,
    ) -> Option<FieldValue<'s>> {
        self.extract_kind(kind_at(field), arg, index)
    }

    /// [`EventView::extract`] by extraction kind.
    pub fn extract_kind(
        &self,
        kind: FieldKind,
        arg: Option<&str>,
        index: Option<u64>,
    ) -> Option<FieldValue<'s>> {
        use FieldKind as K;
        use FieldValue as V;
        let event = self.event;
        let generation = index.and_then(|i| usize::try_from(i).ok());
        match kind {
            K::Unavailable => None,
            // ---- evt ----------------------------------------------------
            K::EvtType => Some(V::text(self.evt_type)),
            K::EvtTypeIs => Some(V::UInt(u64::from(arg? == self.evt_type))),
            K::SyscallType => match &event.detail {
                EventDetail::Syscall(_) | EventDetail::Exec { .. } => Some(V::text(self.evt_type)),
                _ => None,
            },
            K::EvtDir => Some(V::text(match event.detail {
                EventDetail::Exit => ">",
                _ => "<",
            })),
            K::EvtCpu => Some(V::Int(i64::from(event.cpu))),
            K::EvtArg => seam::syscall_arg(self, arg?),
            K::EvtRawArg => seam::syscall_raw_arg(self, arg?),
            K::EvtArgs | K::EvtInfo => seam::syscall_args_text(self).map(V::owned),
            K::EvtBuffer => {
                let exit = self.syscall()?;
                io_direction(exit.nr)?;
                let bytes = exit.memory.get(1)?.as_deref()?;
                Some(V::Bytes(Cow::Borrowed(bytes)))
            }
            K::EvtBuflen => {
                let exit = self.syscall()?;
                io_direction(exit.nr)?;
                u64::try_from(exit.ret).ok().map(V::UInt)
            }
            K::EvtRes => {
                let ret = self.ret()?;
                if ret >= 0 {
                    Some(V::text("SUCCESS"))
                } else {
                    // An errno Linux does not name has no value.
                    params::error_name(ret).map(V::text)
                }
            }
            K::EvtRawRes => self.ret().map(V::Int),
            K::EvtFailed => self.ret().map(|ret| V::Bool(ret < 0)),
            K::EvtIsIo => Some(V::Bool(self.io_dir().is_some())),
            K::EvtIsIoRead => Some(V::Bool(self.io_dir() == Some("r"))),
            K::EvtIsIoWrite => Some(V::Bool(self.io_dir() == Some("w"))),
            K::EvtIoDir => self.io_dir().map(V::text),
            K::EvtCount | K::EvtCountExit => Some(V::UInt(1)),
            K::EvtCountError => Some(V::UInt(u64::from(self.ret().is_some_and(|r| r < 0)))),
            K::EvtAbspath => self.fs_path(Which::Single, true).map(V::owned),
            K::EvtAbspathSrc => self.fs_path(Which::Source, true).map(V::owned),
            K::EvtAbspathDst => self.fs_path(Which::Target, true).map(V::owned),
            K::EvtIsOpenRead => Some(V::Bool(
                self.open_flags().is_some_and(|(f, _)| open::is_read(f)),
            )),
            K::EvtIsOpenWrite => Some(V::Bool(
                self.open_flags().is_some_and(|(f, _)| open::is_write(f)),
            )),
            K::EvtIsOpenExec => Some(V::Bool(
                self.open_flags()
                    .is_some_and(|(f, mode)| open::creates_executable(f, mode)),
            )),
            K::EvtIsOpenCreate => Some(V::Bool(
                self.open_flags().is_some_and(|(f, _)| open::creates(f)),
            )),
            // ---- fs.path --------------------------------------------------
            K::FsPathName => self.fs_path(Which::Single, true).map(V::owned),
            K::FsPathNameRaw => self.fs_path(Which::Single, false).map(V::owned),
            K::FsPathSource => self.fs_path(Which::Source, true).map(V::owned),
            K::FsPathSourceRaw => self.fs_path(Which::Source, false).map(V::owned),
            K::FsPathTarget => self.fs_path(Which::Target, true).map(V::owned),
            K::FsPathTargetRaw => self.fs_path(Which::Target, false).map(V::owned),
            // ---- proc -----------------------------------------------------
            K::ProcPid => Some(V::Int(i64::from(event.pid))),
            K::ProcName => Some(V::text(self.name_of(self.process?))),
            K::ProcExe => self.process?.exe().map(V::text),
            K::ProcArgs => Some(V::owned(self.process?.args().join(" "))),
            K::ProcCmdNArgs => Some(V::UInt(self.process?.args().len() as u64)),
            K::ProcCmdLenArgs => Some(V::UInt(
                self.process?.args().iter().map(|a| a.len() as u64).sum(),
            )),
            K::ProcCmdline => {
                let process = self.process?;
                Some(V::owned(process.cmdline(self.name_of(process))))
            }
            K::ProcExeline => {
                let process = self.process?;
                Some(V::owned(join_command(process.exe()?, process.args())))
            }
            K::ProcEnv => {
                let process = self.process?;
                match arg {
                    Some(name) => process.env_var(name).map(V::text),
                    None => Some(V::owned(process.info.env.join(" "))),
                }
            }
            K::ProcAenv => {
                let name = arg?;
                std::iter::once(self.process?)
                    .chain(self.ancestors())
                    .find_map(|p| p.env_var(name))
                    .map(V::text)
            }
            K::ProcCwd => V::non_empty(&self.process?.info.cwd),
            K::ProcLoginShellId => std::iter::once(self.process?)
                .chain(self.ancestors())
                .filter(|p| SHELLS.contains(&self.name_of(p)))
                .last()
                .map(|p| V::Int(i64::from(p.info.pid))),
            K::ProcTty => Some(V::UInt(u64::from(self.process?.info.tty))),
            K::ProcExepath => V::non_empty(&self.process?.info.exe_path),
            K::ProcNThreads => Some(V::UInt(self.process?.info.threads.len() as u64)),
            K::ProcNChilds => Some(V::UInt(
                self.process?.info.threads.len().saturating_sub(1) as u64
            )),
            K::ProcPpid => {
                let ppid = self.process?.info.ppid;
                Some(V::Int(i64::from(ppid)))
            }
            K::ProcPname => self.ancestor(1).map(|p| V::text(self.name_of(p))),
            K::ProcPcmdline => self
                .ancestor(1)
                .map(|p| V::owned(p.cmdline(self.name_of(p)))),
            K::ProcPexe => self.ancestor(1)?.exe().map(V::text),
            K::ProcPexepath => V::non_empty(&self.ancestor(1)?.info.exe_path),
            K::ProcApid => self.by_generation(generation, |p| Some(V::Int(i64::from(p.info.pid)))),
            K::ProcAname => self.by_generation(generation, |p| Some(V::text(self.name_of(p)))),
            K::ProcAcmdline => {
                self.by_generation(generation, |p| Some(V::owned(p.cmdline(self.name_of(p)))))
            }
            K::ProcAexe => self.by_generation(generation, |p| p.exe().map(V::text)),
            K::ProcAexepath => self.by_generation(generation, |p| V::non_empty(&p.info.exe_path)),
            K::ProcDuration => {
                let start = self.process?.info.start_ns?;
                Some(V::RelTime(event.ts_ns.saturating_sub(start)))
            }
            K::ProcPpidDuration => {
                let start = self.ancestor(1)?.info.start_ns?;
                Some(V::RelTime(event.ts_ns.saturating_sub(start)))
            }
            K::ProcPidTs => self.process?.info.start_ns.map(V::AbsTime),
            K::ProcPpidTs => self.ancestor(1)?.info.start_ns.map(V::AbsTime),
            K::ProcFdOpenCount => Some(V::UInt(self.process?.fds.len() as u64)),
            K::ProcSid => Some(V::Int(i64::from(self.process?.info.sid))),
            K::ProcSname => self
                .leader(|p| p.info.sid)
                .map(|p| V::text(self.name_of(p))),
            K::ProcSidExe => self.leader(|p| p.info.sid)?.exe().map(V::text),
            K::ProcSidExepath => V::non_empty(&self.leader(|p| p.info.sid)?.info.exe_path),
            K::ProcIsSidLeader => {
                let info = &self.process?.info;
                Some(V::Bool(info.sid == info.pid))
            }
            K::ProcVpgid => self.process?.info.vpgid.map(|v| V::Int(i64::from(v))),
            K::ProcVpgidName | K::ProcPgidName => self
                .leader(|p| p.info.pgid)
                .map(|p| V::text(self.name_of(p))),
            K::ProcVpgidExe | K::ProcPgidExe => self.leader(|p| p.info.pgid)?.exe().map(V::text),
            K::ProcVpgidExepath | K::ProcPgidExepath => {
                V::non_empty(&self.leader(|p| p.info.pgid)?.info.exe_path)
            }
            K::ProcIsVpgidLeader => {
                let info = &self.process?.info;
                Some(V::Bool(info.vpid? == info.vpgid?))
            }
            K::ProcPgid => Some(V::Int(i64::from(self.process?.info.pgid))),
            K::ProcIsPgidLeader => {
                let info = &self.process?.info;
                Some(V::Bool(info.pgid == info.pid))
            }
            K::ProcVpid => self.process?.info.vpid.map(|v| V::Int(i64::from(v))),
            K::ProcPvpid => self.ancestor(1)?.info.vpid.map(|v| V::Int(i64::from(v))),
            K::ProcIsExeUpperLayer => self.process?.info.exe_upper_layer.map(V::Bool),
            K::ProcIsExeFromMemfd => Some(V::Bool(self.process?.info.exe_from_memfd)),
            K::ProcExeIno => self.process?.info.exe_ino.map(V::UInt),
            K::ProcExeInoCtime => self.process?.info.exe_ctime_ns.map(V::AbsTime),
            K::ProcExeInoMtime => self.process?.info.exe_mtime_ns.map(V::AbsTime),
            K::ProcExeInoCtimeDurationProcStart => {
                let info = &self.process?.info;
                info.start_ns?
                    .checked_sub(info.exe_ctime_ns?)
                    .map(V::RelTime)
            }
            K::ProcStdType(num) => Some(V::text(self.process?.fds.get(num)?.kind.type_name())),
            K::ProcStdName(num) => V::non_empty(&self.process?.fds.get(num)?.name),
            // ---- thread ---------------------------------------------------
            K::ThreadTid => Some(V::Int(i64::from(event.tid))),
            K::ThreadIsMain => Some(V::Bool(event.tid == event.pid)),
            K::ThreadVtid => {
                let entry = self.state.threads.get(&event.tid)?;
                entry.vtid.map(|v| V::Int(i64::from(v)))
            }
            K::ThreadNameTid => Some(V::owned(format!("{}{}", event.comm, event.tid))),
            K::ThreadCapPermitted => self.caps(|i| i.cap_permitted),
            K::ThreadCapInheritable => self.caps(|i| i.cap_inheritable),
            K::ThreadCapEffective => self.caps(|i| i.cap_effective),
            // ---- user / group ---------------------------------------------
            K::UserUid => Some(V::UInt(u64::from(self.process?.info.euid))),
            K::UserName => self.user(self.process?.info.euid).map(|u| V::text(&u.name)),
            K::UserHomedir => self.user(self.process?.info.euid).map(|u| V::text(&u.home)),
            K::UserShell => self
                .user(self.process?.info.euid)
                .map(|u| V::text(&u.shell)),
            K::UserLoginUid => {
                let uid = self.process?.info.loginuid;
                Some(V::Int(if uid == u32::MAX { -1 } else { i64::from(uid) }))
            }
            K::UserLoginName => {
                let uid = self.process?.info.loginuid;
                if uid == u32::MAX {
                    return None;
                }
                self.user(uid).map(|u| V::text(&u.name))
            }
            K::GroupGid => Some(V::UInt(u64::from(self.process?.info.egid))),
            K::GroupName => self
                .group(self.process?.info.egid)
                .map(|g| V::text(&g.name)),
            // ---- fd -------------------------------------------------------
            K::FdNum => self.context.fd_num.map(V::Int),
            K::FdType => Some(V::text(self.fd?.kind.type_name())),
            K::FdTypeChar => Some(V::text(self.fd?.kind.type_char())),
            K::FdName => V::non_empty(&self.fd?.name),
            K::FdNameRaw => {
                let fd = self.fd?;
                if fd.name_raw.is_empty() {
                    V::non_empty(&fd.name)
                } else {
                    Some(V::text(&fd.name_raw))
                }
            }
            K::FdDirectory => {
                let fd = self.fd?;
                match fd.kind {
                    FdKind::Directory => V::non_empty(&fd.name),
                    FdKind::File if fd.name.starts_with('/') => {
                        Some(V::text(path::dirname(&fd.name)))
                    }
                    _ => None,
                }
            }
            K::FdFilename => {
                let fd = self.fd?;
                (fd.kind == FdKind::File && fd.name.starts_with('/'))
                    .then(|| V::text(path::basename(&fd.name)))
            }
            K::FdContainerName => {
                let fd = self.fd?;
                let container = self.container()?;
                (!fd.name.is_empty()).then(|| V::owned(format!("{}:{}", container.id, fd.name)))
            }
            K::FdContainerDirectory => {
                let directory = match self.extract_kind(K::FdDirectory, None, None)? {
                    V::Str(text) => text,
                    _ => return None,
                };
                Some(V::owned(format!("{}:{}", self.container()?.id, directory)))
            }
            K::FdUid => {
                let num = self.context.fd_num?;
                self.fd?;
                Some(V::owned(format!("{}{}", event.tid, num)))
            }
            K::FdIp | K::FdNet => self.both_ends(|e| V::Ip(e.ip)),
            K::FdPort => self.both_ends(|e| V::UInt(u64::from(e.port))),
            K::FdCip | K::FdCnet => self.fd_ip()?.client().map(|e| V::Ip(e.ip)),
            K::FdSip | K::FdSnet => self.fd_ip()?.server().map(|e| V::Ip(e.ip)),
            K::FdLip | K::FdLnet => self.socket()?.local.map(|e| V::Ip(e.ip)),
            K::FdRip | K::FdRnet => self.socket()?.remote.map(|e| V::Ip(e.ip)),
            K::FdCport => self.fd_ip()?.client().map(|e| V::UInt(u64::from(e.port))),
            K::FdSport => self.fd_ip()?.server().map(|e| V::UInt(u64::from(e.port))),
            K::FdLport => self.socket()?.local.map(|e| V::UInt(u64::from(e.port))),
            K::FdRport => self.socket()?.remote.map(|e| V::UInt(u64::from(e.port))),
            K::FdL4Proto => self.socket()?.l4proto.map(|p| V::text(p.name())),
            K::FdSockFamily => match self.fd?.kind {
                FdKind::Ipv4 | FdKind::Ipv6 => Some(V::text("ip")),
                FdKind::Unix => Some(V::text("unix")),
                _ => None,
            },
            K::FdIsServer => self.fd?.socket.as_ref()?.is_server.map(V::Bool),
            K::FdConnected => Some(V::Bool(self.fd?.socket.as_ref()?.connected)),
            K::FdNameChanged => {
                self.fd?;
                Some(V::Bool(self.context.fd_name_changed))
            }
            K::FdTypes => {
                let process = self.process?;
                if let Some(num) = index {
                    let fd = process.fds.get(i64::try_from(num).ok()?)?;
                    return Some(V::List(vec![V::text(fd.kind.type_name())]));
                }
                let mut types: Vec<&'static str> = Vec::new();
                for fd in process.fds.iter() {
                    let name = fd.kind.type_name();
                    if !types.contains(&name) {
                        types.push(name);
                    }
                }
                Some(V::List(types.into_iter().map(V::text).collect()))
            }
            // ---- container ----------------------------------------------
            K::ContainerId => Some(V::text(&self.container()?.id)),
            K::ContainerFullId => {
                let container = self.container()?;
                Some(if container.full_id.is_empty() {
                    V::text(&container.id)
                } else {
                    V::text(&container.full_id)
                })
            }
            K::ContainerName => {
                let container = self.container()?;
                if container.runtime == crate::state::Runtime::Host {
                    return Some(V::text(crate::state::container::HOST));
                }
                self.info_text(|i| i.name.as_ref())
            }
            K::ContainerType => {
                // The runtime whose files described the container knows
                // best; cgroup layouts of some runtimes look alike.
                let from_files = self.container_info().and_then(|i| i.runtime);
                Some(V::text(
                    from_files.unwrap_or(self.container()?.runtime).name(),
                ))
            }
            K::ContainerPrivileged => self.container_privileged().map(V::Bool),
            K::ContainerImage => self.info_text(|i| i.image.as_ref()),
            K::ContainerImageId => self.info_text(|i| i.image_id.as_ref()),
            K::ContainerImageRepository => self.info_text(|i| i.image_repository.as_ref()),
            K::ContainerImageTag => self.info_text(|i| i.image_tag.as_ref()),
            K::ContainerImageDigest => self.info_text(|i| i.image_digest.as_ref()),
            K::ContainerMounts => {
                let mounts = &self.container_info()?.mounts;
                let rendered: Vec<String> = mounts.iter().map(|m| m.render()).collect();
                Some(V::owned(rendered.join(",")))
            }
            K::ContainerMount => Some(V::owned(self.mount(arg, true)?.render())),
            K::ContainerMountSource => V::non_empty(&self.mount(arg, false)?.source),
            K::ContainerMountDest => V::non_empty(&self.mount(arg, true)?.dest),
            K::ContainerMountMode => Some(V::text(&self.mount(arg, true)?.mode)),
            K::ContainerMountRdwr => Some(V::text(if self.mount(arg, true)?.rw {
                "true"
            } else {
                "false"
            })),
            K::ContainerMountPropagation => Some(V::text(&self.mount(arg, true)?.propagation)),
            K::ContainerStartTs => self.container_info()?.start_ts.map(V::AbsTime),
            K::ContainerDuration => {
                let start = self.container_info()?.start_ts?;
                Some(V::RelTime(event.ts_ns.saturating_sub(start)))
            }
            K::ContainerHostPid => self.container_info()?.host_pid.map(V::Bool),
            K::ContainerHostNetwork => self.container_info()?.host_network.map(V::Bool),
            K::ContainerHostIpc => self.container_info()?.host_ipc.map(V::Bool),
            K::ContainerLabel => self.container_info()?.labels.get(arg?).map(|v| V::text(v)),
            K::ContainerLabels => {
                let labels = &self.container_info()?.labels;
                let pairs: Vec<String> = labels.iter().map(|(k, v)| format!("{k}:{v}")).collect();
                Some(V::owned(pairs.join(",")))
            }
            K::K8sPodName => self.info_text(|i| i.pod_name.as_ref()),
            K::K8sPodUid => self.info_text(|i| i.pod_uid.as_ref()),
            K::K8sNsName => self.info_text(|i| i.pod_namespace.as_ref()),
            K::K8sPodFullSandboxId => self.info_text(|i| i.sandbox_id.as_ref()),
            K::K8sPodSandboxId => {
                let full = self.container_info()?.sandbox_id.as_deref()?;
                V::non_empty(full.get(..12).unwrap_or(full))
            }
        }
    }

    /// Without a generation, every ancestor's value (any-match); with one,
    /// that generation's (0 is the process itself).
    fn by_generation(
        &self,
        generation: Option<usize>,
        value: impl Fn(&'s Process) -> Option<FieldValue<'s>>,
    ) -> Option<FieldValue<'s>> {
        match generation {
            Some(g) => value(self.ancestor(g)?),
            None => {
                let values: Vec<_> = self.ancestors().filter_map(&value).collect();
                (!values.is_empty()).then_some(FieldValue::List(values))
            }
        }
    }

    /// The process whose pid is `id_of` the event's process (session or group leader).
    fn leader(&self, id_of: impl Fn(&Process) -> u32) -> Option<&'s Process> {
        let id = id_of(self.process?);
        if id == 0 {
            return None;
        }
        self.state.processes.get(&id)
    }

    fn caps(&self, set: impl Fn(&crate::state::ProcessInfo) -> u64) -> Option<FieldValue<'s>> {
        let info = &self.process?.info;
        info.caps_known
            .then(|| FieldValue::owned(caps::to_text(set(info))))
    }

    pub(crate) fn user(&self, uid: u32) -> Option<&'s crate::state::User> {
        self.state.users_for(self.container()?).user(uid)
    }

    /// Group `gid` in the user database of the event's container.
    pub(crate) fn group(&self, gid: u32) -> Option<&'s crate::state::Group> {
        self.state.users_for(self.container()?).group(gid)
    }

    fn socket(&self) -> Option<&'s crate::state::SocketInfo> {
        let fd = self.fd?;
        if !fd.kind.is_ip() {
            return None;
        }
        fd.socket.as_ref()
    }

    fn fd_ip(&self) -> Option<&'s FdInfo> {
        self.fd.filter(|fd| fd.kind.is_ip())
    }

    /// The value of both ends (client, server) of an IP socket, as a list.
    fn both_ends(
        &self,
        value: impl Fn(crate::state::Endpoint) -> FieldValue<'s>,
    ) -> Option<FieldValue<'s>> {
        let fd = self.fd_ip()?;
        let values: Vec<_> = [fd.client(), fd.server()]
            .into_iter()
            .flatten()
            .map(value)
            .collect();
        (!values.is_empty()).then_some(FieldValue::List(values))
    }

    fn io_dir(&self) -> Option<&'static str> {
        io_direction(self.syscall()?.nr)
    }

    /// Kernel open flags and mode of an open-family call (`None` for others).
    fn open_flags(&self) -> Option<(u64, u64)> {
        effects::open_flags_and_mode(self.syscall()?)
    }

    fn fs_path(&self, which: Which, absolute: bool) -> Option<String> {
        let exit = self.syscall()?;
        let arg = match (paths::shape(exit.nr)?, which) {
            (paths::PathShape::Single(arg), Which::Single) => arg,
            (paths::PathShape::Pair(source, _), Which::Source) => source,
            (paths::PathShape::Pair(_, target), Which::Target) => target,
            _ => return None,
        };
        if absolute {
            paths::absolute(self.process?, exit, arg)
        } else {
            effects::memory_text(exit, arg.path)
        }
    }
}

/// Which path of a filesystem event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    Single,
    Source,
    Target,
}

/// `r` for syscalls that read data, `w` for those that write it.
fn io_direction(nr: u64) -> Option<&'static str> {
    const PREADV: u64 = 295;
    const PWRITEV: u64 = 296;
    const RECVMMSG: u64 = 299;
    const SENDMMSG: u64 = 307;
    match nr {
        nr::READ | nr::PREAD64 | nr::READV | nr::RECVFROM | nr::RECVMSG | PREADV | RECVMMSG => {
            Some("r")
        }
        nr::WRITE
        | nr::PWRITE64
        | nr::WRITEV
        | nr::SENDTO
        | nr::SENDMSG
        | nr::SENDFILE
        | PWRITEV
        | SENDMMSG => Some("w"),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
