//! Environment redaction for captures: values out, names in.
//!
//! Names stay because rules and investigations care which variables a process
//! had (`LD_PRELOAD`, `AWS_ACCESS_KEY_ID`); values go because they are where
//! tokens and keys live, and a capture is a file meant to be copied around.

use crate::{CaptureRecord, EventDetail};
use std::borrow::Cow;

/// What replaces an environment value in a redacted capture:
/// `AWS_SECRET_ACCESS_KEY=<redacted>`. An entry without `=` (possible in a
/// raw `envp`, or cut short by the probe's copy limit) becomes just this.
pub const REDACTED: &str = "<redacted>";

/// `entries` with every value replaced by [`REDACTED`], names kept.
pub fn redact_environment(entries: &[String]) -> Vec<String> {
    entries
        .iter()
        .map(|entry| match entry.split_once('=') {
            Some((name, _)) => format!("{name}={REDACTED}"),
            None => REDACTED.to_owned(),
        })
        .collect()
}

/// `record` as it goes into a redacted capture: a copy with environment
/// values redacted where it carries an environment (process snapshots from
/// `/proc`, exec arguments from the probe), else the record itself.
pub(super) fn redacted(record: &CaptureRecord) -> Cow<'_, CaptureRecord> {
    match record {
        CaptureRecord::Process(info) if !info.env.is_empty() => {
            let mut copy = info.clone();
            copy.env = redact_environment(&info.env);
            Cow::Owned(CaptureRecord::Process(copy))
        }
        CaptureRecord::Event(event) => match &event.detail {
            EventDetail::ExecArgs { argv, env } if !env.is_empty() => {
                let mut copy = event.clone();
                copy.detail = EventDetail::ExecArgs {
                    argv: argv.clone(),
                    env: redact_environment(env),
                };
                Cow::Owned(CaptureRecord::Event(copy))
            }
            _ => Cow::Borrowed(record),
        },
        _ => Cow::Borrowed(record),
    }
}
