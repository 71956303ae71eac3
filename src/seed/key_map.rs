//! Key → id maps: the keys and codes of the tables loaded so far ([`KnownKeys`]), held compactly
//! enough for millions of keys, and the sets that catch an id or a row given twice.

use std::collections::{HashMap, HashSet};

use super::diagnose::SeedError;

pub(super) fn hash_key(key: &str) -> u64 {
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

/// Hash → id, for [`KeyIndex`]: open addressing over one array of (hash, id) pairs kept at most
/// three quarters full, so that a lookup usually reads one cache line. The array is sized to the
/// rows expected rather than to a power of two: a million keys take 22 MB, not 32. Lookups land
/// at random across tens of megabytes, so the array also asks the kernel for huge pages: with
/// 4 KiB pages nearly every lookup would miss the TLB as well.
#[derive(Default)]
pub(super) struct HashIds {
    /// Pairs of (hash, id) side by side; a hash of 0 marks a free slot (a key that hashes to 0
    /// is kept under 1: two keys under one hash are told apart by [`KeyIndex`] anyway).
    pub(super) slots: Vec<u64>,
    pub(super) len: usize,
}

impl HashIds {
    pub(super) fn capacity(&self) -> usize {
        self.slots.len() / 2
    }

    /// The slot where the search for `hash` starts: the hash scaled to the capacity, which
    /// need not be a power of two.
    pub(super) fn home(&self, hash: u64) -> usize {
        ((u128::from(hash) * self.capacity() as u128) >> 64) as usize
    }

    /// The slot holding `hash`, or the free slot where it would go.
    pub(super) fn find(&self, hash: u64) -> usize {
        let mut slot = self.home(hash);
        while self.slots[2 * slot] != hash && self.slots[2 * slot] != 0 {
            slot += 1;
            if slot == self.capacity() {
                slot = 0;
            }
        }
        slot
    }

    /// Starts loading the slot of `hash` into the processor's cache.
    pub(super) fn prefetch(&self, hash: u64) {
        #[cfg(target_arch = "x86_64")]
        if self.len > 0 {
            let slot = self.home(hash.max(1));
            let address = self.slots[2 * slot..].as_ptr().cast::<i8>();
            // SAFETY: SSE, which PREFETCH needs, is part of every x86-64 processor; the address
            // lies within `slots`, and a prefetch is a hint that never faults or changes memory.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(address);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = hash;
    }

    pub(super) fn get(&self, hash: u64) -> Option<i64> {
        if self.len == 0 {
            return None;
        }
        let hash = hash.max(1);
        let slot = self.find(hash);
        (self.slots[2 * slot] == hash).then(|| self.slots[2 * slot + 1] as i64)
    }

    /// Sets `hash` → `id`, adding the hash or replacing its id.
    pub(super) fn set(&mut self, hash: u64, id: i64) {
        self.reserve(1);
        let hash = hash.max(1);
        let slot = self.find(hash);
        if self.slots[2 * slot] == 0 {
            self.len += 1;
        }
        self.slots[2 * slot] = hash;
        self.slots[2 * slot + 1] = id as u64;
    }

    pub(super) fn reserve(&mut self, additional: usize) {
        let needed = self.len + additional;
        if needed * 4 <= self.capacity() * 3 {
            return;
        }
        // Just enough for the rows expected (see reserve_keys), or twice as many as before.
        let capacity = (needed * 4 / 3 + 1).max(2 * self.capacity()).max(64);
        let mut slots = vec![0u64; 2 * capacity];
        advise_huge_pages(&mut slots);
        let old = std::mem::replace(&mut self.slots, slots);
        self.len = 0;
        for pair in old.chunks_exact(2).filter(|pair| pair[0] != 0) {
            self.set(pair[0], pair[1] as i64);
        }
    }
}

/// Asks the kernel to back `memory` with huge pages, before it is first written.
#[cfg(target_os = "linux")]
pub(super) fn advise_huge_pages(memory: &mut [u64]) {
    const PAGE: usize = 4096;
    let start = memory.as_mut_ptr() as usize;
    let end = start + std::mem::size_of_val(memory);
    let first = start.next_multiple_of(PAGE);
    if end >= first + 2 * 1024 * 1024 {
        // SAFETY: the range lies within `memory`, borrowed mutably here, and MADV_HUGEPAGE changes
        // only how the kernel backs the pages, never their contents. A refusal (a kernel without
        // huge pages) changes nothing, so the result is not needed.
        unsafe {
            libc::madvise(
                first as *mut libc::c_void,
                (end - first) / PAGE * PAGE,
                libc::MADV_HUGEPAGE,
            );
        }
    }
}

#[cfg(not(target_os = "linux"))]
pub(super) fn advise_huge_pages(_: &mut [u64]) {}

impl KeyIndex {
    pub(super) fn reserve(&mut self, additional: usize) {
        self.hashes.reserve(additional);
    }

    pub(super) fn get(&self, key: &str) -> Option<i64> {
        self.get_hashed(hash_key(key), key)
    }

    pub(super) fn get_hashed(&self, hash: u64, key: &str) -> Option<i64> {
        match self.hashes.get(hash) {
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
        match self.hashes.get(hash) {
            None => {
                self.hashes.set(hash, id);
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
                self.hashes.set(hash, COLLIDED);
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

    #[test]
    fn the_hash_map_wraps_past_its_last_slot_and_keeps_every_entry_as_it_grows() {
        let mut ids = HashIds::default();
        ids.reserve(10);
        let capacity = ids.capacity();
        assert_eq!(capacity, 64, "the smallest array");
        // Hashes this high start their search at the last slot; the second and third wrap round
        // to the first slots.
        let high = [u64::MAX, u64::MAX - 1, u64::MAX - 2];
        for (id, hash) in (1..).zip(high) {
            ids.set(hash, id);
        }
        assert_eq!(ids.home(u64::MAX), capacity - 1);
        for (id, hash) in (1..).zip(high) {
            assert_eq!(ids.get(hash), Some(id));
        }
        // Growing past three quarters rehashes everything, to a size that is not a power of two.
        let spread = |n: u64| n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        for n in 0..1000 {
            ids.set(spread(n), 100 + n as i64);
        }
        assert!(
            ids.capacity() * 3 >= ids.len * 4,
            "at most three quarters full"
        );
        for (id, hash) in (1..).zip(high) {
            assert_eq!(ids.get(hash), Some(id));
        }
        for n in 0..1000 {
            assert_eq!(ids.get(spread(n)), Some(100 + n as i64));
        }
        assert_eq!(ids.get(12345), None);
        let mut sized = HashIds::default();
        sized.reserve(1_000);
        assert_eq!(sized.capacity(), 1_334, "sized to the entries expected");
    }
}
