//! A fresh load: every row checked on the reading thread ([`FreshRead`]), where a row's id is its
//! place in its file, then written with plain inserts of many rows at once ([`FreshWriter`]).
//! Link rows that stop following their table's primary key are staged and merged in at the end
//! of their file, sorted.

use rusqlite::Connection;

use super::bulk_insert::BulkInsert;
use super::check::Checker;
use super::convert::Converted;
use super::diagnose::{is_environment, refused, DeferredError, SeedError};
use super::fingerprint::Builder;
use super::indexes::build_table_indexes;
use super::input::Source;
use super::kept_keys::KeptKeys;
use super::key_map::KnownKeys;
use super::layout::{stored_columns, Layout};
use super::read::{Batch, FileEnd, OnRead};
use super::self_refs::set_self_refs;
use super::sql::{insert_sql, DATASET};
use super::{rows_stored, Writer};
use crate::schema::{Identity, Table, TABLES};

/// The reading thread's part of a fresh load: every row checked and converted as it is read.
pub(super) struct FreshRead<'k> {
    checker: Checker<'k>,
    order: KeyOrder,
    /// Which tables' keys are kept, and until which file.
    kept: KeptKeys,
}

impl<'k> FreshRead<'k> {
    /// Checks the rows of `source` against `known`, keeping the keys only of the tables that
    /// rows of a later file of `source` refer to (see kept_keys.rs).
    pub(super) fn new(known: &'k mut KnownKeys, source: &dyn Source) -> FreshRead<'k> {
        let kept = KeptKeys::plan(source);
        known.not_kept = kept.not_kept();
        FreshRead {
            checker: Checker::new(known),
            order: KeyOrder::default(),
            kept,
        }
    }
}

impl OnRead for FreshRead<'_> {
    fn start(&mut self, layout: &mut Layout) {
        self.checker.forget_unused(&self.kept, layout.table);
        self.checker.start_file(layout.table);
        self.order = KeyOrder::default();
    }

    fn batch(&mut self, layout: &Layout, batch: &mut Batch) -> Result<(), DeferredError> {
        let order = &mut self.order;
        for row in 0..batch.filled {
            let record = &batch.records[row];
            let unsorted_from = &mut batch.unsorted_from;
            let checked = self.checker.row(
                layout,
                record,
                &mut batch.values,
                &mut batch.arena,
                |values, arena, place| {
                    if !layout.identity.is_empty()
                        && !order.unsorted
                        && order.breaks(layout, values, record, arena)
                    {
                        *unsorted_from = Some(row);
                    }
                    // A row's id is its place in its file.
                    Ok(place)
                },
                |other| layout.key_of_row(other),
            );
            if let Err(failure) = checked {
                // The rows before it are handed over.
                batch.filled = row;
                return Err(failure);
            }
        }
        Ok(())
    }

    fn end(&mut self, layout: &Layout) -> Result<FileEnd, DeferredError> {
        let resolved = self.checker.end_file(layout)?;
        // The file's own keys: no longer added to, and looked up by later files, or by none.
        if let Some(place) = TABLES.iter().position(|t| t.name == layout.table.name) {
            match self.kept.used_after(place) {
                true => self.checker.freeze(layout.table.name),
                false => self.checker.forget(layout.table.name),
            }
        }
        Ok(FileEnd {
            resolved,
            maybe_gone: None,
        })
    }
}

/// Whether the rows of a link file arrive grouped in the order of the first column of the table's
/// primary key (rows of one event together, events in the order of their file), in which case
/// each row lands beside the one before it, at the end of the table or near it.
#[derive(Default)]
struct KeyOrder {
    last: Option<(i64, Vec<u8>)>,
    unsorted: bool,
}

impl KeyOrder {
    /// Takes the next row's values; true if it sorts before the previous row by the first column
    /// of the key (from then on the file counts as unsorted).
    #[inline]
    fn breaks(
        &mut self,
        layout: &Layout,
        values: &[Converted],
        record: &csv::StringRecord,
        arena: &str,
    ) -> bool {
        let Some(&first) = layout.identity_values.first() else {
            return false;
        };
        use rusqlite::types::ValueRef;
        let (n, text): (i64, &[u8]) = match values[first].value(record, arena) {
            ValueRef::Integer(n) => (n, b""),
            ValueRef::Text(text) => (0, text),
            // Not found in identity columns, which the loader fills with integers or text.
            ValueRef::Null | ValueRef::Real(_) | ValueRef::Blob(_) => (i64::MIN, b""),
        };
        match &mut self.last {
            // Integer keys (every link table's first) compare without touching the text.
            Some((last_n, _)) if n < *last_n => self.unsorted = true,
            Some((last_n, last_text))
                if n == *last_n && !text.is_empty() && text < last_text.as_slice() =>
            {
                self.unsorted = true;
            }
            Some((last_n, last_text)) => {
                *last_n = n;
                if !(text.is_empty() && last_text.is_empty()) && last_text != text {
                    last_text.clear();
                    last_text.extend_from_slice(text);
                }
            }
            None => self.last = Some((n, text.to_vec())),
        }
        self.unsorted
    }
}

/// The writing thread's part of a fresh load: rows checked already, inserted as they come.
pub(super) struct FreshWriter<'c, 'b> {
    conn: &'c Connection,
    /// The id of the dataset every row goes to.
    dataset: i64,
    /// The indexes still to build, as [`super::drop_indexes`] gives them: each table's are built
    /// once its file is in (see [`FreshWriter::end`]).
    indexes: &'b mut Vec<(String, String, String)>,
    /// The tables whose rows' fingerprints (fingerprint.rs) were recorded.
    built: &'b mut Vec<&'static str>,
}

/// One file's rows going into a fresh database.
pub(super) struct FreshFile<'c, 's> {
    layout: Layout<'s>,
    inserts: Inserts<'c>,
    /// Once the rows of a link file stop following its primary key: the inserts into the
    /// temporary table those rows go to (see [`FreshFile::stage`]).
    staged: Option<Inserts<'c>>,
    /// Whether each row's id (its place in the file) is bound first.
    binds_id: bool,
    rows: u64,
    builder: Option<Builder>,
}

impl<'c, 'b> FreshWriter<'c, 'b> {
    pub(super) fn new(
        conn: &'c Connection,
        dataset: i64,
        indexes: &'b mut Vec<(String, String, String)>,
        built: &'b mut Vec<&'static str>,
    ) -> FreshWriter<'c, 'b> {
        FreshWriter {
            conn,
            dataset,
            indexes,
            built,
        }
    }
}

impl<'c, 's> Writer<'s> for FreshWriter<'c, '_> {
    type File = FreshFile<'c, 's>;

    fn start(&mut self, layout: Layout<'s>) -> Result<FreshFile<'c, 's>, SeedError> {
        let table = layout.table;
        let existing = rows_stored(self.conn, table)?;
        if existing > 0 {
            return Err(SeedError::File {
                file: layout.origin.name().to_string(),
                message: format!(
                    "a fresh load found {existing} rows already in {}",
                    table.name
                ),
            });
        }
        Ok(FreshFile {
            inserts: Inserts::prepare(self.conn, table, table.name)?,
            staged: None,
            binds_id: table.identity == Identity::Key && !table.is_vocabulary,
            rows: 0,
            builder: Builder::new(&layout),
            layout,
        })
    }

    /// Inserts rows the reading thread has checked and converted.
    fn rows(&mut self, file: &mut FreshFile<'c, 's>, batch: &Batch) -> Result<(), SeedError> {
        // Each row with its values and its id (its place in the file).
        let rows: Vec<(&csv::StringRecord, &[Converted], i64)> = batch.records[..batch.filled]
            .iter()
            .zip(batch.values.chunks_exact(file.layout.values_per_row))
            .zip(file.rows as i64 + 1..)
            .map(|((record, values), id)| (record, values, id))
            .collect();
        let sorted = match file.staged {
            Some(_) => 0,
            None => batch.unsorted_from.unwrap_or(rows.len()),
        };
        let (into_table, to_stage) = rows.split_at(sorted);
        insert_rows(
            &mut file.inserts,
            &file.layout,
            (file.binds_id, self.dataset),
            into_table,
            &batch.arena,
        )?;
        if !to_stage.is_empty() {
            let staged = match &mut file.staged {
                Some(staged) => staged,
                staged => staged.insert(FreshFile::stage(self.conn, &file.layout)?),
            };
            insert_rows(
                staged,
                &file.layout,
                (false, self.dataset),
                to_stage,
                &batch.arena,
            )?;
        }
        file.rows += rows.len() as u64;
        if let Some(builder) = &mut file.builder {
            for (row, &(record, values, id)) in rows.iter().enumerate() {
                let id = match file.layout.group_value {
                    // A link row's group: the row its first identity column refers to.
                    Some(first) => match values[first].value(record, &batch.arena) {
                        rusqlite::types::ValueRef::Integer(group) => Some(group),
                        _ => None,
                    },
                    None => Some(id),
                };
                builder.push(record, None, batch.raws.get(row).copied().flatten(), id);
            }
            builder.flush(self.conn, self.dataset)?;
        }
        Ok(())
    }

    fn same(&mut self, _file: FreshFile<'c, 's>, _rows: u64) -> Result<u64, SeedError> {
        unreachable!("a fresh load has no last load to be the same as")
    }

    fn end(
        &mut self,
        mut file: FreshFile<'c, 's>,
        ended: FileEnd,
        _hash: Option<&str>,
    ) -> Result<u64, SeedError> {
        if file.staged.take().is_some() {
            file.merge_staged(self.conn)?;
        }
        set_self_refs(self.conn, &file.layout, &ended.resolved, 0, None)?;
        if let Some(builder) = file.builder.take() {
            self.built.extend(builder.finish(self.conn, self.dataset)?);
        }
        // The table's rows are final: its indexes are built now rather than after the last
        // file, so that a key given twice in it is refused before a later file's error, as a key
        // other files refer to is. (Its search index is built at the end, once the key maps are
        // gone: at a million events, built here it raised the seed's peak memory from 73 MB to
        // 87 MB.)
        build_table_indexes(self.conn, &file.layout.origin, self.indexes)?;
        Ok(file.rows)
    }
}

impl FreshFile<'_, '_> {
    /// The temporary table that the rows of a link file go to once they stop following the order
    /// of the table's primary key. Inserted into the table out of order, they would land all over
    /// it, each on a page of its own; at the end of the file they go in at once, sorted (see
    /// [`FreshFile::merge_staged`]).
    fn staged_table(layout: &Layout) -> String {
        format!("temp.staged_{}", layout.table.name)
    }

    /// Creates the staging table and the inserts into it.
    fn stage<'c>(conn: &'c Connection, layout: &Layout) -> Result<Inserts<'c>, SeedError> {
        let (table, staged) = (layout.table, FreshFile::staged_table(layout));
        conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS {staged}; CREATE TABLE {staged} AS SELECT * FROM main.{} WHERE 0",
            table.name
        ))?;
        Ok(Inserts::prepare(conn, table, &staged)?)
    }

    /// Moves the staged rows of a link file into its table, sorted by the table's primary key, so
    /// that they go in as a merge rather than at random; a row given twice is refused as a
    /// duplicate.
    fn merge_staged(&self, conn: &Connection) -> Result<(), SeedError> {
        let (table, staged) = (self.layout.table, FreshFile::staged_table(&self.layout));
        let columns = format!("{}, {DATASET}", stored_columns(table).join(", "));
        let order = self.layout.identity.join(", ");
        let merged = conn.execute_batch(&format!(
            "INSERT INTO main.{0} ({columns}) SELECT {columns} FROM {staged} ORDER BY {order}",
            table.name
        ));
        if let Err(error) = merged {
            let both = format!(
                "(SELECT {columns} FROM main.{} UNION ALL SELECT {columns} FROM {staged})",
                table.name
            );
            if let Some(duplicate) = self.layout.origin.duplicate_in(conn, &both)? {
                return Err(duplicate);
            }
            return Err(error.into());
        }
        conn.execute_batch(&format!("DROP TABLE {staged}"))?;
        Ok(())
    }
}

/// A fresh load's inserts into one table: of one row, and (but for a vocabulary) of
/// [`ROWS_PER_INSERT`] rows at once.
struct Inserts<'c> {
    one: BulkInsert<'c>,
    many: Option<BulkInsert<'c>>,
}

impl<'c> Inserts<'c> {
    fn prepare(conn: &'c Connection, table: &Table, into: &str) -> rusqlite::Result<Inserts<'c>> {
        Ok(Inserts {
            one: BulkInsert::prepare(conn, &insert_sql(table, into, 1))?,
            many: match table.is_vocabulary {
                true => None,
                false => Some(BulkInsert::prepare(
                    conn,
                    &insert_sql(table, into, ROWS_PER_INSERT),
                )?),
            },
        })
    }
}

/// The values a fresh load binds for one row: its id first if `binds_id`, then its columns.
fn row_values<'a>(
    binds_id: bool,
    &(record, values, id): &(&'a csv::StringRecord, &'a [Converted], i64),
    arena: &'a str,
) -> impl Iterator<Item = rusqlite::types::ValueRef<'a>> {
    binds_id
        .then_some(rusqlite::types::ValueRef::Integer(id))
        .into_iter()
        .chain(values.iter().map(move |value| value.value(record, arena)))
}

/// Inserts `rows`, in whole runs of [`ROWS_PER_INSERT`] where the table takes them.
fn insert_rows(
    inserts: &mut Inserts,
    layout: &Layout,
    (binds_id, dataset): (bool, i64),
    rows: &[(&csv::StringRecord, &[Converted], i64)],
    arena: &str,
) -> Result<(), SeedError> {
    // The dataset's id, the statement's last parameter (see `insert_sql`).
    let dataset = std::iter::once(rusqlite::types::ValueRef::Integer(dataset));
    let mut done = 0;
    // Whole runs of rows in one statement each; a run the database refuses changes nothing and
    // goes again row by row below, which names the row's line.
    if let Some(many) = &mut inserts.many {
        for run in rows.chunks_exact(ROWS_PER_INSERT) {
            let values = run
                .iter()
                .flat_map(|row| row_values(binds_id, row, arena))
                .chain(dataset.clone());
            match many.execute(values) {
                Ok(()) => {}
                // No row is to blame, and going on row by row would meet SQLite's state after
                // the failure (a fresh load has no journal to undo a failed write with), which
                // it reports as a malformed database.
                Err(error) if is_environment(&error) => return Err(error.into()),
                Err(_) => break,
            }
            done += ROWS_PER_INSERT;
        }
    }
    for row in &rows[done..] {
        let record = row.0;
        let values = row_values(binds_id, row, arena).chain(dataset.clone());
        if let Err(error) = inserts.one.execute(values) {
            // A link table's primary key is its identity: a row given twice.
            if error.sqlite_extended_error_code()
                == Some(rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
                && !layout.identity.is_empty()
            {
                return Err(layout.duplicate(record)?);
            }
            let line = record.position().map_or(0, |p| p.line());
            return Err(refused(layout.origin.name(), line, error));
        }
    }
    Ok(())
}

/// Rows per statement in a fresh load: one statement for many rows runs its set-up (opening the
/// table, finding its end) once for all of them.
const ROWS_PER_INSERT: usize = 32;
