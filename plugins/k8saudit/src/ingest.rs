//! Turning one payload into audit events.
//!
//! kube-apiserver's webhook backend POSTs an `EventList`; audit log files
//! hold one `Event` per line; tools that re-export logs sometimes wrap
//! events in a JSON array. All three shapes are accepted, and every problem
//! is reported per part so that one bad event never hides its neighbours.
//!
//! Nothing is parsed into a `serde_json::Value`: a payload is split into the
//! raw text of its parts (`RawValue`), and of each event only `kind` and
//! `stageTimestamp` are read. An event's data is its text as received, so
//! extraction sees exactly what kube-apiserver sent. Whether a payload is
//! valid JSON is still decided as a `Value` parse would decide it (see
//! [`crate::validate`]), and an invalid payload is still one rejection with
//! serde_json's message, whatever parts were read before the problem.

use crate::validate::{self, ROOT_DEPTH, Skip};
use lanner_plugin_sdk::Ingested;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde_json::Value as Json;
use serde_json::value::RawValue;
use std::fmt;

/// Splits `payload` into events, each the raw text of one audit event
/// (surrounding whitespace trimmed) stamped with its `stageTimestamp`; bad
/// parts go to `out.rejected`.
pub fn split(payload: &[u8], max_event_size: u64, out: &mut Ingested) {
    let (events, rejected) = (out.events.len(), out.rejected.len());
    let mut splitter = Splitter {
        max_event_size,
        out,
    };
    // One UTF-8 check of the whole payload instead of one per string, which
    // serde_json makes on bytes but not on a `str`. Invalid UTF-8 is invalid
    // JSON (serde_json's message says where, below).
    let walked = std::str::from_utf8(payload)
        .map_err(|_| validate::error("invalid UTF-8"))
        .and_then(|text| splitter.document(text, At::Payload, Skip::at(ROOT_DEPTH)));
    if let Err(walk_error) = walked {
        // Not valid JSON: nothing of it counts, as when the whole payload
        // was parsed before anything was emitted. The message is the one the
        // whole-document parse gives (the walk saw the problem in a part).
        out.events.truncate(events);
        out.rejected.truncate(rejected);
        let error = validate::document_error(payload).unwrap_or(walk_error);
        out.reject(format!(
            "payload is not valid JSON ({} bytes): {error}",
            payload.len()
        ));
    }
}

/// Where a part sits in the payload, for rejection messages; formatted only
/// when something is rejected.
#[derive(Clone, Copy)]
enum At<'a> {
    /// The whole payload.
    Payload,
    /// Element `n` of an array.
    Index(&'a At<'a>, usize),
    /// Item `n` of an `EventList`.
    Item(&'a At<'a>, usize),
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            At::Payload => f.write_str("payload"),
            At::Index(parent, i) => write!(f, "{parent}[{i}]"),
            At::Item(parent, i) => write!(f, "{parent}.items[{i}]"),
        }
    }
}

struct Splitter<'o> {
    max_event_size: u64,
    out: &'o mut Ingested,
}

impl Splitter<'_> {
    /// Walks one JSON value: the payload, or an element of an array in it.
    /// `depth` is serde_json's nesting budget at the value. An error means
    /// the payload is not valid JSON.
    ///
    /// Recursion on nested arrays is bounded by that budget: an array nested
    /// 128 deep fails before its elements are looked at.
    fn document(&mut self, text: &str, at: At<'_>, depth: Skip) -> Result<(), serde_json::Error> {
        match text.trim_ascii_start().as_bytes().first() {
            Some(b'[') => {
                let inner = depth.enter()?;
                // Elements are checked as they are walked.
                let items: Vec<&RawValue> = serde_json::from_str(text)?;
                for (i, item) in items.iter().enumerate() {
                    self.document(item.get(), At::Index(&at, i), inner)?;
                }
            }
            Some(b'{') => {
                let head = Head::read(text, depth, true)?;
                let members = depth.enter()?;
                match head.kind()?.as_ref().and_then(Json::as_str) {
                    Some("EventList") => match head.items {
                        Some(items) if items.get().starts_with('[') => {
                            let inner = members.enter()?;
                            let items: Vec<&RawValue> = serde_json::from_str(items.get())?;
                            for (i, item) in items.iter().enumerate() {
                                // Items of an EventList carry no `kind` of their own.
                                self.item(item, At::Item(&at, i), inner)?;
                            }
                        }
                        other => {
                            if let Some(items) = other {
                                members.check(items)?;
                            }
                            self.out
                                .reject(format!("{at}: EventList without an items array"));
                        }
                    },
                    kind => {
                        if let Some(items) = head.items {
                            members.check(items)?;
                        }
                        if kind == Some("Event") {
                            // The payload's own text is the event (only the
                            // root can be wrapped in whitespace; parts never
                            // carry any).
                            self.emit(text.trim_ascii(), at, head.stamp)?;
                        } else {
                            self.out.reject(format!(
                                "{at}: data not recognized as a Kubernetes audit event \
                                 (expected kind Event or EventList, or an array of them)"
                            ));
                        }
                    }
                }
            }
            Some(_) => {
                let mut de = serde_json::Deserializer::from_str(text);
                depth.deserialize(&mut de)?;
                de.end()?;
                let name = validate::type_name(text);
                self.out.reject(format!(
                    "{at}: data not recognized as a Kubernetes audit event (a JSON {name})"
                ));
            }
            None => return Err(validate::error("no JSON value")),
        }
        Ok(())
    }

    /// One item of an `EventList`: an event whatever its `kind`.
    fn item(&mut self, item: &RawValue, at: At<'_>, depth: Skip) -> Result<(), serde_json::Error> {
        let text = item.get();
        if text.starts_with('{') {
            let head = Head::read(text, depth, false)?;
            self.emit(text, at, head.stamp)
        } else {
            depth.check(item)?;
            self.out.reject(format!(
                "{at}: an audit event must be a JSON object, not a JSON {}",
                validate::type_name(text)
            ));
            Ok(())
        }
    }

    /// Emits one event, or rejects it when it has no usable timestamp or is
    /// too big. `text` has been validated; `stamp` too.
    fn emit(
        &mut self,
        text: &str,
        at: At<'_>,
        stamp: Option<&RawValue>,
    ) -> Result<(), serde_json::Error> {
        let Some(stamp) = stamp else {
            self.out
                .reject(format!("{at}: audit event without stageTimestamp"));
            return Ok(());
        };
        // Parsed as JSON so that an escaped string reads as itself and the
        // message shows a non-string the way it always has (compact JSON).
        let stamp: Json = serde_json::from_str(stamp.get())?;
        let Some(timestamp_ns) = stamp.as_str().and_then(parse_rfc3339) else {
            self.out.reject(format!(
                "{at}: stageTimestamp {stamp} is not an RFC 3339 time at or after 1970"
            ));
            return Ok(());
        };
        let size = text.len();
        if size as u64 > self.max_event_size {
            self.out.reject(format!(
                "{at}: audit event of {size} bytes exceeds maxEventSize ({} bytes)",
                self.max_event_size
            ));
            return Ok(());
        }
        self.out.event(timestamp_ns, text.as_bytes().to_vec());
        Ok(())
    }
}

/// What ingest reads of an object: its `kind`, `stageTimestamp` and `items`,
/// as raw text. Every other member is validated and skipped; the raw ones are
/// validated by [`Head::read`] (kind, stamp) or by the caller (items, which
/// are walked or checked).
#[derive(Default)]
struct Head<'a> {
    kind: Option<&'a RawValue>,
    stamp: Option<&'a RawValue>,
    items: Option<&'a RawValue>,
}

impl<'a> Head<'a> {
    /// Reads the object `text` met at nesting budget `depth`; `items` says
    /// whether `items` is wanted (an `EventList` item's is just validated).
    fn read(text: &'a str, depth: Skip, items: bool) -> Result<Self, serde_json::Error> {
        let mut de = serde_json::Deserializer::from_str(text);
        let head = HeadSeed { depth, items }.deserialize(&mut de)?;
        de.end()?;
        let members = depth.enter()?;
        for raw in [head.kind, head.stamp].into_iter().flatten() {
            members.check(raw)?;
        }
        Ok(head)
    }

    /// `kind` as JSON (a string unless the document is odd); parsed rather
    /// than compared as text so that an escaped `"Ev\u0065nt"` is `Event`.
    fn kind(&self) -> Result<Option<Json>, serde_json::Error> {
        self.kind
            .map(|raw| serde_json::from_str(raw.get()))
            .transpose()
    }
}

struct HeadSeed {
    depth: Skip,
    items: bool,
}

impl<'de> DeserializeSeed<'de> for HeadSeed {
    type Value = Head<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Head<'de>, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for HeadSeed {
    type Value = Head<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Head<'de>, A::Error> {
        let members = self.depth.enter()?;
        let mut head = Head::default();
        while let Some(key) = map.next_key_seed(HeadKeys)? {
            let slot = match key {
                HeadKey::Kind => &mut head.kind,
                HeadKey::Stamp => &mut head.stamp,
                HeadKey::Items if self.items => &mut head.items,
                _ => {
                    map.next_value_seed(members)?;
                    continue;
                }
            };
            // A repeated key keeps its last value, as in a `Value`; the
            // earlier one must still be valid JSON.
            if let Some(earlier) = slot.replace(map.next_value()?) {
                members.check(earlier).map_err(de::Error::custom)?;
            }
        }
        Ok(head)
    }
}

/// The keys [`Head`] reads; keys with escapes are compared decoded.
#[derive(Clone, Copy)]
enum HeadKey {
    Kind,
    Stamp,
    Items,
    Other,
}

/// Reads a key as a [`HeadKey`].
struct HeadKeys;

impl<'de> DeserializeSeed<'de> for HeadKeys {
    type Value = HeadKey;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<HeadKey, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for HeadKeys {
    type Value = HeadKey;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<HeadKey, E> {
        Ok(match key {
            "kind" => HeadKey::Kind,
            "stageTimestamp" => HeadKey::Stamp,
            "items" => HeadKey::Items,
            _ => HeadKey::Other,
        })
    }
}

/// Parses an RFC 3339 time (`2026-11-28T10:00:01.123456Z`,
/// `2026-11-28T11:00:01+01:00`) into nanoseconds since the Unix epoch.
///
/// Fractional digits beyond nanoseconds are dropped, as Go's parser does.
/// `None` for anything malformed, out of range, or before 1970 (an event
/// timestamp is unsigned).
pub fn parse_rfc3339(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() < 20 {
        return None;
    }
    let year = digits(b, 0, 4)?;
    let month = digits(b, 5, 2)?;
    let day = digits(b, 8, 2)?;
    let hour = digits(b, 11, 2)?;
    let minute = digits(b, 14, 2)?;
    let second = digits(b, 17, 2)?;
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    if !(1..=12).contains(&month)
        || day < 1
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return None;
    }

    let mut rest = &b[19..];
    let mut nanos = 0u64;
    if let Some((b'.', frac)) = rest.split_first() {
        let len = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if len == 0 {
            return None;
        }
        for (i, c) in frac[..len].iter().enumerate() {
            if i < 9 {
                nanos = nanos * 10 + u64::from(c - b'0');
            }
        }
        nanos *= 10u64.pow(9u32.saturating_sub(len as u32));
        rest = &frac[len..];
    }

    let offset_s: i64 = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let h = digits(rest, 1, 2)?;
            let m = digits(rest, 4, 2)?;
            if h > 23 || m > 59 {
                return None;
            }
            let magnitude = h * 3600 + m * 60;
            if *sign == b'+' { magnitude } else { -magnitude }
        }
        _ => return None,
    };

    let days = days_from_civil(year, month, day);
    let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offset_s;
    let seconds = u64::try_from(seconds).ok()?;
    seconds.checked_mul(1_000_000_000)?.checked_add(nanos)
}

/// `len` ASCII digits of `b` starting at `start`, as a number.
fn digits(b: &[u8], start: usize, len: usize) -> Option<i64> {
    let slice = b.get(start..start + len)?;
    slice.iter().try_fold(0i64, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days from 1970-01-01 to the given proleptic Gregorian date.
///
/// Counts from a March-based year so the leap day falls at the end and
/// each 400-year era has the same length (146097 days).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_from_march = (month + 9) % 12;
    let day_of_year = (153 * month_from_march + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_rfc3339_variants() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            parse_rfc3339("2026-11-28T10:00:01.123456Z"),
            Some(1_795_860_001_123_456_000)
        );
        assert_eq!(
            parse_rfc3339("2026-11-28T11:00:01.123456+01:00"),
            parse_rfc3339("2026-11-28T10:00:01.123456Z")
        );
        assert_eq!(
            parse_rfc3339("2026-11-28T09:30:01-00:30"),
            parse_rfc3339("2026-11-28T10:00:01Z")
        );
        assert_eq!(
            parse_rfc3339("2000-02-29T00:00:00Z"),
            Some(951_782_400_000_000_000)
        );
        assert_eq!(
            parse_rfc3339("2026-01-01T00:00:00.5Z"),
            Some(1_767_225_600_500_000_000)
        );
        assert_eq!(
            parse_rfc3339("2026-01-01T00:00:00.1234567891Z"),
            Some(1_767_225_600_123_456_789)
        );
    }

    #[test]
    fn refuses_malformed_times() {
        for bad in [
            "",
            "2026-11-28",
            "2026-11-28T10:00:01",
            "2026-11-28 10:00:01Z",
            "2026-13-01T00:00:00Z",
            "2025-02-29T00:00:00Z",
            "2026-11-28T24:00:00Z",
            "2026-11-28T10:00:01.Z",
            "2026-11-28T10:00:01+0100",
            "1969-12-31T23:59:59Z",
            "２026-11-28T10:00:01Z",
            "2026-11-28T10:00:01Zjunk",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
