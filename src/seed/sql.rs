//! The INSERT statements the writers run, built from the table's description in schema.rs.

use super::layout::{identity_columns, stored_columns};
use crate::schema::{Identity, Table};

/// A fresh load's plain insert of `rows` rows at once into `into` (the table, or its staging
/// table). A fresh load has no old rows to update: a key given twice is found when its unique
/// index is built at the end, and a link row given twice by its table's primary key as it goes
/// in. A vocabulary, a few rows, goes in as an update would.
pub(super) fn insert_sql(table: &Table, into: &str, rows: usize) -> String {
    if table.is_vocabulary {
        return upsert_sql(table);
    }
    // Rows with a key get their place in the file as their id, which the reading thread has
    // already given to the references to them.
    let columns: Vec<&str> = match table.identity {
        Identity::Key => std::iter::once("id").chain(stored_columns(table)).collect(),
        Identity::Columns(_) => stored_columns(table),
    };
    // Every row's dataset is one parameter, after all the rows' own values, bound once per
    // statement (see `DATASET`).
    let dataset = rows * columns.len() + 1;
    let rows: Vec<String> = (0..rows)
        .map(|row| {
            let numbers = row * columns.len() + 1..=(row + 1) * columns.len();
            let placeholders: Vec<String> = numbers.map(|i| format!("?{i}")).collect();
            format!("({}, ?{dataset})", placeholders.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO {into} ({}, {DATASET}) VALUES {}",
        columns.join(", "),
        rows.join(", ")
    )
}

/// The column of every table that holds the row's dataset: bound last, after the row's values.
pub(super) const DATASET: &str = "dataset_id";

/// `INSERT ... ON CONFLICT ... DO UPDATE`: a row whose key (or, in a link table, whose primary
/// key) exists is updated in place, so seeding twice leaves the same database.
pub(super) fn upsert_sql(table: &Table) -> String {
    let columns = stored_columns(table);
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let conflict = identity_columns(table);
    let updates: Vec<String> = columns
        .iter()
        .filter(|c| !conflict.contains(c))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    // A link row that is already stored is left as it is (its columns are its identity); a row
    // given twice in one file is caught by the loader itself.
    // A row of another dataset is not updated (and, keyed, returns no id): its key is that
    // dataset's, which the caller refuses.
    // A row whose values are all as stored is not written either (and returns no id): seeding
    // again costs no write for what did not change.
    let action = if updates.is_empty() {
        "NOTHING".to_string()
    } else {
        let differs: Vec<String> = columns
            .iter()
            .filter(|c| !conflict.contains(c))
            .map(|c| format!("{0}.{c} IS NOT excluded.{c}", table.name))
            .collect();
        format!(
            "UPDATE SET {} WHERE {}.{DATASET} = excluded.{DATASET} AND ({})",
            updates.join(", "),
            table.name,
            differs.join(" OR ")
        )
    };
    let returning = match table.identity {
        Identity::Key if !table.is_vocabulary => " RETURNING id",
        _ => "",
    };
    format!(
        "INSERT INTO {} ({}, {DATASET}) VALUES ({}, ?{}) ON CONFLICT ({}) DO {action}{returning}",
        table.name,
        columns.join(", "),
        placeholders.join(", "),
        columns.len() + 1,
        conflict.join(", ")
    )
}

/// An update's insert of one row with a key: its values, its dataset, and its id if `with_id`
/// (where the reading thread gave it one), else the next after the highest.
pub(super) fn insert_one_sql(table: &Table, with_id: bool) -> String {
    let mut columns = stored_columns(table);
    columns.push(DATASET);
    if with_id {
        columns.push("id");
    }
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    format!(
        "INSERT INTO {} ({}) VALUES ({})",
        table.name,
        columns.join(", "),
        placeholders.join(", ")
    )
}

/// An update of the columns of a stored row that differ from the file's (`differ`, one bit per
/// column of the row's values, bound as `?1`... in that order, the id after them): only what
/// changed is written, so that an edited title does not take every index entry of the row out
/// and put it back. Nothing is written where SQLite finds the values equal after all.
pub(super) fn update_sql(table: &Table, differ: u64) -> String {
    let columns = stored_columns(table);
    let chosen: Vec<(usize, &str)> = (1..)
        .zip(&columns)
        .filter(|(n, _)| differ & (1 << (n - 1)) != 0)
        .map(|(n, c)| (n, *c))
        .collect();
    let set: Vec<String> = chosen.iter().map(|(n, c)| format!("{c} = ?{n}")).collect();
    let differs: Vec<String> = chosen
        .iter()
        .map(|(n, c)| format!("{c} IS NOT ?{n}"))
        .collect();
    format!(
        "UPDATE {} SET {} WHERE id = ?{} AND ({})",
        table.name,
        set.join(", "),
        columns.len() + 1,
        differs.join(" OR ")
    )
}
