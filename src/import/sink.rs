//! Where a format's `map` writes what a record becomes: rows of our tables, by table and column
//! name, each remembering the line of the imported file it came from. Actors, places and sources
//! that many records name are written once per dataset ([`Sink::shared`]); keys are namespaced
//! by the dataset (`acled:AZE1234` in a dataset named `acled`), so that two datasets of one format
//! (ACLED's files for two countries) each have their own actors, places and sources.
//!
//! The rows are spilled to temporary files, one per table (spool.rs), so that a file of a million
//! records costs disk, not memory. A record's rows are held back until its `map` succeeds, so
//! that a refused record leaves nothing behind. Every row costs the mapping of every record, so
//! the rows' values are kept in buffers used again from record to record, not allocated anew.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::BuildHasher;

use anyhow::Result;

use super::spool::SpoolWriter;
use crate::schema::{Identity, Value, TABLES};

/// The bits of a stored line number that hold the line within its file; the bits above hold
/// which of the command's files it is (see [`encode_line`]).
const LINE_BITS: u32 = 40;

/// A line of the `file`th file (from 0) as the loader carries it: one number.
pub fn encode_line(file: usize, line: u64) -> u64 {
    ((file as u64) << LINE_BITS) | line
}

/// The file (from 0) and the line within it of an encoded line.
pub fn decode_line(encoded: u64) -> (usize, u64) {
    (
        (encoded >> LINE_BITS) as usize,
        encoded & ((1 << LINE_BITS) - 1),
    )
}

/// The rows a record makes, and every row made so far.
pub struct Sink {
    /// The dataset's namespace: the first part of every key the import makes.
    namespace: String,
    /// The format's name: `ucdp-ged:actor:64` names UCDP's actor 64 in any dataset.
    format: &'static str,
    /// The line being mapped, encoded with its file.
    line: u64,
    /// By the table's place in `schema::TABLES`; made when a first row comes.
    pub(super) spools: Vec<Option<SpoolWriter>>,
    /// The rows of the record being mapped: table, values.
    pending: Vec<(usize, Vec<String>)>,
    /// The values of rows written, to be filled again.
    free: Vec<Vec<String>>,
    /// Each table's place in `schema::TABLES`, by name.
    tables: HashMap<&'static str, usize, foldhash::fast::FixedState>,
    /// The place of a column among its table's, by table and the address and length of its
    /// name as [`Row::set`] is given it.
    columns: HashMap<(usize, usize, usize), usize, foldhash::fast::FixedState>,
    /// The keys of shared rows written, by table, as hashes, with their place among the table's
    /// rows (the id a fresh load gives them).
    seen: Vec<HashMap<u64, u64, crate::seed::key_map::ByHash>>,
    pending_seen: Vec<(usize, u64)>,
    /// What the format keeps from record to record of this import ([`Sink::state`]).
    state: Option<Box<dyn std::any::Any>>,
}

/// A row being filled in, column by column; [`Row::add`] adds it to the record's rows.
#[must_use = "a row is written only by add()"]
pub struct Row<'s> {
    sink: &'s mut Sink,
    table: usize,
    values: Vec<String>,
}

impl Row<'_> {
    /// Sets `column` to the dataset's key for `local`, a key of the format's own (see
    /// [`Sink::key`]).
    pub fn set_key(self, column: &'static str, local: &str) -> Self {
        let key = self.sink.key(local);
        self.set(column, key)
    }

    /// Sets `column` (the seed file's column name, as in `schema.rs`) to `value`.
    pub fn set(mut self, column: &'static str, value: impl AsRef<str>) -> Self {
        // Found by name once per table and name: a static name is the same text wherever it is.
        let name = (self.table, column.as_ptr() as usize, column.len());
        let at = match self.sink.columns.get(&name) {
            Some(at) => *at,
            None => {
                let table = &TABLES[self.table];
                let Some(at) = table.columns.iter().position(|c| c.name == column) else {
                    panic!("{} has no column {column}", table.name)
                };
                self.sink.columns.insert(name, at);
                at
            }
        };
        let slot = &mut self.values[at];
        slot.clear();
        slot.push_str(value.as_ref());
        self
    }

    /// Adds the row to the record's rows.
    pub fn add(self) {
        self.sink.pending.push((self.table, self.values));
    }
}

impl Sink {
    pub fn new(namespace: String, format: &'static str) -> Sink {
        Sink {
            namespace,
            format,
            line: 0,
            spools: TABLES.iter().map(|_| None).collect(),
            pending: Vec::new(),
            free: Vec::new(),
            columns: HashMap::default(),
            tables: TABLES
                .iter()
                .enumerate()
                .map(|(at, table)| (table.name, at))
                .collect(),
            // Keyed by foldhash hashes already: not hashed again.
            seen: TABLES.iter().map(|_| HashMap::default()).collect(),
            pending_seen: Vec::new(),
            state: None,
        }
    }

    /// What the format keeps from record to record of this import (UCDP GED's conflicts and
    /// dyads, which [`Format::finish`](super::format::Format::finish) writes), empty at first.
    /// One format maps an import, so the sink holds one type of state.
    pub fn state<T: Default + 'static>(&mut self) -> &mut T {
        self.state
            .get_or_insert_with(|| Box::new(T::default()))
            .downcast_mut::<T>()
            .expect("one format, one type of state, per import")
    }

    /// The dataset's key for a key of the format's own: `acled:AZE1234` in a dataset named
    /// `acled`.
    pub fn key(&self, local: &str) -> String {
        self.key_of(&[local])
    }

    /// The dataset's key for the format's own key written in `parts`: `acled:` and the parts.
    /// (Every record makes several keys: put together, not formatted.)
    pub fn key_of(&self, parts: &[&str]) -> String {
        let length = parts.iter().map(|p| p.len()).sum::<usize>();
        let mut key = String::with_capacity(self.namespace.len() + 1 + length);
        key.push_str(&self.namespace);
        key.push(':');
        parts.iter().for_each(|part| key.push_str(part));
        key
    }

    /// The format's name for a key of its own, the same in every dataset (`ucdp-ged:actor:64`):
    /// what a `--link-actors` file may name a dataset's actor by.
    pub fn format_key(&self, local: &str) -> String {
        format!("{}:{local}", self.format)
    }

    /// A new row of `table`.
    pub fn row(&mut self, table: &str) -> Row<'_> {
        let at = self.table_index(table);
        let columns = TABLES[at].columns.len();
        let mut values = self.free.pop().unwrap_or_default();
        values.iter_mut().for_each(String::clear);
        values.resize_with(columns, String::new);
        Row {
            values,
            table: at,
            sink: self,
        }
    }

    fn table_index(&self, name: &str) -> usize {
        match self.tables.get(name) {
            Some(at) => *at,
            None => panic!("there is no table {name}"),
        }
    }

    /// A new row of `table` with the key `key`, unless a row with that key was written before
    /// (an actor, place or source many records name): the first record's values stand.
    pub fn shared(&mut self, table: &str, key: &str) -> Option<Row<'_>> {
        let at = self.table_index(table);
        let hash = foldhash::fast::FixedState::with_seed(0x696d_706f_7274).hash_one(key);
        if self.seen[at].contains_key(&hash) || self.pending_seen.contains(&(at, hash)) {
            return None;
        }
        self.pending_seen.push((at, hash));
        let key_column = TABLES[at].key_column();
        Some(self.row(table).set(key_column, key))
    }

    /// Keeps what the file's `column` holds for the event `event` (a key of this dataset), a
    /// value the model has no place for; an empty value is not kept.
    pub fn attribute(&mut self, event: &str, column: &str, value: &str) {
        if !value.is_empty() {
            self.row("event_attributes")
                .set("event", event)
                .set("name", column)
                .set("value", value)
                .add();
        }
    }

    /// Keeps what the file's `column` holds for the statement `statement` (a key of this
    /// dataset: a GDELT verbal event), a value the model has no place for; an empty value is not
    /// kept.
    pub fn statement_attribute(&mut self, statement: &str, column: &str, value: &str) {
        if !value.is_empty() {
            self.row("statement_attributes")
                .set("statement", statement)
                .set("name", column)
                .set("value", value)
                .add();
        }
    }

    /// Starts the record on `line` of the `file`th file.
    pub(super) fn start(&mut self, file: usize, line: u64) {
        self.line = encode_line(file, line);
        self.discard();
    }

    /// Keeps the record's rows.
    pub(super) fn commit(&mut self) -> Result<()> {
        for (table, hash) in self.pending_seen.drain(..) {
            let place = self.seen[table].len() as u64;
            self.seen[table].insert(hash, place);
        }
        // A record's link rows in their table's primary-key order (its rows all have the same
        // event): a fresh load then appends them instead of staging them to sort at the end.
        let mut pending = std::mem::take(&mut self.pending);
        pending.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| self.order(a.0, &a.1, &b.1)));
        for (table, values) in pending.drain(..) {
            let spool = match &mut self.spools[table] {
                Some(spool) => spool,
                empty => empty.insert(SpoolWriter::new(TABLES[table].columns.len())?),
            };
            spool.write(self.line, values.iter().map(String::as_str))?;
            self.free.push(values);
        }
        self.pending = pending;
        Ok(())
    }

    /// The order of two rows of `table` in its primary key's order, if it is a link table: by
    /// each identity column's value, a reference by the place of the shared row it names first.
    /// Other rows keep their order.
    fn order(&self, table: usize, a: &[String], b: &[String]) -> Ordering {
        let table_of = &TABLES[table];
        let Identity::Columns(identity) = table_of.identity else {
            return Ordering::Equal;
        };
        let hasher = foldhash::fast::FixedState::with_seed(0x696d_706f_7274);
        for ((column, a), b) in table_of.columns.iter().zip(a).zip(b) {
            if !identity.contains(&column.db) {
                continue;
            }
            let order = match column.value {
                Value::Ref(target) => {
                    let seen = &self.seen[self.table_index(target)];
                    let place = |value: &String| {
                        seen.get(&hasher.hash_one(value.as_str()))
                            .copied()
                            .unwrap_or(u64::MAX)
                    };
                    place(a).cmp(&place(b)).then_with(|| a.cmp(b))
                }
                _ => a.cmp(b),
            };
            if order != Ordering::Equal {
                return order;
            }
        }
        Ordering::Equal
    }

    /// Drops the record's rows.
    pub(super) fn discard(&mut self) {
        self.free
            .extend(self.pending.drain(..).map(|(_, values)| values));
        self.pending_seen.clear();
    }

    /// How many rows of `table` were kept.
    pub fn rows(&self, table: &str) -> u64 {
        self.spools[self.table_index(table)]
            .as_ref()
            .map_or(0, |s| s.rows)
    }
}
