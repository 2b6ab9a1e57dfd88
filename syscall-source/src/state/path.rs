//! Lexical path arithmetic: making a path a process gave absolute against
//! its working directory or a directory fd, without touching the file system
//! (the process's view of it may differ from ours, e.g. in a container).
//! The normalisation itself is [`crate::params::path`]'s, shared with the
//! rendering of path arguments.

/// `path` made absolute against `base` and normalised (`.`, `..` and
/// repeated slashes removed). A relative path with an unknown (empty) base is
/// returned as given.
pub fn resolve(base: &str, path: &str) -> String {
    if base.is_empty() && !path.starts_with('/') {
        path.to_string()
    } else {
        crate::params::path::join(base, path)
    }
}

/// The directory part of an absolute path (`/etc` for `/etc/passwd`, `/` for `/x`).
pub fn dirname(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => path,
    }
}

/// The last component of a path.
pub fn basename(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_and_normalises() {
        assert_eq!(resolve("/home/u", "a/../b/./c"), "/home/u/b/c");
        assert_eq!(resolve("/home/u", "/etc//passwd"), "/etc/passwd");
        assert_eq!(resolve("/", "../../x"), "/x");
        assert_eq!(resolve("", "rel"), "rel");
        assert_eq!(dirname("/etc/passwd"), "/etc");
        assert_eq!(dirname("/x"), "/");
        assert_eq!(basename("/etc/passwd"), "passwd");
    }
}
