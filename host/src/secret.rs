//! Comparing secrets (bearer tokens, authentication tags) without leaking
//! through timing how much of a guess was right.

/// Whether `a` and `b` are equal, in time that depends only on their
/// lengths: the loop never stops at the first difference, so a client
/// cannot guess a secret byte by byte from how fast it is refused.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn equal_only_when_every_byte_and_the_length_match() {
        assert!(constant_time_eq(b"token", b"token"));
        assert!(!constant_time_eq(b"token", b"tokeN"));
        assert!(!constant_time_eq(b"token", b"token2"));
        assert!(constant_time_eq(b"", b""));
    }
}
