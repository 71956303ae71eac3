//! Seeding a dataset again recognises the rows its files still give as its last load gave them,
//! a run of rows at a time, and neither checks nor compares them (`datasets.row_fingerprints`,
//! migrations/V14__row_fingerprints.sql).
//!
//! Every load cuts each file into runs of rows ([`Chunker`]): a run ends after a row whose group
//! (its key; a link row's first column, such as its event) hashes to a multiple of [`SPACING`],
//! where the next row's group differs. Where runs end depends only on the groups, so an edited
//! row changes its own run's hash and no other run's boundaries; a row added or removed changes
//! one run. For each run the load records a 128-bit hash of its rows' bytes as the file gave
//! them ([`raw_hash`]; rows that were not read from a file's bytes, an import's: of their fields)
//! and the ids of the rows it stored (a link row's: the id of its group) ([`Builder`]).
//!
//! Seeding again, a run of the file whose hash and length are a run's of the last load holds rows
//! that load checked and stored, and that are stored as they were: the dataset's rows were not
//! written since but by loads (`edited_since_load`), the same program checks them the same way,
//! under the same header. Its rows are skipped ([`Matcher`]): the writing thread marks their ids
//! as given ([`Skip`]). Every other row is checked and compared as before. The rows of the last
//! load that no skipped run holds are the only ones that may be gone: only they are looked for
//! among the rows the files gave, which is how removals are found without reading every stored
//! row. A reference from a skipped row to a row removed by this load is refused by the removal,
//! naming the row, as before; a key given twice still is, by the ids the writing thread marks.
//!
//! Safe only while every stored row of the dataset in a table is a row of some run, and each
//! group (an event's link rows) lies in one run: a file whose groups are scattered records no
//! fingerprint ([`Builder::finish`]), nor does a table a load kept rows of that its file no
//! longer holds (an import's retracted events).

use std::hash::BuildHasher;

use foldhash::quality::FixedState;

use super::layout::Layout;
use crate::schema::{Identity, Value};

mod matching;
mod record;
mod stored;

pub(super) use matching::{Matcher, Skip};
pub(super) use record::{forget_others, Builder};
pub(super) use stored::{Fingerprints, OldRuns};

/// A run ends after a row whose group hashes to a multiple of this: runs of about 8 groups.
const SPACING: u64 = 8;

/// The first bytes of a stored fingerprint. A change to what makes a row valid, or to how rows
/// are hashed or stored, changes this, and every stored fingerprint is then left unread.
const MAGIC: &[u8] = b"conflictdb row fingerprints 3\n";

/// The seeds of the two hashes of a row, and of the hash of its group.
const SEEDS: [u64; 3] = [
    0x7275_6e73_0000_0001,
    0x7275_6e73_0000_0002,
    0x7275_6e73_0000_0003,
];

/// Ids above this are not fingerprinted (a link table's groups are kept in a set of bits).
const MAX_ID: i64 = 1 << 34;

/// A run of rows: the hash of its rows, how many, and the hash of its first row's group (by
/// which a run that changed is found again).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Run {
    pub(super) hash: u128,
    pub(super) rows: u32,
    pub(super) first: u64,
}

/// Cuts a file's records into runs, in file order.
pub(super) struct Chunker {
    /// The field holding each row's group.
    pub(super) group: usize,
    /// The two hashes of a row (and of its run, chained row by row), and the hash of its group.
    states: [FixedState; 3],
    /// The last record's group hash.
    last: Option<u64>,
    /// The run's two hashes so far, its rows, and its first row's group.
    chain: [u64; 2],
    rows: u32,
    first: u64,
}

impl Chunker {
    /// A chunker for the rows `layout` lays out; None for a table without fingerprints (a
    /// vocabulary, or a file without its group's column).
    pub(super) fn new(layout: &Layout) -> Option<Chunker> {
        let table = layout.table;
        if table.is_vocabulary {
            return None;
        }
        let column = match table.identity {
            Identity::Key => table.columns.iter().position(|c| c.value == Value::Key)?,
            Identity::Columns(identity) => {
                let first = identity.first()?;
                table.columns.iter().position(|c| c.db == *first)?
            }
        };
        Some(Chunker {
            group: layout.positions[column]?,
            states: SEEDS.map(FixedState::with_seed),
            last: None,
            chain: [0, 0],
            rows: 0,
            first: 0,
        })
    }

    /// A record's hashes: of its group, and of the row: `raw`, the hash of the bytes the file
    /// gives it in ([`raw_hash`]), where it was read from a file's bytes; else of its fields
    /// (their bytes and lengths, so that `a,bc` and `ab,c` differ).
    pub(super) fn hashes(&self, record: &csv::StringRecord, raw: Option<u64>) -> RowHashes {
        let group = self.group_hash(record.get(self.group).unwrap_or(""));
        let row = raw.unwrap_or_else(|| {
            let lengths = record.iter().fold(0u64, |acc, field| {
                (acc ^ field.len() as u64).wrapping_mul(0x0000_0100_0000_01b3)
            });
            self.states[0].hash_one((record.as_byte_record().as_slice(), lengths))
        });
        RowHashes { group, row }
    }

    /// The hash of a row's group, its value as the file gives it.
    pub(super) fn group_hash(&self, group: &str) -> u64 {
        self.states[2].hash_one(group)
    }

    /// Takes the next record, by its hashes; gives the run that ended before it, if one did.
    pub(super) fn feed_hashed(&mut self, hashes: RowHashes) -> Option<Run> {
        let ended = match self.last {
            Some(last) if last != hashes.group && last % SPACING == 0 => self.close(),
            _ => None,
        };
        self.last = Some(hashes.group);
        if self.rows == 0 {
            self.first = hashes.group;
        }
        // Two hashes of the run, chained from the rows' with different seeds: 128 bits.
        for (chain, state) in self.chain.iter_mut().zip(&self.states) {
            *chain = state.hash_one((*chain, hashes.row));
        }
        self.rows += 1;
        ended
    }

    /// The end of the file: its last run.
    pub(super) fn finish(&mut self) -> Option<Run> {
        self.close()
    }

    fn close(&mut self) -> Option<Run> {
        if self.rows == 0 {
            return None;
        }
        let [a, b] = std::mem::take(&mut self.chain);
        let run = Run {
            hash: (u128::from(a) << 64) | u128::from(b),
            rows: self.rows,
            first: self.first,
        };
        self.rows = 0;
        Some(run)
    }
}

/// The hash of a record's bytes as the file holds them, from its first byte to its line break:
/// equal bytes parse to equal fields, so a run whose records' bytes are those of a run of the last
/// load holds the same rows, and need not even be parsed (read_ahead.rs). A field
/// written otherwise (quoted where it was not) only makes the row read and compared.
pub(super) fn raw_hash(bytes: &[u8]) -> u64 {
    FixedState::with_seed(SEEDS[0]).hash_one(bytes)
}

/// A record's hashes (see [`Chunker::hashes`]).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct RowHashes {
    group: u64,
    pub(super) row: u64,
}

/// A hash of how a file's header lays out its rows, and of what the source says of them: a run
/// is only the same under the same layout.
pub(super) fn layout_hash(layout: &Layout) -> u64 {
    FixedState::with_seed(SEEDS[2]).hash_one((
        layout.table.name,
        layout.width,
        &layout.positions,
        &layout.end_positions,
        &layout.precision_positions,
        layout.figures_as_published,
    ))
}

fn zigzag(n: i64) -> u64 {
    ((n << 1) ^ (n >> 63)) as u64
}

fn unzigzag(n: u64) -> i64 {
    ((n >> 1) as i64) ^ -((n & 1) as i64)
}

fn write_varint(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn read_varint(at: &mut &[u8]) -> Option<u64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = at.split_first()?;
        *at = rest;
        n |= u64::from(byte & 0x7f) << shift;
        if byte < 0x80 {
            return Some(n);
        }
    }
    None
}

fn take<'a>(at: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if at.len() < n {
        return None;
    }
    let (taken, rest) = at.split_at(n);
    *at = rest;
    Some(taken)
}
