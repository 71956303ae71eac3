//! The triggers that mark a dataset as written outside a load (`datasets.edited_since_load`,
//! migrations/V13__edits_since_load.sql). Every load drops them while it writes and makes them
//! again, as they were, before it commits, in its one transaction: other connections never see
//! the database without them. A first load into a new file drops them as it does its indexes (a
//! trigger fired for each of millions of rows would cost the load several percent). A load into
//! an existing file had let them fire, and cleared its own dataset's mark at the end; each firing
//! wrote to `datasets` and kept a statement journal for the write, 6 % of a re-seed's time with 1 %
//! of the rows changed (100k events: 1.39–1.48 s against 1.44–1.69 s, four runs each). What they
//! would have marked besides is nothing a load can leave wrong: a load removes no row another
//! dataset refers to (it refuses, naming them), and changes no row's id or key (a new key is a
//! row removed and another added).

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
