//! The triggers that mark a dataset as written outside a load (`datasets.edited_since_load`,
//! migrations/V13__edits_since_load.sql). A first load into a new file drops them while it
//! inserts, as it does its indexes (a trigger fired for each of millions of rows would cost the
//! load several percent), and makes them again, as they were, before it commits.

use rusqlite::Connection;

/// Drops the triggers, and gives the statements that make them again, in the order they were
/// made.
pub(super) fn drop_edit_triggers(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let triggers: Vec<(String, String)> = conn
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'
             AND (name GLOB '*_edit_insert' OR name GLOB '*_edit_update' OR name GLOB '*_edit_delete')
             ORDER BY rowid",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _) in &triggers {
        conn.execute_batch(&format!("DROP TRIGGER \"{name}\""))?;
    }
    Ok(triggers.into_iter().map(|(_, sql)| sql).collect())
}

/// Makes the triggers [`drop_edit_triggers`] dropped.
pub(super) fn make_edit_triggers(conn: &Connection, triggers: &[String]) -> rusqlite::Result<()> {
    for sql in triggers {
        conn.execute_batch(sql)?;
    }
    Ok(())
}

/// Marks the dataset as holding what its files said when it was loaded: the end of a load.
pub(super) fn loaded(conn: &Connection, dataset: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE datasets SET edited_since_load = 0 WHERE id = ?1",
        [dataset],
    )?;
    Ok(())
}
