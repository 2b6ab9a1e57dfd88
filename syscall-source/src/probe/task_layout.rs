//! Where the exec record finds a task's terminal and login uid: member
//! offsets of kernel structures, read at load from the running kernel's BTF
//! instead of being compiled in (they differ between kernel builds).
//!
//! The walk over the BTF type section is our own and allocates only an index
//! of type positions: a general BTF parser (btfparse) builds every type of
//! vmlinux and left the reader's resident memory 40 MiB higher for good,
//! for four structures read once.

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
    fn from_btf(bytes: &[u8]) -> Self {
        let Some(btf) = Btf::parse(bytes) else {
            return Self::unknown("unreadable BTF (bad header or type section)".to_string());
        };
        let mut layout = Self {
            offsets: [task_offset::UNKNOWN; task_offset::COUNT],
            missing: Vec::new(),
        };
        let ids = btf.structs_named(MEMBERS.map(|(_, structure, _)| structure));
        for ((index, structure, member), id) in MEMBERS.into_iter().zip(ids) {
            match id.and_then(|id| btf.member_offset(id, member, 0)) {
                Some(offset) => layout.offsets[index] = offset,
                None => layout.missing.push(format!("{structure}.{member}")),
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

// BTF kinds whose entries the walk reads or must step over (linux/btf.h).
const KIND_INT: u32 = 1;
const KIND_ARRAY: u32 = 3;
const KIND_STRUCT: u32 = 4;
const KIND_UNION: u32 = 5;
const KIND_ENUM: u32 = 6;
const KIND_FUNC_PROTO: u32 = 13;
const KIND_VAR: u32 = 14;
const KIND_DATASEC: u32 = 15;
const KIND_DECL_TAG: u32 = 17;
const KIND_ENUM64: u32 = 19;
const KIND_MAX: u32 = 19;

/// Size of `struct btf_type`, which starts every entry.
const TYPE_HEAD: usize = 12;
/// Anonymous structures nest this deep at most before the walk gives up.
const MAX_NESTING: u32 = 8;

/// The type and string sections of a BTF blob, with where each type starts.
struct Btf<'a> {
    types: &'a [u8],
    strings: &'a [u8],
    /// Byte position in `types` of type id `i + 1`.
    starts: Vec<u32>,
}

impl<'a> Btf<'a> {
    fn parse(bytes: &'a [u8]) -> Option<Self> {
        if u16::from_le_bytes([*bytes.first()?, *bytes.get(1)?]) != 0xeb9f {
            return None;
        }
        let word = |at: usize| read_u32(bytes, at);
        let header_len = word(4)? as usize;
        let section = |offset: usize, len: usize| {
            let start = header_len.checked_add(word(offset)? as usize)?;
            bytes.get(start..start.checked_add(word(len)? as usize)?)
        };
        let types = section(8, 12)?;
        let strings = section(16, 20)?;
        let mut starts = Vec::new();
        let mut at = 0usize;
        while at < types.len() {
            let info = read_u32(types, at + 4)?;
            let kind = (info >> 24) & 0x1f;
            let vlen = (info & 0xffff) as usize;
            let extra = match kind {
                KIND_INT | KIND_VAR | KIND_DECL_TAG => 4,
                KIND_ARRAY => 12,
                KIND_STRUCT | KIND_UNION | KIND_DATASEC | KIND_ENUM64 => 12 * vlen,
                KIND_ENUM | KIND_FUNC_PROTO => 8 * vlen,
                _ if kind == 0 || kind > KIND_MAX => return None,
                _ => 0,
            };
            starts.push(u32::try_from(at).ok()?);
            at = at.checked_add(TYPE_HEAD + extra)?;
        }
        (at == types.len()).then_some(Self {
            types,
            strings,
            starts,
        })
    }

    /// For each of `names`, the id of the first structure of that name with
    /// members, from one pass over the types (a name may repeat).
    fn structs_named<const N: usize>(&self, names: [&str; N]) -> [Option<u32>; N] {
        let mut ids = [None; N];
        for id in 1..=self.starts.len() as u32 {
            if ids.iter().all(Option::is_some) {
                break;
            }
            let Some((name_at, info, _)) = self.head(id) else {
                continue;
            };
            if (info >> 24) & 0x1f != KIND_STRUCT || info & 0xffff == 0 {
                continue;
            }
            let Some(name) = self.string(name_at) else {
                continue;
            };
            for (slot, wanted) in ids.iter_mut().zip(names) {
                if slot.is_none() && name == wanted.as_bytes() {
                    *slot = Some(id);
                }
            }
        }
        ids
    }

    /// The byte offset of member `name` in structure or union `id`, looking
    /// into anonymous members; `None` for a bitfield or a member not at a byte.
    fn member_offset(&self, id: u32, name: &str, depth: u32) -> Option<u32> {
        if depth > MAX_NESTING {
            return None;
        }
        let (_, info, _) = self.head(id)?;
        let kind = (info >> 24) & 0x1f;
        if kind != KIND_STRUCT && kind != KIND_UNION {
            return None;
        }
        let bitfields = info >> 31 == 1;
        let start = *self.starts.get(id as usize - 1)? as usize + TYPE_HEAD;
        for member in 0..(info & 0xffff) as usize {
            let at = start + 12 * member;
            let (name_at, member_type, raw_offset) = (
                read_u32(self.types, at)?,
                read_u32(self.types, at + 4)?,
                read_u32(self.types, at + 8)?,
            );
            let (bit_offset, bit_size) = if bitfields {
                (raw_offset & 0x00ff_ffff, raw_offset >> 24)
            } else {
                (raw_offset, 0)
            };
            let member_name = self.string(name_at)?;
            if member_name == name.as_bytes() {
                return (bit_size == 0 && bit_offset % 8 == 0).then_some(bit_offset / 8);
            }
            if member_name.is_empty()
                && bit_offset % 8 == 0
                && let Some(inner) = self.member_offset(member_type, name, depth + 1)
            {
                return inner.checked_add(bit_offset / 8);
            }
        }
        None
    }

    /// `name_off`, `info` and `size/type` of type `id`.
    fn head(&self, id: u32) -> Option<(u32, u32, u32)> {
        let at = *self.starts.get((id as usize).checked_sub(1)?)? as usize;
        Some((
            read_u32(self.types, at)?,
            read_u32(self.types, at + 4)?,
            read_u32(self.types, at + 8)?,
        ))
    }

    /// The NUL-terminated string at `offset` in the string section.
    fn string(&self, offset: u32) -> Option<&'a [u8]> {
        let rest = self.strings.get(offset as usize..)?;
        rest.iter().position(|&b| b == 0).map(|end| &rest[..end])
    }
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let word = bytes.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes(word.try_into().ok()?))
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
        // `index` follows the tty's magic number and kref; the driver's
        // minor_start follows its major.
        assert!(layout.offsets[task_offset::TTY_INDEX] > 0);
        assert_eq!(
            layout.offsets[task_offset::DRIVER_MINOR_START],
            layout.offsets[task_offset::DRIVER_MAJOR] + 4
        );
    }

    /// A BTF blob: the header, then `types`, then `strings`.
    fn blob(types: &[u32], strings: &[u8]) -> Vec<u8> {
        let type_bytes: Vec<u8> = types.iter().flat_map(|w| w.to_le_bytes()).collect();
        let mut out = vec![0x9f, 0xeb, 1, 0];
        for word in [24, 0, type_bytes.len() as u32, type_bytes.len() as u32] {
            out.extend_from_slice(&word.to_le_bytes());
        }
        out.extend_from_slice(&(strings.len() as u32).to_le_bytes());
        out.extend_from_slice(&type_bytes);
        out.extend_from_slice(strings);
        out
    }

    #[test]
    fn members_inside_anonymous_unions_and_bitfields() {
        let strings = b"\0tty_driver\0major\0minor_start\0int\0flags\0";
        let (driver, major, minor, int, flags) = (1, 12, 18, 30, 34);
        let struct_info = |vlen: u32, bitfields: bool| {
            (KIND_STRUCT << 24) | vlen | if bitfields { 1 << 31 } else { 0 }
        };
        #[rustfmt::skip]
        let types = [
            // 1: int
            int, KIND_INT << 24, 4, 32,
            // 2: tty_driver { flags: 3 bits at 0; <anonymous union> at byte 40 }
            driver, struct_info(2, true), 64,
            flags, 1, 3 << 24,
            0, 3, 40 * 8,
            // 3: union { struct { major at 4, minor_start at 8 } }
            0, (KIND_UNION << 24) | 1, 16,
            0, 4, 0,
            // 4: the anonymous struct
            0, struct_info(2, false), 16,
            major, 1, 4 * 8,
            minor, 1, 8 * 8,
        ];
        let bytes = blob(&types, strings);
        let btf = Btf::parse(&bytes).unwrap();
        let [id] = btf.structs_named(["tty_driver"]);
        let id = id.unwrap();
        assert_eq!(btf.member_offset(id, "major", 0), Some(44));
        assert_eq!(btf.member_offset(id, "minor_start", 0), Some(48));
        // A bitfield has no byte offset to read at.
        assert_eq!(btf.member_offset(id, "flags", 0), None);
        assert_eq!(btf.member_offset(id, "absent", 0), None);
    }

    #[test]
    fn garbage_or_truncated_btf_leaves_every_offset_unknown() {
        let real = std::fs::read(KERNEL_BTF).unwrap();
        let cut = &real[..real.len() / 2];
        let wild_kind = blob(&[1, 31 << 24, 4], b"\0");
        let inconsistent = blob(&[1, (KIND_STRUCT << 24) | 500, 4], b"\0x\0");
        for bytes in [
            &b""[..],
            b"not btf at all",
            &[0x9f, 0xeb, 1, 0, 24, 0, 0, 0],
            cut,
            &wild_kind,
            &inconsistent,
        ] {
            let layout = TaskLayout::from_btf(bytes);
            assert!(layout.offsets.iter().all(|&o| o == task_offset::UNKNOWN));
            assert_eq!(layout.missing.len(), 1, "{:?}", layout.missing);
        }
        let missing = TaskLayout::read(Path::new("/nonexistent/btf"));
        assert!(missing.missing[0].contains("/nonexistent/btf"));
    }

    #[test]
    fn a_kernel_without_one_member_loses_only_that_one() {
        let strings = b"\0task_struct\0signal\0";
        #[rustfmt::skip]
        let types = [
            1, KIND_INT << 24, 8, 64,
            // task_struct { signal at 1848 } and no loginuid (no CONFIG_AUDIT)
            1, (KIND_STRUCT << 24) | 1, 4096,
            13, 1, 1848 * 8,
        ];
        let layout = TaskLayout::from_btf(&blob(&types, strings));
        assert_eq!(layout.offsets[task_offset::TASK_SIGNAL], 1848);
        assert_eq!(
            layout.offsets[task_offset::TASK_LOGINUID],
            task_offset::UNKNOWN
        );
        assert!(layout.missing.contains(&"task_struct.loginuid".to_string()));
    }
}
