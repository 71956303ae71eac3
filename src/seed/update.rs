//! Writing an update: each row inserted or updated in place by its identity.

#[allow(unused_imports)]
use super::*;

impl Layout {
    /// A hash of the values of a row's identity columns, as bound.
    pub(super) fn identity_hash(
        &self,
        values: &[Converted],
        record: &csv::StringRecord,
        arena: &str,
    ) -> u64 {
        use rusqlite::types::ValueRef;
        use std::hash::{BuildHasher, Hash, Hasher};
        let mut hasher = foldhash::fast::FixedState::with_seed(0x6c69_6e6b).build_hasher();
        let mut at = 0;
        for column in self.table.columns {
            let width = column.db_columns().len();
            if self.identity.contains(&column.db) {
                for value in &values[at..at + width] {
                    match value.value(record, arena) {
                        ValueRef::Null => 0u8.hash(&mut hasher),
                        ValueRef::Integer(n) => (1u8, n).hash(&mut hasher),
                        ValueRef::Real(x) => (2u8, x.to_bits()).hash(&mut hasher),
                        ValueRef::Text(text) => (3u8, text).hash(&mut hasher),
                        ValueRef::Blob(blob) => (4u8, blob).hash(&mut hasher),
                    }
                }
            }
            at += width;
        }
        hasher.finish()
    }
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

/// The key of the row of `table` with this id.
pub(super) fn key_of_id(conn: &Connection, table: &Table, id: i64) -> Result<String, SeedError> {
    Ok(conn.query_row(
        &format!(
            "SELECT {} FROM {} WHERE id = ?1",
            table.key_column(),
            table.name
        ),
        [id],
        |row| row.get(0),
    )?)
}
