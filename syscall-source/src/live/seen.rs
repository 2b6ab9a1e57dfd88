//! A set of keys already acted on, bounded in size: what the live stream
//! remembers having announced (cgroups, containers). Anything on the host
//! can make new cgroups and containers forever, so the memory of them must
//! forget; forgetting a key only means announcing it again when it comes
//! back, which the state tables take as a refresh.

use std::{
    collections::{HashSet, VecDeque},
    hash::Hash,
};

/// Keys seen, at most `capacity` of them; the oldest go first.
#[derive(Debug)]
pub struct SeenSet<T> {
    keys: HashSet<T>,
    order: VecDeque<T>,
    capacity: usize,
}

impl<T: Clone + Eq + Hash> SeenSet<T> {
    /// An empty set that holds at most `capacity` keys (at least one).
    pub fn new(capacity: usize) -> Self {
        Self {
            keys: HashSet::new(),
            order: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Whether `key` is in the set.
    pub fn contains(&self, key: &T) -> bool {
        self.keys.contains(key)
    }

    /// Adds `key`; `false` when it was already there. Call [`SeenSet::is_full`]
    /// and make room first where keys can be pruned more wisely than by age.
    pub fn insert(&mut self, key: T) -> bool {
        if self.keys.contains(&key) {
            return false;
        }
        while self.keys.len() >= self.capacity {
            self.evict_oldest();
        }
        self.keys.insert(key.clone());
        self.order.push_back(key);
        true
    }

    /// Whether the next new key would evict one.
    pub fn is_full(&self) -> bool {
        self.keys.len() >= self.capacity
    }

    /// Drops every key for which `keep` is false.
    pub fn retain(&mut self, mut keep: impl FnMut(&T) -> bool) {
        self.order.retain(|key| keep(key));
        self.keys = self.order.iter().cloned().collect();
    }

    /// Drops the oldest keys until at most `len` remain.
    pub fn shrink_to(&mut self, len: usize) {
        while self.keys.len() > len {
            self.evict_oldest();
        }
    }

    /// How many keys are held.
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    /// Whether no key is held.
    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    fn evict_oldest(&mut self) {
        match self.order.pop_front() {
            Some(old) => {
                self.keys.remove(&old);
            }
            None => self.keys.clear(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forgets_the_oldest_past_its_capacity() {
        let mut seen = SeenSet::new(3);
        for key in 0..5 {
            assert!(seen.insert(key));
        }
        assert!(!seen.insert(4), "already there");
        assert_eq!(seen.len(), 3);
        assert!(!seen.contains(&0) && !seen.contains(&1) && seen.contains(&2));
        seen.retain(|key| *key != 3);
        assert_eq!(seen.len(), 2);
        seen.shrink_to(1);
        assert!(seen.contains(&4) && !seen.is_empty());
    }
}
