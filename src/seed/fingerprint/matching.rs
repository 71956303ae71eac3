//! Matching a file's rows against the runs of its last load: on the reading thread, which rows
//! of each batch are skipped ([`Matcher`]); on the writing one, which runs were ([`Skipped`]).

use super::{Chunker, OldRuns, RowHashes, Run, MAX_ID};
use std::collections::HashSet;

use crate::seed::key_map::{FixedFoldHash, IdSet};
use crate::seed::layout::Layout;

/// Rows of a batch that a run of the last load holds: `rows` of the batch, from `offset` rows
/// into run `run`.
#[derive(Clone, Debug)]
pub(in crate::seed) struct Skip {
    pub(in crate::seed) rows: std::ops::Range<usize>,
    pub(in crate::seed) run: u32,
    pub(in crate::seed) offset: u32,
    /// Whether the rows are a whole run of the last load (from `offset` on); else one row of a
    /// run that changed, found by its hash.
    pub(in crate::seed) whole: bool,
}

/// The reading thread's side: which rows of each batch a run of the last load holds.
pub(in crate::seed) struct Matcher {
    old: OldRuns,
    /// The run after the one found last: a file keeps its order, so the next run is most
    /// likely it.
    next: u32,
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
    /// Read ahead of the parser, the hashes of the groups of the link rows parsed: the same
    /// rule as `checked_groups`, known before the rows are checked.
    parsed_groups: HashSet<u64, FixedFoldHash>,
}

impl Matcher {
    pub(in crate::seed) fn new(old: OldRuns, layout: &Layout) -> Option<Matcher> {
        Some(Matcher {
            next: 0,
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
            parsed_groups: HashSet::default(),
        })
    }

    /// The rows of `records` (the next batch) that runs of the last load may hold, in order.
    /// The run a batch ends in is known only once the next row is read: its rows in this batch
    /// are checked, and only its rows in the next batch are skipped.
    /// Each record's hashes go to `hashes`, for the writing thread's [`Builder`].
    pub(in crate::seed) fn plan(
        &mut self,
        records: &[csv::StringRecord],
        raws: &[Option<u64>],
        hashes: &mut Vec<RowHashes>,
    ) -> Vec<Skip> {
        let base = self.records;
        self.base = base;
        self.first_end = None;
        let mut skips = Vec::new();
        let first_hash = hashes.len();
        for (row, record) in records.iter().enumerate() {
            let row_hashes = self
                .chunker
                .hashes(record, raws.get(row).copied().flatten());
            hashes.push(row_hashes);
            let Some(run) = self.chunker.feed_hashed(row_hashes) else {
                continue;
            };
            let end = base + row as u64;
            self.first_end.get_or_insert(end);
            let start = self.run_start.max(base);
            let hint = self.next;
            let found = self.old.find(run, hint);
            // A run that changed most likely stands where its last load's did.
            self.next = found.unwrap_or(hint) + 1;
            match found.filter(|&i| !self.used[i as usize]) {
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
                    let index = self.old.run_beginning(run.first, hint);
                    for at in (start - base) as usize..row {
                        let hash = hashes[first_hash + at].row;
                        let found = index.and_then(|index| {
                            let offset = self.old.row_like(index, hash, &self.used_rows)?;
                            Some((index, offset))
                        });
                        if let Some((index, offset)) = found {
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

    /// Reading ahead of the parser (read_ahead.rs): takes the next record by its
    /// hashes, and gives the run that ended before it, if one did (see [`Chunker::feed_hashed`]).
    pub(in crate::seed) fn feed(&mut self, hashes: RowHashes) -> Option<Run> {
        self.chunker.feed_hashed(hashes)
    }

    /// The file's last run, read ahead of the parser.
    pub(in crate::seed) fn finish(&mut self) -> Option<Run> {
        self.chunker.finish()
    }

    /// A record's hashes, from its group's value and its bytes as the file gives them (as
    /// [`Chunker::hashes`] gives them for the record parsed).
    pub(in crate::seed) fn hashes_of(&self, group: &str, bytes: &[u8]) -> RowHashes {
        RowHashes {
            group: self.chunker.group_hash(group),
            row: super::raw_hash(bytes),
        }
    }

    /// A parsed record's hashes, as [`Chunker::hashes`] gives them (`raw`: the hash of its bytes,
    /// where they were kept).
    pub(in crate::seed) fn record_hashes(
        &self,
        record: &csv::StringRecord,
        raw: Option<u64>,
    ) -> RowHashes {
        self.chunker.hashes(record, raw)
    }

    /// The field holding each row's group.
    pub(in crate::seed) fn group_field(&self) -> usize {
        self.chunker.group
    }

    /// Reading ahead of the parser: for each row of `run`, whose rows' hashes are `rows`, the
    /// id of the stored row it is (a link row: its group's), if a run of the last load holds it
    /// (as [`Matcher::plan`] and [`Matcher::take`] decide, a whole run at a time): `(id, run,
    /// offset, whole)`; None if it is to be parsed and checked. In a link file, a run holding a
    /// group that a row parsed before gave is parsed too (see `checked_groups`), by the groups'
    /// hashes: a link row given twice is then found by the writing thread. `hints`: for each
    /// row of a changed run of a keyed file, the id of the row at its place in the last load's run
    /// that began with the same key, which it most likely is (0 where there is none).
    pub(in crate::seed) fn decide(
        &mut self,
        run: Run,
        rows: &[RowHashes],
        link: bool,
        decided: &mut Vec<Option<(i64, u32, u32, bool)>>,
        hints: &mut Vec<i64>,
    ) {
        decided.clear();
        hints.clear();
        let hint = self.next;
        let found = self.old.find(run, hint);
        self.next = found.unwrap_or(hint) + 1;
        let parsed_group =
            |groups: &HashSet<u64, _>| link && rows.iter().any(|r| groups.contains(&r.group));
        match found {
            Some(index) if !self.used[index as usize] && !parsed_group(&self.parsed_groups) => {
                self.used[index as usize] = true;
                let ids = self.old.ids(index).take(rows.len());
                decided.extend(
                    (0..)
                        .zip(ids)
                        .map(|(offset, id)| Some((id, index, offset, true))),
                );
            }
            // Met before: a run given twice, whose rows are checked (and refused as given twice).
            Some(_) => {}
            None => {
                let index = self.old.run_beginning(run.first, hint);
                // A row not found by its bytes is most likely the one at its place, edited.
                if let Some(index) = index {
                    hints.extend(self.old.ids(index).take(rows.len()));
                }
                for hash in rows.iter().map(|r| r.row) {
                    let found = index.and_then(|index| {
                        let offset = self.old.row_like(index, hash, &self.used_rows)?;
                        let row = (self.old.first_row(index) + u64::from(offset)) as i64;
                        self.used_rows.insert(row).then_some(())?;
                        let id = self.old.ids(index).nth(offset as usize)?;
                        Some((id, index, offset, false))
                    });
                    decided.push(found);
                }
            }
        }
        decided.resize(rows.len(), None);
        hints.resize(rows.len(), 0);
        if link {
            let parsed = rows.iter().zip(decided.iter()).filter(|(_, d)| d.is_none());
            self.parsed_groups.extend(parsed.map(|(r, _)| r.group));
        }
    }

    /// The ids of the rows of `skip`, if they are to be skipped (the run is matched now); None
    /// if they are to be checked.
    pub(in crate::seed) fn take(&mut self, skip: &Skip, link: bool) -> Option<Vec<i64>> {
        if self.used[skip.run as usize] {
            return None;
        }
        if !skip.whole {
            let row = (self.old.first_row(skip.run) + u64::from(skip.offset)) as i64;
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

    /// The file is read: the ids of the rows of every run of the last load not skipped whole (a
    /// link table's: their groups), the rows that may be gone; and how many rows that load had.
    pub(in crate::seed) fn maybe_gone(self) -> (Vec<i64>, u64) {
        let runs = || (0..self.old.len() as u32).filter(|&run| !self.used[run as usize]);
        let mut ids = Vec::with_capacity(runs().map(|run| self.old.run(run).rows as usize).sum());
        ids.extend(runs().flat_map(|run| self.old.ids(run)));
        ids.sort_unstable();
        ids.dedup();
        (ids, self.old.rows())
    }

    /// The group of a checked link row, row `row` of the batch.
    pub(in crate::seed) fn checked_group(&mut self, row: usize, id: i64) {
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
    pub(in crate::seed) fn end_batch(&mut self) {
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
