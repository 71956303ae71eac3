//! Key → id maps: the keys and codes of the tables loaded so far ([`KnownKeys`]), held compactly
//! enough for millions of keys, and the sets that catch an id or a row given twice.
//!
//! [`hash_key`] and [`HashIds`] are public, and hidden from the docs, for benches/key_map.rs only,
//! which times the map against the hand-written one it replaced; everything else here is the
//! loader's alone.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use super::diagnose::SeedError;

pub fn hash_key(key: &str) -> u64 {
    // foldhash with a fixed seed: fast and well spread; the rare collision is handled exactly.
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x636f_6e66_6c69_6374).hash_one(key)
}

/// Marks a hash shared by two keys: those keys are looked up in `collided`.
pub(super) const COLLIDED: i64 = i64::MIN;

/// Key → id for one table, held as a 64-bit hash of the key so that millions of keys fit in a few
/// dozen megabytes. Two keys that share a hash are detected when the second is added (the
/// database's unique index gives each key one id, so a second id under one hash means a second
/// key) and are then kept by their full text, so every lookup is exact.
#[derive(Default)]
pub(super) struct KeyIndex {
    pub(super) hashes: HashIds,
    pub(super) collided: HashMap<String, i64>,
}

/// Hash → id, for [`KeyIndex`]: std's map, keyed by the hash itself.
///
/// Until issue 11 a hand-written map stood here: open addressing over one array of (hash, id)
/// pairs sized to the rows expected, on huge pages, with the entries 4 rows ahead prefetched.
/// benches/key_map.rs keeps it and times the two in the same runs; it did not win beyond the
/// noise, so it went. On 2026-11-30, 1M keys reserved as `reserve_keys` does, three benchmark
/// runs of 5, milliseconds as median (best), hand-written against std: insert 61.2 (50.9) against
/// 50.3 (45.2), 70.7 (64.2) against 86.4 (55.7), 82.4 (68.8) against 60.5 (57.9); 4M lookups in
/// random order, with its prefetch, 383.7 (377.0) against 348.8 (334.7), 513.7 (456.9) against
/// 468.6 (393.2), 476.1 (452.7) against 620.4 (424.6). The bests favour std by 13-19% (insert)
/// and 7-16% (lookup); at 100k keys std is 1.7-2.8× faster, at 5M 1.0-2.6×. What the hand-written
/// map saved was memory: 22.4 bytes a key against 35.7 at 1M keys (std's table is a power of
/// two; 28.5 at 5M), 12 MB of peak RSS in a million-event seed (60 MB against 48).
pub type HashIds = HashMap<u64, i64, ByHash>;

/// Builds [`IdentityHash`]: the keys of [`HashIds`] are foldhash hashes already.
pub type ByHash = BuildHasherDefault<IdentityHash>;

/// A hasher that hands back the `u64` it is given.
#[derive(Default)]
pub struct IdentityHash(u64);

impl Hasher for IdentityHash {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 hashes are hashed by IdentityHash");
    }

    fn write_u64(&mut self, hash: u64) {
        self.0 = hash;
    }
}

impl KeyIndex {
    pub(super) fn reserve(&mut self, additional: usize) {
        self.hashes.reserve(additional);
    }

    pub(super) fn get(&self, key: &str) -> Option<i64> {
        self.get_hashed(hash_key(key), key)
    }

    pub(super) fn get_hashed(&self, hash: u64, key: &str) -> Option<i64> {
        match self.hashes.get(&hash).copied() {
            Some(COLLIDED) => self.collided.get(key).copied(),
            found => found,
        }
    }

    /// Adds `key` → `id`; false if another row already has this key (a duplicate). `key_of`
    /// gives the key of another id, needed only when two keys share a hash.
    pub(super) fn insert(
        &mut self,
        key: &str,
        id: i64,
        key_of: impl FnOnce(i64) -> Result<String, SeedError>,
    ) -> Result<bool, SeedError> {
        self.insert_hashed(hash_key(key), key, id, key_of)
    }

    pub(super) fn insert_hashed(
        &mut self,
        hash: u64,
        key: &str,
        id: i64,
        key_of: impl FnOnce(i64) -> Result<String, SeedError>,
    ) -> Result<bool, SeedError> {
        match self.hashes.get(&hash).copied() {
            None => {
                self.hashes.insert(hash, id);
            }
            Some(COLLIDED) => {
                if self.collided.get(key).is_some_and(|&other| other != id) {
                    return Ok(false);
                }
                self.collided.insert(key.to_string(), id);
            }
            Some(other) if other == id => {}
            Some(other) => {
                let other_key = key_of(other)?;
                if other_key == key {
                    return Ok(false);
                }
                self.collided.insert(other_key, other);
                self.collided.insert(key.to_string(), id);
                self.hashes.insert(hash, COLLIDED);
            }
        }
        Ok(true)
    }
}

/// A set of row ids, one bit each.
#[derive(Default)]
pub(super) struct IdSet(pub(super) Vec<u64>);

impl IdSet {
    /// Adds `id`; false if it was already there.
    pub(super) fn insert(&mut self, id: i64) -> bool {
        let id = id.max(0) as usize;
        let (word, bit) = (id / 64, 1u64 << (id % 64));
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        let fresh = self.0[word] & bit == 0;
        self.0[word] |= bit;
        fresh
    }

    pub(super) fn contains(&self, id: i64) -> bool {
        let id = id.max(0) as usize;
        self.0
            .get(id / 64)
            .is_some_and(|word| word & (1u64 << (id % 64)) != 0)
    }
}

/// Maps looked up for every value loaded: hashed with foldhash rather than SipHash.
pub(super) type FixedFoldHash = foldhash::fast::FixedState;

/// The keys and codes of the tables loaded so far, which later rows refer to: filled as rows are
/// checked (check.rs), and in an update first from the rows already stored.
#[derive(Default)]
pub(super) struct KnownKeys {
    /// Keys of the tables other files refer to.
    pub(super) keys: HashMap<&'static str, KeyIndex, FixedFoldHash>,
    /// Codes of each vocabulary.
    pub(super) codes: HashMap<&'static str, HashSet<String, FixedFoldHash>, FixedFoldHash>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_share_a_hash_are_told_apart_by_their_text() {
        let mut index = KeyIndex::default();
        let keys = ["armenia", "azerbaijan", "russia"];
        let key_of = |id: i64| Ok(keys[id as usize - 1].to_string());
        // Three keys forced under one hash, as a 64-bit collision would put them.
        for (id, key) in (1..).zip(keys) {
            assert!(index.insert_hashed(7, key, id, key_of).unwrap());
        }
        for (id, key) in (1..).zip(keys) {
            assert_eq!(index.get_hashed(7, key), Some(id));
        }
        assert_eq!(index.get_hashed(7, "turkey"), None);
        // The same key again, under a new id, is a duplicate, whether or not it collided.
        assert!(!index.insert_hashed(7, "azerbaijan", 4, key_of).unwrap());
        let mut plain = KeyIndex::default();
        assert!(plain.insert_hashed(9, "armenia", 1, key_of).unwrap());
        assert!(!plain.insert_hashed(9, "armenia", 2, key_of).unwrap());
    }
}
