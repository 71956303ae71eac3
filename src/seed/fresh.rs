//! Writing a fresh load: plain inserts of many rows at once, link rows out of order staged.

#[allow(unused_imports)]
use super::*;

impl Layout {
    /// The temporary table that the rows of a link file go to once they stop following the order
    /// of the table's primary key. Inserted into the table out of order, they would land all over
    /// it, each on a page of its own; at the end of the file they go in at once, sorted (see
    /// `Storing::finish`).
    pub(super) fn staged_table(&self) -> String {
        format!("temp.staged_{}", self.table.name)
    }

    /// Creates the staging table and the inserts into it.
    pub(super) fn stage<'c>(&self, conn: &'c Connection) -> Result<Inserts<'c>, SeedError> {
        let (table, staged) = (self.table, self.staged_table());
        conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS {staged}; CREATE TABLE {staged} AS SELECT * FROM main.{} WHERE 0",
            table.name
        ))?;
        Ok(Inserts::prepare(conn, table, &staged)?)
    }
}

/// A fresh load's inserts into one table: of one row, and (but for a vocabulary) of
/// [`ROWS_PER_INSERT`] rows at once.
pub(super) struct Inserts<'c> {
    pub(super) one: BulkInsert<'c>,
    pub(super) many: Option<BulkInsert<'c>>,
}

impl<'c> Inserts<'c> {
    pub(super) fn prepare(
        conn: &'c Connection,
        table: &Table,
        into: &str,
    ) -> rusqlite::Result<Inserts<'c>> {
        Ok(Inserts {
            one: BulkInsert::prepare(conn, &insert_sql(table, into, Mode::Fresh, 1))?,
            many: match table.is_vocabulary {
                true => None,
                false => Some(BulkInsert::prepare(
                    conn,
                    &insert_sql(table, into, Mode::Fresh, ROWS_PER_INSERT),
                )?),
            },
        })
    }
}

/// The values a fresh load binds for one row: its id first if `binds_id`, then its columns.
pub(super) fn row_values<'a>(
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
pub(super) fn insert_rows(
    inserts: &mut Inserts,
    layout: &Layout,
    binds_id: bool,
    input: &Input,
    rows: &[(&csv::StringRecord, &[Converted], i64)],
    arena: &str,
) -> Result<(), SeedError> {
    let mut done = 0;
    // Whole runs of rows in one statement each; a run the database refuses changes nothing and
    // goes again row by row below, which names the row's line.
    if let Some(many) = &mut inserts.many {
        for run in rows.chunks_exact(ROWS_PER_INSERT) {
            let values = run.iter().flat_map(|row| row_values(binds_id, row, arena));
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
        if let Err(error) = inserts.one.execute(row_values(binds_id, row, arena)) {
            // A link table's primary key is its identity: a row given twice.
            if error.sqlite_extended_error_code()
                == Some(rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
                && !layout.identity.is_empty()
            {
                return Err(layout.duplicate(input, record)?);
            }
            let line = record.position().map_or(0, |p| p.line());
            return Err(refused(&layout.file, line, error));
        }
    }
    Ok(())
}

/// Rows per statement in a fresh load: one statement for many rows runs its set-up (opening the
/// table, finding its end) once for all of them.
pub(super) const ROWS_PER_INSERT: usize = 32;
