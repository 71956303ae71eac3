//! References to rows of the same table (an event's parent event): set once every row of the
//! file is in, since a row may refer to one further down, and refused if they close a loop.

use std::collections::HashSet;

use rusqlite::Connection;

use super::diagnose::SeedError;
use super::layout::Layout;
use crate::integrity::find_cycles;
use crate::schema::Value;

/// Sets the references to rows further down the file (`resolved`, as (row id, id referred to)),
/// now that every row is in, and refuses a loop of references. `existing` is how many rows the
/// table held before this load. `written`, when the rows stored before the load are known to hold
/// no loop (no row was written outside a load since one checked them, see unchanged.rs): the
/// rows this load inserted or changed, from which alone a new loop can be reached.
pub(super) fn set_self_refs(
    conn: &Connection,
    layout: &Layout,
    resolved: &[(i64, i64)],
    existing: i64,
    written: Option<&[i64]>,
) -> Result<(), SeedError> {
    let table = layout.table;
    let Some(column_number) = table
        .columns
        .iter()
        .position(|c| c.value == Value::Ref(table.name))
    else {
        return Ok(());
    };
    let column = &table.columns[column_number];
    if !resolved.is_empty() {
        let mut update = conn.prepare(&format!(
            "UPDATE {} SET {} = ?1 WHERE id = ?2",
            table.name, column.db
        ))?;
        for (id, target) in resolved {
            update.execute([target, id])?;
        }
    }
    // Backward references alone cannot close a loop in a fresh table (each points to an
    // earlier row); forward references, or rows updated in place, can.
    if resolved.is_empty() && existing == 0 {
        return Ok(());
    }
    let mut starts: Vec<i64> = resolved.iter().map(|(id, _)| *id).collect();
    // The whole table, unless every loop would run through a row of `starts`.
    let whole_table = existing != 0 && written.is_none();
    if let Some(written) = written {
        starts.extend_from_slice(written);
    }
    if !whole_table && starts.is_empty() {
        return Ok(());
    }
    let cycles = find_cycles(
        conn,
        table.name,
        column.db,
        (!whole_table).then_some(starts.as_slice()),
    )?;
    if cycles.is_empty() {
        return Ok(());
    }
    // Of the rows in the loop, name the one the file reaches first (read once: a loop may
    // hold every row of the file).
    let keys: HashSet<&str> = cycles.iter().map(|(key, _)| key.as_str()).collect();
    let first = match layout.origin.first_line_of(&keys)? {
        Some((line, key)) => cycles
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(key, parent)| (Some(line), key.clone(), parent.clone())),
        None => cycles
            .first()
            .map(|(key, parent)| (None, key.clone(), parent.clone())),
    };
    let message = |key: &str| {
        format!(
            "closes a cycle: following {} from {key:?} leads back to it",
            column.name
        )
    };
    match first {
        Some((Some(line), key, parent)) => Err(SeedError::Value {
            file: layout.origin.name().to_string(),
            line,
            column: layout.positions[column_number].map_or(0, |i| i + 1),
            name: column.name.to_string(),
            value: parent.into(),
            message: message(&key),
        }),
        // The loop runs through rows already in the database and none of this file's rows:
        // no line is to blame.
        Some((None, key, parent)) => Err(SeedError::File {
            file: layout.origin.name().to_string(),
            message: format!(
                "{} {:?} of {key:?} in the database {}",
                column.name,
                parent,
                message(&key)
            ),
        }),
        None => Ok(()),
    }
}
