//! The reading thread's part of an update: every row checked and converted as it is read, as in
//! a fresh load, against the keys of the rows stored already (loaded before reading starts,
//! [`preload`]). A row with a key other files refer to gets its id there: the stored row's if its
//! key is stored, else the next after the table's highest, which the writing thread then gives
//! it. The writing thread only merges the converted rows with the stored ones (update.rs).

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;

use super::check::Checker;
use super::convert::Converted;
use super::diagnose::{DeferredError, SeedError};
use super::fingerprint::{Fingerprints, Matcher};
use super::input::Source;
use super::kept_keys::KeptKeys;
use super::key_lookup::KeyLookup;
use super::key_map::{FixedFoldHash, KeyIndex, KnownKeys};
use super::layout::Layout;
use super::previous::Previous;
use super::read::{Batch, FileEnd, OnRead};
use crate::schema::{Identity, TABLES};

/// What the stored rows give the reading thread before it starts.
pub(super) struct Stored {
    /// The highest id of each table with a key.
    pub(super) max_ids: HashMap<&'static str, i64, FixedFoldHash>,
    /// Each vocabulary's codes.
    pub(super) codes: HashMap<&'static str, HashSet<String, FixedFoldHash>, FixedFoldHash>,
}

/// Fills `known` with the keys of every table other files of this load refer to (all but
/// `known.not_kept`, see kept_keys.rs; those of `known.looked_up` are looked up as asked) and
/// the codes of every vocabulary, as stored before the load.
pub(super) fn preload(conn: &Connection, known: &mut KnownKeys) -> Result<Stored, SeedError> {
    let database = conn
        .path()
        .filter(|p| !p.is_empty())
        .map(std::path::Path::new);
    let mut stored = Stored {
        max_ids: HashMap::default(),
        codes: HashMap::default(),
    };
    let mut published = conn.prepare("SELECT id FROM sources WHERE kind = ?1")?;
    for id in published.query_map([crate::schema::PUBLISHED_DATA], |row| row.get(0))? {
        known.published.insert(id?);
    }
    drop(published);
    for table in TABLES {
        // The highest id, which also sizes the key map (ids mostly run without gaps).
        let max: i64 = match table.identity == Identity::Key && !table.is_vocabulary {
            true => conn.query_row(
                &format!("SELECT coalesce(max(id), 0) FROM {}", table.name),
                [],
                |row| row.get(0),
            )?,
            false => 0,
        };
        let lookup = match known.looked_up.contains(&table.name) {
            true => database.and_then(|path| KeyLookup::open(path, table, max)),
            false => None,
        };
        if let Some(lookup) = lookup {
            known.keys.insert(table.name, KeyIndex::looked_up(lookup));
        } else if known.keeps(table) {
            let mut stmt = conn.prepare(&format!("SELECT key, id FROM {}", table.name))?;
            let keys = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
            let mut index =
                KeyIndex::stored(keys.map(|k| k.map_err(SeedError::from)), max as usize)?;
            for (hash, ids) in index.shared_hashes() {
                let keys = ids
                    .into_iter()
                    .map(|id| Ok((key_of_id(conn, table.name, id)?, id)))
                    .collect::<Result<_, SeedError>>()?;
                index.keep_shared(hash, keys);
            }
            known.keys.insert(table.name, index);
        }
        if table.is_vocabulary {
            let codes = known.codes.entry(table.name).or_default();
            let mut stmt = conn.prepare(&format!("SELECT code FROM {}", table.name))?;
            for code in stmt.query_map([], |row| row.get::<_, String>(0))? {
                codes.insert(code?);
            }
            stored.codes.insert(table.name, codes.clone());
        } else if table.identity == Identity::Key {
            stored.max_ids.insert(table.name, max);
        }
    }
    Ok(stored)
}

/// The key of the stored row of `table` with this id.
pub(super) fn key_of_id(conn: &Connection, table: &str, id: i64) -> Result<String, SeedError> {
    let table = crate::schema::table(table).expect("a table of the schema");
    Ok(conn.query_row(
        &format!(
            "SELECT {} FROM {} WHERE id = ?1",
            table.key_column(),
            table.name
        ),
        [id],
        |row| row.get(0),
    )?)
}

/// The reading thread's part of an update.
pub(super) struct UpdateRead<'k> {
    checker: Checker<'k>,
    /// The next id a new row of the file's table gets.
    next_id: i64,
    /// The first id given to a new row of the file, and each new row's place in the file, so
    /// that a key can be found again by its id (see `KeyIndex::insert`).
    first_new: i64,
    new_places: Vec<i64>,
    max_ids: HashMap<&'static str, i64, FixedFoldHash>,
    /// The database, opened to read, to find the key of a stored id (two keys sharing a hash).
    database: Option<std::path::PathBuf>,
    /// What the last load left: its files' hashes and fingerprints, and the file's runs matched
    /// against them.
    previous: &'k Previous,
    fingerprints: Fingerprints,
    matcher: Option<Matcher>,
    /// Whether the file starting is the one last loaded (no fingerprint is then read).
    same: bool,
    /// Which tables' keys are kept, and until which file (kept_keys.rs).
    kept: KeptKeys,
}

impl<'k> UpdateRead<'k> {
    pub(super) fn new(
        known: &'k mut KnownKeys,
        max_ids: HashMap<&'static str, i64, FixedFoldHash>,
        database: Option<std::path::PathBuf>,
        (previous, kept): (&'k Previous, KeptKeys),
    ) -> UpdateRead<'k> {
        let fingerprints = match (&database, previous.trusted) {
            (Some(path), Some(dataset)) => Fingerprints::open(path, dataset),
            _ => Fingerprints::default(),
        };
        UpdateRead {
            fingerprints,
            checker: Checker::new(known),
            next_id: 0,
            first_new: 0,
            new_places: Vec::new(),
            max_ids,
            database,
            previous,
            matcher: None,
            same: false,
            kept,
        }
    }
}

/// The key of the row with id `id` of the file `layout` lays out: a new row's from the file, a
/// stored row's from the database as committed (the load has not changed keys).
fn key_of(
    layout: &Layout,
    (first_new, new_places): (i64, &[i64]),
    database: Option<&std::path::Path>,
    id: i64,
) -> Result<String, SeedError> {
    if id >= first_new {
        let place = new_places
            .get((id - first_new) as usize)
            .copied()
            .unwrap_or(0);
        return layout.key_of_row(place);
    }
    let Some(path) = database else {
        return Ok(String::new());
    };
    let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    key_of_id(&conn, layout.table.name, id)
}

impl OnRead for UpdateRead<'_> {
    fn start(&mut self, layout: &mut Layout) {
        self.checker.forget_unused(&self.kept, layout.table);
        self.checker.start_file(layout.table);
        self.next_id = self.max_ids.get(layout.table.name).copied().unwrap_or(0) + 1;
        self.first_new = self.next_id;
        self.new_places.clear();
        // The last file's runs are let go before this one's are read.
        self.matcher = None;
        self.matcher = match layout.table.is_vocabulary || std::mem::take(&mut self.same) {
            true => None,
            false => self
                .fingerprints
                .table(layout)
                .and_then(|old| Matcher::new(old, layout)),
        };
        layout.fingerprinted = self.matcher.is_some();
    }

    fn batch(&mut self, layout: &Layout, batch: &mut Batch) -> Result<(), DeferredError> {
        let table = layout.table;
        let gives_id = table.referenced && table.identity == Identity::Key;
        let link = matches!(table.identity, Identity::Columns(_));
        let key_field = super::row_identity::key_field_of(layout);
        batch.ids.clear();
        // Read ahead of the parser, the parsing thread decided (read_ahead.rs).
        let plan = if batch.planned {
            std::mem::take(&mut batch.skips)
        } else {
            batch.skips.clear();
            batch.hashes.clear();
            match &mut self.matcher {
                Some(matcher) => {
                    let records = &batch.records[..batch.filled];
                    matcher.plan(records, &batch.raws, &mut batch.hashes)
                }
                None => Vec::new(),
            }
        };
        let mut planned_ids = std::mem::take(&mut batch.skip_ids).into_iter();
        let mut plan = plan.into_iter().peekable();
        let mut row = 0;
        while row < batch.filled {
            // Rows a run of the last load holds: stored as they are, with these ids.
            if let Some(skip) = plan.next_if(|skip| skip.rows.start == row) {
                let ids = match batch.planned {
                    true => Some(planned_ids.by_ref().take(skip.rows.len()).collect()),
                    false => {
                        let matcher = self.matcher.as_mut().expect("a plan comes from a matcher");
                        matcher.take(&skip, link)
                    }
                };
                if let Some(ids) = ids {
                    batch.ids.extend(ids);
                    let values = skip.rows.len() * layout.values_per_row;
                    batch
                        .values
                        .extend(std::iter::repeat_n(Converted::Null, values));
                    self.checker.skip_rows(skip.rows.len() as u64);
                    row = skip.rows.end;
                    batch.skips.push(skip);
                    continue;
                }
            }
            let record = &batch.records[row];
            // The stored row's id if its key is stored, else the next.
            let known = match (gives_id, key_field) {
                (true, Some(field)) => self.checker.known_id(table.name, &record[field]),
                _ => None,
            };
            let (next_id, ids) = (&mut self.next_id, &mut batch.ids);
            let mut new_place = None;
            let checked = self.checker.row(
                layout,
                record,
                &mut batch.values,
                &mut batch.arena,
                |_, _, place| {
                    let id = match (gives_id, known) {
                        (false, _) => 0,
                        (true, Some(id)) => id,
                        (true, None) => {
                            *next_id += 1;
                            new_place = Some(place);
                            *next_id - 1
                        }
                    };
                    ids.push(id);
                    Ok(id)
                },
                |other| {
                    let new = (self.first_new, self.new_places.as_slice());
                    key_of(layout, new, self.database.as_deref(), other)
                },
            );
            if let Some(place) = new_place {
                self.new_places.push(place);
            }
            if let Err(failure) = checked {
                batch.filled = row;
                batch.skips.retain(|skip| skip.rows.end <= row);
                return Err(failure);
            }
            if let (Some(matcher), Some(group)) = (&mut self.matcher, layout.group_value) {
                let values = &batch.values[batch.values.len() - layout.values_per_row..];
                if let rusqlite::types::ValueRef::Integer(id) =
                    values[group].value(record, &batch.arena)
                {
                    matcher.checked_group(row, id);
                }
            }
            row += 1;
        }
        if let Some(matcher) = &mut self.matcher {
            matcher.end_batch();
        }
        Ok(())
    }

    fn pipelined(&self) -> bool {
        true
    }

    fn read_ahead(&mut self, _layout: &Layout) -> Option<Matcher> {
        self.matcher.take()
    }

    fn read_ahead_done(&mut self, matcher: Matcher) {
        self.matcher = Some(matcher);
    }

    fn same_file(&mut self, layout: &Layout, source: &dyn Source) -> Option<(String, u64)> {
        // Only a file with fingerprints under this layout, whose bytes hash as last loaded. A
        // file of another size is not read twice to tell.
        let last = self.previous.files.get(&layout.table.file_name())?;
        if layout.table.is_vocabulary || !self.fingerprints.has(layout) {
            return None;
        }
        if source
            .size(layout.table)
            .is_some_and(|bytes| bytes != last.bytes)
        {
            return None;
        }
        let hash = source.hash_of(layout.table)?;
        self.same = hash == last.hash;
        self.same.then_some((hash, last.rows))
    }

    fn end(&mut self, layout: &Layout) -> Result<FileEnd, DeferredError> {
        Ok(FileEnd {
            resolved: self.checker.end_file(layout)?,
            maybe_gone: self.matcher.take().map(|matcher| matcher.maybe_gone()),
        })
    }
}
