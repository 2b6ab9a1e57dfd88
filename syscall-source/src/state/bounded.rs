//! A map that holds at most a fixed number of entries, for tables whose keys
//! anyone on the host can mint forever (cgroup ids, container ids): the
//! records that fill them come from the live stream or from a capture file,
//! and neither may grow Lanner's memory without bound.
//!
//! Eviction is second-chance ("clock"): a lookup marks its entry used, and
//! when the map is full the oldest entries are looked at in insertion order;
//! a used one loses its mark and goes to the back, an unused one is evicted.
//! So an entry that events keep asking for (a long-lived container's cgroup)
//! survives any number of one-off insertions (cgroup churn), at the cost of
//! one flag write per lookup and amortised O(1) work per insertion.

use std::{
    borrow::Borrow,
    cell::Cell,
    collections::{HashMap, VecDeque},
    hash::{BuildHasher, Hash},
};

/// A bounded map with second-chance eviction (see the module docs).
pub struct BoundedMap<K, V, S = std::collections::hash_map::RandomState> {
    entries: HashMap<K, Slot<V>, S>,
    /// Keys in the order they (re)entered the clock; each key once.
    order: VecDeque<K>,
    capacity: usize,
    evicted: u64,
}

struct Slot<V> {
    value: V,
    used: Cell<bool>,
}

impl<K: std::fmt::Debug, V: std::fmt::Debug, S> std::fmt::Debug for BoundedMap<K, V, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BoundedMap")
            .field("len", &self.entries.len())
            .field("capacity", &self.capacity)
            .field("evicted", &self.evicted)
            .finish()
    }
}

impl<K, V, S: Default> BoundedMap<K, V, S> {
    /// An empty map that holds at most `capacity` entries (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::default(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
            evicted: 0,
        }
    }
}

impl<K, V, S: Default> Default for BoundedMap<K, V, S> {
    /// An empty map of [`DEFAULT_CAPACITY`] entries.
    fn default() -> Self {
        Self::new(DEFAULT_CAPACITY)
    }
}

/// The capacity of a [`BoundedMap`] made with `Default`.
pub const DEFAULT_CAPACITY: usize = 16_384;

impl<K: Clone + Eq + Hash, V, S: BuildHasher> BoundedMap<K, V, S> {
    /// The value under `key`, marking it used.
    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let slot = self.entries.get(key)?;
        slot.used.set(true);
        Some(&slot.value)
    }

    /// Sets `key` to `value`, evicting an entry first when the map is full
    /// and `key` is new.
    pub fn insert(&mut self, key: K, value: V) {
        if let Some(slot) = self.entries.get_mut(&key) {
            slot.value = value;
            slot.used.set(true);
            return;
        }
        while self.entries.len() >= self.capacity {
            self.evict_one();
        }
        self.order.push_back(key.clone());
        self.entries.insert(
            key,
            Slot {
                value,
                used: Cell::new(false),
            },
        );
    }

    /// Whether `key` is held, marking it used.
    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.get(key).is_some()
    }

    /// Removes `key`, returning its value. Not counted as an eviction.
    pub fn remove<Q>(&mut self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let value = self.entries.remove(key)?.value;
        // Its place in `order` stays until compacted, which a removal does
        // once `order` holds twice the capacity: so it stays within three
        // times the capacity, and a compaction (linear) comes once per
        // `capacity` removals at most.
        if self.order.len() >= 2 * self.capacity {
            self.compact();
        }
        Some(value)
    }

    /// Drops every entry whose key `keep` refuses. Not counted as evictions.
    pub fn retain(&mut self, mut keep: impl FnMut(&K) -> bool) {
        self.entries.retain(|key, _| keep(key));
        self.compact();
    }

    /// Evicts entries (as when full) until at most `len` remain.
    pub fn shrink_to(&mut self, len: usize) {
        while self.entries.len() > len {
            self.evict_one();
        }
    }

    /// Whether inserting a new key would evict an entry.
    pub fn is_full(&self) -> bool {
        self.entries.len() >= self.capacity
    }

    /// How many entries are held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no entry is held.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many entries were evicted to stay within the capacity.
    pub fn evicted(&self) -> u64 {
        self.evicted
    }

    /// Drops from `order` the places of keys removed (and the older place
    /// of a key removed and inserted again), restoring "each key once".
    fn compact(&mut self) {
        let mut placed = std::collections::HashSet::with_capacity(self.entries.len());
        let entries = &self.entries;
        self.order
            .retain(|key| entries.contains_key(key) && placed.insert(key.clone()));
    }

    fn evict_one(&mut self) {
        // Each key held is in `order` (once, but for stale places that
        // are skipped), so within two passes an unused entry is found: the
        // first pass clears every mark.
        while let Some(key) = self.order.pop_front() {
            match self.entries.get(&key) {
                Some(slot) if slot.used.replace(false) => self.order.push_back(key),
                Some(_) => {
                    self.entries.remove(&key);
                    self.evicted += 1;
                    return;
                }
                None => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_at_most_its_capacity() {
        let mut map: BoundedMap<u64, u64> = BoundedMap::new(100);
        for id in 0..10_000 {
            map.insert(id, id);
        }
        assert_eq!(map.len(), 100);
        assert_eq!(map.evicted(), 9_900);
        assert_eq!(map.get(&9_999), Some(&9_999));
        assert_eq!(map.get(&0), None);
    }

    #[test]
    fn an_entry_in_use_survives_churn() {
        let mut map: BoundedMap<u64, &str> = BoundedMap::new(8);
        map.insert(1, "long-lived container");
        for id in 100..10_000 {
            // Events of the long-lived container keep arriving between
            // one-off cgroups.
            assert_eq!(map.get(&1), Some(&"long-lived container"), "lost at {id}");
            map.insert(id, "churn");
        }
        assert!(map.len() <= 8);
    }

    #[test]
    fn removing_and_reinserting_keeps_the_order_queue_bounded() {
        let mut map: BoundedMap<u64, ()> = BoundedMap::new(4);
        map.insert(1, ());
        for _ in 0..10_000 {
            map.insert(7, ());
            assert_eq!(map.remove(&7), Some(()));
        }
        assert_eq!(map.remove(&7), None);
        map.insert(7, ());
        assert!(map.order.len() <= 3 * 4, "{}", map.order.len());
        assert!(map.contains(&1) && map.contains(&7) && map.len() == 2);
        map.retain(|key| *key != 1);
        assert_eq!((map.len(), map.order.len()), (1, 1));
        assert_eq!(map.evicted(), 0, "removals are not evictions");
        map.insert(8, ());
        map.insert(9, ());
        map.shrink_to(1);
        assert_eq!(map.len(), 1);
    }

    #[test]
    fn reinserting_updates_in_place() {
        let mut map: BoundedMap<String, u32> = BoundedMap::new(2);
        map.insert("a".into(), 1);
        map.insert("a".into(), 2);
        assert_eq!(map.len(), 1);
        assert_eq!(map.get("a"), Some(&2));
    }
}
