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

/// One file's runs in the last load, read in place from the stored bytes: where each run lies,
/// and the runs in the order of their hashes and of their first rows' groups.
pub(in crate::seed) struct OldRuns {
    bytes: Vec<u8>,
    runs: Vec<OldRun>,
    by_hash: Vec<(u64, u32)>,
    by_first: Vec<(u64, u32)>,
    rows: u64,
}

/// Where a run lies: its record (hash, first group, rows), its ids, its row hashes (a keyed
/// table's), and the place of its first row in the file.
struct OldRun {
    at: u32,
    ids: u32,
    hashes: u32,
    rows: u32,
    row: u64,
}

impl OldRuns {
    fn decode(bytes: Vec<u8>, layout: u64, keyed: bool) -> Option<OldRuns> {
        let head = MAGIC.len() + 8;
        if bytes.get(..head)? != [MAGIC, &layout.to_le_bytes()].concat().as_slice()
            || u32::try_from(bytes.len()).is_err()
        {
            return None;
        }
        let mut runs = Vec::new();
        let mut at = &bytes[head..];
        let (mut rows, mut by_hash, mut by_first) = (0u64, Vec::new(), Vec::new());
        while !at.is_empty() {
            let start = (bytes.len() - at.len()) as u32;
            let hash = take(&mut at, 16)?;
            let first = u64::from_le_bytes(take(&mut at, 8)?.try_into().ok()?);
            let count = u32::try_from(read_varint(&mut at)?).ok()?;
            let ids = (bytes.len() - at.len()) as u32;
            for _ in 0..count {
                read_varint(&mut at)?;
            }
            let hashes = (bytes.len() - at.len()) as u32;
            if keyed {
                take(&mut at, count as usize * 8)?;
            }
            let index = runs.len() as u32;
            by_hash.push((u64::from_le_bytes(hash[8..].try_into().ok()?), index));
            by_first.push((first, index));
            runs.push(OldRun {
                at: start,
                ids,
                hashes,
                rows: count,
                row: rows,
            });
            rows += u64::from(count);
        }
        by_hash.sort_unstable();
        by_first.sort_unstable();
        Some(OldRuns {
            bytes,
            runs,
            by_hash,
            by_first,
            rows,
        })
    }

    /// Rows in all.
    pub(in crate::seed) fn rows(&self) -> u64 {
        self.rows
    }

    pub(in crate::seed) fn len(&self) -> usize {
        self.runs.len()
    }

    /// Run `index` as recorded.
    pub(super) fn run(&self, index: u32) -> Run {
        let at = self.runs[index as usize].at as usize;
        let field = |from: usize, to: usize| &self.bytes[at + from..at + to];
        Run {
            hash: u128::from_le_bytes(field(0, 16).try_into().expect("16 bytes")),
            first: u64::from_le_bytes(field(16, 24).try_into().expect("8 bytes")),
            rows: self.runs[index as usize].rows,
        }
    }

    /// The runs whose key in `sorted` is `key`.
    fn candidates(sorted: &[(u64, u32)], key: u64) -> impl Iterator<Item = u32> + '_ {
        let from = sorted.partition_point(|&(k, _)| k < key);
        sorted[from..]
            .iter()
            .take_while(move |&&(k, _)| k == key)
            .map(|&(_, index)| index)
    }

    /// The run `run` is, if one of the last load was.
    pub(super) fn find(&self, run: Run) -> Option<u32> {
        let key = (run.hash >> 64) as u64;
        let mut found = Self::candidates(&self.by_hash, key);
        found.find(|&index| self.run(index) == run)
    }

    /// Of the rows of the run whose first row's group is `first`, the first not `used` whose
    /// hash is `row`: its run and place in the run (a keyed table's rows only).
    pub(super) fn row_like(&self, first: u64, row: u64, used: &IdSet) -> Option<(u32, u32)> {
        let index = Self::candidates(&self.by_first, first).next()?;
        let run = &self.runs[index as usize];
        if run.hashes as usize + run.rows as usize * 8 > self.bytes.len() {
            return None;
        }
        let hashes = &self.bytes[run.hashes as usize..run.hashes as usize + run.rows as usize * 8];
        let offset = hashes.chunks_exact(8).enumerate().position(|(i, hash)| {
            u64::from_le_bytes(hash.try_into().expect("8 bytes")) == row
                && !used.contains((run.row as usize + i) as i64)
        })?;
        Some((index, offset as u32))
    }

    /// The place in the file of the first row of run `index`.
    pub(super) fn first_row(&self, index: u32) -> u64 {
        self.runs[index as usize].row
    }

    /// The ids of run `index`'s rows, in order.
    pub(in crate::seed) fn ids(&self, index: u32) -> impl Iterator<Item = i64> + '_ {
        let run = &self.runs[index as usize];
        let mut cursor = &self.bytes[run.ids as usize..run.hashes as usize];
        let mut last = 0;
        (0..run.rows).map(move |_| {
            last += unzigzag(read_varint(&mut cursor).unwrap_or(0));
            last
        })
    }
}
