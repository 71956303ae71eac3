//! A fresh load's indexes: dropped before the rows go in, and each table's built once its file
//! is in, which is where a key given twice in a table whose keys were not kept is found.

use rusqlite::Connection;

use super::diagnose::{is_environment, SeedError};
use super::input::{Origin, Source};
use super::Progress;
use crate::schema::TABLES;

/// Drops every index that SQLite did not make itself, and returns each as (name, table,
/// `CREATE INDEX` statement), in the order they were made, to be built again.
pub fn drop_indexes(conn: &Connection) -> rusqlite::Result<Vec<(String, String, String)>> {
    let indexes: Vec<(String, String, String)> = conn
        .prepare(
            "SELECT name, tbl_name, sql FROM sqlite_master
             WHERE type = 'index' AND sql IS NOT NULL ORDER BY rowid",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _, _) in &indexes {
        conn.execute_batch(&format!("DROP INDEX \"{name}\""))?;
    }
    Ok(indexes)
}

/// Sets `conn` up to build indexes over tables that are already full. SQLite's sorter builds them,
/// and runs faster in runs that fit the processor's cache (1 MB: the cache size set here, and the
/// minimum set in db::configure), sorted by a second thread while the first reads on. Measured at
/// a million events, the 25 indexes of schema version 1 took 13 s with 8 MB runs and about 9 s
/// with 1 MB. The seed benchmark uses it to time the index builds on their own.
pub fn prepare_index_builds(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "cache_size", -1024)?;
    conn.pragma_update(None, "threads", 2)
}

/// Builds the indexes [`drop_indexes`] dropped that are still to build (see
/// [`build_table_indexes`]). A unique index that cannot be built means a key appears twice in its
/// file: that is refused as a duplicate, naming both lines.
pub(super) fn build_indexes(
    conn: &Connection,
    source: &dyn Source,
    indexes: &[(String, String, String)],
    progress: &mut dyn Progress,
) -> Result<(), SeedError> {
    if !indexes.is_empty() {
        progress.table("indexes", None);
        prepare_index_builds(conn)?;
    }
    for (_, table_name, sql) in indexes {
        let Some(table) = TABLES.iter().find(|t| t.name == *table_name) else {
            conn.execute_batch(sql)?;
            continue;
        };
        build_index(conn, &Origin::new(source, table), sql)?;
    }
    Ok(())
}

/// Builds the indexes of the table whose file `origin` is, now that its rows are all in and no
/// later step of the load changes an indexed column, and takes them off `indexes`. The page cache
/// is set for the builds (see [`prepare_index_builds`]) and then set back for the inserts.
pub(super) fn build_table_indexes(
    conn: &Connection,
    origin: &Origin,
    indexes: &mut Vec<(String, String, String)>,
) -> Result<(), SeedError> {
    let table = origin.table.name;
    if !indexes.iter().any(|(_, t, _)| t == table) {
        return Ok(());
    }
    let cache: i64 = conn.pragma_query_value(None, "cache_size", |r| r.get(0))?;
    prepare_index_builds(conn)?;
    let mut built = Ok(());
    indexes.retain(|(_, t, sql)| {
        if t != table || built.is_err() {
            return true;
        }
        built = build_index(conn, origin, sql);
        false
    });
    built?;
    conn.pragma_update(None, "cache_size", cache)?;
    Ok(())
}

/// Builds one index of the table whose file `origin` is; a duplicate key is refused naming both
/// of its lines.
fn build_index(conn: &Connection, origin: &Origin, sql: &str) -> Result<(), SeedError> {
    if let Err(error) = conn.execute_batch(sql) {
        // A full disk or a failing file: no row is to blame, and SQLite, in its error state
        // now, would answer the search for a duplicate with an error hiding this one.
        if is_environment(&error) {
            return Err(error.into());
        }
        if let Some(duplicate) = origin.duplicate_in(conn, origin.table.name)? {
            return Err(duplicate);
        }
        return Err(error.into());
    }
    Ok(())
}
