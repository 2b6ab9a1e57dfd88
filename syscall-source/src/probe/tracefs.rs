//! tracefs: mount it when missing, and read tracepoint record layouts from it.
//!
//! The probe reads `sched_process_exec` fields by offset; taking the offsets
//! from this kernel's `format` file is what keeps struct layouts out of the binary.

use super::ProbeError;
use std::{ffi::CString, fs, path::Path};

const TRACEFS: &str = "/sys/kernel/tracing";

/// Makes sure tracefs is mounted at `/sys/kernel/tracing`, mounting it if not.
pub fn ensure_mounted() -> Result<(), ProbeError> {
    if Path::new(TRACEFS).join("events").is_dir() {
        return Ok(());
    }
    let target = CString::new(TRACEFS).map_err(|_| ProbeError::Tracefs("bad path".into()))?;
    let fstype = c"tracefs";
    let source = c"nodev";
    // SAFETY: all pointers are valid NUL-terminated strings; data is null.
    let rc = unsafe {
        libc::mount(
            source.as_ptr(),
            target.as_ptr(),
            fstype.as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    if rc != 0 {
        return Err(ProbeError::Tracefs(format!(
            "mounting tracefs at {TRACEFS} failed: {}",
            std::io::Error::last_os_error()
        )));
    }
    Ok(())
}

/// The byte offsets of `fields` in the record of tracepoint `category/name`,
/// from one read of its `format` file.
pub fn field_offsets<const N: usize>(
    category: &str,
    name: &str,
    fields: [&str; N],
) -> Result<[u32; N], ProbeError> {
    let path = Path::new(TRACEFS)
        .join("events")
        .join(category)
        .join(name)
        .join("format");
    let text = fs::read_to_string(&path)
        .map_err(|e| ProbeError::Tracefs(format!("reading {}: {e}", path.display())))?;
    let mut offsets = [0; N];
    for (offset, field) in offsets.iter_mut().zip(fields) {
        *offset = parse_field_offset(&text, field).ok_or_else(|| {
            ProbeError::Tracefs(format!("field `{field}` not found in {}", path.display()))
        })?;
    }
    Ok(offsets)
}

/// Finds `offset:N;` on the line declaring `field` in a tracefs `format` text.
fn parse_field_offset(format: &str, field: &str) -> Option<u32> {
    format.lines().find_map(|line| {
        let declaration = line.trim().strip_prefix("field:")?.split(';').next()?;
        let declared_name = declaration.split_whitespace().last()?;
        if declared_name != field {
            return None;
        }
        let offset = line
            .split(';')
            .find_map(|part| part.trim().strip_prefix("offset:"))?;
        offset.trim().parse().ok()
    })
}

#[cfg(test)]
mod tests {
    use super::parse_field_offset;

    const EXEC_FORMAT: &str = "name: sched_process_exec
ID: 318
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;
\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;
\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;
";

    #[test]
    fn finds_field_offsets() {
        assert_eq!(parse_field_offset(EXEC_FORMAT, "filename"), Some(8));
        assert_eq!(parse_field_offset(EXEC_FORMAT, "old_pid"), Some(16));
        assert_eq!(parse_field_offset(EXEC_FORMAT, "pid"), Some(12));
        assert_eq!(parse_field_offset(EXEC_FORMAT, "missing"), None);
    }
}
