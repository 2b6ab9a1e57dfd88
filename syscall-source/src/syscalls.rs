//! x86-64 syscall numbers and the names rules use for them (`evt.type`).

/// `(name, number)` for every syscall the source knows by name.
const TABLE: &[(&str, u64)] = &[
    ("read", 0),
    ("write", 1),
    ("open", 2),
    ("close", 3),
    ("execve", 59),
    ("openat", 257),
    ("execveat", 322),
];

/// The name of syscall `nr`, if known.
pub fn name(nr: u64) -> Option<&'static str> {
    TABLE.iter().find(|(_, n)| *n == nr).map(|(name, _)| *name)
}

/// The number of the syscall called `name`, if known.
pub fn number(name: &str) -> Option<u64> {
    TABLE.iter().find(|(n, _)| *n == name).map(|(_, nr)| *nr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_round_trip() {
        for (name_, nr) in TABLE {
            assert_eq!(name(*nr), Some(*name_));
            assert_eq!(number(name_), Some(*nr));
        }
        assert_eq!(name(9999), None);
    }
}
