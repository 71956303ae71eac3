//! Seeding a dataset again recognises the rows its files still give as its last load gave them,
//! a run of rows at a time, and neither checks nor compares them (`datasets.row_fingerprints`,
//! migrations/V14__row_fingerprints.sql).
//!
//! Every load cuts each file into runs of rows ([`Chunker`]): a run ends after a row whose group
//! (its key; a link row's first column, such as its event) hashes to a multiple of [`SPACING`],
//! where the next row's group differs. Where runs end depends only on the groups, so an edited
//! row changes its own run's hash and no other run's boundaries; a row added or removed changes
//! one run. For each run the load records a 128-bit hash of its rows' fields as the file gave
//! them and the ids of the rows it stored (a link row's: the id of its group) ([`Builder`]).
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

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

use foldhash::quality::FixedState;
use rusqlite::Connection;

use super::key_map::IdSet;
use super::layout::Layout;
use crate::schema::{Identity, Value};

/// A run ends after a row whose group hashes to a multiple of this: runs of about 8 groups.
const SPACING: u64 = 8;

/// The first bytes of a stored fingerprint. A change to what makes a row valid, or to how rows
/// are hashed or stored, changes this, and every stored fingerprint is then left unread.
const MAGIC: &[u8] = b"conflictdb row fingerprints 1\n";

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
    group: usize,
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

    /// A record's hashes: of its group, and of its fields (their bytes and lengths, so that
    /// `a,bc` and `ab,c` differ).
    pub(super) fn hashes(&self, record: &csv::StringRecord) -> RowHashes {
        let group = self.states[2].hash_one(record.get(self.group).unwrap_or(""));
        let lengths = record.iter().fold(0u64, |acc, field| {
            (acc ^ field.len() as u64).wrapping_mul(0x0000_0100_0000_01b3)
        });
        let row = self.states[0].hash_one((record.as_byte_record().as_slice(), lengths));
        RowHashes { group, row }
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

/// Records one file's runs as a load stores its rows.
pub(super) struct Builder {
    chunker: Chunker,
    table: &'static str,
    layout: u64,
    runs: Vec<Run>,
    /// Each row's id, as a delta from the row before (zigzag varints).
    ids: Vec<u8>,
    last_id: i64,
    /// Whether rows are link rows, whose id is their group's (each group must lie in one run).
    link: bool,
    /// A keyed row's hash, by which a row of a run that changed is found again.
    row_hashes: Vec<u64>,
    /// The groups of the run being filled, and of the runs before it.
    open: Vec<i64>,
    closed: IdSet,
    valid: bool,
}

impl Builder {
    pub(super) fn new(layout: &Layout) -> Option<Builder> {
        Some(Builder {
            chunker: Chunker::new(layout)?,
            table: layout.table.name,
            layout: layout_hash(layout),
            runs: Vec::new(),
            ids: Vec::new(),
            last_id: 0,
            link: matches!(layout.table.identity, Identity::Columns(_)),
            row_hashes: Vec::new(),
            open: Vec::new(),
            closed: IdSet::default(),
            valid: true,
        })
    }

    /// The next row of the file, stored with `id` (a link row: its group's id; None if it has
    /// none, which leaves the file without a fingerprint).
    /// `hashes`: the record's, if the reading thread took them.
    pub(super) fn push(
        &mut self,
        record: &csv::StringRecord,
        hashes: Option<RowHashes>,
        id: Option<i64>,
    ) {
        if !self.valid {
            return;
        }
        let hashes = hashes.unwrap_or_else(|| self.chunker.hashes(record));
        if let Some(run) = self.chunker.feed_hashed(hashes) {
            self.close(run);
        }
        let Some(id) = id.filter(|id| (1..MAX_ID).contains(id)) else {
            self.valid = false;
            return;
        };
        if self.link {
            // A group met again after its run ended: the file's groups are scattered.
            if self.closed.contains(id) {
                self.valid = false;
                return;
            }
            self.open.push(id);
        } else {
            self.row_hashes.push(hashes.row);
        }
        write_varint(&mut self.ids, zigzag(id - self.last_id));
        self.last_id = id;
    }

    fn close(&mut self, run: Run) {
        self.runs.push(run);
        for id in self.open.drain(..) {
            self.closed.insert(id);
        }
    }

    /// The file's fingerprint, unless its rows could not have one.
    pub(super) fn finish(mut self) -> Option<(&'static str, Vec<u8>)> {
        if let Some(run) = self.chunker.finish() {
            self.close(run);
        }
        if !self.valid {
            return None;
        }
        let size = self.ids.len() + self.runs.len() * 28 + self.row_hashes.len() * 8 + 64;
        let mut out = Vec::with_capacity(size);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&self.layout.to_le_bytes());
        write_varint(&mut out, self.runs.len() as u64);
        for run in &self.runs {
            out.extend_from_slice(&run.hash.to_le_bytes());
            out.extend_from_slice(&run.first.to_le_bytes());
            write_varint(&mut out, u64::from(run.rows));
        }
        write_varint(&mut out, self.ids.len() as u64);
        out.extend_from_slice(&self.ids);
        for hash in &self.row_hashes {
            out.extend_from_slice(&hash.to_le_bytes());
        }
        Some((self.table, out))
    }
}

/// Records `table`'s fingerprint for dataset `dataset` (what [`Builder::finish`] gave).
pub(super) fn store(
    conn: &Connection,
    dataset: i64,
    (table, runs): (&str, Vec<u8>),
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO row_fingerprints (dataset_id, table_name, runs) VALUES (?1, ?2, ?3)",
    )?
    .execute(rusqlite::params![dataset, table, runs])?;
    Ok(())
}

/// Forgets the fingerprints of `dataset`'s tables but `kept` (those this load recorded or left as
/// they were).
pub(super) fn forget_others(
    conn: &Connection,
    dataset: i64,
    kept: &[&str],
) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare("SELECT table_name FROM row_fingerprints WHERE dataset_id = ?1")?;
    let stored: Vec<String> = stmt
        .query_map([dataset], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for table in stored.iter().filter(|t| !kept.contains(&t.as_str())) {
        conn.execute(
            "DELETE FROM row_fingerprints WHERE dataset_id = ?1 AND table_name = ?2",
            rusqlite::params![dataset, table],
        )?;
    }
    Ok(())
}

/// The fingerprints of a dataset's last load, read one table at a time as its file comes, from
/// the database as committed (a connection of the reading thread's own).
#[derive(Default)]
pub(super) struct Fingerprints {
    source: Option<(Connection, i64)>,
}

impl Fingerprints {
    /// Those of dataset `dataset` in the database at `path`; none if it cannot be read.
    pub(super) fn open(path: &std::path::Path, dataset: i64) -> Fingerprints {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
        Fingerprints {
            source: Connection::open_with_flags(path, flags)
                .ok()
                .map(|conn| (conn, dataset)),
        }
    }

    /// The runs `layout`'s file had in the last load, if it was laid out as `layout` is.
    pub(super) fn table(&self, layout: &Layout) -> Option<OldRuns> {
        let (conn, dataset) = self.source.as_ref()?;
        let runs: Vec<u8> = conn
            .query_row(
                "SELECT runs FROM row_fingerprints WHERE dataset_id = ?1 AND table_name = ?2",
                rusqlite::params![dataset, layout.table.name],
                |row| row.get(0),
            )
            .ok()?;
        OldRuns::decode(runs.strip_prefix(MAGIC)?, layout_hash(layout))
    }
}

/// One file's runs in the last load.
pub(super) struct OldRuns {
    runs: Vec<OldRun>,
    ids: Vec<u8>,
    by_hash: HashMap<u128, u32>,
    /// The runs by their first row's group, and each keyed row's hash, in file order.
    by_first: HashMap<u64, u32>,
    row_hashes: Vec<u64>,
    rows: u64,
}

struct OldRun {
    run: Run,
    /// Where its ids start in `ids`, the id before its first, and its first row's place.
    at: usize,
    before: i64,
    row: u64,
}

impl OldRuns {
    fn decode(bytes: &[u8], layout: u64) -> Option<OldRuns> {
        let mut at = bytes;
        if u64::from_le_bytes(take(&mut at, 8)?.try_into().ok()?) != layout {
            return None;
        }
        let count = read_varint(&mut at)? as usize;
        let mut runs = Vec::with_capacity(count.min(at.len()));
        for _ in 0..count {
            let hash = u128::from_le_bytes(take(&mut at, 16)?.try_into().ok()?);
            let first = u64::from_le_bytes(take(&mut at, 8)?.try_into().ok()?);
            let rows = u32::try_from(read_varint(&mut at)?).ok()?;
            runs.push(OldRun {
                run: Run { hash, rows, first },
                at: 0,
                before: 0,
                row: 0,
            });
        }
        let length = read_varint(&mut at)? as usize;
        let ids = take(&mut at, length)?.to_vec();
        let (mut cursor, mut last, mut rows) = (ids.as_slice(), 0i64, 0u64);
        for run in &mut runs {
            run.at = ids.len() - cursor.len();
            run.before = last;
            run.row = rows;
            for _ in 0..run.run.rows {
                last = last.checked_add(unzigzag(read_varint(&mut cursor)?))?;
            }
            rows += u64::from(run.run.rows);
        }
        if !cursor.is_empty() {
            return None;
        }
        // A keyed table's row hashes (a link table has none).
        let row_hashes: Vec<u64> = at
            .chunks_exact(8)
            .map(|b| u64::from_le_bytes(b.try_into().expect("8 bytes")))
            .collect();
        if !at.len().is_multiple_of(8)
            || !(row_hashes.is_empty() || row_hashes.len() as u64 == rows)
        {
            return None;
        }
        let mut by_hash = HashMap::with_capacity(runs.len());
        let mut by_first = HashMap::with_capacity(runs.len());
        for (index, run) in runs.iter().enumerate() {
            by_hash.entry(run.run.hash).or_insert(index as u32);
            by_first.entry(run.run.first).or_insert(index as u32);
        }
        Some(OldRuns {
            runs,
            ids,
            by_hash,
            by_first,
            row_hashes,
            rows,
        })
    }

    /// Rows in all.
    pub(super) fn rows(&self) -> u64 {
        self.rows
    }

    pub(super) fn len(&self) -> usize {
        self.runs.len()
    }

    /// The run `run` is, if one of the last load was.
    fn find(&self, run: Run) -> Option<u32> {
        let index = *self.by_hash.get(&run.hash)?;
        (self.runs[index as usize].run == run).then_some(index)
    }

    /// Of the rows of the run whose first row's group is `first`, the first not `used` whose
    /// hash is `row`: its place in the run (a keyed table's rows only).
    fn row_like(&self, first: u64, row: u64, used: &IdSet) -> Option<(u32, u32)> {
        let index = *self.by_first.get(&first)?;
        let run = &self.runs[index as usize];
        let hashes = self
            .row_hashes
            .get(run.row as usize..(run.row + u64::from(run.run.rows)) as usize)?;
        let offset = (0..hashes.len())
            .find(|&i| hashes[i] == row && !used.contains((run.row as usize + i) as i64))?;
        Some((index, offset as u32))
    }

    /// The ids of run `index`'s rows, in order.
    pub(super) fn ids(&self, index: u32) -> impl Iterator<Item = i64> + '_ {
        let run = &self.runs[index as usize];
        let mut cursor = &self.ids[run.at..];
        let mut last = run.before;
        (0..run.run.rows).map(move |_| {
            last += unzigzag(read_varint(&mut cursor).unwrap_or(0));
            last
        })
    }
}

/// Rows of a batch that a run of the last load holds: `rows` of the batch, from `offset` rows
/// into run `run`.
#[derive(Clone, Debug)]
pub(super) struct Skip {
    pub(super) rows: std::ops::Range<usize>,
    pub(super) run: u32,
    pub(super) offset: u32,
    /// Whether the rows are a whole run of the last load (from `offset` on); else one row of a
    /// run that changed, found by its hash.
    pub(super) whole: bool,
}

/// The reading thread's side: which rows of each batch a run of the last load holds.
pub(super) struct Matcher {
    old: Arc<OldRuns>,
    chunker: Chunker,
    /// Runs whose rows were skipped: a run is matched once; and rows (by place in the file)
    /// skipped one by one, each once.
    used: Vec<bool>,
    used_rows: IdSet,
    /// Records fed so far, and the first of the run being read.
    records: u64,
    run_start: u64,
    /// The batch's first record, and where the first run ending in it ended.
    base: u64,
    first_end: Option<u64>,
    /// A link file's groups its checked rows gave: a run holding one of them is checked too,
    /// so that the writing thread finds a link row given twice. The groups of the checked rows
    /// of the run being read when the batch began (`open`) are kept apart until it ends: they
    /// may be the first rows of a run whose rest is skipped (the run a batch ends in is known
    /// only in the next batch), and its own groups do not stop it.
    checked_groups: IdSet,
    open: Vec<i64>,
    next_open: Vec<i64>,
}

impl Matcher {
    pub(super) fn new(old: Arc<OldRuns>, layout: &Layout) -> Option<Matcher> {
        Some(Matcher {
            used: vec![false; old.len()],
            used_rows: IdSet::default(),
            old,
            chunker: Chunker::new(layout)?,
            records: 0,
            run_start: 0,
            base: 0,
            first_end: None,
            checked_groups: IdSet::default(),
            open: Vec::new(),
            next_open: Vec::new(),
        })
    }

    /// The rows of `records` (the next batch) that runs of the last load may hold, in order.
    /// The run a batch ends in is known only once the next row is read: its rows in this batch
    /// are checked, and only its rows in the next batch are skipped.
    /// Each record's hashes go to `hashes`, for the writing thread's [`Builder`].
    pub(super) fn plan(
        &mut self,
        records: &[csv::StringRecord],
        hashes: &mut Vec<RowHashes>,
    ) -> Vec<Skip> {
        let base = self.records;
        self.base = base;
        self.first_end = None;
        let mut skips = Vec::new();
        let first_hash = hashes.len();
        for (row, record) in records.iter().enumerate() {
            let row_hashes = self.chunker.hashes(record);
            hashes.push(row_hashes);
            let Some(run) = self.chunker.feed_hashed(row_hashes) else {
                continue;
            };
            let end = base + row as u64;
            self.first_end.get_or_insert(end);
            let start = self.run_start.max(base);
            match self.old.find(run).filter(|&i| !self.used[i as usize]) {
                Some(index) if start < end => skips.push(Skip {
                    rows: (start - base) as usize..row,
                    run: index,
                    offset: (start - self.run_start) as u32,
                    whole: true,
                }),
                Some(_) => {}
                // A keyed run that changed: each of its rows in this batch found, if it can
                // be, among the rows of the run that began with the same group.
                None => {
                    for at in (start - base) as usize..row {
                        let hash = hashes[first_hash + at].row;
                        if let Some((index, offset)) =
                            self.old.row_like(run.first, hash, &self.used_rows)
                        {
                            skips.push(Skip {
                                rows: at..at + 1,
                                run: index,
                                offset,
                                whole: false,
                            });
                        }
                    }
                }
            }
            self.run_start = end;
        }
        self.records += records.len() as u64;
        skips
    }

    /// The ids of the rows of `skip`, if they are to be skipped (the run is matched now); None
    /// if they are to be checked.
    pub(super) fn take(&mut self, skip: &Skip, link: bool) -> Option<Vec<i64>> {
        if self.used[skip.run as usize] {
            return None;
        }
        if !skip.whole {
            let row = (self.old.runs[skip.run as usize].row + u64::from(skip.offset)) as i64;
            if !self.used_rows.insert(row) {
                return None;
            }
            return self
                .old
                .ids(skip.run)
                .nth(skip.offset as usize)
                .map(|id| vec![id]);
        }
        let ids: Vec<i64> = self
            .old
            .ids(skip.run)
            .skip(skip.offset as usize)
            .take(skip.rows.len())
            .collect();
        // The run's own first rows, checked in the batch before, do not stop it.
        let open = match skip.offset {
            0 => self.open.as_slice(),
            _ => &[],
        };
        if link
            && ids
                .iter()
                .any(|&id| self.checked_groups.contains(id) || open.contains(&id))
        {
            return None;
        }
        self.used[skip.run as usize] = true;
        Some(ids)
    }

    /// The group of a checked link row, row `row` of the batch.
    pub(super) fn checked_group(&mut self, row: usize, id: i64) {
        if !(1..MAX_ID).contains(&id) {
            return;
        }
        let at = self.base + row as u64;
        if self.first_end.is_none_or(|end| at < end) {
            self.open.push(id);
        } else if at >= self.run_start {
            self.next_open.push(id);
        } else {
            self.checked_groups.insert(id);
        }
    }

    /// The batch is done: the groups of the run it began in are checked groups like any once
    /// that run has ended.
    pub(super) fn end_batch(&mut self) {
        if self.first_end.is_some() {
            for id in self.open.drain(..) {
                self.checked_groups.insert(id);
            }
            std::mem::swap(&mut self.open, &mut self.next_open);
        } else {
            self.open.append(&mut self.next_open);
        }
    }
}

/// The writing thread's side: the runs skipped, and the rows that may be gone.
pub(super) struct Skipped {
    pub(super) old: Arc<OldRuns>,
    skipped: Vec<bool>,
    /// A link file's groups whose rows were skipped: all of that group's stored rows.
    pub(super) groups: IdSet,
}

impl Skipped {
    pub(super) fn new(old: Arc<OldRuns>) -> Skipped {
        Skipped {
            skipped: vec![false; old.len()],
            old,
            groups: IdSet::default(),
        }
    }

    pub(super) fn skip(&mut self, run: u32) {
        self.skipped[run as usize] = true;
    }

    /// The ids of the rows of every run not skipped (a link table's: their groups): the rows of
    /// the last load that may be gone.
    pub(super) fn maybe_gone(&self) -> Vec<i64> {
        let mut ids: Vec<i64> = (0..self.old.len() as u32)
            .filter(|&run| !self.skipped[run as usize])
            .flat_map(|run| self.old.ids(run))
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
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
