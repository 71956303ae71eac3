//! Dropping a fresh database's indexes, and building them once the rows are in.

#[allow(unused_imports)]
use super::*;

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
