//! Puts the events of the per-CPU rings back into one time order.
//!
//! Each CPU's ring is in time order, but the rings are read one after the
//! other and, under load, a bounded number of records at a time: a process
//! forked on one CPU can exec on another, and its exec must not reach the
//! state tables before its fork, nor its arguments after its exec. So events
//! wait in a queue per ring and leave only once no ring can still hold an
//! earlier one: a ring read to its end holds nothing older than the moment it
//! was found empty; a ring read only in part holds nothing older than the
//! last event taken from it.

use crate::event::SyscallEvent;
use std::collections::VecDeque;

/// Events read from the rings, held until every ring has been read past them.
#[derive(Debug)]
pub struct Merge {
    queues: Vec<Queue>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Queue {
    events: VecDeque<SyscallEvent>,
    /// Every event this ring will still give is stamped at or after this time.
    read_up_to_ns: u64,
}

impl Merge {
    /// A merge of `rings` rings, holding at most `capacity` events per ring.
    pub fn new(rings: usize, capacity: usize) -> Self {
        Self {
            queues: (0..rings).map(|_| Queue::default()).collect(),
            capacity,
        }
    }

    /// How many more events ring `ring` may queue.
    pub fn room(&self, ring: usize) -> usize {
        self.queues
            .get(ring)
            .map_or(0, |q| self.capacity.saturating_sub(q.events.len()))
    }

    /// Queues an event read from ring `ring`.
    pub fn push(&mut self, ring: usize, event: SyscallEvent) {
        if let Some(queue) = self.queues.get_mut(ring) {
            queue.read_up_to_ns = queue.read_up_to_ns.max(event.ts_ns);
            queue.events.push_back(event);
        }
    }

    /// Notes that ring `ring` was found empty after `ns`: whatever it gives
    /// later is stamped after that.
    pub fn drained(&mut self, ring: usize, ns: u64) {
        if let Some(queue) = self.queues.get_mut(ring) {
            queue.read_up_to_ns = queue.read_up_to_ns.max(ns);
        }
    }

    /// Moves to `out`, in time order, every queued event no ring can still
    /// precede; returns how many.
    pub fn release(&mut self, out: &mut Vec<SyscallEvent>) -> usize {
        let Some(watermark) = self.queues.iter().map(|q| q.read_up_to_ns).min() else {
            return 0;
        };
        let before = out.len();
        for queue in &mut self.queues {
            while queue.events.front().is_some_and(|e| e.ts_ns <= watermark) {
                out.extend(queue.events.pop_front());
            }
        }
        // Stable: events of one ring with equal stamps keep their order.
        out[before..].sort_by_key(|event| event.ts_ns);
        out.len() - before
    }

    /// Moves every queued event to `out`, in time order, whatever the rings
    /// may still hold: for when reading stops. Returns how many.
    pub fn release_all(&mut self, out: &mut Vec<SyscallEvent>) -> usize {
        let before = out.len();
        for queue in &mut self.queues {
            out.extend(queue.events.drain(..));
        }
        out[before..].sort_by_key(|event| event.ts_ns);
        out.len() - before
    }

    /// Events queued and not yet released.
    #[cfg(test)]
    pub fn held(&self) -> usize {
        self.queues.iter().map(|q| q.events.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventDetail;

    fn event(ts_ns: u64, pid: u32) -> SyscallEvent {
        SyscallEvent {
            ts_ns,
            cpu: 0,
            pid,
            tid: pid,
            uid: 0,
            gid: 0,
            cgroup_id: 0,
            comm: String::new(),
            detail: EventDetail::Exit,
        }
    }

    fn stamps(events: &[SyscallEvent]) -> Vec<u64> {
        events.iter().map(|e| e.ts_ns).collect()
    }

    #[test]
    fn a_ring_read_in_part_holds_back_later_events_of_the_others() {
        let mut merge = Merge::new(2, 3);
        // Ring 0 is backlogged: three events read, more waiting in the kernel.
        for ts in [10, 20, 30] {
            merge.push(0, event(ts, 1));
        }
        assert_eq!(merge.room(0), 0);
        // Ring 1 was read to its end at 100.
        merge.push(1, event(25, 2));
        merge.push(1, event(90, 2));
        merge.drained(1, 100);
        let mut out = Vec::new();
        assert_eq!(merge.release(&mut out), 4);
        assert_eq!(stamps(&out), [10, 20, 25, 30]);
        // The event at 90 waits: ring 0 may still hold one from before it.
        assert_eq!(merge.held(), 1);
        merge.push(0, event(40, 1));
        merge.push(0, event(95, 1));
        merge.drained(0, 120);
        out.clear();
        merge.release(&mut out);
        assert_eq!(stamps(&out), [40, 90, 95]);
        assert_eq!(merge.held(), 0);
    }

    #[test]
    fn stopping_releases_what_was_held_in_order() {
        let mut merge = Merge::new(2, 8);
        merge.push(1, event(20, 2));
        merge.push(1, event(10, 2));
        merge.push(0, event(30, 1));
        let mut out = Vec::new();
        // Ring 1 was read up to 20 only: the event at 30 waits.
        assert_eq!(merge.release(&mut out), 2);
        assert_eq!(merge.held(), 1);
        merge.push(1, event(25, 2));
        out.clear();
        assert_eq!(merge.release_all(&mut out), 2);
        assert_eq!(stamps(&out), [25, 30]);
        assert_eq!(merge.held(), 0);
    }

    #[test]
    fn nothing_is_released_before_every_ring_was_read() {
        let mut merge = Merge::new(2, 8);
        merge.push(0, event(10, 1));
        merge.drained(0, 50);
        let mut out = Vec::new();
        assert_eq!(merge.release(&mut out), 0);
        merge.drained(1, 50);
        assert_eq!(merge.release(&mut out), 1);
    }

    #[test]
    fn a_merge_without_rings_or_with_unknown_rings_is_inert() {
        let mut merge = Merge::new(0, 8);
        merge.push(3, event(1, 1));
        merge.drained(3, 5);
        assert_eq!(merge.room(3), 0);
        assert_eq!(merge.release(&mut Vec::new()), 0);
    }
}
