//! A hash of a file's bytes, taken as the reading thread reads them (no second pass), recorded
//! in `dataset_files.hash` so that a later load, or a user, can tell whether a file changed.
//!
//! The hash is foldhash 0.2's "quality" hash with a fixed seed over 64 KiB blocks, each block's
//! hash chained into the next, then the length: 64 bits, written as 16 hex digits. It is not
//! cryptographic, and not a published format another tool computes: it tells that a file
//! changed, against an accidental change, which is all the loader asks of it. It was chosen for
//! cost: the reading thread is a fresh seed's slowest, and foldhash (a dependency already) hashes
//! several gigabytes a second, where SHA-256 in software would cost about 5% of a fresh seed
//! (docs/issue-13-speed.md). The blocks make the hash independent of how the bytes arrive.

use std::hash::BuildHasher;

/// Bytes per block.
const BLOCK: usize = 64 << 10;

/// The seed of every file hash: changing it changes every recorded hash.
const SEED: u64 = 0x6461_7461_7365_7431;

/// A file's hash, fed its bytes in order.
pub(super) struct FileHash {
    state: foldhash::quality::FixedState,
    /// The bytes of the block being filled.
    block: Vec<u8>,
    chain: u64,
    len: u64,
}

impl Default for FileHash {
    fn default() -> FileHash {
        FileHash {
            state: foldhash::quality::FixedState::with_seed(SEED),
            block: Vec::new(),
            chain: 0,
            len: 0,
        }
    }
}

impl FileHash {
    pub(super) fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        while !bytes.is_empty() {
            if self.block.is_empty() && bytes.len() >= BLOCK {
                // A whole block in place, without copying it.
                self.chain = self.state.hash_one((self.chain, &bytes[..BLOCK]));
                bytes = &bytes[BLOCK..];
                continue;
            }
            let take = (BLOCK - self.block.len()).min(bytes.len());
            self.block.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            if self.block.len() == BLOCK {
                self.chain = self.state.hash_one((self.chain, self.block.as_slice()));
                self.block.clear();
            }
        }
    }

    /// The hash of every byte given, as 16 hex digits.
    pub(super) fn finish(&self) -> String {
        let mut chain = self.chain;
        if !self.block.is_empty() {
            chain = self.state.hash_one((chain, self.block.as_slice()));
        }
        format!("{:016x}", self.state.hash_one((chain, self.len)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(pieces: &[&[u8]]) -> String {
        let mut hash = FileHash::default();
        for piece in pieces {
            hash.update(piece);
        }
        hash.finish()
    }

    #[test]
    fn the_hash_depends_on_the_bytes_not_on_how_they_arrive() {
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let whole = hash(&[&bytes]);
        assert_eq!(whole.len(), 16);
        assert!(whole.bytes().all(|b| b.is_ascii_hexdigit()));
        let (a, rest) = bytes.split_at(3);
        let (b, c) = rest.split_at(70_000);
        assert_eq!(hash(&[a, b, c]), whole);
        let mut edited = bytes.clone();
        edited[150_000] ^= 1;
        assert_ne!(hash(&[&edited]), whole);
        assert_ne!(hash(&[&bytes[..199_999]]), whole);
        assert_ne!(hash(&[b""]), hash(&[b"\n"]));
    }
}
