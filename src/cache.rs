//! A small time-limited map for values that may be read a little stale: API key →
//! site, and the author history behind `/v1/check`. Readers share a read lock; a
//! full map starts over instead of tracking recency, which is enough for the few
//! thousand hot keys a busy instance sees within one time-to-live.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::RwLock;
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    ttl: Duration,
    max_entries: usize,
    entries: RwLock<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    /// A zero `ttl` turns the cache off: nothing is kept.
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        TtlCache {
            ttl,
            max_entries,
            entries: RwLock::new(HashMap::new()),
        }
    }

    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        let (at, value) = entries.get(key)?;
        (at.elapsed() < self.ttl).then(|| value.clone())
    }

    pub fn put(&self, key: K, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= self.max_entries {
            entries.clear();
        }
        entries.insert(key, (Instant::now(), value));
    }

    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_a_full_map_starts_over() {
        let c = TtlCache::new(Duration::from_millis(40), 2);
        c.put("a".to_string(), 1);
        c.put("b".to_string(), 2);
        assert_eq!(c.get("a"), Some(1));
        c.put("c".to_string(), 3);
        assert_eq!((c.get("a"), c.get("c")), (None, Some(3)));
        std::thread::sleep(Duration::from_millis(50));
        assert_eq!(c.get("c"), None);
    }

    #[test]
    fn zero_ttl_keeps_nothing() {
        let c = TtlCache::new(Duration::ZERO, 10);
        c.put(1, 1);
        assert_eq!(c.get(&1), None);
    }
}
