//! What the syscall source knows about the host beyond single events: the
//! processes already running at start, which container each runs in, and
//! who its users and groups are. Rules read
//! this through fields such as `container.id` and `user.name`.

pub mod container;
pub mod procfs;
pub mod users;

pub use container::{Container, Runtime, container_of};
pub use procfs::{ProcessInfo, scan};
pub use users::{Group, User, UserDb};
