//! A set of keys already acted on, bounded in size: what the live stream
//! remembers having announced (cgroups, containers). Anything on the host
//! can make new cgroups and containers forever, so the memory of them must
//! forget; forgetting a key only means announcing it again when it comes
//! back, which the state tables take as a refresh.

use crate::state::bounded::BoundedMap;
use std::hash::Hash;

/// Keys seen, at most `capacity` of them: a [`BoundedMap`] without values,
/// so a key asked about again and again (a busy cgroup) outlives one-off
/// keys, as the state tables' entries do.
#[derive(Debug)]
pub struct SeenSet<T>(BoundedMap<T, ()>);

impl<T: Clone + Eq + Hash> SeenSet<T> {
    /// An empty set that holds at most `capacity` keys (at least one).
    pub fn new(capacity: usize) -> Self {
        Self(BoundedMap::new(capacity))
    }

    /// Whether `key` is in the set (which counts as a use of it).
    pub fn contains(&self, key: &T) -> bool {
        self.0.contains(key)
    }

    /// Adds `key`; `false` when it was already there. Call [`SeenSet::is_full`]
    /// and make room first where keys can be pruned more wisely than by use.
    pub fn insert(&mut self, key: T) -> bool {
        if self.0.contains(&key) {
            return false;
        }
        self.0.insert(key, ());
        true
    }

    /// Forgets `key` (an action on it that did not happen after all), so
    /// that it is acted on when seen again.
    pub fn remove(&mut self, key: &T) {
        self.0.remove(key);
    }

    /// Whether the next new key would evict one.
    pub fn is_full(&self) -> bool {
        self.0.is_full()
    }

    /// Drops every key for which `keep` is false.
    pub fn retain(&mut self, keep: impl FnMut(&T) -> bool) {
        self.0.retain(keep);
    }

    /// Evicts keys until at most `len` remain.
    pub fn shrink_to(&mut self, len: usize) {
        self.0.shrink_to(len);
    }

    /// How many keys are held.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_past_its_capacity_and_on_request() {
        let mut seen = SeenSet::new(3);
        for key in 0..5 {
            assert!(seen.insert(key));
        }
        assert!(!seen.insert(4), "already there");
        assert_eq!(seen.len(), 3);
        assert!(!seen.contains(&0) && !seen.contains(&1) && seen.contains(&2));
        seen.retain(|key| *key != 3);
        assert_eq!(seen.len(), 2);
        seen.remove(&2);
        assert!(!seen.contains(&2) && seen.insert(2), "acted on again");
        seen.shrink_to(1);
        assert!(seen.len() == 1 && !seen.is_empty());
    }
}
