//! A byte budget on what a plugin returns to the host.
//!
//! Lifting a component's return value copies every string and list out of
//! its linear memory. A plugin can return a list of many strings that all
//! point at one large region: its memory stays small, but the host copy is
//! the region's size times the list's length, and it is made after the call
//! deadline no longer applies. So the host lifts returns into the mirror
//! types below, whose strings and lists are [`Capped`]: each one charges its
//! host size (length times element size) to the call's budget *before* it is
//! copied, and the lift fails, before allocating, once the budget is spent.
//! The instance is then faulted like any other misbehaving plugin.

use super::bindings::wit;
use std::cell::Cell;
use wasmtime::{
    ValRaw,
    component::{
        __internal::{CanonicalAbiInfo, InstanceType, InterfaceType, LiftContext},
        ComponentType, Lift,
    },
};

thread_local! {
    /// Bytes the current call on this thread may still return; `None` outside a call.
    static REMAINING: Cell<Option<usize>> = const { Cell::new(None) };
    /// Set when a lift on this thread ran out of budget.
    static EXCEEDED: Cell<bool> = const { Cell::new(false) };
}

/// Arms the budget for one call on this thread; dropping it disarms it.
pub struct Budget(());

impl Budget {
    /// Starts a call that may return at most `bytes` bytes of host data.
    pub fn arm(bytes: usize) -> Self {
        REMAINING.set(Some(bytes));
        EXCEEDED.set(false);
        Budget(())
    }

    /// Whether the call's return value ran past the budget.
    pub fn exceeded(&self) -> bool {
        EXCEEDED.get()
    }
}

impl Drop for Budget {
    fn drop(&mut self) {
        REMAINING.set(None);
    }
}

/// Charges `bytes` to the current budget; an error once it is spent.
fn charge(bytes: usize) -> wasmtime::Result<()> {
    let Some(remaining) = REMAINING.get() else {
        return Ok(());
    };
    match remaining.checked_sub(bytes) {
        Some(left) => {
            REMAINING.set(Some(left));
            Ok(())
        }
        None => {
            EXCEEDED.set(true);
            REMAINING.set(Some(0));
            Err(wasmtime::format_err!(
                "the plugin's return value is larger than its byte budget"
            ))
        }
    }
}

/// Host bytes each element of a string or list costs once lifted.
pub trait HostSize {
    /// Bytes per element (per byte for strings).
    const PER_ITEM: usize;
}

impl HostSize for String {
    const PER_ITEM: usize = 1;
}

impl<E> HostSize for Vec<E> {
    const PER_ITEM: usize = size_of::<E>();
}

/// A string or list whose lift is charged to the call's budget first.
#[derive(Debug)]
pub struct Capped<T>(pub T);

// SAFETY: every item forwards to `T`, whose layout and type check this is.
unsafe impl<T: ComponentType + HostSize> ComponentType for Capped<T> {
    type Lower = T::Lower;
    const ABI: CanonicalAbiInfo = T::ABI;

    fn typecheck(ty: &InterfaceType, types: &InstanceType<'_>) -> wasmtime::Result<()> {
        T::typecheck(ty, types)
    }
}

// SAFETY: lifting forwards to `T` after reading the length that `T` itself
// bounds-checks; the length is only used for accounting.
unsafe impl<T: Lift + HostSize> Lift for Capped<T> {
    fn linear_lift_from_flat(
        cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        src: &Self::Lower,
    ) -> wasmtime::Result<Self> {
        // A string or list flattens to (pointer, length).
        let values = size_of::<T::Lower>() / size_of::<ValRaw>();
        // SAFETY: `Lower` of a string or list is an array of `ValRaw`
        // (wasmtime asserts its size and alignment in `flatten_count`).
        let raw = unsafe {
            std::slice::from_raw_parts((src as *const T::Lower).cast::<ValRaw>(), values)
        };
        let len = raw.get(1).map_or(0, ValRaw::get_u32);
        charge((len as usize).saturating_mul(T::PER_ITEM))?;
        T::linear_lift_from_flat(cx, ty, src).map(Capped)
    }

    fn linear_lift_from_memory(
        cx: &mut LiftContext<'_>,
        ty: InterfaceType,
        bytes: &[u8],
    ) -> wasmtime::Result<Self> {
        // In memory: a 4-byte pointer, then a 4-byte length.
        let len = bytes
            .get(4..8)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u32::from_le_bytes);
        charge((len as usize).saturating_mul(T::PER_ITEM))?;
        T::linear_lift_from_memory(cx, ty, bytes).map(Capped)
    }
}

/// A capped string.
pub type Text = Capped<String>;

fn texts(list: Capped<Vec<Text>>) -> Vec<String> {
    list.0.into_iter().map(|t| t.0).collect()
}

/// `plugin-info`, lifted under the budget.
#[derive(ComponentType, Lift)]
#[component(record)]
pub struct PluginInfo {
    name: Text,
    version: Text,
    #[component(name = "contract-version")]
    contract_version: Text,
    #[component(name = "event-source")]
    event_source: Option<Text>,
    #[component(name = "extract-sources")]
    extract_sources: Capped<Vec<Text>>,
    description: Text,
    contact: Text,
}

impl From<PluginInfo> for wit::PluginInfo {
    fn from(info: PluginInfo) -> Self {
        Self {
            name: info.name.0,
            version: info.version.0,
            contract_version: info.contract_version.0,
            event_source: info.event_source.map(|t| t.0),
            extract_sources: texts(info.extract_sources),
            description: info.description.0,
            contact: info.contact.0,
        }
    }
}

/// `field-info`, lifted under the budget.
#[derive(ComponentType, Lift)]
#[component(record)]
pub struct FieldInfo {
    name: Text,
    #[component(name = "type")]
    type_: wit::FieldType,
    #[component(name = "is-list")]
    is_list: bool,
    arg: wit::FieldArg,
    description: Text,
    #[component(name = "add-output")]
    add_output: bool,
    hidden: bool,
}

impl From<FieldInfo> for wit::FieldInfo {
    fn from(field: FieldInfo) -> Self {
        Self {
            name: field.name.0,
            type_: field.type_,
            is_list: field.is_list,
            arg: field.arg,
            description: field.description.0,
            add_output: field.add_output,
            hidden: field.hidden,
        }
    }
}

/// `field-value`, lifted under the budget.
#[derive(ComponentType, Lift)]
#[component(variant)]
pub enum FieldValue {
    #[component(name = "absent")]
    Absent,
    #[component(name = "text")]
    Text(Text),
    #[component(name = "number")]
    Number(u64),
    #[component(name = "flag")]
    Flag(bool),
    #[component(name = "texts")]
    Texts(Capped<Vec<Text>>),
    #[component(name = "numbers")]
    Numbers(Capped<Vec<u64>>),
    #[component(name = "flags")]
    Flags(Capped<Vec<bool>>),
}

impl From<FieldValue> for wit::FieldValue {
    fn from(value: FieldValue) -> Self {
        match value {
            FieldValue::Absent => Self::Absent,
            FieldValue::Text(t) => Self::Text(t.0),
            FieldValue::Number(n) => Self::Number(n),
            FieldValue::Flag(b) => Self::Flag(b),
            FieldValue::Texts(list) => Self::Texts(texts(list)),
            FieldValue::Numbers(list) => Self::Numbers(list.0),
            FieldValue::Flags(list) => Self::Flags(list.0),
        }
    }
}

/// `event`, lifted under the budget.
#[derive(ComponentType, Lift)]
#[component(record)]
pub struct Event {
    #[component(name = "timestamp-ns")]
    timestamp_ns: u64,
    data: Capped<Vec<u8>>,
}

impl From<Event> for wit::Event {
    fn from(event: Event) -> Self {
        Self {
            timestamp_ns: event.timestamp_ns,
            data: event.data.0,
        }
    }
}

/// Converts a capped list of events.
pub fn events(list: Capped<Vec<Event>>) -> Vec<wit::Event> {
    list.0.into_iter().map(wit::Event::from).collect()
}

/// `ingested`, lifted under the budget.
#[derive(ComponentType, Lift)]
#[component(record)]
pub struct Ingested {
    events: Capped<Vec<Event>>,
    rejected: Capped<Vec<Text>>,
}

impl From<Ingested> for wit::Ingested {
    fn from(ingested: Ingested) -> Self {
        Self {
            events: events(ingested.events),
            rejected: texts(ingested.rejected),
        }
    }
}

/// `batch-end`, lifted under the budget.
#[derive(ComponentType, Lift)]
#[component(variant)]
pub enum BatchEnd {
    #[component(name = "eof")]
    Eof,
    #[component(name = "failure")]
    Failure(Text),
}

impl From<BatchEnd> for wit::BatchEnd {
    fn from(end: BatchEnd) -> Self {
        match end {
            BatchEnd::Eof => Self::Eof,
            BatchEnd::Failure(t) => Self::Failure(t.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_is_charged_per_call_and_disarmed_after() {
        {
            let budget = Budget::arm(10);
            assert!(charge(6).is_ok());
            assert!(charge(4).is_ok());
            assert!(!budget.exceeded());
            assert!(charge(1).is_err());
            assert!(budget.exceeded());
        }
        // Outside a call nothing is charged.
        assert!(charge(usize::MAX).is_ok());
        let budget = Budget::arm(1);
        assert!(!budget.exceeded(), "a new call starts with a clean slate");
    }
}
