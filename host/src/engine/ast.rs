//! The syntax tree of a Falco-compatible condition, as the parser produces it
//! and the compiler consumes it. Positions are 1-based within the condition text.

use std::fmt;

/// A position in a condition's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    /// Byte offset from the start of the text (0-based).
    pub offset: usize,
    /// Line, 1-based.
    pub line: u32,
    /// Column in characters, 1-based.
    pub col: u32,
}

/// A boolean expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr {
    /// All children must hold (n-ary, at least two children).
    And(Vec<Expr>),
    /// Any child must hold (n-ary, at least two children).
    Or(Vec<Expr>),
    /// Negation (the parser folds an even number of `not`s away).
    Not(Box<Expr>),
    /// An identifier standing alone as a check: a macro reference.
    Macro {
        /// The macro's name.
        name: String,
        /// Where it appears.
        pos: Pos,
    },
    /// A comparison.
    Check(Box<Check>),
}

/// `lhs op rhs`.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// The left-hand side: a field or a transformer over fields.
    pub lhs: Operand,
    /// The operator.
    pub op: Operator,
    /// The right-hand side ([`Rhs::None`] for `exists`).
    pub rhs: Rhs,
    /// Where the check starts.
    pub pos: Pos,
}

/// A value-producing term: a field, or a transformer applied to terms.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// `name` or `name[arg]`.
    Field(FieldRef),
    /// `tolower(x)`, `len(x)`, ...
    Transform(Box<Transform>),
}

/// A field reference, e.g. `proc.aname[2]` or `json.value[/a/b]`.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldRef {
    /// The dotted name as written (without the bracketed argument).
    pub name: String,
    /// The bracketed argument, unquoted/unescaped, if any.
    pub arg: Option<String>,
    /// Where the field starts.
    pub pos: Pos,
}

/// A transformer application.
#[derive(Clone, Debug, PartialEq)]
pub struct Transform {
    /// Which transformer.
    pub kind: TransformKind,
    /// Its arguments, in order.
    pub args: Vec<TransformArg>,
    /// A bracketed selector after the call, e.g. `getopt(...)[c]`.
    pub index: Option<String>,
    /// Where the transformer starts.
    pub pos: Pos,
}

/// The transformers of the language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TransformKind {
    /// `tolower`
    ToLower,
    /// `toupper`
    ToUpper,
    /// `b64` (decodes base64)
    B64,
    /// `basename`
    Basename,
    /// `len`
    Len,
    /// `join`
    Join,
    /// `concat`
    Concat,
    /// `getopt`
    Getopt,
}

/// One argument of a transformer.
#[derive(Clone, Debug, PartialEq)]
pub enum TransformArg {
    /// A field or nested transformer.
    Operand(Operand),
    /// A quoted string or number literal (unescaped text).
    Literal(String),
    /// A parenthesised list of arguments.
    List(Vec<TransformArg>),
}

/// Comparison operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Operator {
    /// `=` or `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `contains`
    Contains,
    /// `icontains`
    IContains,
    /// `bcontains`
    BContains,
    /// `startswith`
    StartsWith,
    /// `bstartswith`
    BStartsWith,
    /// `endswith`
    EndsWith,
    /// `glob`
    Glob,
    /// `iglob`
    IGlob,
    /// `regex`
    Regex,
    /// `in`
    In,
    /// `intersects`
    Intersects,
    /// `pmatch`
    PMatch,
    /// `exists`
    Exists,
}

/// `oneof` / `anyof` / `allof` after a string operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Modifier {
    /// Exactly one element matches.
    OneOf,
    /// At least one element matches.
    AnyOf,
    /// Every element matches.
    AllOf,
}

/// The right-hand side of a check.
#[derive(Clone, Debug, PartialEq)]
pub enum Rhs {
    /// No right-hand side (`exists`).
    None,
    /// One literal value (quoted or bare string, or number text), unescaped.
    Value(String),
    /// A list literal `(a, b, ...)`; an identifier in list position is a one-item list.
    List(Vec<String>),
    /// A field (`val(f)`) or a transformer: a field-to-field comparison.
    Operand(Operand),
    /// `op oneof|anyof|allof (list)`.
    Modified {
        /// The modifier.
        modifier: Modifier,
        /// The list's values.
        values: Vec<String>,
    },
}

impl Operator {
    /// The operator as written in rules (`=` for equality).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Ne => "!=",
            Self::Lt => "<",
            Self::Le => "<=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Contains => "contains",
            Self::IContains => "icontains",
            Self::BContains => "bcontains",
            Self::StartsWith => "startswith",
            Self::BStartsWith => "bstartswith",
            Self::EndsWith => "endswith",
            Self::Glob => "glob",
            Self::IGlob => "iglob",
            Self::Regex => "regex",
            Self::In => "in",
            Self::Intersects => "intersects",
            Self::PMatch => "pmatch",
            Self::Exists => "exists",
        }
    }
}

impl TransformKind {
    /// The transformer's name as written (without the parenthesis).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ToLower => "tolower",
            Self::ToUpper => "toupper",
            Self::B64 => "b64",
            Self::Basename => "basename",
            Self::Len => "len",
            Self::Join => "join",
            Self::Concat => "concat",
            Self::Getopt => "getopt",
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
