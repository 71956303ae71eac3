//! Key → id maps: the keys and codes of the tables loaded so far ([`KnownKeys`]), held compactly
//! enough for millions of keys, and the sets that catch an id or a row given twice.
//!
//! [`hash_key`] and [`HashIds`] are public, and hidden from the docs, for benches/key_map.rs only,
//! which times the map against the hand-written one it replaced; everything else here is the
//! loader's alone.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use super::diagnose::SeedError;
use super::key_lookup::KeyLookup;

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
    /// The keys added as rows are checked.
    pub(super) hashes: HashIds,
    /// The keys stored before an update, loaded all at once ([`KeyIndex::stored`]).
    stored: StoredIds,
    pub(super) collided: HashMap<String, i64>,
    /// For a table only its own file refers to, in an update: the stored keys looked up in the
    /// database rather than held (key_lookup.rs); every other field is then unused.
    lookup: Option<KeyLookup>,
}

/// Hash → id for the keys stored before an update: the pairs sorted by hash, with a directory
/// of where each run of leading hash bits starts (12 bytes a key and a quarter byte or less),
/// where a hash map holds 17 per slot and, being a power of two, up to twice the slots: at a
/// million events (events, casualties and two million statements stored) the maps took about
/// 140 MB, over the 100 MB a re-seed may use. The hashes are evenly spread, so each directory
/// run holds a few pairs.
#[derive(Default)]
struct StoredIds {
    pairs: Vec<Pair>,
    /// The pairs whose id is above what a pair holds (none in practice: ids count rows).
    large: HashIds,
    /// `starts[b]`: the first pair whose hash's leading bits are `b` (and one more at the end).
    starts: Vec<u32>,
    /// 64 less the number of leading bits the directory uses.
    shift: u32,
}

/// A hash and its id in 12 bytes: an id from 0 to `u32::MAX - 1`, or [`COLLIDED`] as
/// `u32::MAX`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[repr(C, packed(4))]
struct Pair {
    hash: u64,
    id: u32,
}

impl Pair {
    /// The pair of `hash` and `id`, if the id fits.
    fn new(hash: u64, id: i64) -> Option<Pair> {
        let id = match id {
            COLLIDED => u32::MAX,
            id => u32::try_from(id).ok().filter(|&id| id < u32::MAX)?,
        };
        Some(Pair { hash, id })
    }

    fn hash(self) -> u64 {
        self.hash
    }

    fn id(self) -> i64 {
        match self.id {
            u32::MAX => COLLIDED,
            id => i64::from(id),
        }
    }
}

impl StoredIds {
    /// The pairs, sorted, with their directory.
    fn new(given: impl Iterator<Item = (u64, i64)>, capacity: usize) -> StoredIds {
        let mut pairs = Vec::with_capacity(capacity);
        let mut large = HashIds::default();
        for (hash, id) in given {
            match Pair::new(hash, id) {
                Some(pair) => pairs.push(pair),
                None => {
                    large.insert(hash, id);
                }
            }
        }
        pairs.sort_unstable();
        pairs.shrink_to_fit();
        // About 8 to 16 pairs a run: a directory of 2 or 4 bits a key.
        let bits = (usize::BITS - (pairs.len() / 16).max(1).leading_zeros()).min(32);
        let shift = 64 - bits;
        let mut starts = Vec::with_capacity((1 << bits) + 1);
        let mut at = 0;
        for run in 0..(1u64 << bits) {
            while at < pairs.len() && pairs[at].hash() >> shift < run {
                at += 1;
            }
            starts.push(at as u32);
        }
        starts.push(pairs.len() as u32);
        StoredIds {
            pairs,
            large,
            starts,
            shift,
        }
    }

    fn len(&self) -> usize {
        self.pairs.len() + self.large.len()
    }

    /// Every pair, as (hash, id).
    fn drain(&mut self) -> impl Iterator<Item = (u64, i64)> {
        let pairs = std::mem::take(&mut self.pairs);
        let large = std::mem::take(&mut self.large);
        pairs
            .into_iter()
            .map(|pair| (pair.hash(), pair.id()))
            .chain(large)
    }

    fn get(&self, hash: u64) -> Option<i64> {
        if self.pairs.is_empty() {
            return self.large.get(&hash).copied();
        }
        let run = (hash >> self.shift) as usize;
        let (start, end) = (self.starts[run] as usize, self.starts[run + 1] as usize);
        if start == end {
            return self.large.get(&hash).copied();
        }
        // The hashes of a run are evenly spread over its range: start where this one falls,
        // and step towards it (usually the pair is the one guessed, or next to it).
        let within = if self.shift == 64 {
            hash
        } else {
            hash << (64 - self.shift)
        };
        let guess = start + ((within as u128 * (end - start) as u128) >> 64) as usize;
        let mut at = guess.min(end - 1);
        while at > start && self.pairs[at].hash() > hash {
            at -= 1;
        }
        while at < end && self.pairs[at].hash() < hash {
            at += 1;
        }
        match at < end && self.pairs[at].hash() == hash {
            true => Some(self.pairs[at].id()),
            false => self.large.get(&hash).copied(),
        }
    }
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
    /// The keys of a table looked up in the database (key_lookup.rs).
    pub(super) fn looked_up(lookup: KeyLookup) -> KeyIndex {
        KeyIndex {
            lookup: Some(lookup),
            ..KeyIndex::default()
        }
    }

    pub(super) fn reserve(&mut self, additional: usize) {
        // Looked up keys are added only as rows are checked, a few.
        if self.lookup.is_none() {
            self.hashes.reserve(additional);
        }
    }

    pub(super) fn get(&self, key: &str) -> Option<i64> {
        self.get_hashed(hash_key(key), key)
    }

    pub(super) fn get_hashed(&self, hash: u64, key: &str) -> Option<i64> {
        if let Some(lookup) = &self.lookup {
            return lookup.get(key);
        }
        match self.id_of_hash(hash) {
            Some(COLLIDED) => self.collided.get(key).copied(),
            found => found,
        }
    }

    /// The id under `hash`: COLLIDED if several keys share it.
    fn id_of_hash(&self, hash: u64) -> Option<i64> {
        self.hashes
            .get(&hash)
            .copied()
            .or_else(|| self.stored.get(hash))
    }

    /// How many keys it holds.
    pub(super) fn len(&self) -> usize {
        self.hashes.len() + self.stored.len() + self.lookup.as_ref().map_or(0, KeyLookup::len)
    }

    /// The keys stored before an update, as (key, id), all at once: kept as sorted pairs, which
    /// take less memory than the map. `key_of` gives the key of an id, for keys sharing a hash.
    pub(super) fn stored(
        keys: impl Iterator<Item = Result<(String, i64), SeedError>>,
        capacity: usize,
    ) -> Result<KeyIndex, SeedError> {
        let mut failed = None;
        // Two keys may share a hash: `shared_hashes` finds them once the pairs are sorted.
        let pairs = keys.map_while(|row| match row {
            Ok((key, id)) => Some((hash_key(&key), id)),
            Err(error) => {
                failed = Some(error);
                None
            }
        });
        let stored = StoredIds::new(pairs, capacity);
        match failed {
            Some(error) => Err(error),
            None => Ok(KeyIndex {
                stored,
                ..KeyIndex::default()
            }),
        }
    }

    /// The hashes that several stored keys share, with their ids: to be told apart by their keys.
    pub(super) fn shared_hashes(&self) -> Vec<(u64, Vec<i64>)> {
        let pairs = &self.stored.pairs;
        let mut shared = Vec::new();
        let mut at = 0;
        while at < pairs.len() {
            let hash = pairs[at].hash();
            let end = at + pairs[at..].iter().take_while(|p| p.hash() == hash).count();
            if end - at > 1 {
                shared.push((hash, pairs[at..end].iter().map(|p| p.id()).collect()));
            }
            at = end;
        }
        shared
    }

    /// Holds the keys added so far as sorted pairs, which take half the memory of the map (see
    /// [`StoredIds`]): for a table whose file is read, and whose keys only later files look up.
    pub(super) fn freeze(&mut self) {
        let hashes = std::mem::take(&mut self.hashes);
        if hashes.is_empty() {
            return;
        }
        let capacity = self.stored.len() + hashes.len();
        // A hash several keys share keeps its mark, COLLIDED, and its keys in `collided`.
        let pairs = self.stored.drain().chain(hashes);
        self.stored = StoredIds::new(pairs, capacity);
    }

    /// Keys that share a hash with another: each kept by its text, the hash marked.
    pub(super) fn keep_shared(&mut self, hash: u64, keys: Vec<(String, i64)>) {
        for (key, id) in keys {
            self.collided.insert(key, id);
        }
        // A hash of the map is looked up before the stored pairs.
        self.hashes.insert(hash, COLLIDED);
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
        if let Some(lookup) = &mut self.lookup {
            return Ok(lookup.insert(key, id));
        }
        match self.id_of_hash(hash) {
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
    /// The ids of the sources that are published data sets ([`crate::schema::PUBLISHED_DATA`]).
    pub(super) published: HashSet<i64, FixedFoldHash>,
    /// Tables other files may refer to whose keys this load does not keep, since no file of it
    /// does (a fresh load, see kept_keys.rs).
    pub(super) not_kept: Vec<&'static str>,
    /// Tables whose stored keys an update looks up in the database rather than holding them:
    /// those only their own file refers to (key_lookup.rs).
    pub(super) looked_up: Vec<&'static str>,
}

impl KnownKeys {
    /// The codes of `vocabulary`: none where neither the load nor the database gives any.
    pub(super) fn codes_of(&self, vocabulary: &str) -> &HashSet<String, FixedFoldHash> {
        static NONE: std::sync::LazyLock<HashSet<String, FixedFoldHash>> =
            std::sync::LazyLock::new(HashSet::default);
        self.codes.get(vocabulary).unwrap_or(&NONE)
    }

    /// Whether the keys of `table` are kept as its rows are checked, for the rows that refer to
    /// them.
    pub(super) fn keeps(&self, table: &crate::schema::Table) -> bool {
        table.referenced && !self.not_kept.contains(&table.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_keys_are_found_by_their_sorted_hashes_and_new_keys_beside_them() {
        for count in [0usize, 1, 3, 5, 1000, 70_000] {
            let keys: Vec<(String, i64)> = (0..count)
                .map(|n| (format!("key-{n}"), n as i64 + 1))
                .collect();
            let mut index = KeyIndex::stored(keys.clone().into_iter().map(Ok), count).unwrap();
            assert!(index.shared_hashes().is_empty());
            assert_eq!(index.len(), count);
            for (key, id) in &keys {
                assert_eq!(index.get(key), Some(*id), "{key}");
            }
            assert_eq!(index.get("key-absent"), None);
            // A stored key again under its own id is no duplicate; under another id it is.
            let unreachable = |_| unreachable!("no two keys share a hash here");
            if let Some((key, id)) = keys.last() {
                assert!(index.insert(key, *id, unreachable).unwrap());
                let key_of = |_| Ok(key.clone());
                assert!(!index.insert(key, id + 1, key_of).unwrap());
            }
            assert!(index.insert("new", 0, unreachable).unwrap());
            assert_eq!(index.get("new"), Some(0));
        }
        // Ids beyond what a 12-byte pair holds are kept beside the pairs, and frozen with them.
        let big = i64::from(u32::MAX) + 7;
        let keys = [("small".to_string(), 3), ("big".to_string(), big)];
        let mut index = KeyIndex::stored(keys.into_iter().map(Ok), 2).unwrap();
        assert_eq!((index.get("small"), index.get("big")), (Some(3), Some(big)));
        let unreachable = |_| unreachable!("no two keys share a hash here");
        assert!(index.insert("later", big + 1, unreachable).unwrap());
        index.freeze();
        assert_eq!(index.len(), 3);
        assert_eq!(
            (index.get("small"), index.get("big"), index.get("later")),
            (Some(3), Some(big), Some(big + 1))
        );
        // Two stored keys under one hash: kept by their text.
        let mut index = KeyIndex::stored(
            [("a".to_string(), 1), ("b".to_string(), 2)]
                .into_iter()
                .map(Ok),
            2,
        )
        .unwrap();
        index.keep_shared(hash_key("a"), vec![("a".into(), 1), ("z".into(), 9)]);
        assert_eq!(index.get("a"), Some(1));
        assert_eq!(index.get_hashed(hash_key("a"), "z"), Some(9));
        assert_eq!(index.get("b"), Some(2));
    }

    #[test]
    fn frozen_keys_are_found_as_before_and_keys_sharing_a_hash_still_by_their_text() {
        let mut index = KeyIndex::default();
        let keys: Vec<String> = (0..5000).map(|n| format!("key-{n}")).collect();
        let key_of = |id: i64| Ok(keys[id as usize - 1].clone());
        for (id, key) in (1..).zip(&keys) {
            assert!(index.insert(key, id, key_of).unwrap());
        }
        // Two more keys forced under one hash, as a 64-bit collision would put them.
        let shared = |id: i64| Ok(["shared-a", "shared-b"][id as usize - 9001].to_string());
        assert!(index.insert_hashed(7, "shared-a", 9001, shared).unwrap());
        assert!(index.insert_hashed(7, "shared-b", 9002, shared).unwrap());
        index.freeze();
        assert!(index.hashes.is_empty());
        assert_eq!(index.len(), keys.len() + 1);
        for (id, key) in (1..).zip(&keys) {
            assert_eq!(index.get(key), Some(id), "{key}");
        }
        assert_eq!(index.get("key-absent"), None);
        assert_eq!(index.get_hashed(7, "shared-a"), Some(9001));
        assert_eq!(index.get_hashed(7, "shared-b"), Some(9002));
        assert_eq!(index.get_hashed(7, "shared-c"), None);
    }

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
