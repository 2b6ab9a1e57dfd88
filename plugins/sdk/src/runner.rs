//! Drives a plugin: configuration, batched extraction with a per-event parse
//! cache, and sourcing. The component adapter and native callers (tests,
//! benchmarks) share it, so both run exactly the same code.

use crate::{Arg, BatchEnd, Event, EventRef, Field, FieldInfo, Ingested, Plugin, Source, Value};

/// One field to extract: its position in the field table and its argument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request {
    /// Index into [`Plugin::fields`].
    pub field: u32,
    /// The argument, if any.
    pub arg: RequestArg,
}

/// An owned field argument, as requests carry it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum RequestArg {
    /// No argument.
    #[default]
    None,
    /// `name[3]`.
    Index(u64),
    /// `name[key]`.
    Key(String),
}

impl RequestArg {
    fn as_arg(&self) -> Arg<'_> {
        match self {
            RequestArg::None => Arg::None,
            RequestArg::Index(i) => Arg::Index(*i),
            RequestArg::Key(k) => Arg::Key(k),
        }
    }
}

/// A configured plugin and its field table.
pub struct Runner<P: Plugin> {
    plugin: P,
    fields: Vec<Field<P>>,
    /// The last event parsed, by number: the host may extract one event in
    /// several calls (condition fields, then output fields).
    cached: Option<(u64, Option<P::Parsed>)>,
}

impl<P: Plugin> Runner<P> {
    /// Configures the plugin from a JSON document (`""` counts as `{}`).
    pub fn new(config_json: &str) -> Result<Self, String> {
        let text = if config_json.trim().is_empty() {
            "{}"
        } else {
            config_json
        };
        let config: P::Config =
            serde_json::from_str(text).map_err(|e| format!("invalid configuration: {e}"))?;
        Ok(Self {
            plugin: P::new(config)?,
            fields: P::fields(),
            cached: None,
        })
    }

    /// The field declarations, in id order.
    pub fn field_infos() -> Vec<FieldInfo> {
        P::fields().into_iter().map(|f| f.info).collect()
    }

    /// The plugin itself.
    pub fn plugin(&mut self) -> &mut P {
        &mut self.plugin
    }

    /// Extracts every request from every event: `events.len() * requests.len()`
    /// values, event-major.
    pub fn extract(
        &mut self,
        events: &[EventRef<'_>],
        requests: &[Request],
    ) -> Result<Vec<Value>, String> {
        if let Some(bad) = requests
            .iter()
            .find(|r| r.field as usize >= self.fields.len())
        {
            return Err(format!(
                "no field with id {} ({} fields declared)",
                bad.field,
                self.fields.len()
            ));
        }
        let mut values = Vec::with_capacity(events.len() * requests.len());
        for event in events {
            if self.cached.as_ref().is_none_or(|(n, _)| *n != event.number) {
                self.cached = Some((event.number, self.plugin.parse(event)));
            }
            let parsed = self.cached.as_ref().and_then(|(_, p)| p.as_ref());
            for request in requests {
                let value = match (parsed, self.fields.get(request.field as usize)) {
                    (Some(parsed), Some(field)) => {
                        (field.extract)(&self.plugin, parsed, request.arg.as_arg())
                    }
                    _ => Value::Absent,
                };
                values.push(value);
            }
        }
        Ok(values)
    }
}

impl<P: Source> Runner<P> {
    /// Starts the source.
    pub fn open(&mut self, params: &str) -> Result<(), String> {
        self.plugin.open(params)
    }

    /// Splits a payload into events.
    pub fn ingest(&mut self, payload: &[u8]) -> Ingested {
        let mut out = Ingested::default();
        self.plugin.ingest(payload, &mut out);
        out
    }

    /// Self-produced events, at most `max_events`.
    pub fn next_batch(&mut self, max_events: u32) -> Result<Vec<Event>, BatchEnd> {
        let mut out = Vec::new();
        self.plugin.next_batch(max_events, &mut out)?;
        out.truncate(max_events as usize);
        Ok(out)
    }
}
