//! Re-seeding mirrors the files: the rows of the dataset that its files no longer hold are
//! found as each file ends (the rows stored that the file did not give), and removed once every
//! file is in, last table first, so that a row goes after the rows that referred to it. A removal
//! is refused while another row still refers to the row, naming it, and when it would take more
//! than half of a table's rows of the dataset (an emptied or truncated file), unless allowed.

use std::collections::HashSet;

use rusqlite::types::Value;
use rusqlite::Connection;

use super::diagnose::SeedError;
use super::key_map::{ByHash, FixedFoldHash, IdSet};
use super::layout::Layout;
use super::row_identity::hash_values;
use crate::datasets::referring_rows;
use crate::schema::{Identity, Table};

/// What a file gave, by the kind of its table.
pub(super) struct Seen<'a> {
    pub(super) ids: &'a IdSet,
    pub(super) rows: &'a HashSet<u64, ByHash>,
    pub(super) codes: &'a HashSet<String, FixedFoldHash>,
}

/// The rows of one table of the dataset that its file no longer holds.
pub(super) struct Removal {
    table: &'static Table,
    file: String,
    /// Each row's primary key: its id, its code, or a link row's identity.
    gone: Vec<Vec<Value>>,
    /// The dataset's rows in the table before the load.
    before: usize,
}

impl Removal {
    pub(super) fn len(&self) -> usize {
        self.gone.len()
    }

    pub(super) fn table_name(&self) -> &'static str {
        self.table.name
    }

    /// How messages name the first `limit` rows to go.
    pub(super) fn labels(&self, conn: &Connection, limit: usize) -> Result<Vec<String>, SeedError> {
        let key = primary_key(self.table);
        let same: Vec<String> = (1..)
            .zip(&key)
            .map(|(n, c)| format!("t.{c} IS ?{n}"))
            .collect();
        let mut stmt = conn.prepare(&format!(
            "SELECT {} FROM {} AS t WHERE {}",
            crate::datasets::row_label_sql(self.table, "t"),
            self.table.name,
            same.join(" AND ")
        ))?;
        let mut labels = Vec::new();
        for row in self.gone.iter().take(limit) {
            labels.push(stmt.query_row(rusqlite::params_from_iter(row), |r| {
                crate::datasets::row_label(self.table, r, 0)
            })?);
        }
        Ok(labels)
    }
}

/// The table's primary key columns.
fn primary_key(table: &Table) -> Vec<&'static str> {
    match table.identity {
        Identity::Key if table.is_vocabulary => vec![table.key_column()],
        Identity::Key => vec!["id"],
        Identity::Columns(columns) => table
            .columns
            .iter()
            .map(|c| c.db)
            .filter(|db| columns.contains(db))
            .collect(),
    }
}

/// The rows of the dataset in the file's table that the file did not give.
pub(super) fn rows_not_seen(
    conn: &Connection,
    layout: &Layout,
    dataset: i64,
    seen: Seen,
) -> Result<Option<Removal>, SeedError> {
    let table = layout.table;
    let key = primary_key(table);
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM {} WHERE dataset_id = ?1",
        key.join(", "),
        table.name
    ))?;
    let mut rows = stmt.query([dataset])?;
    let (mut gone, mut before) = (Vec::new(), 0);
    while let Some(row) = rows.next()? {
        before += 1;
        let kept = match table.identity {
            Identity::Key if table.is_vocabulary => seen.codes.contains(&row.get::<_, String>(0)?),
            Identity::Key => seen.ids.contains(row.get(0)?),
            Identity::Columns(_) => {
                let values = (0..key.len())
                    .map(|i| row.get_ref(i))
                    .collect::<Result<Vec<_>, _>>()?;
                seen.rows.contains(&hash_values(values))
            }
        };
        if !kept {
            gone.push(
                (0..key.len())
                    .map(|i| row.get(i))
                    .collect::<Result<_, _>>()?,
            );
        }
    }
    Ok((!gone.is_empty()).then(|| Removal {
        table,
        file: layout.origin.name().to_string(),
        gone,
        before,
    }))
}

/// Where the last load's fingerprints are (fingerprint.rs): of the rows of its runs that no run
/// of the file was found to hold, those the file did not give. A link table's runs give groups
/// (an event's rows), whose stored rows are read.
pub(super) fn maybe_gone(
    conn: &Connection,
    layout: &Layout,
    dataset: i64,
    ((candidates, before), skipped_groups): ((Vec<i64>, u64), Option<&IdSet>),
    seen: Seen,
) -> Result<Option<Removal>, SeedError> {
    let table = layout.table;
    let mut gone: Vec<Vec<Value>> = Vec::new();
    match table.identity {
        Identity::Key => gone.extend(
            candidates
                .into_iter()
                .filter(|&id| !seen.ids.contains(id))
                .map(|id| vec![Value::Integer(id)]),
        ),
        Identity::Columns(order) => {
            let key = primary_key(table);
            let mut stmt = conn.prepare(&format!(
                "SELECT {} FROM {} WHERE {} = ?1 AND dataset_id = ?2",
                key.join(", "),
                table.name,
                order[0]
            ))?;
            for group in candidates {
                if skipped_groups.is_some_and(|groups| groups.contains(group)) {
                    continue;
                }
                let mut rows = stmt.query([group, dataset])?;
                while let Some(row) = rows.next()? {
                    let values = (0..key.len())
                        .map(|i| row.get_ref(i))
                        .collect::<Result<Vec<_>, _>>()?;
                    if !seen.rows.contains(&hash_values(values.iter().copied())) {
                        gone.push(values.into_iter().map(super::merge::owned).collect());
                    }
                }
            }
        }
    }
    Ok((!gone.is_empty()).then(|| Removal {
        table,
        file: layout.origin.name().to_string(),
        gone,
        before: before as usize,
    }))
}

/// Of the rows a merge passed without a row of the file found for them (`passed`, their order
/// columns as the merge reads them: an id, or a link row's primary key), those the file did not
/// give further on; `before` is the dataset's rows in the table.
pub(super) fn not_seen(
    layout: &Layout,
    passed: Vec<Vec<Value>>,
    before: usize,
    seen: Seen,
) -> Option<Removal> {
    let table = layout.table;
    // The merge reads a link table's primary key in its order; removals and hashes take the
    // table's column order.
    let key = primary_key(table);
    let from: Vec<usize> = match table.identity {
        Identity::Columns(order) => key
            .iter()
            .map(|c| order.iter().position(|o| o == c).expect("a key column"))
            .collect(),
        Identity::Key => vec![0],
    };
    let gone: Vec<Vec<Value>> = passed
        .into_iter()
        .map(|row| from.iter().map(|&i| row[i].clone()).collect::<Vec<Value>>())
        .filter(|row| match table.identity {
            Identity::Key => match row[0] {
                Value::Integer(id) => !seen.ids.contains(id),
                _ => true,
            },
            Identity::Columns(_) => {
                let values = row.iter().map(rusqlite::types::ValueRef::from);
                !seen.rows.contains(&hash_values(values))
            }
        })
        .collect();
    (!gone.is_empty()).then(|| Removal {
        table,
        file: layout.origin.name().to_string(),
        gone,
        before,
    })
}

/// Keeps the rows the files no longer hold, and flags the events among them as retracted: an
/// import's publisher deleted them from its newer export, and what was loaded stays readable.
fn retract(conn: &Connection, removals: &[Removal]) -> Result<(), SeedError> {
    let mut flag = conn.prepare("UPDATE main.events SET retracted = 1 WHERE id = ?1")?;
    for removal in removals.iter().filter(|r| r.table.name == "events") {
        for row in &removal.gone {
            flag.execute(rusqlite::params_from_iter(row))?;
        }
    }
    Ok(())
}

/// The rows removed a statement (see [`remove_rows_not_seen`]).
const DELETED_A_STATEMENT: usize = 64;

/// Removes the rows the files no longer hold, last table first; returns how many per table.
pub(super) fn remove_rows_not_seen(
    conn: &Connection,
    mut removals: Vec<Removal>,
    dataset: &super::Dataset,
    search_in_step: bool,
) -> Result<Vec<(&'static str, usize)>, SeedError> {
    if dataset.keep_missing {
        return retract(conn, &removals).map(|()| Vec::new());
    }
    let (dataset, allow_removals) = (&dataset.name, dataset.allow_removals);
    let mut removed = Vec::new();
    removals.reverse();
    for removal in removals {
        let (table, gone) = (removal.table, removal.gone.len());
        if gone * 2 > removal.before && !allow_removals {
            return Err(SeedError::File {
                file: removal.file,
                message: format!(
                    "would remove {gone} of the {} rows of {} in dataset {dataset:?}, more than half: is the file emptied or cut short? If the rows are meant to go, seed again with --allow-removals",
                    removal.before, table.name
                ),
            });
        }
        let key = primary_key(table);
        conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS temp.gone; CREATE TEMP TABLE gone AS SELECT {} FROM main.{} WHERE 0",
            key.join(", "),
            table.name
        ))?;
        {
            let numbers: Vec<String> = (1..=key.len()).map(|i| format!("?{i}")).collect();
            let mut insert = conn.prepare(&format!(
                "INSERT INTO temp.gone VALUES ({})",
                numbers.join(", ")
            ))?;
            for row in &removal.gone {
                insert.execute(rusqlite::params_from_iter(row))?;
            }
        }
        let chosen = |alias: &str| {
            let tuple: Vec<String> = key.iter().map(|c| format!("{alias}.{c}")).collect();
            format!("({}) IN (SELECT * FROM temp.gone)", tuple.join(", "))
        };
        let referring = referring_rows(conn, table, &chosen, "1", 4)?;
        if !referring.is_empty() {
            return Err(SeedError::File {
                file: removal.file,
                message: format!(
                    "cannot remove the rows no longer in the file while other rows refer to them: {}{}",
                    referring[..referring.len().min(3)].join(", "),
                    if referring.len() > 3 { ", ..." } else { "" }
                ),
            });
        }
        // Forgotten by the search index while their values are there to say what to forget.
        if let (true, Some((fts, columns))) = (search_in_step, crate::search::index_of(table.name))
        {
            conn.execute(
                &format!(
                    "INSERT INTO main.{fts} ({fts}, rowid, {columns})
                     SELECT 'delete', id, {columns} FROM main.{} WHERE id IN (SELECT * FROM temp.gone)",
                    table.name
                ),
                [],
            )?;
        }
        // A few rows a statement: a statement keeps the pages it changes aside until it ends
        // (in memory, see `load_dataset`), and the rows of one statement lie on as many pages as
        // rows. Deleting the 3,700 rows of event_actors a million-event seed removed in one
        // statement had held 44 MB. The removed rows may refer to each other (an event to its
        // parent), so their foreign keys are checked once all are gone, at the commit; no other
        // row refers to them (above).
        conn.pragma_update(None, "defer_foreign_keys", true)?;
        let tuple = key.join(", ");
        let mut delete = conn.prepare(&format!(
            "DELETE FROM main.{} WHERE ({tuple}) IN
                (SELECT {tuple} FROM temp.gone WHERE rowid > ?1 AND rowid <= ?2)",
            table.name
        ))?;
        for first in (0..gone).step_by(DELETED_A_STATEMENT) {
            delete.execute([first as i64, (first + DELETED_A_STATEMENT) as i64])?;
        }
        drop(delete);
        conn.execute_batch("DROP TABLE temp.gone")?;
        removed.push((table.name, gone));
    }
    removed.reverse();
    Ok(removed)
}
