//! A row's key and identity as the loader reads and binds them: where a keyed row's key lies in
//! its record, a hash of a link row's identity (the same from a file as from the database), and
//! the binding of a row's converted values to a statement.

use super::convert::Converted;
use super::layout::Layout;

/// The field of a keyed row's key, if the table has keys.
pub(super) fn key_field_of(layout: &Layout) -> Option<usize> {
    let column = layout
        .table
        .columns
        .iter()
        .position(|c| c.value == crate::schema::Value::Key)?;
    layout.positions[column]
}

/// The field of a keyed row's key.
pub(super) fn key_field(layout: &Layout) -> usize {
    key_field_of(layout).expect("a keyed table has a key column, and it is required")
}

/// A hash of the values of a row's identity columns, as bound.
pub(super) fn identity_hash(
    layout: &Layout,
    values: &[Converted],
    record: &csv::StringRecord,
    arena: &str,
) -> u64 {
    let mut identity = Vec::with_capacity(layout.identity.len());
    let mut at = 0;
    for column in layout.table.columns {
        let width = column.db_columns().len();
        if layout.identity.contains(&column.db) {
            identity.extend(
                values[at..at + width]
                    .iter()
                    .map(|v| v.value(record, arena)),
            );
        }
        at += width;
    }
    hash_values(identity)
}

/// A hash of a row's identity values, in the order of the table's columns: the same whether the
/// values come from a file or from the database.
pub(super) fn hash_values<'a>(
    values: impl IntoIterator<Item = rusqlite::types::ValueRef<'a>>,
) -> u64 {
    use rusqlite::types::ValueRef;
    use std::hash::{BuildHasher, Hash, Hasher};
    let mut hasher = foldhash::fast::FixedState::with_seed(0x6c69_6e6b).build_hasher();
    for value in values {
        match value {
            ValueRef::Null => 0u8.hash(&mut hasher),
            ValueRef::Integer(n) => (1u8, n).hash(&mut hasher),
            ValueRef::Real(x) => (2u8, x.to_bits()).hash(&mut hasher),
            ValueRef::Text(text) => (3u8, text).hash(&mut hasher),
            ValueRef::Blob(blob) => (4u8, blob).hash(&mut hasher),
        }
    }
    hasher.finish()
}

pub(super) fn bind(
    insert: &mut rusqlite::Statement,
    values: &[Converted],
    record: &csv::StringRecord,
    arena: &str,
) -> rusqlite::Result<()> {
    for (param, value) in (1..).zip(values) {
        let value = rusqlite::types::ToSqlOutput::Borrowed(value.value(record, arena));
        insert.raw_bind_parameter(param, value)?;
    }
    Ok(())
}
