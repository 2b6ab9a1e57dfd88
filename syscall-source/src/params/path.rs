//! Paths: joining a relative path to the directory it is relative to, and
//! normalising the result the way Falco does (`.`, `..` and repeated `/`
//! removed), so rules comparing `evt.arg.name` or `evt.abspath` see
//! absolute, clean paths.

/// Joins `path` to `base` (a directory) unless `path` is absolute, then
/// normalises. `..` never climbs above `/`.
pub fn join(base: &str, path: &str) -> String {
    if path.starts_with('/') {
        normalize(path)
    } else {
        normalize(&format!("{base}/{path}"))
    }
}

/// Removes `.` components, resolves `..` lexically and collapses
/// repeated `/`. Relative input stays relative.
pub fn normalize(path: &str) -> String {
    let absolute = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for component in path.split('/') {
        match component {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|last| *last != "..") {
                    parts.pop();
                } else if !absolute {
                    parts.push("..");
                }
            }
            other => parts.push(other),
        }
    }
    let joined = parts.join("/");
    if absolute {
        format!("/{joined}")
    } else if joined.is_empty() {
        ".".to_string()
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_relative_paths() {
        assert_eq!(join("/tmp", "a.txt"), "/tmp/a.txt");
        assert_eq!(join("/tmp/", "./x/../y"), "/tmp/y");
        assert_eq!(join("/", "etc/passwd"), "/etc/passwd");
        assert_eq!(join("/home/u", "../../../etc"), "/etc");
    }

    #[test]
    fn absolute_paths_ignore_the_base() {
        assert_eq!(join("/tmp", "/etc//shadow"), "/etc/shadow");
        assert_eq!(join("/tmp", "/"), "/");
    }

    #[test]
    fn normalizes() {
        assert_eq!(normalize("/usr/../usr/./bin/python3"), "/usr/bin/python3");
        assert_eq!(normalize("a/./b/../c"), "a/c");
        assert_eq!(normalize("../x"), "../x");
        assert_eq!(normalize(""), ".");
        assert_eq!(normalize("/.."), "/");
    }
}
