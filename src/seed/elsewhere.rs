//! An update's rows that another dataset holds: a key, a vocabulary code or a link row names one
//! row across datasets, so a dataset's seed neither takes over nor leaves behind another's rows.

use rusqlite::Connection;

use super::convert::Converted;
use super::diagnose::SeedError;
use super::layout::Layout;
use super::row_identity::{bind, key_field};

/// The refusal of a link row that another dataset's row is already (the same actor and alias):
/// a row belongs to one dataset, as a key does, so that no dataset's seed takes over or leaves
/// behind another's rows. None if the stored row is this dataset's.
pub(super) fn link_elsewhere(
    conn: &Connection,
    layout: &Layout,
    dataset: i64,
    identity_values: &[usize],
    (record, values, arena): (&csv::StringRecord, &[Converted], &str),
) -> Result<Option<SeedError>, SeedError> {
    let table = layout.table;
    let same: Vec<String> = (1..)
        .zip(layout.identity)
        .map(|(n, c)| format!("t.{c} = ?{n}"))
        .collect();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT t.dataset_id, datasets.name FROM {} AS t JOIN datasets ON datasets.id = t.dataset_id
         WHERE {}",
        table.name,
        same.join(" AND ")
    ))?;
    for (n, &at) in (1..).zip(identity_values) {
        let value = rusqlite::types::ToSqlOutput::Borrowed(values[at].value(record, arena));
        stmt.raw_bind_parameter(n, value)?;
    }
    let mut rows = stmt.raw_query();
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let (owner, name): (i64, String) = (row.get(0)?, row.get(1)?);
    if owner == dataset {
        return Ok(None);
    }
    let (names, given) = layout.identity_of(record);
    let same = match names.as_slice() {
        [first @ .., last] if !first.is_empty() => format!("{} and {last}", first.join(", ")),
        _ => names.join(""),
    };
    let field = layout.table.columns.iter().position(|c| c.name == names[0]);
    let index = field.and_then(|f| layout.positions[f]).unwrap_or(0);
    let line = record.position().map_or(0, |p| p.line());
    Ok(Some(layout.refuse(
        line,
        index,
        given[0].into(),
        format!(
            "is in a row of dataset {name:?} already (the same {same}): a row belongs to one dataset; leave it out of this file, or out of that dataset's"
        ),
    )))
}

/// The dataset of the stored vocabulary row with the code of `record`.
pub(super) fn owner(
    conn: &Connection,
    layout: &Layout,
    record: &csv::StringRecord,
) -> Result<i64, SeedError> {
    let table = layout.table;
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT dataset_id FROM {} WHERE {} = ?1",
        table.name,
        table.key_column()
    ))?;
    Ok(stmt.query_row([&record[key_field(layout)]], |row| row.get(0))?)
}

/// The refusal of a row whose key another dataset's row has: a key names one row in the whole
/// database, so that a reference to it is never ambiguous.
pub(super) fn owned_elsewhere(
    conn: &Connection,
    layout: &Layout,
    record: &csv::StringRecord,
) -> Result<SeedError, SeedError> {
    let table = layout.table;
    let index = key_field(layout);
    let key = &record[index];
    let owner: String = conn.query_row(
        &format!(
            "SELECT datasets.name FROM {0} JOIN datasets ON datasets.id = {0}.dataset_id
             WHERE {0}.{1} = ?1",
            table.name,
            table.key_column()
        ),
        [key],
        |row| row.get(0),
    )?;
    let line = record.position().map_or(0, |p| p.line());
    Ok(layout.refuse(
        line,
        index,
        key.into(),
        format!(
            "is a key of dataset {owner:?}: a key names one row across datasets; refer to that row, or give this one a key of its own"
        ),
    ))
}

/// Whether another dataset has this vocabulary row exactly as given: a seed directory that holds
/// copies of the built-in vocabularies loads over them, the codes staying the built-in data's.
pub(super) fn same_code_elsewhere(
    conn: &Connection,
    layout: &Layout,
    (record, values, arena): (&csv::StringRecord, &[Converted], &str),
) -> Result<bool, SeedError> {
    let columns = super::layout::stored_columns(layout.table);
    let same: Vec<String> = (1..)
        .zip(&columns)
        .map(|(n, c)| format!("{c} IS ?{n}"))
        .collect();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT count(*) FROM {} WHERE {}",
        layout.table.name,
        same.join(" AND ")
    ))?;
    bind(&mut stmt, values, record, arena)?;
    let mut rows = stmt.raw_query();
    let row = rows.next()?.expect("count(*) gives a row");
    Ok(row.get::<_, i64>(0)? > 0)
}
