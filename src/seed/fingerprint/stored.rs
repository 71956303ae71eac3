//! The runs of a file's last load, read from `row_fingerprints` as its file comes, in place.

use rusqlite::Connection;

use super::{layout_hash, read_varint, take, unzigzag, Run, MAGIC};
use crate::schema::Identity;
use crate::seed::key_map::IdSet;
use crate::seed::layout::Layout;

/// The fingerprints of a dataset's last load, read one table at a time as its file comes, from
/// the database as committed (a connection of the reading thread's own).
#[derive(Default)]
pub(in crate::seed) struct Fingerprints {
    source: Option<(Connection, i64)>,
}

impl Fingerprints {
    /// Those of dataset `dataset` in the database at `path`; none if it cannot be read.
    pub(in crate::seed) fn open(path: &std::path::Path, dataset: i64) -> Fingerprints {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
        Fingerprints {
            source: Connection::open_with_flags(path, flags)
                .ok()
                .map(|conn| (conn, dataset)),
        }
    }

    /// Whether the last load recorded runs of `layout`'s file, laid out as `layout` is (without
    /// reading them).
    pub(in crate::seed) fn has(&self, layout: &Layout) -> bool {
        let Some((conn, dataset)) = self.source.as_ref() else {
            return false;
        };
        let head: Option<Vec<u8>> = conn
            .query_row(
                "SELECT substr(runs, 1, ?3) FROM row_fingerprints
                 WHERE dataset_id = ?1 AND table_name = ?2 AND part = 0",
                rusqlite::params![dataset, layout.table.name, (MAGIC.len() + 8) as i64],
                |row| row.get(0),
            )
            .ok();
        let expected = [MAGIC, &layout_hash(layout).to_le_bytes()].concat();
        head.is_some_and(|head| head == expected)
    }

    /// The runs `layout`'s file had in the last load, if it was laid out as `layout` is.
    pub(in crate::seed) fn table(&self, layout: &Layout) -> Option<OldRuns> {
        let (conn, dataset) = self.source.as_ref()?;
        let key = rusqlite::params![dataset, layout.table.name];
        let size: i64 = conn
            .query_row(
                "SELECT coalesce(sum(length(runs)), 0) FROM row_fingerprints
                 WHERE dataset_id = ?1 AND table_name = ?2",
                key,
                |row| row.get(0),
            )
            .ok()?;
        // Its parts in order, in one buffer of their size.
        let mut runs = Vec::with_capacity(usize::try_from(size).ok()?);
        let mut stmt = conn
            .prepare(
                "SELECT runs FROM row_fingerprints WHERE dataset_id = ?1 AND table_name = ?2
                 ORDER BY part",
            )
            .ok()?;
        let mut rows = stmt.query(key).ok()?;
        while let Some(row) = rows.next().ok()? {
            runs.extend_from_slice(row.get_ref(0).ok()?.as_blob().ok()?);
        }
        let keyed = !matches!(layout.table.identity, Identity::Columns(_));
        OldRuns::decode(runs, layout_hash(layout), keyed)
    }
}

/// One file's runs in the last load, read in place from the stored bytes: where each run's
/// record begins, the place in the file of its first row, and the runs in the order of their
/// hashes and of their first rows' groups (indexes into the records, compared through the
/// bytes). 12 to 16 bytes a run beside its record (two million statements: 2.3 MB besides their
/// 25 MB of records); each run's length, ids and row hashes are read from its record when asked.
pub(in crate::seed) struct OldRuns {
    bytes: Vec<u8>,
    at: Vec<u32>,
    row: Vec<u32>,
    by_hash: Vec<u32>,
    by_first: Vec<u32>,
    rows: u64,
}

/// The bytes of a run's record before its length: its hash (16) and its first group's (8).
const HEAD: usize = 24;

impl OldRuns {
    fn decode(bytes: Vec<u8>, layout: u64, keyed: bool) -> Option<OldRuns> {
        let head = MAGIC.len() + 8;
        if bytes.get(..head)? != [MAGIC, &layout.to_le_bytes()].concat().as_slice()
            || u32::try_from(bytes.len()).is_err()
        {
            return None;
        }
        // Each record's place and first row, in one pass to count them and one to keep them.
        let each = |mut visit: Box<dyn FnMut(u32, u32) + '_>| -> Option<u64> {
            let mut at = &bytes[head..];
            let mut rows = 0u64;
            while !at.is_empty() {
                let start = (bytes.len() - at.len()) as u32;
                take(&mut at, HEAD)?;
                let count = u32::try_from(read_varint(&mut at)?).ok()?;
                for _ in 0..count {
                    read_varint(&mut at)?;
                }
                if keyed {
                    take(&mut at, count as usize * 8)?;
                }
                visit(start, u32::try_from(rows).ok()?);
                rows += u64::from(count);
            }
            Some(rows)
        };
        let mut runs = 0usize;
        each(Box::new(|_, _| runs += 1))?;
        let (mut at, mut row) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
        let rows = each(Box::new(|start, first| {
            at.push(start);
            row.push(first);
        }))?;
        u32::try_from(rows).ok()?;
        let mut old = OldRuns {
            bytes,
            at,
            row,
            by_hash: Vec::new(),
            by_first: Vec::new(),
            rows,
        };
        old.by_hash = sorted_by(runs, |i| old.hash_key(i));
        if keyed {
            old.by_first = sorted_by(runs, |i| old.first(i));
        }
        Some(old)
    }

    /// Rows in all.
    pub(in crate::seed) fn rows(&self) -> u64 {
        self.rows
    }

    pub(in crate::seed) fn len(&self) -> usize {
        self.at.len()
    }

    fn field(&self, index: u32, from: usize, to: usize) -> &[u8] {
        let at = self.at[index as usize] as usize;
        &self.bytes[at + from..at + to]
    }

    /// The high half of run `index`'s hash, by which runs are sorted.
    fn hash_key(&self, index: u32) -> u64 {
        u64::from_le_bytes(self.field(index, 8, 16).try_into().expect("8 bytes"))
    }

    fn first(&self, index: u32) -> u64 {
        u64::from_le_bytes(self.field(index, 16, HEAD).try_into().expect("8 bytes"))
    }

    /// Run `index`'s record past its head: its length, and the rest.
    fn body(&self, index: u32) -> (u32, &[u8]) {
        let mut at = &self.bytes[self.at[index as usize] as usize + HEAD..];
        let count = read_varint(&mut at).unwrap_or(0) as u32;
        (count, at)
    }

    /// Run `index` as recorded.
    pub(super) fn run(&self, index: u32) -> Run {
        Run {
            hash: u128::from_le_bytes(self.field(index, 0, 16).try_into().expect("16 bytes")),
            first: self.first(index),
            rows: self.body(index).0,
        }
    }

    /// The runs in `sorted` whose key (by `key`) is `wanted`.
    fn candidates<'a>(
        &'a self,
        sorted: &'a [u32],
        key: impl Fn(u32) -> u64 + 'a,
        wanted: u64,
    ) -> impl Iterator<Item = u32> + 'a {
        let from = sorted.partition_point(|&i| key(i) < wanted);
        sorted[from..]
            .iter()
            .copied()
            .take_while(move |&i| key(i) == wanted)
    }

    /// The run `run` is, if one of the last load was; run `hint` is tried first (the one after
    /// the run found last: a file keeps its order).
    pub(super) fn find(&self, run: Run, hint: u32) -> Option<u32> {
        if (hint as usize) < self.len() && self.run(hint) == run {
            return Some(hint);
        }
        let key = (run.hash >> 64) as u64;
        let mut found = self.candidates(&self.by_hash, |i| self.hash_key(i), key);
        found.find(|&index| self.run(index) == run)
    }

    /// The run whose first row's group is `first` (a keyed table's); run `hint` is tried first.
    pub(super) fn run_beginning(&self, first: u64, hint: u32) -> Option<u32> {
        // A link table's runs hold no row hashes to match.
        if self.by_first.is_empty() {
            return None;
        }
        if (hint as usize) < self.len() && self.first(hint) == first {
            return Some(hint);
        }
        self.candidates(&self.by_first, |i| self.first(i), first)
            .next()
    }

    /// Of the rows of run `index`, the first not `used` whose hash is `row`: its place in the
    /// run (a keyed table's rows only).
    pub(super) fn row_like(&self, index: u32, row: u64, used: &IdSet) -> Option<u32> {
        let (count, mut at) = self.body(index);
        for _ in 0..count {
            read_varint(&mut at)?;
        }
        let hashes = at.get(..count as usize * 8)?;
        let first_row = self.first_row(index);
        let offset = hashes.chunks_exact(8).enumerate().position(|(i, hash)| {
            u64::from_le_bytes(hash.try_into().expect("8 bytes")) == row
                && !used.contains((first_row as usize + i) as i64)
        })?;
        Some(offset as u32)
    }

    /// The place in the file of the first row of run `index`.
    pub(super) fn first_row(&self, index: u32) -> u64 {
        u64::from(self.row[index as usize])
    }

    /// The ids of run `index`'s rows, in order.
    pub(in crate::seed) fn ids(&self, index: u32) -> impl Iterator<Item = i64> + '_ {
        let (count, mut cursor) = self.body(index);
        let mut last = 0;
        (0..count).map(move |_| {
            last += unzigzag(read_varint(&mut cursor).unwrap_or(0));
            last
        })
    }
}

/// The runs `0..runs` in the order of their `key`s. Sorted with each key beside its run, rather
/// than looked up in the runs' bytes at every comparison: at a million events, 0.6 s of the
/// checking thread's time, which the writing thread waited for, went to that sort.
fn sorted_by(runs: usize, key: impl Fn(u32) -> u64) -> Vec<u32> {
    let mut keyed: Vec<(u64, u32)> = (0..runs as u32).map(|i| (key(i), i)).collect();
    keyed.sort_unstable();
    keyed.into_iter().map(|(_, i)| i).collect()
}
