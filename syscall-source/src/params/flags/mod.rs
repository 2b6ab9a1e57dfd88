//! Named flag sets and enumerations of syscall arguments, and the one way
//! Falco turns their numbers into text.
//!
//! Falco prints a flag argument as its number followed by the names of the
//! bits it recognises (`flags=4097(O_RDONLY|O_CLOEXEC)`), and rules compare
//! the names (`evt.arg.flags contains O_TRUNC`). Several sets are not the
//! kernel's numbering but Falco's own (open flags, clone flags, ptrace
//! requests...): the driver translates the register before recording it,
//! and `evt.rawarg` shows the translated number. Each set below therefore
//! carries its translation from the kernel value, its names in the order
//! Falco lists them, and whether bits it cannot name are shown.
//!
//! Each set lives in its own module with its tests; this module holds the
//! shared types and the two rendering algorithms (bit sets and enumerations).

pub mod at;
pub mod bpf;
pub mod clone;
pub mod exe;
pub mod fcntl;
pub mod memfd;
pub mod mode;
pub mod mount;
pub mod open;
pub mod prctl;
pub mod ptrace;
pub mod signal;
pub mod socket;

/// A set of named bits, as one syscall argument uses them.
#[derive(Debug)]
pub struct FlagSet {
    /// `(name, Falco value)` in the order Falco lists them when rendering.
    pub names: &'static [(&'static str, u64)],
    /// Turns the kernel's register value into Falco's encoding.
    pub encode: fn(u64) -> u64,
    /// Whether bits no name covers are appended as a hex number. Sets that
    /// Falco re-encodes drop unknown bits in the translation, so only sets
    /// that keep the kernel's numbering show them.
    pub shows_unknown_bits: bool,
}

/// A set of named values of which an argument takes exactly one.
#[derive(Debug)]
pub struct EnumSet {
    /// `(name, Falco value)`; the first exact match names the value.
    pub names: &'static [(&'static str, u64)],
    /// Turns the kernel's register value into Falco's encoding.
    pub encode: fn(u64) -> u64,
}

/// The translation for sets that use the kernel's numbering unchanged.
pub fn same_as_kernel(value: u64) -> u64 {
    value
}

impl FlagSet {
    /// The names of the bits set in `value` (already in Falco's encoding),
    /// joined with `|`: empty when nothing matches.
    ///
    /// Names are tried in table order. A name whose bits are all present is
    /// taken and its bits are removed, so a combined name listed first
    /// (`O_RDWR`) hides the single bits it is made of. A name whose value is
    /// exactly the whole argument ends the scan and is taken, which is how a
    /// zero value gets its name (`O_NONE`, `F_OK`).
    pub fn render(&self, value: u64) -> String {
        let mut parts: Vec<String> = Vec::new();
        let mut remaining = value;
        let mut exact = None;
        for &(name, bits) in self.names {
            if bits == value {
                exact = Some(name);
                break;
            }
            if bits != 0 && remaining & bits == bits {
                parts.push(name.to_string());
                remaining &= !bits;
            }
        }
        if let Some(name) = exact {
            parts.push(name.to_string());
            remaining = 0;
        }
        if self.shows_unknown_bits && remaining != 0 {
            parts.push(format!("{remaining:#x}"));
        }
        parts.join("|")
    }

    /// Falco's value for a kernel register.
    pub fn encode(&self, kernel: u64) -> u64 {
        (self.encode)(kernel)
    }
}

impl EnumSet {
    /// The name of `value` (already in Falco's encoding), if it has one.
    pub fn name(&self, value: u64) -> Option<&'static str> {
        self.names
            .iter()
            .find(|&&(_, v)| v == value)
            .map(|&(name, _)| name)
    }

    /// Falco's value for a kernel register.
    pub fn encode(&self, kernel: u64) -> u64 {
        (self.encode)(kernel)
    }
}

/// Maps each kernel bit present in `kernel` to its Falco bit.
///
/// Shared by the sets Falco re-encodes bit by bit; kernel bits without an
/// entry are dropped, as Falco's driver drops them.
pub fn translate_bits(kernel: u64, table: &[(u64, u64)]) -> u64 {
    table
        .iter()
        .filter(|&&(k, _)| kernel & k == k && k != 0)
        .fold(0, |acc, &(_, falco)| acc | falco)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SET: FlagSet = FlagSet {
        names: &[
            ("BOTH", 3),
            ("ONE", 1),
            ("TWO", 2),
            ("FOUR", 4),
            ("NONE", 0),
        ],
        encode: same_as_kernel,
        shows_unknown_bits: true,
    };

    #[test]
    fn combined_names_hide_their_parts() {
        assert_eq!(SET.render(3 | 4), "BOTH|FOUR");
        assert_eq!(SET.render(2 | 4), "TWO|FOUR");
    }

    #[test]
    fn exact_match_ends_the_scan() {
        assert_eq!(SET.render(3), "BOTH");
        assert_eq!(SET.render(0), "NONE");
        assert_eq!(SET.render(4), "FOUR");
    }

    #[test]
    fn unknown_bits_are_shown_in_hex_when_the_set_keeps_kernel_numbers() {
        assert_eq!(SET.render(1 | 0x40), "ONE|0x40");
        assert_eq!(SET.render(0x80), "0x80");
        let hidden = FlagSet {
            shows_unknown_bits: false,
            ..SET
        };
        assert_eq!(hidden.render(1 | 0x40), "ONE");
    }

    #[test]
    fn enum_names_only_exact_values() {
        let set = EnumSet {
            names: &[("A", 1), ("B", 2)],
            encode: same_as_kernel,
        };
        assert_eq!(set.name(2), Some("B"));
        assert_eq!(set.name(3), None);
    }

    #[test]
    fn translate_bits_drops_unmapped_bits() {
        let table = [(0x10, 1), (0x20, 2)];
        assert_eq!(translate_bits(0x30, &table), 3);
        assert_eq!(translate_bits(0x41, &table), 0);
    }
}
