//! The search indexes (src/search.rs) kept in step with the rows an update writes, when they were
//! in step before it: instead of building a table's index again (0.8 s of CPU for the indexes of
//! 100k events), the rows the load changes are forgotten by the index and indexed again, all at
//! once at the end. At once, since FTS5 writes what it holds to a new segment at the end of every
//! statement: a statement per row cost more than the rebuild (1.1 s for 6,500 rows, against
//! next to nothing for the same rows in two statements).
//!
//! FTS5 forgets a row by the terms of the values it was indexed with, so the values a row has
//! before the load first changes it are kept aside (a temporary table per index), and a row
//! inserted is only noted. A row the load removes is forgotten as it goes (mirror.rs).

use rusqlite::Connection;

use super::diagnose::SeedError;
use super::layout::stored_columns;
use crate::schema::{Table, TABLES};
use crate::search::index_of;

/// The temporary tables of `table`'s index: the values to forget, the ids to index.
fn kept(table: &str) -> (String, String) {
    (
        format!("temp.search_forget_{table}"),
        format!("temp.search_index_{table}"),
    )
}

/// The columns of `table` that its search index holds, as bits over its stored columns (bit `n`
/// for `stored_columns(table)[n]`, as a changed row's differing columns are given): 0 for a table
/// without an index. A row changed in none of them is left as its index has it (a corrected
/// figure or date, say).
pub(super) fn indexed_columns(table: &Table) -> u64 {
    let Some((_, columns)) = index_of(table.name) else {
        return 0;
    };
    let indexed: Vec<&str> = columns.split(", ").collect();
    stored_columns(table)
        .iter()
        .enumerate()
        .filter(|(_, column)| indexed.contains(column))
        .fold(0, |bits, (n, _)| bits | 1 << n)
}

/// Makes the temporary tables, empty.
pub(super) fn start(conn: &Connection) -> Result<(), SeedError> {
    for table in TABLES {
        if let Some((_, columns)) = index_of(table.name) {
            let (forget, index) = kept(table.name);
            conn.execute_batch(&format!(
                "DROP TABLE IF EXISTS {forget}; DROP TABLE IF EXISTS {index};
                 CREATE TABLE {forget} (id INTEGER PRIMARY KEY, {columns});
                 CREATE TABLE {index} (id INTEGER PRIMARY KEY);"
            ))?;
        }
    }
    Ok(())
}

/// Before the row `id` of `table` is changed: its values as indexed kept aside (the first time).
pub(super) fn changing(conn: &Connection, table: &str, id: i64) -> Result<(), SeedError> {
    let Some((_, columns)) = index_of(table) else {
        return Ok(());
    };
    let (forget, _) = kept(table);
    conn.prepare_cached(&format!(
        "INSERT OR IGNORE INTO {forget} SELECT id, {columns} FROM main.{table} WHERE id = ?1"
    ))?
    .execute([id])?;
    written(conn, table, id)
}

/// After the row `id` of `table` was inserted or changed: to be indexed.
pub(super) fn written(conn: &Connection, table: &str, id: i64) -> Result<(), SeedError> {
    if index_of(table).is_none() {
        return Ok(());
    }
    let (_, index) = kept(table);
    conn.prepare_cached(&format!("INSERT OR IGNORE INTO {index} VALUES (?1)"))?
        .execute([id])?;
    Ok(())
}

/// The end of the load: the rows kept aside forgotten, the rows noted indexed, the temporary
/// tables dropped.
pub(super) fn finish(conn: &Connection) -> Result<(), SeedError> {
    for table in TABLES {
        if let Some((fts, columns)) = index_of(table.name) {
            let (forget, index) = kept(table.name);
            let table = table.name;
            conn.execute_batch(&format!(
                "INSERT INTO main.{fts} ({fts}, rowid, {columns})
                     SELECT 'delete', id, {columns} FROM {forget};
                 INSERT INTO main.{fts} (rowid, {columns})
                     SELECT id, {columns} FROM main.{table} WHERE id IN (SELECT id FROM {index});
                 DROP TABLE {forget}; DROP TABLE {index};"
            ))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::indexed_columns;
    use crate::schema::TABLES;
    use crate::search::INDEXES;

    #[test]
    fn every_column_an_index_holds_is_a_stored_column_of_its_table() {
        for (index, table, columns) in INDEXES {
            let table = TABLES.iter().find(|t| t.name == table).unwrap();
            let held = columns.split(", ").count() as u32;
            assert_eq!(indexed_columns(table).count_ones(), held, "{index}");
        }
        let actors = TABLES.iter().find(|t| t.name == "actors").unwrap();
        assert_eq!(indexed_columns(actors), 0);
    }
}
