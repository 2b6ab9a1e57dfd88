//! Field value types and values.
//!
//! Every field has a [`FieldType`]; extractors produce [`Value`]s, and the
//! right-hand sides of rule conditions (`fd.sport = 443`, `fd.snet in
//! (10.0.0.0/8)`) are turned into values of the field's type once, at compile
//! time, by [`parse_literal`]. Keeping both sides typed is what makes
//! comparisons numeric for numbers and CIDR-aware for networks, as in Falco.
//!
//! Rendering follows Falco: [`Display`](std::fmt::Display) for text outputs,
//! [`Value::to_json`] for JSON outputs.

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;

/// The type of a field's value (of each element, for list fields).
///
/// Widths are not tracked: Falco's `INT16/INT32/INT64` are all [`FieldType::Int`]
/// and `UINT*`/`PORT` are [`FieldType::UInt`]; paths are [`FieldType::String`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// Text (Falco `CHARBUF`, `FSPATH`).
    String,
    /// Raw bytes (Falco `BYTEBUF`), e.g. an I/O buffer.
    Bytes,
    /// Signed integer.
    Int,
    /// Unsigned integer (also ports).
    UInt,
    /// Boolean.
    Bool,
    /// An IPv4 or IPv6 address. Its literals may also be CIDR networks
    /// (`fd.ip = 10.0.0.0/8`): they parse to [`Value::Net`] and compare by
    /// containment.
    Ip,
    /// A field matched against networks: the extracted value is an address
    /// ([`Value::Ip`]); literals are networks ([`Value::Net`]) and `=`/`in`
    /// mean "the address lies in the network", as Falco's `fd.net` does.
    Net,
    /// A duration in nanoseconds.
    RelTime,
    /// A point in time, nanoseconds since the Unix epoch.
    AbsTime,
}

impl FieldType {
    /// Falco's name for the type, for messages and `lanner fields`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::String => "CHARBUF",
            Self::Bytes => "BYTEBUF",
            Self::Int => "INT64",
            Self::UInt => "UINT64",
            Self::Bool => "BOOL",
            Self::Ip => "IPADDR",
            Self::Net => "IPNET",
            Self::RelTime => "RELTIME",
            Self::AbsTime => "ABSTIME",
        }
    }

    /// The type for one of Falco's type names (any case, any width), as
    /// plugins declare them: `string`, `charbuf`, `fspath`, `uint64`, `int32`,
    /// `port`, `bool`, `ipaddr`, `ipnet`, `reltime`, `abstime`, `bytebuf`.
    pub fn from_falco_name(name: &str) -> Option<Self> {
        let ty = match name.to_ascii_lowercase().as_str() {
            "string" | "charbuf" | "fspath" | "fsrelpath" => Self::String,
            "bytebuf" | "bytes" => Self::Bytes,
            "int8" | "int16" | "int32" | "int64" => Self::Int,
            "uint8" | "uint16" | "uint32" | "uint64" | "port" => Self::UInt,
            "bool" => Self::Bool,
            "ipaddr" | "ipv4addr" | "ipv6addr" => Self::Ip,
            "ipnet" | "ipv4net" | "ipv6net" => Self::Net,
            "reltime" => Self::RelTime,
            "abstime" => Self::AbsTime,
            _ => return None,
        };
        Some(ty)
    }

    /// Whether values of this type are numbers (ordered numerically).
    pub const fn is_numeric(self) -> bool {
        matches!(self, Self::Int | Self::UInt | Self::RelTime | Self::AbsTime)
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A field value, borrowed from the event where possible.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value<'a> {
    /// Text.
    Str(Cow<'a, str>),
    /// Raw bytes.
    Bytes(Cow<'a, [u8]>),
    /// Signed integer.
    Int(i64),
    /// Unsigned integer.
    UInt(u64),
    /// Boolean.
    Bool(bool),
    /// IP address.
    Ip(IpAddr),
    /// IP network (CIDR).
    Net(IpNet),
    /// Duration in nanoseconds.
    RelTime(u64),
    /// Nanoseconds since the Unix epoch.
    AbsTime(u64),
    /// The values of a list field, or of a list literal.
    List(Vec<Value<'a>>),
}

impl Value<'_> {
    /// The same value borrowing this one's text and bytes (lists are copied).
    pub fn view(&self) -> Value<'_> {
        match self {
            Value::Str(s) => Value::Str(Cow::Borrowed(s.as_ref())),
            Value::Bytes(b) => Value::Bytes(Cow::Borrowed(b.as_ref())),
            Value::List(items) => Value::List(items.iter().map(Value::view).collect()),
            other => other.clone(),
        }
    }

    /// The same value, owning its data.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Str(s) => Value::Str(Cow::Owned(s.into_owned())),
            Value::Bytes(b) => Value::Bytes(Cow::Owned(b.into_owned())),
            Value::Int(v) => Value::Int(v),
            Value::UInt(v) => Value::UInt(v),
            Value::Bool(v) => Value::Bool(v),
            Value::Ip(v) => Value::Ip(v),
            Value::Net(v) => Value::Net(v),
            Value::RelTime(v) => Value::RelTime(v),
            Value::AbsTime(v) => Value::AbsTime(v),
            Value::List(items) => Value::List(items.into_iter().map(Value::into_owned).collect()),
        }
    }

    /// The value as JSON, as Falco's JSON output renders it: numbers and
    /// times as numbers, booleans as booleans, addresses, networks and bytes
    /// as strings, lists as arrays.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Str(s) => J::String(s.to_string()),
            Value::Bytes(b) => J::String(String::from_utf8_lossy(b).into_owned()),
            Value::Int(v) => J::from(*v),
            Value::UInt(v) | Value::RelTime(v) | Value::AbsTime(v) => J::from(*v),
            Value::Bool(v) => J::Bool(*v),
            Value::Ip(v) => J::String(v.to_string()),
            Value::Net(v) => J::String(v.to_string()),
            Value::List(items) => J::Array(items.iter().map(Value::to_json).collect()),
        }
    }
}

impl fmt::Display for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            Value::Bytes(b) => f.write_str(&String::from_utf8_lossy(b)),
            Value::Int(v) => write!(f, "{v}"),
            Value::UInt(v) | Value::RelTime(v) | Value::AbsTime(v) => write!(f, "{v}"),
            Value::Bool(v) => f.write_str(if *v { "true" } else { "false" }),
            Value::Ip(v) => write!(f, "{v}"),
            Value::Net(v) => write!(f, "{v}"),
            Value::List(items) => {
                f.write_str("(")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str(")")
            }
        }
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Str(Cow::Borrowed(v))
    }
}

impl From<String> for Value<'_> {
    fn from(v: String) -> Self {
        Value::Str(Cow::Owned(v))
    }
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}

impl From<u64> for Value<'_> {
    fn from(v: u64) -> Self {
        Value::UInt(v)
    }
}

impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}

impl From<IpAddr> for Value<'_> {
    fn from(v: IpAddr) -> Self {
        Value::Ip(v)
    }
}

/// A right-hand-side literal that cannot be read as the field's type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot use '{text}' as a value of type {ty}: {reason}")]
pub struct LiteralError {
    /// The literal as written.
    pub text: String,
    /// The type it had to have.
    pub ty: FieldType,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Reads a condition's right-hand-side text as a value of type `ty`, the way
/// Falco converts filter values:
///
/// - `String`: the text itself; `Bytes`: its UTF-8 bytes.
/// - `Int`: decimal or `0x` hexadecimal, with an optional `+`/`-` sign.
/// - `UInt`: the same without `-`.
/// - `Bool`: `true` or `false` exactly.
/// - `Ip`: an IPv4 or IPv6 address, or a CIDR network (`10.0.0.0/8`) which
///   yields [`Value::Net`], to be compared by containment.
/// - `Net`: a CIDR network; a bare address means that single host (`/32`, `/128`).
/// - `RelTime`: nanoseconds as an unsigned number; a unit suffix `ns`, `us`,
///   `ms`, `s`, `m` or `h` is also accepted (`5s`), which Falco does not do.
/// - `AbsTime`: nanoseconds since the epoch, an unsigned number.
pub fn parse_literal(ty: FieldType, text: &str) -> Result<Value<'static>, LiteralError> {
    let err = |reason| LiteralError {
        text: text.to_owned(),
        ty,
        reason,
    };
    match ty {
        FieldType::String => Ok(Value::Str(Cow::Owned(text.to_owned()))),
        FieldType::Bytes => Ok(Value::Bytes(Cow::Owned(text.as_bytes().to_vec()))),
        FieldType::Int => parse_i64(text).map(Value::Int).map_err(err),
        FieldType::UInt => parse_u64(text).map(Value::UInt).map_err(err),
        FieldType::AbsTime => parse_u64(text).map(Value::AbsTime).map_err(err),
        FieldType::RelTime => parse_duration(text).map(Value::RelTime).map_err(err),
        FieldType::Bool => match text {
            "true" => Ok(Value::Bool(true)),
            "false" => Ok(Value::Bool(false)),
            _ => Err(err("expected true or false")),
        },
        FieldType::Ip => {
            if text.contains('/') {
                IpNet::from_str(text)
                    .map(Value::Net)
                    .map_err(|_| err("not an IP address or CIDR network"))
            } else {
                IpAddr::from_str(text)
                    .map(Value::Ip)
                    .map_err(|_| err("not an IPv4 or IPv6 address"))
            }
        }
        FieldType::Net => {
            if text.contains('/') {
                IpNet::from_str(text)
                    .map(Value::Net)
                    .map_err(|_| err("not a CIDR network such as 10.0.0.0/8"))
            } else {
                IpAddr::from_str(text)
                    .map(|ip| Value::Net(IpNet::from(ip)))
                    .map_err(|_| err("not a CIDR network such as 10.0.0.0/8"))
            }
        }
    }
}

/// Unsigned magnitude: decimal digits, or `0x`/`0X` and hex digits.
fn parse_magnitude(digits: &str) -> Result<u64, &'static str> {
    let (digits, radix) = match digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        Some(hex) => (hex, 16),
        None => (digits, 10),
    };
    if digits.is_empty() {
        return Err("not a number");
    }
    if !digits.chars().all(|c| c.is_digit(radix)) {
        return Err(if radix == 16 {
            "not a hexadecimal number"
        } else {
            "not a number"
        });
    }
    u64::from_str_radix(digits, radix).map_err(|_| "number out of range")
}

fn parse_i64(text: &str) -> Result<i64, &'static str> {
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let magnitude = parse_magnitude(digits)?;
    if negative {
        0i64.checked_sub_unsigned(magnitude)
            .ok_or("number out of range")
    } else {
        i64::try_from(magnitude).map_err(|_| "number out of range")
    }
}

fn parse_u64(text: &str) -> Result<u64, &'static str> {
    match text.as_bytes().first() {
        Some(b'-') => Err("negative number for an unsigned type"),
        Some(b'+') => parse_magnitude(&text[1..]),
        _ => parse_magnitude(text),
    }
}

fn parse_duration(text: &str) -> Result<u64, &'static str> {
    const UNITS: &[(&str, u64)] = &[
        ("ns", 1),
        ("us", 1_000),
        ("ms", 1_000_000),
        ("s", 1_000_000_000),
        ("m", 60_000_000_000),
        ("h", 3_600_000_000_000),
    ];
    // Two-letter units come first so `5ms` is not read as minutes.
    for (suffix, scale) in UNITS {
        if let Some(number) = text.strip_suffix(suffix)
            && !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit())
        {
            return parse_u64(number)?
                .checked_mul(*scale)
                .ok_or("duration out of range");
        }
    }
    parse_u64(text)
}
