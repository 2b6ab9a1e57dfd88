//! Turning one payload into audit events.
//!
//! kube-apiserver's webhook backend POSTs an `EventList`; audit log files
//! hold one `Event` per line; tools that re-export logs sometimes wrap
//! events in a JSON array. All three shapes are accepted, and every problem
//! is reported per part so that one bad event never hides its neighbours.

use lanner_plugin_sdk::Ingested;
use serde_json::Value as Json;

/// Splits `payload` into events, each re-serialized compactly and stamped
/// with its `stageTimestamp`; bad parts go to `out.rejected`.
pub fn split(payload: &[u8], max_event_size: u64, out: &mut Ingested) {
    match serde_json::from_slice::<Json>(payload) {
        Ok(document) => split_value(document, "payload", max_event_size, out),
        Err(e) => out.reject(format!(
            "payload is not valid JSON ({} bytes): {e}",
            payload.len()
        )),
    }
}

/// Walks one JSON value. `at` says where it sits in the payload, so a
/// rejection message points at the culprit.
///
/// Recursion on nested arrays is bounded: serde_json refuses documents
/// nested deeper than 128 levels before we ever get here.
fn split_value(value: Json, at: &str, max_event_size: u64, out: &mut Ingested) {
    match value {
        Json::Array(items) => {
            for (i, item) in items.into_iter().enumerate() {
                split_value(item, &format!("{at}[{i}]"), max_event_size, out);
            }
        }
        Json::Object(mut object) => match object.get("kind").and_then(Json::as_str) {
            Some("EventList") => match object.remove("items") {
                Some(Json::Array(items)) => {
                    for (i, item) in items.into_iter().enumerate() {
                        // Items of an EventList carry no `kind` of their own.
                        emit(item, &format!("{at}.items[{i}]"), max_event_size, out);
                    }
                }
                _ => out.reject(format!("{at}: EventList without an items array")),
            },
            Some("Event") => emit(Json::Object(object), at, max_event_size, out),
            _ => out.reject(format!(
                "{at}: data not recognized as a Kubernetes audit event \
                 (expected kind Event or EventList, or an array of them)"
            )),
        },
        other => out.reject(format!(
            "{at}: data not recognized as a Kubernetes audit event (a JSON {})",
            type_name(&other)
        )),
    }
}

/// Emits one event, or rejects it when it has no usable timestamp or is too big.
fn emit(event: Json, at: &str, max_event_size: u64, out: &mut Ingested) {
    if !event.is_object() {
        out.reject(format!(
            "{at}: an audit event must be a JSON object, not a JSON {}",
            type_name(&event)
        ));
        return;
    }
    let Some(stamp) = event.get("stageTimestamp") else {
        out.reject(format!("{at}: audit event without stageTimestamp"));
        return;
    };
    let Some(timestamp_ns) = stamp.as_str().and_then(parse_rfc3339) else {
        out.reject(format!(
            "{at}: stageTimestamp {stamp} is not an RFC 3339 time at or after 1970"
        ));
        return;
    };
    let data = match serde_json::to_vec(&event) {
        Ok(data) => data,
        Err(e) => {
            out.reject(format!("{at}: audit event cannot be serialized: {e}"));
            return;
        }
    };
    if data.len() as u64 > max_event_size {
        out.reject(format!(
            "{at}: audit event of {} bytes exceeds maxEventSize ({max_event_size} bytes)",
            data.len()
        ));
        return;
    }
    out.event(timestamp_ns, data);
}

fn type_name(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "boolean",
        Json::Number(_) => "number",
        Json::String(_) => "string",
        Json::Array(_) => "array",
        Json::Object(_) => "object",
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
