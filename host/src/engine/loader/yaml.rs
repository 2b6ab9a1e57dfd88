//! A small YAML tree that remembers where every node starts.
//!
//! Rules files need two things a general-purpose YAML value type does not
//! give: the position of every key and value (for diagnostics, and so the
//! condition compiler can point into a condition), and scalars kept as the raw
//! text the author wrote. Falco reads every scalar as a string and only turns
//! it into a bool or a number when a key asks for one, so `yes`, `0x10` or
//! `1.0` in a list stay text. We build that tree here from `saphyr-parser`'s
//! event stream, iteratively, with limits on nesting and alias expansion so a
//! hostile file cannot exhaust the stack or memory.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// Deepest nesting of sequences and maps we accept.
const MAX_DEPTH: usize = 512;

/// Most nodes a file may expand to, counting the copies made for aliases.
const MAX_NODES: usize = 4_000_000;

/// Most bytes of scalar text alias expansion may copy into a file's tree.
/// The node limit alone lets one large anchored scalar be copied millions of
/// times; this bounds the copies by size. Falco's own rules files use no
/// aliases at all, and their whole text is under 1 MiB.
const MAX_ALIAS_BYTES: usize = 16 << 20;

/// A 1-based position in the source text (column counted in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pos {
    /// Line, 1-based.
    pub line: u32,
    /// Column, 1-based, in characters.
    pub column: u32,
}

impl Pos {
    fn from_marker(line: usize, col: usize) -> Self {
        Self {
            line: u32::try_from(line.max(1)).unwrap_or(u32::MAX),
            column: u32::try_from(col.saturating_add(1)).unwrap_or(u32::MAX),
        }
    }
}

/// What a node holds.
#[derive(Clone, Debug)]
pub(crate) enum Value {
    /// A scalar, as text. `plain` is false for quoted and block scalars,
    /// `tagged` is true when the author wrote an explicit tag.
    Scalar {
        text: String,
        plain: bool,
        tagged: bool,
    },
    /// A sequence.
    Seq(Vec<Node>),
    /// A map, in source order (duplicate keys are kept; lookups take the first).
    Map(Vec<(Node, Node)>),
}

/// One YAML node and where it starts.
#[derive(Clone, Debug)]
pub(crate) struct Node {
    /// The content.
    pub value: Value,
    /// Where the node starts.
    pub pos: Pos,
}

impl Node {
    /// Whether the node is YAML's null: an untagged plain scalar that is
    /// empty, `~`, `null`, `Null` or `NULL`.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar { text, plain: true, tagged: false }
            if matches!(text.as_str(), "" | "~" | "null" | "Null" | "NULL"))
    }

    /// The text of a non-null scalar.
    pub fn scalar(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar { text, .. } if !self.is_null() => Some(text),
            _ => None,
        }
    }

    /// The entries of a sequence.
    pub fn seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a map.
    pub fn map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The first entry of a map whose key is the scalar `key`, as (key, value).
    pub fn entry(&self, key: &str) -> Option<(&Node, &Node)> {
        self.map()?
            .iter()
            .find(|(k, _)| k.scalar() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// The value for `key` in a map.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Whether a map has `key`, whatever its value (null included).
    pub fn has(&self, key: &str) -> bool {
        self.entry(key).is_some()
    }

    /// How big this subtree is: its nodes, and the bytes of its scalars.
    fn size(&self) -> Size {
        let mut size = Size::default();
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            size.nodes += 1;
            match &node.value {
                Value::Scalar { text, .. } => size.bytes += text.len(),
                Value::Seq(items) => stack.extend(items.iter()),
                Value::Map(entries) => {
                    for (k, v) in entries {
                        stack.push(k);
                        stack.push(v);
                    }
                }
            }
        }
        size
    }
}

/// What copying a subtree costs.
#[derive(Clone, Copy, Debug, Default)]
struct Size {
    /// Nodes, the subtree's root included.
    nodes: usize,
    /// Bytes of scalar text (keys included).
    bytes: usize,
}

/// A syntax error, with the parser's message and position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ParseError {
    /// The parser's message.
    pub message: String,
    /// Where the parser stopped.
    pub pos: Pos,
}

/// A collection being filled while its events arrive.
enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
    },
    Map {
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
        pos: Pos,
        anchor: usize,
    },
}

/// Builds the tree from events, keeping anchors for aliases.
struct Builder<'s> {
    shifts: &'s Shifts,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, Size)>,
    nodes: usize,
    /// Scalar bytes copied by alias expansion so far.
    alias_bytes: usize,
    docs: Vec<Option<Node>>,
    root: Option<Node>,
}

impl Builder<'_> {
    fn count(&mut self, n: usize, pos: Pos) -> Result<(), ParseError> {
        self.nodes = self.nodes.saturating_add(n);
        if self.nodes > MAX_NODES {
            return Err(ParseError {
                message: format!(
                    "document too large: more than {MAX_NODES} nodes after expanding aliases"
                ),
                pos,
            });
        }
        Ok(())
    }

    /// Counts the scalar bytes an alias copies in, refusing past [`MAX_ALIAS_BYTES`].
    fn count_alias_bytes(&mut self, bytes: usize, pos: Pos) -> Result<(), ParseError> {
        self.alias_bytes = self.alias_bytes.saturating_add(bytes);
        if self.alias_bytes > MAX_ALIAS_BYTES {
            return Err(ParseError {
                message: format!(
                    "document too large: aliases expand to more than {} MiB of text",
                    MAX_ALIAS_BYTES >> 20
                ),
                pos,
            });
        }
        Ok(())
    }

    /// Attaches a finished node to its parent, or makes it the document root.
    fn attach(&mut self, node: Node, anchor: usize) {
        if anchor != 0 {
            let size = node.size();
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some(k) => entries.push((k, node)),
                None => *key = Some(node),
            },
            None => self.root = Some(node),
        }
    }

    fn open(&mut self, frame: Frame, pos: Pos) -> Result<(), ParseError> {
        if self.stack.len() >= MAX_DEPTH {
            return Err(ParseError {
                message: format!("nesting deeper than {MAX_DEPTH} levels"),
                pos,
            });
        }
        self.count(1, pos)?;
        self.stack.push(frame);
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), ParseError> {
        let pos = self.shifts.original(span.start.line(), span.start.col());
        match event {
            Event::DocumentStart(_) => self.root = None,
            Event::DocumentEnd => {
                let root = self.root.take();
                self.docs.push(root);
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, pos)?;
                let node = Node {
                    value: Value::Scalar {
                        text: text.into_owned(),
                        plain: style == ScalarStyle::Plain,
                        tagged: tag.is_some(),
                    },
                    pos,
                };
                self.attach(node, anchor);
            }
            Event::Alias(id) => {
                let Some(&(_, size)) = self.anchors.get(&id) else {
                    return Err(ParseError {
                        message: "alias refers to an unknown anchor".into(),
                        pos,
                    });
                };
                // Counted before the copy is made, so a refused copy costs nothing.
                self.count(size.nodes, pos)?;
                self.count_alias_bytes(size.bytes, pos)?;
                let Some((node, _)) = self.anchors.get(&id) else {
                    return Ok(());
                };
                let mut node = node.clone();
                node.pos = pos;
                self.attach(node, 0);
            }
            Event::SequenceStart(anchor, _) => self.open(
                Frame::Seq {
                    items: Vec::new(),
                    pos,
                    anchor,
                },
                pos,
            )?,
            Event::MappingStart(anchor, _) => self.open(
                Frame::Map {
                    entries: Vec::new(),
                    key: None,
                    pos,
                    anchor,
                },
                pos,
            )?,
            Event::SequenceEnd | Event::MappingEnd => {
                let (node, anchor) = match self.stack.pop() {
                    Some(Frame::Seq { items, pos, anchor }) => (
                        Node {
                            value: Value::Seq(items),
                            pos,
                        },
                        anchor,
                    ),
                    Some(Frame::Map {
                        mut entries,
                        key,
                        pos,
                        anchor,
                    }) => {
                        // A key without a value cannot come from a well-formed
                        // stream; keep it with a null value rather than lose it.
                        if let Some(k) = key {
                            let null = Node {
                                value: Value::Scalar {
                                    text: String::new(),
                                    plain: true,
                                    tagged: false,
                                },
                                pos: k.pos,
                            };
                            entries.push((k, null));
                        }
                        (
                            Node {
                                value: Value::Map(entries),
                                pos,
                            },
                            anchor,
                        )
                    }
                    None => return Ok(()),
                };
                self.attach(node, anchor);
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
        Ok(())
    }
}

/// Most lines [`parse_documents`] re-indents before giving up.
const MAX_REINDENTS: usize = 256;

/// Parses every document of `text`. A document that is empty yields `None`.
///
/// yaml-cpp (Falco's parser) accepts flow collections whose continuation
/// lines are not indented past their parent block key, e.g. a closing `]`
/// under `items:`; the reference rules files rely on this, while
/// `saphyr-parser` follows the spec and rejects it with "invalid
/// indentation". When that error points at the first character of a line,
/// we indent that line by one space and parse again; positions are mapped
/// back to the original text, so diagnostics are unaffected.
pub(crate) fn parse_documents(text: &str) -> Result<Vec<Option<Node>>, ParseError> {
    let mut current = std::borrow::Cow::Borrowed(text);
    let mut shifts = Shifts::default();
    let mut first_error = None;
    for _ in 0..=MAX_REINDENTS {
        match parse_once(&current, &shifts) {
            Ok(docs) => return Ok(docs),
            Err((err, line, col)) => {
                let fixable = err.message == "invalid indentation";
                let offset = fixable
                    .then(|| line_start_if_blank_before(&current, line, col))
                    .flatten();
                let first = first_error.get_or_insert_with(|| err.clone());
                let Some(offset) = offset else {
                    // A different problem: report it (or the first one, if
                    // this arose from our re-indenting).
                    return Err(if shifts.is_empty() {
                        err
                    } else {
                        first.clone()
                    });
                };
                current.to_mut().insert(offset, ' ');
                shifts.add(line, col);
            }
        }
    }
    Err(first_error.unwrap_or(ParseError {
        message: "invalid indentation".into(),
        pos: Pos::default(),
    }))
}

/// Spaces we inserted: per 1-based line, the 0-based columns where a space went in.
#[derive(Default)]
struct Shifts(HashMap<usize, Vec<usize>>);

impl Shifts {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn add(&mut self, line: usize, col: usize) {
        self.0.entry(line).or_default().push(col);
    }

    /// Maps a position in the re-indented text back to the original.
    fn original(&self, line: usize, col: usize) -> Pos {
        let before = self
            .0
            .get(&line)
            .map_or(0, |cols| cols.iter().filter(|&&c| c <= col).count());
        Pos::from_marker(line, col.saturating_sub(before))
    }
}

/// The byte offset of (1-based `line`, 0-based char `col`) when everything
/// before it on its line is spaces.
fn line_start_if_blank_before(text: &str, line: usize, col: usize) -> Option<usize> {
    let mut start = 0;
    for _ in 1..line {
        start += text.get(start..)?.find('\n')? + 1;
    }
    let rest = text.get(start..)?;
    let prefix = rest.get(..col)?;
    prefix.bytes().all(|b| b == b' ').then_some(start + col)
}

/// One parse attempt; errors carry the raw (line, col) for re-indenting.
fn parse_once(
    text: &str,
    shifts: &Shifts,
) -> Result<Vec<Option<Node>>, (ParseError, usize, usize)> {
    let mut builder = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        alias_bytes: 0,
        docs: Vec::new(),
        root: None,
        shifts,
    };
    for item in Parser::new_from_str(text) {
        match item {
            Ok((event, span)) => builder.event(event, span).map_err(|e| (e, 0, 0))?,
            Err(err) => {
                let mark = err.marker();
                let error = ParseError {
                    message: err.info().to_string(),
                    pos: shifts.original(mark.line(), mark.col()),
                };
                return Err((error, mark.line(), mark.col()));
            }
        }
    }
    Ok(builder.docs)
}
