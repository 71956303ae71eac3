//! The datasets a database holds: listed with their provenance and rows per table, and removed,
//! refusing while rows of another dataset still refer to theirs.

use anyhow::{bail, Result};
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

/// How a row of `table` (aliased `alias`) is named in a message: its key, or for a link row the
/// keys and values of its identity; a row it refers to that is missing (removed with the foreign
/// keys off) by its table and id.
pub fn row_label_sql(table: &Table, alias: &str) -> String {
    match table.identity {
        Identity::Key => format!("quote({alias}.{})", table.key_column()),
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
            format!("'(' || {} || ')'", parts.join(" || ', ' || "))
        }
    }
}

/// Up to `limit` rows chosen by `outside` (an SQL condition on `t`, the referring row) that refer
/// to a row of `target` chosen by `chosen` (which gives the condition on the rows of the alias it
/// is given), each as `table 'key' (dataset 'name') refers to target 'key'`. A row of `target`
/// that is chosen itself is not counted as referring (it goes too).
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
                "SELECT '{} ' || {} || ' (dataset ' || quote(d.name) || ') refers to {} ' || {}
                 FROM {} AS t JOIN {} AS r ON r.{to} = t.{from}
                 JOIN datasets AS d ON d.id = t.dataset_id
                 WHERE ({}) AND ({outside}) AND {itself} LIMIT {}",
                table.name,
                row_label_sql(table, "t"),
                target.name,
                row_label_sql(target, "r"),
                table.name,
                target.name,
                chosen("r"),
                limit.saturating_sub(found.len())
            );
            let mut stmt = conn.prepare(&sql)?;
            for label in stmt.query_map([], |row| row.get::<_, String>(0))? {
                found.push(label?);
            }
            if found.len() >= limit {
                return Ok(found);
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
