//! An update: each row checked on the writing thread, where ids come from the database, then
//! inserted, or updated in place if a row with its identity is stored already.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;

use super::convert::Converted;
use super::diagnose::{refused, SeedError};
use super::elsewhere::{link_elsewhere, owned_elsewhere, owner, same_code_elsewhere};
use super::fingerprint::Builder;
use super::key_map::{ByHash, FixedFoldHash, IdSet};
use super::layout::stored_columns;
use super::layout::Layout;
use super::merge::{self, StoredRows};
use super::mirror::{maybe_gone, not_seen, rows_not_seen, Removal, Seen};
use super::read::{Batch, FileEnd};
use super::row_identity::{bind, identity_hash, key_field};
use super::search_rows;
use super::self_refs::set_self_refs;
use super::sql::{insert_one_sql, update_sql, upsert_sql};
use super::{rows_stored, Writer};
use crate::datasets::label;
use crate::schema::Identity;
use rusqlite::types::ValueRef;

/// The writing thread's part of an update: it merges each row the reading thread checked with the
/// dataset's stored rows, and writes what changed.
pub(super) struct UpdateWriter<'c, 'k> {
    conn: &'c Connection,
    /// Each vocabulary's codes before the load.
    codes: HashMap<&'static str, HashSet<String, FixedFoldHash>, FixedFoldHash>,
    /// The id of the dataset the rows go to.
    dataset: i64,
    /// The dataset's rows each file no longer holds, removed once every file is in.
    removals: &'k mut Vec<Removal>,
    /// What seeding each file did.
    changes: &'k mut Vec<TableChanges>,
    /// Whether any dataset's rows were written outside a load since it was loaded.
    edits_anywhere: bool,
    /// The tables whose fingerprints (fingerprint.rs) this load recorded or kept.
    built: &'k mut Vec<&'static str>,
}

impl UpdateWriter<'_, '_> {
    /// Whether the search indexes are kept in step row by row: they are in step with their
    /// tables when no row was written outside a load since (every load keeps them in step), and
    /// then a row written costs two statements instead of a rebuild of its table's index.
    pub(super) fn search_in_step(&self) -> bool {
        !self.edits_anywhere
    }
}

/// What seeding one table's file did to the dataset's rows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableChanges {
    pub table: &'static str,
    pub added: u64,
    pub changed: u64,
    pub removed: u64,
    pub unchanged: u64,
    /// The first rows added, changed and removed, named by key (a link row by its values).
    pub examples: Vec<(Change, String)>,
}

/// What seeding did to a row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Added,
    Changed,
    Removed,
}

/// Rows of each kind of change a summary names.
pub const EXAMPLES: usize = 3;

impl Tally {
    /// Counts a row added or changed, and names it if it is among the first.
    fn note(&mut self, change: Change, layout: &Layout, record: &csv::StringRecord) {
        let count = match change {
            Change::Added => &mut self.added,
            _ => &mut self.changed,
        };
        *count += 1;
        if *count as usize <= EXAMPLES {
            let identity = &layout.table.identity;
            let label = match identity {
                Identity::Key => label(identity, &[&record[key_field(layout)]]),
                Identity::Columns(_) => label(identity, &layout.identity_of(record).1),
            };
            self.examples.push((change, label));
        }
    }
}

/// One file's rows going into the database.
pub(super) struct UpdateFile<'c, 's> {
    layout: Layout<'s>,
    /// Rows of the table before this load.
    existing: i64,
    rows: u64,
    state: FileState<'c>,
}

/// What writing one file's rows carries from row to row.
struct FileState<'c> {
    /// Inserts a row, or updates the row whose identity is stored already (a vocabulary's), or
    /// leaves it (a link row's).
    upsert: rusqlite::Statement<'c>,
    /// The dataset's stored rows of a keyed or link table, merged with the file's; None where
    /// the last load's fingerprints are (rows are then looked up by their identity).
    stored: Option<StoredRows>,
    /// Where the file has fingerprints: a link file's groups whose rows were skipped (all of that
    /// group's stored rows), which a row of the file may not give again; and how many rows of
    /// the batch from the row being stored on are not skipped (the merge reads as many from
    /// where it seeks to).
    skipped: Option<IdSet>,
    stretch: usize,
    /// This file's fingerprint, as its rows are stored.
    builder: Option<Builder>,
    /// Where the key lies among a keyed row's values.
    key_value: usize,
    /// A reference to a row of the same table: where it lies among the row's values, and its
    /// field (a reference further down the file is set once the file is in, see self_refs.rs).
    self_ref: Option<(usize, usize)>,
    /// Where a link row's identity columns lie among its values, in the order of the table's
    /// primary key.
    identity_values: Vec<usize>,
    /// The stored rows of a link table that share the first column of the file's row.
    group: merge::Group,
    /// The ids of the keyed rows this file has written.
    seen_ids: IdSet,
    /// Hashes of the identities of the link rows seen in the file.
    seen_rows: HashSet<u64, ByHash>,
    /// The vocabulary codes the file gives.
    seen_codes: HashSet<String, super::key_map::FixedFoldHash>,
    /// The columns of the table its search index holds (search_rows::indexed_columns) if that
    /// index is kept in step row by row; else 0.
    search: u64,
    /// The ids of the keyed rows this file inserted or changed.
    written: Vec<i64>,
    tally: Tally,
}

/// A file's rows by what seeding them did.
#[derive(Default)]
struct Tally {
    added: u64,
    changed: u64,
    unchanged: u64,
    /// A vocabulary's codes before the file.
    codes: HashSet<String, super::key_map::FixedFoldHash>,
    examples: Vec<(Change, String)>,
}

impl<'c, 'k> UpdateWriter<'c, 'k> {
    pub(super) fn new(
        conn: &'c Connection,
        dataset: i64,
        codes: HashMap<&'static str, HashSet<String, FixedFoldHash>, FixedFoldHash>,
        (removals, changes): (&'k mut Vec<Removal>, &'k mut Vec<TableChanges>),
        edits_anywhere: bool,
        built: &'k mut Vec<&'static str>,
    ) -> UpdateWriter<'c, 'k> {
        UpdateWriter {
            conn,
            codes,
            dataset,
            removals,
            changes,
            edits_anywhere,
            built,
        }
    }
}

impl<'c, 's> Writer<'s> for UpdateWriter<'c, '_> {
    type File = UpdateFile<'c, 's>;

    fn start(&mut self, layout: Layout<'s>) -> Result<UpdateFile<'c, 's>, SeedError> {
        let (conn, table) = (self.conn, layout.table);
        // Existing rows: seeding again updates them by key instead of adding duplicates.
        let existing = rows_stored(conn, table)?;
        let skipped = (!table.is_vocabulary && layout.fingerprinted).then(IdSet::default);
        let skip = skipped.is_some();
        let codes = self.codes.remove(table.name).unwrap_or_default();
        let columns = stored_columns(table);
        let at = |name: &str| columns.iter().position(|c| *c == name);
        // Where the last load's fingerprints are, most rows are skipped: the merge seeks to the
        // others and reads a few rows at a time.
        let limit = if skip { merge::SEEKING } else { merge::CHUNK };
        let stored = match table.identity {
            Identity::Key if table.is_vocabulary => None,
            Identity::Key => {
                let read: Vec<&str> = std::iter::once("id").chain(columns.clone()).collect();
                Some(StoredRows::new(table.name, &read, 1, self.dataset, limit))
            }
            Identity::Columns(identity) => Some(StoredRows::new(
                table.name,
                identity,
                identity.len(),
                self.dataset,
                limit,
            )),
        };
        let self_ref = table
            .columns
            .iter()
            .zip(&layout.positions)
            .find(|(c, _)| c.value == crate::schema::Value::Ref(table.name))
            .and_then(|(c, field)| Some((at(c.db)?, (*field)?)));
        Ok(UpdateFile {
            existing,
            rows: 0,
            state: FileState {
                upsert: conn.prepare(&upsert_sql(table))?,
                stored,
                skipped,
                stretch: 0,
                builder: Builder::new(&layout),
                key_value: match table.identity {
                    Identity::Key => at(table.key_column()).expect("a key is stored"),
                    Identity::Columns(_) => 0,
                },
                self_ref,
                identity_values: layout
                    .identity
                    .iter()
                    .map(|c| at(c).expect("identity columns are stored"))
                    .collect(),
                group: merge::Group::default(),
                seen_ids: IdSet::default(),
                // Sized once for the rows stored: grown by doubling, the set would hold its old
                // and new tables at once (54 MB for the 2 million event_actors rows of a
                // million events, the peak of seeding them again).
                seen_rows: match table.identity {
                    Identity::Columns(_) if !skip => {
                        HashSet::with_capacity_and_hasher(existing as usize, ByHash::default())
                    }
                    _ => HashSet::default(),
                },
                seen_codes: HashSet::default(),
                search: match self.search_in_step() {
                    true => search_rows::indexed_columns(table),
                    false => 0,
                },
                written: Vec::new(),
                tally: Tally {
                    codes,
                    ..Tally::default()
                },
            },
            layout,
        })
    }

    /// Stores each row the reading thread checked and converted.
    fn rows(&mut self, file: &mut UpdateFile<'c, 's>, batch: &Batch) -> Result<(), SeedError> {
        let (conn, dataset) = (self.conn, self.dataset);
        let (layout, state) = (&file.layout, &mut file.state);
        let table = layout.table;
        let arena = batch.arena.as_str();
        let mut skips = batch.skips.iter().peekable();
        let rows = batch.records[..batch.filled]
            .iter()
            .zip(batch.values.chunks_exact(layout.values_per_row))
            .zip(&batch.ids)
            .enumerate();
        for (row, ((record, values), &id)) in rows {
            while skips.next_if(|skip| skip.rows.end <= row).is_some() {}
            // A row of a run of the last load (fingerprint.rs), stored as it is, with its id (a
            // link row: its group's).
            let skipped = skips.peek().is_some_and(|skip| skip.rows.contains(&row));
            let stored_id = match skipped {
                true => {
                    skip_row(state, layout, record, id)?;
                    id
                }
                false => {
                    if table.is_vocabulary {
                        state
                            .seen_codes
                            .insert(record[key_field(layout)].to_string());
                    }
                    let next = skips.peek().map_or(batch.filled, |skip| skip.rows.start);
                    state.stretch = next - row;
                    let hint = batch.hints.get(row).copied().unwrap_or(0);
                    let ids = (dataset, id, hint);
                    store(conn, state, layout, ids, (record, values, arena))?
                }
            };
            if let Some(builder) = &mut state.builder {
                let id = match (&table.identity, skipped) {
                    (Identity::Columns(_), false) => group_of(layout, values, record, arena),
                    _ => Some(stored_id),
                };
                let raw = batch.raws.get(row).copied().flatten();
                builder.push(record, batch.hashes.get(row).copied(), raw, id);
            }
            file.rows += 1;
        }
        if let Some(builder) = &mut state.builder {
            builder.flush(conn, dataset)?;
        }
        Ok(())
    }

    fn same(&mut self, file: UpdateFile<'c, 's>, rows: u64) -> Result<u64, SeedError> {
        let table = file.layout.table.name;
        self.changes.push(TableChanges {
            table,
            unchanged: rows,
            ..TableChanges::default()
        });
        // Its fingerprint stays as it is.
        self.built.push(table);
        Ok(rows)
    }

    fn end(
        &mut self,
        mut file: UpdateFile<'c, 's>,
        ended: FileEnd,
        _hash: Option<&str>,
    ) -> Result<u64, SeedError> {
        let resolved = ended.resolved;
        // Stored rows untouched since a load checked them hold no loop: only the rows written now
        // can close one.
        let written = (!self.edits_anywhere).then_some(file.state.written.as_slice());
        set_self_refs(self.conn, &file.layout, &resolved, file.existing, written)?;
        let seen = Seen {
            ids: &file.state.seen_ids,
            rows: &file.state.seen_rows,
            codes: &file.state.seen_codes,
        };
        let removal = match (ended.maybe_gone, file.state.stored.as_mut()) {
            // Of the rows of the last load's runs not found again, those the file did not give.
            (Some(last), _) => {
                let skipped = file.state.skipped.as_ref();
                maybe_gone(self.conn, &file.layout, self.dataset, (last, skipped), seen)?
            }
            // The rows the merge passed that no row of the file was found for.
            (None, Some(stored)) => {
                let (passed, before) = stored.finish(self.conn, &file.state.group)?;
                not_seen(&file.layout, passed, before, seen)
            }
            (None, None) => rows_not_seen(self.conn, &file.layout, self.dataset, seen)?,
        };
        self.changes.push(TableChanges {
            table: file.layout.table.name,
            added: file.state.tally.added,
            changed: file.state.tally.changed,
            removed: removal.as_ref().map_or(0, |r| r.len() as u64),
            unchanged: file.state.tally.unchanged,
            examples: {
                let mut examples = std::mem::take(&mut file.state.tally.examples);
                if let Some(removal) = &removal {
                    let labels = removal.labels(self.conn, EXAMPLES)?;
                    examples.extend(labels.into_iter().map(|l| (Change::Removed, l)));
                }
                examples
            },
        });
        if let Some(removal) = removal {
            self.removals.push(removal);
        }
        if let Some(builder) = file.state.builder.take() {
            self.built.extend(builder.finish(self.conn, self.dataset)?);
        }
        Ok(file.rows)
    }
}

/// Takes a row that a run of the last load holds: stored as it is, under `id` (a link row: its
/// group's id). A key the file gave before is a duplicate.
fn skip_row(
    state: &mut FileState,
    layout: &Layout,
    record: &csv::StringRecord,
    id: i64,
) -> Result<(), SeedError> {
    let skipped = state
        .skipped
        .as_mut()
        .expect("rows are skipped by their fingerprints");
    match layout.table.identity {
        Identity::Key => {
            if !state.seen_ids.insert(id) {
                return Err(layout.duplicate(record)?);
            }
        }
        Identity::Columns(_) => {
            skipped.insert(id);
        }
    }
    state.tally.unchanged += 1;
    Ok(())
}

/// A link row's group: the id its first identity column refers to.
fn group_of(
    layout: &Layout,
    values: &[Converted],
    record: &csv::StringRecord,
    arena: &str,
) -> Option<i64> {
    match values[layout.group_value?].value(record, arena) {
        ValueRef::Integer(id) => Some(id),
        _ => None,
    }
}

/// Stores one checked row, and gives its id (0 for a row without one); a row this file gave
/// already is a duplicate.
fn store(
    conn: &Connection,
    state: &mut FileState,
    layout: &Layout,
    (dataset, given_id, hint): (i64, i64, i64),
    (record, values, arena): (&csv::StringRecord, &[Converted], &str),
) -> Result<i64, SeedError> {
    let table = layout.table;
    if table.identity == Identity::Key && !table.is_vocabulary {
        let row = (record, values, arena);
        let id = store_keyed(conn, state, layout, (dataset, given_id, hint), row)?;
        if !state.seen_ids.insert(id) {
            return Err(layout.duplicate(record)?);
        }
        return Ok(id);
    }
    let line = record.position().map_or(0, |p| p.line());
    let file = layout.origin.name();
    let (upsert, tally) = (&mut state.upsert, &mut state.tally);
    if table.is_vocabulary {
        bind(upsert, values, record, arena)?;
        upsert.raw_bind_parameter(values.len() + 1, dataset)?;
        let written = upsert.raw_execute().map_err(|e| refused(file, line, e))?;
        match written {
            0 if owner(conn, layout, record)? == dataset
                || same_code_elsewhere(conn, layout, (record, values, arena))? =>
            {
                tally.unchanged += 1
            }
            0 => return Err(owned_elsewhere(conn, layout, record)?),
            _ if tally.codes.contains(&record[key_field(layout)]) => {
                tally.note(Change::Changed, layout, record)
            }
            _ => tally.note(Change::Added, layout, record),
        }
        return Ok(0);
    }
    // A link row: stored already if the merge finds it among the stored rows of its first
    // column (an event's), which the file gives together, in the order of the primary key; or,
    // where the last load's fingerprints are, if it is among them as looked up.
    let stored_rows = state
        .stored
        .as_mut()
        .expect("a link table's rows are merged");
    let identity = &state.identity_values;
    let given = |i: usize| values[identity[i]].value(record, arena);
    let group = &mut state.group;
    let seeking = state.skipped.is_some();
    if group
        .order(given(0))
        .is_none_or(|o| o.is_ne() && (seeking || o.is_lt()))
    {
        if seeking {
            stored_rows.seek(conn, given(0), state.stretch)?;
        }
        stored_rows.group(conn, given(0), group)?;
    }
    let found = group.order(given(0)).is_some_and(|o| o.is_eq()) && group.take(given);
    // A row of a group whose rows a run of the last load held, all of them, is given twice.
    if let (true, Some(skipped), ValueRef::Integer(first)) = (found, &state.skipped, given(0)) {
        if skipped.contains(first) {
            return Err(layout.duplicate(record)?);
        }
    }
    if found {
        tally.unchanged += 1;
    } else {
        bind(upsert, values, record, arena)?;
        upsert.raw_bind_parameter(values.len() + 1, dataset)?;
        match upsert.raw_execute().map_err(|e| refused(file, line, e))? {
            // Stored already: out of the merge's order, or another dataset's row.
            0 => {
                if let Some(refusal) =
                    link_elsewhere(conn, layout, dataset, identity, (record, values, arena))?
                {
                    return Err(refusal);
                }
                tally.unchanged += 1
            }
            _ => tally.note(Change::Added, layout, record),
        }
    }
    // A link row given twice in the file: its identity's hash seen before, and the file read
    // again to be sure (two identities may share a hash).
    let hash = identity_hash(layout, values, record, arena);
    if !state.seen_rows.insert(hash) && is_repeated(layout, record)? {
        return Err(layout.duplicate(record)?);
    }
    Ok(0)
}

/// Stores one checked row with a key, and gives its id: nothing written if it is stored as
/// given, the columns that differ updated if it is stored otherwise, inserted if it is not stored
/// (with `given_id`, the id the reading thread gave it, if not 0).
fn store_keyed(
    conn: &Connection,
    state: &mut FileState,
    layout: &Layout,
    (dataset, given_id, hint): (i64, i64, i64),
    (record, values, arena): (&csv::StringRecord, &[Converted], &str),
) -> Result<i64, SeedError> {
    let (table, file) = (layout.table, layout.origin.name());
    let line = record.position().map_or(0, |p| p.line());
    let key = record[key_field(layout)].as_bytes();
    // A reference further down the file is not compared: it is NULL until the file is in.
    let skip = state
        .self_ref
        .filter(|&(value, field)| {
            matches!(values[value], Converted::Null) && !record[field].is_empty()
        })
        .map(|(value, _)| value);
    let mut merged = None;
    let mut head = None;
    if let Some(stored_rows) = state.stored.as_mut() {
        // Where the last load's fingerprints are, the merge seeks to the id the row most likely
        // has (`Batch::hints`), else to the id the reading thread gave it: the stored row's where
        // it kept the table's keys, else a new one.
        let seek_to = if hint != 0 { hint } else { given_id };
        if state.skipped.is_some() && seek_to != 0 {
            stored_rows.seek(conn, ValueRef::Integer(seek_to), state.stretch)?;
        }
        // The stored row the merge has reached, passing those an earlier row took out of turn.
        while let Some(row) = stored_rows.peek(conn)? {
            let ValueRef::Integer(id) = stored_rows.value(row, 0) else {
                unreachable!("ids are integers")
            };
            if !state.seen_ids.contains(id) {
                head = Some((row, id));
                break;
            }
            stored_rows.advance();
        }
        merged = Some(stored_rows);
    }
    let found = match (head, merged) {
        (Some((row, id)), Some(stored_rows))
            if merge::same(
                stored_rows.value(row, 1 + state.key_value),
                ValueRef::Text(key),
            ) =>
        {
            let stored = |column| stored_rows.value(row, 1 + column);
            let differ = merge::differing(values, (record, arena), stored, skip);
            stored_rows.advance();
            Some((id, differ))
        }
        // Not where the merge expected it: looked up by its key.
        (head, merged) => match stored_by_key(conn, layout, record)? {
            None => None,
            Some((_, owner, _)) if owner != dataset => {
                return Err(owned_elsewhere(conn, layout, record)?)
            }
            Some((id, _, stored)) => {
                // Rows the file no longer holds: the merge goes on after this one.
                if let (Some((_, head_id)), Some(stored_rows)) = (head, merged) {
                    while let Some(row) = stored_rows.peek(conn)?.filter(|_| id > head_id) {
                        if merge::compare(stored_rows.value(row, 0), ValueRef::Integer(id)).is_gt()
                        {
                            break;
                        }
                        stored_rows.pass();
                    }
                }
                let stored = |column: usize| ValueRef::from(&stored[column]);
                Some((id, merge::differing(values, (record, arena), stored, skip)))
            }
        },
    };
    let tally = &mut state.tally;
    let id = match found {
        None => {
            let mut insert = conn.prepare_cached(&insert_one_sql(table, given_id != 0))?;
            bind(&mut insert, values, record, arena)?;
            insert.raw_bind_parameter(values.len() + 1, dataset)?;
            if given_id != 0 {
                insert.raw_bind_parameter(values.len() + 2, given_id)?;
            }
            insert.raw_execute().map_err(|e| refused(file, line, e))?;
            tally.note(Change::Added, layout, record);
            let id = conn.last_insert_rowid();
            state.written.push(id);
            if state.search != 0 {
                search_rows::written(conn, table.name, id)?;
            }
            id
        }
        Some((id, 0)) => {
            tally.unchanged += 1;
            id
        }
        Some((id, differ)) => {
            state.written.push(id);
            if differ & state.search != 0 {
                search_rows::changing(conn, table.name, id)?;
            }
            let mut update = conn.prepare_cached(&update_sql(table, differ))?;
            bind(&mut update, values, record, arena)?;
            update.raw_bind_parameter(values.len() + 1, id)?;
            match update.raw_execute().map_err(|e| refused(file, line, e))? {
                // The values differ only as SQLite stores them (an integer in a real column).
                0 => tally.unchanged += 1,
                _ => tally.note(Change::Changed, layout, record),
            }
            id
        }
    };
    Ok(id)
}

/// The id, dataset and values of the stored row with the key of `record`.
#[allow(clippy::type_complexity)]
fn stored_by_key(
    conn: &Connection,
    layout: &Layout,
    record: &csv::StringRecord,
) -> Result<Option<(i64, i64, Vec<rusqlite::types::Value>)>, SeedError> {
    let table = layout.table;
    let columns = stored_columns(table);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id, dataset_id, {} FROM {} WHERE {} = ?1",
        columns.join(", "),
        table.name,
        table.key_column()
    ))?;
    let mut rows = stmt.query([&record[key_field(layout)]])?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let values = (2..columns.len() + 2)
        .map(|i| row.get(i))
        .collect::<Result<_, _>>()?;
    Ok(Some((row.get(0)?, row.get(1)?, values)))
}

/// Whether another line of the file has the identity of `record`.
fn is_repeated(layout: &Layout, record: &csv::StringRecord) -> Result<bool, SeedError> {
    let (names, values) = layout.identity_of(record);
    layout.origin.is_repeated(&names, &values)
}
