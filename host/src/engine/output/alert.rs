//! An alert, and its two renderings: Falco's text line and Falco's JSON object.

use crate::engine::loader::Priority;
use std::collections::{BTreeMap, BTreeSet};

/// How the text line shows the time.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TimeStyle {
    /// Local time of day, `HH:MM:SS.nnnnnnnnn` (Falco's default).
    #[default]
    TimeOfDay,
    /// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+0000` (Falco's `time_format_iso_8601`).
    Iso8601,
}

/// A rule match.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    /// The rule's name.
    pub rule: String,
    /// The rule's priority.
    pub priority: Priority,
    /// The event's source.
    pub source: String,
    /// The rule's tags, sorted.
    pub tags: BTreeSet<String>,
    /// When the event happened, ns since the epoch.
    pub time_ns: u64,
    /// The host the engine runs on.
    pub hostname: String,
    /// The formatted `output:` text, without the time/priority prefix.
    pub message: String,
    /// Values of the fields the output names, by token (`proc.aname[2]`).
    pub output_fields: BTreeMap<String, serde_json::Value>,
}

/// The wall clock in nanoseconds since the epoch: the time of an internal
/// alert, which no event dates.
pub fn now_ns() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_nanos()).unwrap_or(u64::MAX))
}

impl Alert {
    /// An alert Lanner raises about itself rather than a rule match: source
    /// `internal`, tagged `lanner_internal` and `topic`, so consumers can
    /// route it apart from detections.
    pub fn internal(
        rule: &str,
        priority: Priority,
        topic: &str,
        hostname: &str,
        time_ns: u64,
        message: String,
        output_fields: BTreeMap<String, serde_json::Value>,
    ) -> Self {
        Self {
            rule: rule.to_string(),
            priority,
            source: "internal".into(),
            tags: BTreeSet::from(["lanner_internal".to_string(), topic.to_string()]),
            time_ns,
            hostname: hostname.to_string(),
            message,
            output_fields,
        }
    }

    /// The text line: `<time>: <Priority> <message>`, control characters escaped.
    pub fn text(&self, style: TimeStyle) -> String {
        let time = match style {
            TimeStyle::TimeOfDay => time_of_day(self.time_ns),
            TimeStyle::Iso8601 => iso8601_offset(self.time_ns),
        };
        format!("{time}: {} {}", self.priority, escape(&self.message))
    }

    /// The JSON object Falco emits (keys sorted, compact).
    pub fn json(&self, style: TimeStyle) -> String {
        let mut fields = self.output_fields.clone();
        let time_key = match style {
            TimeStyle::TimeOfDay => "evt.time",
            TimeStyle::Iso8601 => "evt.time.iso8601",
        };
        fields.insert(time_key.to_string(), serde_json::Value::from(self.time_ns));
        let object = serde_json::json!({
            "hostname": self.hostname,
            "output": self.text(style),
            "output_fields": fields,
            "priority": self.priority.to_string(),
            "rule": self.rule,
            "source": self.source,
            "tags": self.tags,
            "time": utc_rfc3339(self.time_ns),
        });
        object.to_string()
    }
}

/// Escapes as a JSON string body would (Falco passes text output through a JSON encoder).
fn escape(text: &str) -> String {
    let quoted = serde_json::Value::from(text).to_string();
    quoted[1..quoted.len() - 1].to_string()
}

fn timestamp(ns: u64) -> jiff::Timestamp {
    jiff::Timestamp::from_nanosecond(i128::from(ns)).unwrap_or(jiff::Timestamp::UNIX_EPOCH)
}

fn local(ns: u64) -> jiff::Zoned {
    timestamp(ns).to_zoned(jiff::tz::TimeZone::system())
}

fn fraction(ns: u64) -> String {
    format!(".{:09}", ns % 1_000_000_000)
}

/// Local time of day, `HH:MM:SS.nnnnnnnnn`.
pub fn time_of_day(ns: u64) -> String {
    let zoned = local(ns);
    format!("{}{}", zoned.strftime("%H:%M:%S"), fraction(ns))
}

/// Local date and time, `YYYY-MM-DD HH:MM:SS.nnnnnnnnn`.
pub fn datetime(ns: u64) -> String {
    let zoned = local(ns);
    format!("{}{}", zoned.strftime("%Y-%m-%d %H:%M:%S"), fraction(ns))
}

fn iso8601_offset(ns: u64) -> String {
    let zoned = local(ns);
    format!(
        "{}{}{}",
        zoned.strftime("%Y-%m-%dT%H:%M:%S"),
        fraction(ns),
        zoned.strftime("%z")
    )
}

/// `YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ`, always nine fraction digits, UTC.
pub fn utc_rfc3339(ns: u64) -> String {
    let utc = timestamp(ns).to_zoned(jiff::tz::TimeZone::UTC);
    format!("{}{}Z", utc.strftime("%Y-%m-%dT%H:%M:%S"), fraction(ns))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert() -> Alert {
        Alert {
            rule: "Shell".into(),
            priority: Priority::Warning,
            source: "syscall".into(),
            tags: ["b".to_string(), "a".to_string()].into_iter().collect(),
            time_ns: 1_618_592_000_726_060_287,
            hostname: "node-1".into(),
            message: "Shell spawned user=root\tx".into(),
            output_fields: [
                ("proc.name".to_string(), serde_json::json!("bash")),
                ("fd.name".to_string(), serde_json::Value::Null),
            ]
            .into_iter()
            .collect(),
        }
    }

    #[test]
    fn json_has_falcos_shape_with_sorted_keys() {
        let json = alert().json(TimeStyle::Iso8601);
        assert!(
            json.starts_with("{\"hostname\":\"node-1\",\"output\":\""),
            "{json}"
        );
        assert!(json.contains("\"output_fields\":{\"evt.time.iso8601\":1618592000726060287,\"fd.name\":null,\"proc.name\":\"bash\"}"), "{json}");
        assert!(json.contains("\"priority\":\"Warning\",\"rule\":\"Shell\",\"source\":\"syscall\",\"tags\":[\"a\",\"b\"],\"time\":\"2021-04-16T16:53:20.726060287Z\"}"), "{json}");
    }

    #[test]
    fn text_escapes_control_characters() {
        let text = alert().text(TimeStyle::Iso8601);
        assert!(
            text.ends_with(": Warning Shell spawned user=root\\tx"),
            "{text}"
        );
    }

    #[test]
    fn utc_time_has_nine_digits() {
        assert_eq!(utc_rfc3339(1_000_000_001), "1970-01-01T00:00:01.000000001Z");
    }
}
