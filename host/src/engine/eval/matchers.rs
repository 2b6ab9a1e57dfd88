//! Pattern matchers with Falco's exact semantics: `glob`/`iglob` behave like
//! `fnmatch(3)` without flags (so `*` also crosses `/`), and `pmatch` compares
//! a path against prefixes component by component, each component a glob.

/// One element of a compiled glob.
#[derive(Clone, Debug, PartialEq)]
enum Token {
    /// `*`: any run of characters, `/` included.
    AnyRun,
    /// `?`: exactly one character.
    AnyOne,
    /// `[...]`: one character from (or, when negated, not from) the ranges.
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
    /// A literal character (already unescaped).
    Literal(char),
}

/// A compiled `fnmatch`-style pattern.
#[derive(Clone, Debug)]
pub struct GlobMatcher {
    tokens: Vec<Token>,
    case_insensitive: bool,
}

/// A pattern that cannot be compiled (kept for API symmetry; every text is a valid glob).
#[derive(Debug, thiserror::Error)]
#[error("invalid glob pattern `{0}`")]
pub struct GlobError(pub String);

impl GlobMatcher {
    /// Compiles `pattern`; `case_insensitive` gives `iglob`.
    pub fn new(pattern: &str, case_insensitive: bool) -> Result<Self, GlobError> {
        let chars: Vec<char> = pattern.chars().collect();
        let fold = |c: char| if case_insensitive { fold_char(c) } else { c };
        let mut tokens = Vec::new();
        let mut i = 0;
        while let Some(&c) = chars.get(i) {
            match c {
                '*' => {
                    if tokens.last() != Some(&Token::AnyRun) {
                        tokens.push(Token::AnyRun);
                    }
                    i += 1;
                }
                '?' => {
                    tokens.push(Token::AnyOne);
                    i += 1;
                }
                '[' => match parse_class(&chars, i + 1, case_insensitive) {
                    Some((token, next)) => {
                        tokens.push(token);
                        i = next;
                    }
                    // An unterminated class is a literal `[`, as in fnmatch.
                    None => {
                        tokens.push(Token::Literal('['));
                        i += 1;
                    }
                },
                '\\' => {
                    let escaped = chars.get(i + 1).copied().unwrap_or('\\');
                    tokens.push(Token::Literal(fold(escaped)));
                    i += 2;
                }
                other => {
                    tokens.push(Token::Literal(fold(other)));
                    i += 1;
                }
            }
        }
        Ok(Self {
            tokens,
            case_insensitive,
        })
    }

    /// Whether the whole of `text` matches.
    ///
    /// Iterative matching with single-star backtracking: linear in practice,
    /// and never exponential, whatever the pattern. It walks `text` in place
    /// by byte offsets (always on character boundaries), folding case per
    /// character for `iglob`, so a match allocates nothing.
    pub fn is_match(&self, text: &str) -> bool {
        let char_at = |at: usize| {
            let c = text.get(at..)?.chars().next()?;
            let folded = if self.case_insensitive {
                fold_char(c)
            } else {
                c
            };
            Some((folded, c.len_utf8()))
        };
        let (mut t, mut p) = (0usize, 0usize);
        // After a `*`: the token after it, and where in the text it resumes.
        let mut resume: Option<(usize, usize)> = None;
        while let Some((c, width)) = char_at(t) {
            let advanced = match self.tokens.get(p) {
                Some(Token::AnyRun) => {
                    resume = Some((p + 1, t));
                    p += 1;
                    continue;
                }
                Some(Token::AnyOne) => true,
                Some(Token::Literal(literal)) => *literal == c,
                Some(Token::Class { negated, ranges }) => {
                    let inside = ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c));
                    inside != *negated
                }
                None => false,
            };
            if advanced {
                p += 1;
                t += width;
            } else if let Some((star_p, star_t)) = resume {
                // Let the star swallow one more character and retry after it.
                let next = star_t + char_at(star_t).map_or(1, |(_, w)| w);
                p = star_p;
                t = next;
                resume = Some((star_p, next));
            } else {
                return false;
            }
        }
        self.tokens
            .get(p..)
            .unwrap_or_default()
            .iter()
            .all(|token| *token == Token::AnyRun)
    }
}

/// Parses a bracket expression starting after `[`; returns it and the index after `]`.
fn parse_class(chars: &[char], start: usize, fold: bool) -> Option<(Token, usize)> {
    let mut i = start;
    let negated = matches!(chars.get(i), Some('!') | Some('^'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(i)?;
        if c == ']' && !first {
            return Some((Token::Class { negated, ranges }, i + 1));
        }
        first = false;
        let lo = if c == '\\' {
            i += 1;
            *chars.get(i)?
        } else {
            c
        };
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|&h| h != ']') {
            let hi = *chars.get(i + 2)?;
            push_range(&mut ranges, lo, hi, fold);
            i += 3;
        } else {
            push_range(&mut ranges, lo, lo, fold);
            i += 1;
        }
    }
}

fn push_range(ranges: &mut Vec<(char, char)>, lo: char, hi: char, fold: bool) {
    ranges.push((lo, hi));
    if fold {
        ranges.push((fold_char(lo), fold_char(hi)));
    }
}

fn fold_char(c: char) -> char {
    c.to_ascii_lowercase()
}

/// `pmatch`: does a path lie at or under one of a set of prefixes?
#[derive(Clone, Debug, Default)]
pub struct PathPrefixMatcher {
    prefixes: Vec<Vec<GlobMatcher>>,
}

impl PathPrefixMatcher {
    /// Builds the matcher from prefix paths (each component may be a glob).
    pub fn new<'a>(prefixes: impl IntoIterator<Item = &'a str>) -> Result<Self, GlobError> {
        let mut compiled = Vec::new();
        for prefix in prefixes {
            let components = components(prefix)
                .map(|component| GlobMatcher::new(component, false))
                .collect::<Result<Vec<_>, _>>()?;
            compiled.push(components);
        }
        Ok(Self { prefixes: compiled })
    }

    /// Whether `path` equals or lies below one of the prefixes.
    pub fn is_match(&self, path: &str) -> bool {
        self.prefixes.iter().any(|prefix| {
            // Each prefix component must meet a path component that matches it.
            let mut parts = components(path);
            prefix
                .iter()
                .all(|glob| parts.next().is_some_and(|part| glob.is_match(part)))
        })
    }
}

fn components(path: &str) -> impl Iterator<Item = &str> {
    path.split('/').filter(|component| !component.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pattern: &str, text: &str) -> bool {
        GlobMatcher::new(pattern, false).unwrap().is_match(text)
    }

    #[test]
    fn glob_behaves_like_fnmatch_without_flags() {
        assert!(glob("/proc/*/environ", "/proc/12/environ"));
        assert!(glob("/proc/*/environ", "/proc/a/b/environ"), "* crosses /");
        assert!(glob("*../*../*", "/x/../../etc"));
        assert!(!glob("*../*../*", "/x/../etc"));
        assert!(glob("a?c", "abc") && !glob("a?c", "ac"));
        assert!(glob("[a-c]x", "bx") && !glob("[!a-c]x", "bx"));
        assert!(glob("\\*", "*") && !glob("\\*", "a"));
        assert!(glob("[", "[") && glob("a[", "a["));
        assert!(glob("", "") && !glob("", "a"));
        assert!(glob("**", ""));
        assert!(glob("[]]", "]"));
    }

    #[test]
    fn iglob_folds_ascii_case() {
        let g = GlobMatcher::new("*.EXE", true).unwrap();
        assert!(g.is_match("setup.exe") && g.is_match("SETUP.Exe"));
        assert!(GlobMatcher::new("[A-C]", true).unwrap().is_match("b"));
    }

    #[test]
    fn glob_is_not_exponential() {
        let g = GlobMatcher::new("*a*a*a*a*a*a*a*a*b", false).unwrap();
        assert!(!g.is_match(&"a".repeat(200)));
    }

    #[test]
    fn pmatch_compares_whole_components() {
        let m = PathPrefixMatcher::new(["/opt/dir", "/srv/*/data"]).unwrap();
        assert!(m.is_match("/opt/dir"));
        assert!(m.is_match("/opt/dir/subdir/file"));
        assert!(!m.is_match("/opt/dirx"));
        assert!(!m.is_match("/opt"));
        assert!(m.is_match("/srv/app/data/x"));
        assert!(!m.is_match("/srv/app/other"));
        assert!(
            PathPrefixMatcher::new(["/opt/*"])
                .unwrap()
                .is_match("/opt/dir/subdir")
        );
    }
}
