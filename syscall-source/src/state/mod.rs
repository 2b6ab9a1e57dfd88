//! What the syscall source knows about the host beyond single events: the
//! processes and threads, their open descriptors, which container each runs
//! in, and who its users and groups are. Rules read this through fields such
//! as `proc.pname`, `fd.name`, `container.id` and `user.name`.
//!
//! [`SystemState`] consumes the [`crate::CaptureRecord`] stream in order;
//! `extract` reads fields from it for each event.

pub mod bounded;
pub mod caps;
pub mod container;
pub mod container_info;
pub mod effects;
pub mod fd;
pub mod kept_by;
pub mod netfs;
pub mod path;
pub mod process;
pub mod procfs;
pub mod sockaddr;
pub mod table;
pub mod users;

pub use container::{Container, Runtime, container_of};
pub use container_info::{ContainerInfo, Mount};
pub use fd::{Endpoint, FdInfo, FdKind, L4Proto, SocketInfo};
pub use kept_by::STATE_SYSCALLS;
pub use process::{FdTable, Process};
pub use procfs::{ProcessInfo, ThreadIds, scan};
pub use table::{EventContext, FdSlot, Limits, StateStats, SystemState};
pub use users::{Group, User, UserDb};
