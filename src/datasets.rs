//! The datasets a database holds: listed with their provenance and rows per table, and removed,
//! refusing while rows of another dataset still refer to theirs.

use anyhow::{bail, Result};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension};

use crate::chains;
use crate::schema::{Identity, Table, Value, TABLES};

/// A query listing each dataset's provenance and its rows in each table that holds any, in load
/// order; a dataset never loaded and without rows (the built-in one, in a database of a user's
/// data only) is left out.
pub fn list_sql() -> String {
    let counts: Vec<String> = TABLES
        .iter()
        .enumerate()
        .map(|(order, table)| {
            format!(
                "SELECT dataset_id, '{0}' AS tbl, count(*) AS n, {order} AS ord FROM {0} GROUP BY dataset_id",
                table.name
            )
        })
        .collect();
    format!(
        "WITH counts AS ({}) SELECT datasets.name AS dataset, datasets.kind,
             coalesce(datasets.loaded_from, '') AS loaded_from,
             coalesce(datasets.loaded_at, '') AS loaded_at, counts.tbl AS \"table\", counts.n AS rows
         FROM datasets JOIN counts ON counts.dataset_id = datasets.id
         ORDER BY datasets.id, counts.ord",
        counts.join(" UNION ALL ")
    )
}

/// The columns that name a row of `table` (aliased `alias`) in a message, as a select list for
/// [`row_label`]: its key, or for a link row its identity, a reference by the key it refers to
/// (a row missing from it, removed with the foreign keys off, by its table and id).
pub fn row_label_sql(table: &Table, alias: &str) -> String {
    match table.identity {
        Identity::Key => format!("{alias}.{}", table.key_column()),
        Identity::Columns(columns) => {
            let parts: Vec<String> = columns
                .iter()
                .map(|db| {
                    let column = table.columns.iter().find(|c| c.db == *db);
                    match column.map(|c| c.value) {
                        Some(Value::Ref(target)) => {
                            format!(
                                "coalesce((SELECT key FROM {target} WHERE id = {alias}.{db}), \
                                 'missing {target} ' || {alias}.{db})"
                            )
                        }
                        _ => format!("{alias}.{db}"),
                    }
                })
                .collect();
            parts.join(", ")
        }
    }
}

/// How many columns [`row_label_sql`] selects for `table`.
fn label_width(table: &Table) -> usize {
    match table.identity {
        Identity::Key => 1,
        Identity::Columns(columns) => columns.len(),
    }
}

/// A row of `table` as a message names it (see [`label`]), from the columns [`row_label_sql`]
/// selected starting at `first`.
pub fn row_label(table: &Table, row: &rusqlite::Row, first: usize) -> rusqlite::Result<String> {
    let mut values = Vec::with_capacity(label_width(table));
    for i in first..first + label_width(table) {
        values.push(match row.get_ref(i)? {
            ValueRef::Null => "NULL".to_string(),
            ValueRef::Integer(n) => n.to_string(),
            ValueRef::Real(x) => x.to_string(),
            ValueRef::Text(text) | ValueRef::Blob(text) => {
                String::from_utf8_lossy(text).into_owned()
            }
        });
    }
    Ok(label(&table.identity, &values))
}

/// A row as a message names it, from the values of its identity: its key quoted (`'2020-war'`),
/// a link row its values in brackets (`(2020-war, missing actors 999999, side_a)`). Each value
/// stays on the line and is cut short if long (long_value.rs): an alias or a quote may hold a
/// line break, and a quote may run long.
pub fn label(identity: &Identity, values: &[impl AsRef<str>]) -> String {
    let shown = values.iter().map(|v| crate::long_value::shown(v.as_ref()));
    match identity {
        Identity::Key => shown
            .map(|key| format!("'{}'", key.replace('\'', "''")))
            .collect(),
        Identity::Columns(_) => format!("({})", shown.collect::<Vec<_>>().join(", ")),
    }
}

/// Up to `limit` rows chosen by `outside` (an SQL condition on `t`, the referring row) that refer
/// to a row of `target` chosen by `chosen` (which gives the condition on the rows of the alias it
/// is given), each as `table 'key' (dataset 'name') refers to target 'key'`, once however many of
/// its columns do. A row of `target` that is chosen itself is not counted as referring (it goes
/// too).
pub fn referring_rows(
    conn: &Connection,
    target: &Table,
    chosen: &dyn Fn(&str) -> String,
    outside: &str,
    limit: usize,
) -> rusqlite::Result<Vec<String>> {
    let mut found = Vec::new();
    for table in TABLES {
        // Every reference the schema declares, those the loader derives (an actor's root, a
        // date's precision) too.
        let references: Vec<(String, String)> = conn
            .prepare(
                "SELECT \"from\", coalesce(\"to\", 'id') FROM pragma_foreign_key_list(?1)
                 WHERE \"table\" = ?2",
            )?
            .query_map([table.name, target.name], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (from, to) in references {
            let itself = match table.name == target.name {
                true => format!("NOT ({})", chosen("t")),
                false => "1".to_string(),
            };
            let sql = format!(
                "SELECT d.name, {}, {}
                 FROM {} AS t JOIN {} AS r ON r.{to} = t.{from}
                 JOIN datasets AS d ON d.id = t.dataset_id
                 WHERE ({}) AND ({outside}) AND {itself}",
                row_label_sql(table, "t"),
                row_label_sql(target, "r"),
                table.name,
                target.name,
                chosen("r"),
            );
            let mut stmt = conn.prepare(&sql)?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let label = format!(
                    "{} {} (dataset '{}') refers to {} {}",
                    table.name,
                    row_label(table, row, 1)?,
                    crate::long_value::shown(&row.get::<_, String>(0)?).replace('\'', "''"),
                    target.name,
                    row_label(target, row, 1 + label_width(table))?,
                );
                if !found.contains(&label) {
                    found.push(label);
                }
                if found.len() >= limit {
                    return Ok(found);
                }
            }
        }
    }
    Ok(found)
}

/// Removes every row of the dataset `name`, and the dataset (the built-in one stays, empty:
/// every table's rows default to it). Refused, naming them, while rows of other datasets refer
/// to its rows. Returns the rows removed per table, in load order.
pub fn remove(conn: &mut Connection, name: &str) -> Result<Vec<(&'static str, usize)>> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let Some(id) = tx
        .query_row("SELECT id FROM datasets WHERE name = ?1", [name], |row| {
            row.get::<_, i64>(0)
        })
        .optional()?
    else {
        let names: Vec<String> = tx
            .prepare("SELECT quote(name) FROM datasets ORDER BY id")?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        bail!(
            "no dataset is named {name:?}; the datasets are {}",
            names.join(", ")
        );
    };
    let mut referring = Vec::new();
    for table in TABLES {
        let chosen = |alias: &str| format!("{alias}.dataset_id = {id}");
        let outside = format!("t.dataset_id <> {id}");
        referring.extend(referring_rows(&tx, table, &chosen, &outside, 4)?);
        if referring.len() >= 4 {
            break;
        }
    }
    if !referring.is_empty() {
        bail!(
            "cannot remove dataset {name:?}: rows of other datasets refer to its rows: {}{}; remove or change them first",
            referring[..referring.len().min(3)].join(", "),
            if referring.len() > 3 { ", ..." } else { "" }
        );
    }
    let mut removed = Vec::new();
    for table in TABLES.iter().rev() {
        let n = tx.execute(
            &format!("DELETE FROM {} WHERE dataset_id = ?1", table.name),
            [id],
        )?;
        removed.push((table.name, n));
    }
    removed.reverse();
    tx.execute("DELETE FROM dataset_files WHERE dataset_id = ?1", [id])?;
    tx.execute("DELETE FROM row_fingerprints WHERE dataset_id = ?1", [id])?;
    if id == 1 {
        tx.execute(
            "UPDATE datasets SET loaded_from = NULL, loaded_at = NULL, program_version = NULL WHERE id = 1",
            [],
        )?;
    } else {
        tx.execute("DELETE FROM datasets WHERE id = ?1", [id])?;
    }
    chains::store_roots(&tx)?;
    crate::search::rebuild(&tx, None)?;
    tx.commit()?;
    Ok(removed)
}
