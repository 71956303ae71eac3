//! The schema a database has, against the one the migrations build: `check` reports every
//! difference, and `seed` refuses to load into a database whose schema is not the expected one.

use anyhow::{Context, Result};
use rusqlite::Connection;

use super::migrations;

/// One entry of `sqlite_master`: (type, name) → (table, sql).
pub(super) type Schema = std::collections::BTreeMap<(String, String), (String, Option<String>)>;

pub(super) fn schema_of(conn: &Connection) -> rusqlite::Result<Schema> {
    // SQLite's own tables and indexes (sqlite_sequence, sqlite_stat1 after ANALYZE, the
    // automatic indexes of UNIQUE constraints) follow from the rest or are SQLite's business;
    // refinery's history table is refinery's (its text may change with refinery's version), and
    // the migrations rule of `check` reads it.
    conn.prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master
         WHERE name NOT LIKE 'sqlite!_%' ESCAPE '!' AND tbl_name <> 'refinery_schema_history'",
    )?
    .query_map([], |row| {
        Ok(((row.get(0)?, row.get(1)?), (row.get(2)?, row.get(3)?)))
    })?
    .collect()
}

/// How the schema of `conn` differs from the one the migrations build, one line per object:
/// a table, index, view or trigger that is missing, changed, or not built by the migrations.
pub fn schema_differences(conn: &Connection) -> Result<Vec<String>> {
    let mut built = Connection::open_in_memory()?;
    refinery::Runner::new(&migrations())
        .set_grouped(true)
        .run(&mut built)
        .context("cannot build the schema of the migrations")?;
    crate::reports::sync_views(&built)?;
    let expected = schema_of(&built)?;
    let actual = schema_of(conn)?;
    let mut differences = Vec::new();
    for ((kind, name), definition) in &expected {
        match actual.get(&(kind.clone(), name.clone())) {
            None => differences.push(format!("{kind} {name} is missing")),
            Some(found) if found != definition => {
                let detail = match kind.as_str() {
                    "table" => column_differences(&built, conn, name)?,
                    _ => String::new(),
                };
                differences.push(format!(
                    "{kind} {name} differs from the one the migrations build{detail}"
                ));
            }
            Some(_) => {}
        }
    }
    for (kind, name) in actual.keys() {
        if !expected.contains_key(&(kind.clone(), name.clone())) {
            differences.push(format!("{kind} {name} is not one the migrations build"));
        }
    }
    Ok(differences)
}

/// The columns that `table` has in `actual` but not in `expected` and the reverse, as
/// " (column x added, column y missing)", or "" when the columns are the same.
pub(super) fn column_differences(
    expected: &Connection,
    actual: &Connection,
    table: &str,
) -> rusqlite::Result<String> {
    let columns = |conn: &Connection| -> rusqlite::Result<Vec<String>> {
        conn.prepare("SELECT name FROM pragma_table_xinfo(?1)")?
            .query_map([table], |row| row.get(0))?
            .collect()
    };
    let (want, have) = (columns(expected)?, columns(actual)?);
    let changes: Vec<String> = have
        .iter()
        .filter(|c| !want.contains(c))
        .map(|c| format!("column {c} added"))
        .chain(
            want.iter()
                .filter(|c| !have.contains(c))
                .map(|c| format!("column {c} missing")),
        )
        .collect();
    Ok(if changes.is_empty() {
        String::new()
    } else {
        format!(" ({})", changes.join(", "))
    })
}
