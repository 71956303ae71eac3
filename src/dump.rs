//! Every row of every table of a database, for the tests and the fuzz target: two databases hold
//! the same data exactly when their dumps are equal, and a refused load must leave the dump it
//! found. No command uses it; it lives in the library because the fuzz target is a crate of its
//! own and can reach nothing else.

use std::collections::BTreeMap;
use std::fmt;

use rusqlite::types::Value;
use rusqlite::Connection;

/// The rows of each table, by table name; each table's rows sorted by all its columns in order,
/// which puts them in id order where a table has ids (link tables have no rowid to order by).
#[derive(Clone, Debug, PartialEq)]
pub struct Dump(pub BTreeMap<String, Vec<Vec<Value>>>);

/// Reads every row of every table but SQLite's own, the full-text indexes (derived from the
/// tables; `pragma_table_list` calls them virtual and shadow tables), the migration history (which records when
/// each migration ran, so two databases built alike would differ) and the datasets' provenance
/// (when and where from each was loaded, for the same reason).
pub fn dump(conn: &Connection) -> rusqlite::Result<Dump> {
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table'
             AND name NOT LIKE 'sqlite_%'
             AND name NOT IN ('refinery_schema_history', 'row_fingerprints', 'datasets', 'dataset_files')
             ORDER BY name",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<Result<_, _>>()?;
    let mut tables = BTreeMap::new();
    for name in names {
        let width = conn
            .prepare(&format!("SELECT * FROM \"{name}\""))?
            .column_count();
        let order: Vec<String> = (1..=width).map(|i| i.to_string()).collect();
        let rows = conn
            .prepare(&format!(
                "SELECT * FROM \"{name}\" ORDER BY {}",
                order.join(", ")
            ))?
            .query_map([], |row| (0..width).map(|i| row.get(i)).collect())?
            .collect::<Result<_, _>>()?;
        tables.insert(name, rows);
    }
    Ok(Dump(tables))
}

/// One line per row, `table: value, value, ...`, text quoted: what a failing test shows.
impl fmt::Display for Dump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, rows) in &self.0 {
            for row in rows {
                write!(f, "{name}:")?;
                for (i, value) in row.iter().enumerate() {
                    let separator = if i == 0 { " " } else { ", " };
                    match value {
                        Value::Null => write!(f, "{separator}NULL")?,
                        Value::Integer(number) => write!(f, "{separator}{number}")?,
                        Value::Real(number) => write!(f, "{separator}{number:?}")?,
                        Value::Text(text) => write!(f, "{separator}{text:?}")?,
                        Value::Blob(bytes) => write!(f, "{separator}<{} bytes>", bytes.len())?,
                    }
                }
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_sorted_by_their_columns_and_show_one_line_each() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE b (id INTEGER PRIMARY KEY, name TEXT, weight REAL);
             INSERT INTO b VALUES (2, 'two \"2\"', NULL), (1, 'one', 1.5);
             CREATE TABLE a (x BLOB);
             INSERT INTO a VALUES (x'0102');",
        )
        .unwrap();
        assert_eq!(
            dump(&conn).unwrap().to_string(),
            "a: <2 bytes>\nb: 1, \"one\", 1.5\nb: 2, \"two \\\"2\\\"\", NULL\n"
        );
    }
}
