//! Bridges the author's [`Plugin`] impl to the generated WIT export traits.

use crate::{CONTRACT_VERSION, Plugin, bindings};
use std::marker::PhantomData;

/// Implements the generated `Guest` traits for any [`Plugin`].
pub struct Adapter<P>(PhantomData<P>);

impl<P: Plugin> bindings::exports::lanner::plugin::identity::Guest for Adapter<P> {
    fn info() -> bindings::lanner::plugin::types::PluginInfo {
        bindings::lanner::plugin::types::PluginInfo {
            name: P::NAME.into(),
            version: P::VERSION.into(),
            contract_version: CONTRACT_VERSION.into(),
            event_source: P::EVENT_SOURCE.map(Into::into),
            description: P::DESCRIPTION.into(),
            contact: P::CONTACT.into(),
        }
    }
}
