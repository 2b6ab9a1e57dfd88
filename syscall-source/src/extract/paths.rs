//! Where the paths of filesystem syscalls are (`fs.path.*`, `evt.abspath*`):
//! which argument holds a path and which directory fd it is relative to.

use crate::event::SyscallExit;
use crate::state::Process;
use crate::state::effects::{self, nr};

/// One path argument: its position and that of its directory fd, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PathArg {
    /// Directory-fd argument of `*at` calls.
    pub dirfd: Option<usize>,
    /// The path argument.
    pub path: usize,
    /// Taken literally, never resolved (a symlink's target text).
    pub literal: bool,
}

const fn arg(dirfd: Option<usize>, path: usize) -> PathArg {
    PathArg {
        dirfd,
        path,
        literal: false,
    }
}

/// The paths a filesystem syscall acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathShape {
    /// One path (open, mkdir, unlink, chmod, ...).
    Single(PathArg),
    /// A source and a target (rename, link, symlink).
    Pair(PathArg, PathArg),
}

/// The path shape of syscall `nr`, if it is a filesystem call.
pub fn shape(nr: u64) -> Option<PathShape> {
    use PathShape::{Pair, Single};
    Some(match nr {
        nr::OPEN
        | nr::CREAT
        | nr::MKDIR
        | nr::RMDIR
        | nr::UNLINK
        | nr::CHMOD
        | nr::CHOWN
        | nr::LCHOWN => Single(arg(None, 0)),
        nr::OPENAT
        | nr::OPENAT2
        | nr::MKDIRAT
        | nr::UNLINKAT
        | nr::FCHMODAT
        | nr::FCHMODAT2
        | nr::FCHOWNAT => Single(arg(Some(0), 1)),
        nr::RENAME | nr::LINK => Pair(arg(None, 0), arg(None, 1)),
        nr::RENAMEAT | nr::RENAMEAT2 | nr::LINKAT => Pair(arg(Some(0), 1), arg(Some(2), 3)),
        nr::SYMLINK => Pair(
            PathArg {
                literal: true,
                ..arg(None, 0)
            },
            arg(None, 1),
        ),
        nr::SYMLINKAT => Pair(
            PathArg {
                literal: true,
                ..arg(None, 0)
            },
            arg(Some(1), 2),
        ),
        _ => return None,
    })
}

/// The path made absolute against its directory fd or the working
/// directory; a literal one (a symlink's target) as the process passed it.
pub fn absolute(process: &Process, exit: &SyscallExit, which: PathArg) -> Option<String> {
    if which.literal {
        return effects::memory_text(exit, which.path);
    }
    effects::absolute_path_arg(process, exit, which.dirfd, which.path)
}
