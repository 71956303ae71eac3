//! The one path every row is checked through: its values converted (convert.rs), its id found
//! by the writer, its key remembered for the rows that refer to it, and its references to rows
//! further down the same file resolved once the file is read. A fresh load runs it on the reading
//! thread, an update on the writing thread (ids come from the database there); the mode decides
//! which once, in `load_with`, by handing the [`Checker`] to one side.

use super::convert::Converted;
use super::diagnose::{DeferredError, SeedError};
use super::key_map::KnownKeys;
use super::layout::Layout;
use crate::schema::{Identity, Table, Value, TABLES};

/// Checks the rows of one file after another, against the keys of the tables loaded so far.
pub(super) struct Checker<'k> {
    known: &'k mut KnownKeys,
    file: FileCheck,
}

/// What checking the rows of one file carries from row to row.
pub(super) struct FileCheck {
    /// The references of the row being checked to rows of its own table not seen yet, as (key,
    /// field).
    pub(super) self_refs: Vec<(String, usize)>,
    /// The vocabulary codes the file has given.
    codes: std::collections::HashSet<String, super::key_map::FixedFoldHash>,
    /// The references to rows further down the file, resolved once the file is in.
    forwards: Vec<Forward>,
    /// The row's figures that must not decrease from column to column, as (field, figure).
    pub(super) ascending: Vec<(usize, i64)>,
    /// The last key each column resolved, and its id: files are often grouped by event, and a
    /// repeated key then skips the hash lookup (and its likely cache miss).
    pub(super) last_refs: Vec<(String, i64)>,
    /// Rows checked so far.
    rows: u64,
}

/// A reference to a row of the same table that appears further down the file.
struct Forward {
    id: i64,
    key: String,
    line: u64,
    column: usize,
}

impl FileCheck {
    fn new(columns: usize) -> FileCheck {
        FileCheck {
            self_refs: Vec::new(),
            codes: Default::default(),
            forwards: Vec::new(),
            ascending: Vec::new(),
            last_refs: vec![(String::new(), 0); columns],
            rows: 0,
        }
    }
}

impl<'k> Checker<'k> {
    /// A checker over `known`; [`Checker::start_file`] starts each file.
    pub(super) fn new(known: &'k mut KnownKeys) -> Checker<'k> {
        Checker {
            known,
            file: FileCheck::new(0),
        }
    }

    /// The id `key` of `table` is known under, if it is.
    pub(super) fn known_id(&self, table: &str, key: &str) -> Option<i64> {
        self.known.keys.get(table).and_then(|keys| keys.get(key))
    }

    /// Forgets the keys of `table`: no rows still to come refer to them.
    pub(super) fn forget(&mut self, table: &str) {
        self.known.keys.remove(table);
    }

    /// Forgets the keys no file from `table`'s on refers to (see kept_keys.rs).
    pub(super) fn forget_unused(&mut self, kept: &super::kept_keys::KeptKeys, table: &Table) {
        if let Some(place) = TABLES.iter().position(|t| t.name == table.name) {
            for table in kept.done_before(place) {
                self.forget(table);
            }
        }
    }

    /// Holds the keys of `table`, whose file is read, in less memory, for later files to look up
    /// (see [`super::key_map::KeyIndex::freeze`]).
    pub(super) fn freeze(&mut self, table: &str) {
        if let Some(keys) = self.known.keys.get_mut(table) {
            keys.freeze();
        }
    }

    /// Starts on the next file.
    pub(super) fn start_file(&mut self, table: &Table) {
        self.file = FileCheck::new(table.columns.len());
    }

    /// Checks `record` and appends its values to `values` (text the loader writes, to `arena`);
    /// `store` then takes those values and the row's place in the file (from 1) and gives the
    /// row's id, and the row's key is remembered under it. `key_of` gives the key of another id
    /// (see [`super::key_map::KeyIndex::insert`]).
    #[inline]
    pub(super) fn row(
        &mut self,
        layout: &Layout,
        record: &csv::StringRecord,
        values: &mut Vec<Converted>,
        arena: &mut String,
        store: impl FnOnce(&[Converted], &str, i64) -> Result<i64, SeedError>,
        key_of: impl FnOnce(i64) -> Result<String, SeedError>,
    ) -> Result<(), DeferredError> {
        let line = record.position().map_or(0, |p| p.line());
        let start = values.len();
        let key = layout.convert(self.known, record, line, &mut self.file, values, arena)?;
        let id = store(&values[start..], arena, self.file.rows as i64 + 1)?;
        self.file.rows += 1;
        let byte = record.position().map_or(0, |p| p.byte());
        reserve_keys(self.known, layout, self.file.rows, byte);
        self.remember(layout, record, key, id, line, key_of)?;
        Ok(())
    }

    /// Passes `rows` rows of the file unchecked: rows of the last load, stored as they are
    /// (fingerprint.rs).
    pub(super) fn skip_rows(&mut self, rows: u64) {
        self.file.rows += rows;
    }

    /// The end of the file: the ids of the rows that referred further down it, and the ids they
    /// refer to.
    pub(super) fn end_file(&mut self, layout: &Layout) -> Result<Vec<(i64, i64)>, DeferredError> {
        resolve_forwards(self.known, layout, &self.file.forwards)
    }

    /// Records a row just stored: a vocabulary's code, or a keyed row's key and id and the
    /// references it makes to rows further down the file. A code or key that the file gave before
    /// is a duplicate.
    fn remember(
        &mut self,
        layout: &Layout,
        record: &csv::StringRecord,
        key: Option<usize>,
        id: i64,
        line: u64,
        key_of: impl FnOnce(i64) -> Result<String, SeedError>,
    ) -> Result<(), SeedError> {
        let (known, file_check) = (&mut *self.known, &mut self.file);
        let table = layout.table;
        if table.is_vocabulary {
            let code = &record[key.expect("a vocabulary code is required")];
            if !file_check.codes.insert(code.to_string()) {
                return Err(layout.duplicate(record)?);
            }
            let codes = known.codes.entry(table.name).or_default();
            codes.insert(code.to_string());
        } else if table.identity == Identity::Key {
            if table.name == "sources" {
                let kind = (table.columns.iter())
                    .position(|c| c.name == "kind")
                    .and_then(|i| layout.positions[i])
                    .map(|field| &record[field]);
                match kind == Some(crate::schema::PUBLISHED_DATA) {
                    true => known.published.insert(id),
                    false => known.published.remove(&id),
                };
            }
            if known.keeps(table) {
                let key = &record[key.expect("a key is required")];
                let keys = known.keys.entry(table.name).or_default();
                if !keys.insert(key, id, key_of)? {
                    return Err(layout.duplicate(record)?);
                }
            }
            for (target, index) in file_check.self_refs.drain(..) {
                file_check.forwards.push(Forward {
                    id,
                    key: target,
                    line,
                    column: index,
                });
            }
        }
        Ok(())
    }
}

/// The ids of the rows that referred further down their own file, and the ids they refer to.
fn resolve_forwards(
    known: &KnownKeys,
    layout: &Layout,
    forwards: &[Forward],
) -> Result<Vec<(i64, i64)>, DeferredError> {
    let table = layout.table;
    let column = table
        .columns
        .iter()
        .find(|c| c.value == Value::Ref(table.name));
    forwards
        .iter()
        .map(
            |forward| match known.keys.get(table.name).and_then(|k| k.get(&forward.key)) {
                Some(target) => Ok((forward.id, target)),
                None => Err(DeferredError::UnknownKey {
                    error: Box::new(SeedError::Value {
                        file: layout.origin.name().to_string(),
                        line: forward.line,
                        column: forward.column + 1,
                        name: column.map_or("", |c| c.name).to_string(),
                        value: forward.key.as_str().into(),
                        message: String::new(),
                    }),
                    table: table.name,
                    key: forward.key.clone(),
                }),
            },
        )
        .collect()
}

/// Sizes the key map once for the whole file, from the bytes the first rows took: growing it
/// step by step would hold the old table and the new one at once.
fn reserve_keys(known: &mut KnownKeys, layout: &Layout, rows: u64, byte: u64) {
    if rows == 1024 && known.keeps(layout.table) {
        if let Some(size) = layout.size {
            let expected = size.saturating_mul(rows) / byte.max(1);
            let keys = known.keys.entry(layout.table.name).or_default();
            // In an update the map holds the stored keys already, most of them the file's.
            let more = (expected as usize * 21 / 20).saturating_sub(keys.len());
            keys.reserve(more);
        }
    }
}
