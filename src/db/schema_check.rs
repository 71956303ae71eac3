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

/// The digest ([`digest`]) of the schema the migrations build, with the report views, as this
/// program's SQLite writes it. A database whose schema has this digest has that schema; building
/// it again to compare (every migration, in memory) costs about 0.1 s, paid by every command that
/// writes. The unit test `the_expected_digest_is_that_of_the_schema_the_migrations_build` keeps
/// it in step, and prints the new value when a migration or a report changes it. Where it is out
/// of step (another platform hashes lengths differently), every schema is compared whole.
const EXPECTED_DIGEST: u128 = 0x44c9ef5eced56891fac6724cd4a1d865;

/// A 128-bit hash of a schema: two of foldhash's, with fixed seeds.
fn digest(schema: &Schema) -> u128 {
    use std::hash::BuildHasher;
    let [a, b] = [0x7363_6865_6d61_0001, 0x7363_6865_6d61_0002]
        .map(|seed| foldhash::quality::FixedState::with_seed(seed).hash_one(schema));
    (u128::from(a) << 64) | u128::from(b)
}

/// The schema the migrations build, with the report views, in a database in memory.
fn built() -> Result<Connection> {
    let mut built = Connection::open_in_memory()?;
    refinery::Runner::new(&migrations())
        .set_grouped(true)
        .run(&mut built)
        .context("cannot build the schema of the migrations")?;
    crate::reports::sync_views(&built)?;
    Ok(built)
}

/// How the schema of `conn` differs from the one the migrations build, one line per object:
/// a table, index, view or trigger that is missing, changed, or not built by the migrations.
pub fn schema_differences(conn: &Connection) -> Result<Vec<String>> {
    let actual = schema_of(conn)?;
    if digest(&actual) == EXPECTED_DIGEST {
        return Ok(Vec::new());
    }
    let built = built()?;
    let expected = schema_of(&built)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_digest_is_that_of_the_schema_the_migrations_build() {
        let found = digest(&schema_of(&built().unwrap()).unwrap());
        assert_eq!(
            found, EXPECTED_DIGEST,
            "the schema the migrations build changed: set EXPECTED_DIGEST to {found:#034x}"
        );
    }

    #[test]
    fn a_schema_that_differs_by_one_object_has_another_digest() {
        let conn = built().unwrap();
        let before = digest(&schema_of(&conn).unwrap());
        conn.execute_batch("CREATE INDEX extra ON events (title)")
            .unwrap();
        let after = schema_of(&conn).unwrap();
        assert_ne!(digest(&after), before);
        assert_eq!(
            schema_differences(&conn).unwrap(),
            vec!["index extra is not one the migrations build".to_string()]
        );
    }
}
