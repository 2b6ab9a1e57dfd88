//! Where the exec record finds a task's terminal and login uid: member
//! offsets of kernel structures, read at load from the running kernel's BTF
//! instead of being compiled in (they differ between kernel builds).

use btfparse::{Error as BtfError, ErrorKind, Offset, Readable, TypeInformation};
use lanner_syscall_ebpf::wire::task_offset;
use std::path::Path;

/// Where the running kernel describes its own types.
pub const KERNEL_BTF: &str = "/sys/kernel/btf/vmlinux";

/// The structure members the probe follows, in [`task_offset`] order.
const MEMBERS: [(usize, &str, &str); 7] = [
    (task_offset::TASK_SIGNAL, "task_struct", "signal"),
    (task_offset::SIGNAL_TTY, "signal_struct", "tty"),
    (task_offset::TTY_INDEX, "tty_struct", "index"),
    (task_offset::TTY_DRIVER, "tty_struct", "driver"),
    (task_offset::DRIVER_MAJOR, "tty_driver", "major"),
    (task_offset::DRIVER_MINOR_START, "tty_driver", "minor_start"),
    (task_offset::TASK_LOGINUID, "task_struct", "loginuid"),
];

/// The offsets found, and what could not be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaskLayout {
    /// Byte offsets indexed by [`task_offset`]; [`task_offset::UNKNOWN`] where missing.
    pub offsets: [u32; task_offset::COUNT],
    /// `type.member` of each member not found, or why none could be read.
    pub missing: Vec<String>,
}

impl TaskLayout {
    /// Reads the offsets from the BTF file at `path`. Never fails: what is
    /// missing stays unknown (and the probe leaves those values to `/proc`).
    pub fn read(path: &Path) -> Self {
        match std::fs::read(path) {
            Ok(bytes) => Self::from_btf(&bytes),
            Err(error) => Self::unknown(format!("{}: {error}", path.display())),
        }
    }

    /// Reads the offsets from BTF bytes.
    pub fn from_btf(bytes: &[u8]) -> Self {
        let types = match TypeInformation::new(&BtfBytes(bytes)) {
            Ok(types) => types,
            Err(error) => return Self::unknown(format!("unreadable BTF: {error:?}")),
        };
        let mut layout = Self {
            offsets: [task_offset::UNKNOWN; task_offset::COUNT],
            missing: Vec::new(),
        };
        for (index, structure, member) in MEMBERS {
            let found = types
                .id_of(structure)
                .and_then(|id| types.offset_of(id, member).ok());
            match found {
                // A member at a whole byte; a bitfield is not what we expect.
                Some((_, Offset::ByteOffset(offset))) => layout.offsets[index] = offset,
                _ => layout.missing.push(format!("{structure}.{member}")),
            }
        }
        layout
    }

    fn unknown(reason: String) -> Self {
        Self {
            offsets: [task_offset::UNKNOWN; task_offset::COUNT],
            missing: vec![reason],
        }
    }
}

/// BTF bytes in memory, as the parser reads them.
struct BtfBytes<'a>(&'a [u8]);

impl Readable for BtfBytes<'_> {
    fn read(&self, offset: u64, buffer: &mut [u8]) -> btfparse::Result<()> {
        let source = usize::try_from(offset)
            .ok()
            .and_then(|start| self.0.get(start..start.checked_add(buffer.len())?));
        match source {
            Some(source) => {
                buffer.copy_from_slice(source);
                Ok(())
            }
            None => Err(BtfError::new(
                ErrorKind::IOError,
                "read past the end of the BTF data",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_kernels_btf_gives_every_member() {
        let layout = TaskLayout::read(Path::new(KERNEL_BTF));
        assert_eq!(layout.missing, Vec::<String>::new());
        assert!(
            layout.offsets[..MEMBERS.len()]
                .iter()
                .all(|&o| o != task_offset::UNKNOWN)
        );
        // `index` follows the tty's magic number and kref.
        assert!(layout.offsets[task_offset::TTY_INDEX] > 0);
    }

    #[test]
    fn garbage_or_truncated_btf_leaves_every_offset_unknown() {
        for bytes in [
            &b""[..],
            b"not btf at all",
            &[0x9f, 0xeb, 1, 0, 24, 0, 0, 0],
        ] {
            let layout = TaskLayout::from_btf(bytes);
            assert!(layout.offsets.iter().all(|&o| o == task_offset::UNKNOWN));
            assert_eq!(layout.missing.len(), 1, "{:?}", layout.missing);
        }
        let missing = TaskLayout::read(Path::new("/nonexistent/btf"));
        assert!(missing.missing[0].contains("/nonexistent/btf"));
    }
}
