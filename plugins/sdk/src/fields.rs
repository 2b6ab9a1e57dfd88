//! Field declarations and extracted values.

use crate::Plugin;

/// The type of a field's values (of each element, for list fields).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldType {
    /// Text.
    String,
    /// Unsigned 64-bit integer.
    U64,
    /// Boolean.
    Bool,
    /// A duration in nanoseconds.
    RelTime,
    /// Nanoseconds since the Unix epoch.
    AbsTime,
    /// An IP address, returned as text.
    IpAddr,
    /// A CIDR network, returned as text.
    IpNet,
}

/// Whether and how a field takes a bracketed argument.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgSpec {
    /// `name` only.
    None,
    /// `name` or `name[3]`.
    OptionalIndex,
    /// `name[3]` only.
    RequiredIndex,
    /// `name` or `name[key]`.
    OptionalKey,
    /// `name[key]` only.
    RequiredKey,
}

/// The argument a rule gave a field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arg<'a> {
    /// No argument.
    None,
    /// `name[3]`.
    Index(u64),
    /// `name[key]`.
    Key(&'a str),
}

/// An extracted value; [`Value::Absent`] when the event has none.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Value {
    /// The event has no value for the field.
    #[default]
    Absent,
    /// A text value (also IP addresses and networks).
    Text(String),
    /// A number (also durations and times).
    Number(u64),
    /// A boolean.
    Flag(bool),
    /// A list of texts.
    Texts(Vec<String>),
    /// A list of numbers.
    Numbers(Vec<u64>),
    /// A list of booleans.
    Flags(Vec<bool>),
}

impl Value {
    /// A text value, or absent when `text` is `None`.
    pub fn text(text: Option<impl Into<String>>) -> Self {
        text.map_or(Value::Absent, |t| Value::Text(t.into()))
    }

    /// A list of texts, absent when empty (a list field with no element has no value).
    pub fn texts(items: Vec<String>) -> Self {
        if items.is_empty() {
            Value::Absent
        } else {
            Value::Texts(items)
        }
    }
}

/// How a field's value is computed from a parsed event and the argument.
pub type Extractor<P> = Box<dyn Fn(&P, &<P as Plugin>::Parsed, Arg<'_>) -> Value + Send + Sync>;

/// One field of a plugin's table: its declaration and its extractor.
pub struct Field<P: Plugin> {
    /// The declaration the host sees.
    pub info: FieldInfo,
    pub(crate) extract: Extractor<P>,
}

/// A field's declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldInfo {
    /// Full name, e.g. `ka.user.name`.
    pub name: String,
    /// Value type.
    pub ty: FieldType,
    /// Whether the field yields a list.
    pub is_list: bool,
    /// The argument it takes.
    pub arg: ArgSpec,
    /// What it is (required).
    pub description: String,
    /// Suggested in alert outputs.
    pub add_output: bool,
    /// Kept out of listings.
    pub hidden: bool,
}

impl<P: Plugin> Field<P> {
    /// A field of type `ty` named `name`, computed by `extract`.
    pub fn new(
        name: impl Into<String>,
        ty: FieldType,
        description: impl Into<String>,
        extract: impl Fn(&P, &P::Parsed, Arg<'_>) -> Value + Send + Sync + 'static,
    ) -> Self {
        Self {
            info: FieldInfo {
                name: name.into(),
                ty,
                is_list: false,
                arg: ArgSpec::None,
                description: description.into(),
                add_output: false,
                hidden: false,
            },
            extract: Box::new(extract),
        }
    }

    /// A string field that ignores its plugin state.
    pub fn string(
        name: impl Into<String>,
        description: impl Into<String>,
        extract: impl Fn(&P::Parsed, Arg<'_>) -> Value + Send + Sync + 'static,
    ) -> Self {
        Self::new(
            name,
            FieldType::String,
            description,
            move |_, parsed, arg| extract(parsed, arg),
        )
    }

    /// Marks the field as yielding a list.
    pub fn list(mut self) -> Self {
        self.info.is_list = true;
        self
    }

    /// Sets the argument the field takes.
    pub fn arg(mut self, arg: ArgSpec) -> Self {
        self.info.arg = arg;
        self
    }

    /// Suggests the field for alert outputs.
    pub fn add_output(mut self) -> Self {
        self.info.add_output = true;
        self
    }

    /// Keeps the field out of listings.
    pub fn hidden(mut self) -> Self {
        self.info.hidden = true;
        self
    }
}
