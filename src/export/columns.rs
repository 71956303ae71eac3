//! The type each column of a table or view holds, read from its values, for the typed exports
//! (xlsx, Parquet). SQLite types values, not columns: a column is typed by what all its values
//! are, and by its declared type when it holds none.
//!
//! Dates are text in the database: `YYYY`, `YYYY-MM` or `YYYY-MM-DD` at the precision known. A
//! column is a date column only when every value in it is a full, valid date (`events.start_date`
//! always is); a column of mixed precision (`casualties.as_of`, `sources.published_on`) stays
//! text, so that its values sort together and a month is never shown as its first day.

use anyhow::Result;
use rusqlite::Connection;

/// What every value of a column is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Integer,
    /// Reals, or reals and integers.
    Real,
    /// Full dates (`YYYY-MM-DD`, valid), as text.
    Date,
    /// Anything else: text, or values of several kinds (written as text).
    Text,
}

/// A column: its name and the kind of its values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub kind: Kind,
}

/// The columns of `table` (a table or view) and how many rows it has, in one scan.
pub fn of(conn: &Connection, table: &str) -> Result<(Vec<Column>, u64)> {
    let quoted = quote(table);
    let names: Vec<String> = conn
        .prepare(&format!("SELECT * FROM {quoted} LIMIT 0"))?
        .column_names()
        .map(String::from)
        .collect();
    let declared: Vec<(String, String)> = conn
        .prepare("SELECT name, upper(type) FROM pragma_table_xinfo(?1)")?
        .query_map([table], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut sums = vec!["count(*)".to_string()];
    for index in 0..names.len() {
        let c = format!("c{index}");
        sums.push(format!(
            "total(typeof({c}) = 'integer'), total(typeof({c}) = 'real'), \
             total(typeof({c}) IN ('text', 'blob')), \
             total(typeof({c}) = 'text' AND {c} GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]' \
                   AND date({c}) IS {c})"
        ));
    }
    // Columns by position: a view may name two columns alike.
    let aliases: Vec<String> = (0..names.len()).map(|i| format!("c{i}")).collect();
    let sql = format!(
        "WITH t({}) AS (SELECT * FROM {quoted}) SELECT {} FROM t",
        aliases.join(", "),
        sums.join(", ")
    );
    conn.query_row(&sql, [], |row| {
        let rows: i64 = row.get(0)?;
        let mut columns = Vec::with_capacity(names.len());
        for (index, name) in names.iter().enumerate() {
            let count = |k: usize| -> rusqlite::Result<i64> {
                Ok(row.get::<_, f64>(1 + index * 4 + k)? as i64)
            };
            let (integers, reals, texts, dates) = (count(0)?, count(1)?, count(2)?, count(3)?);
            let kind = if integers + reals + texts == 0 {
                let declared = declared
                    .iter()
                    .find(|(n, _)| n == name)
                    .map_or("", |(_, t)| t.as_str());
                if declared.contains("INT") {
                    Kind::Integer
                } else if declared.contains("REAL") {
                    Kind::Real
                } else {
                    Kind::Text
                }
            } else if texts == 0 && reals == 0 {
                Kind::Integer
            } else if texts == 0 {
                Kind::Real
            } else if integers + reals == 0 && dates == texts {
                Kind::Date
            } else {
                Kind::Text
            };
            columns.push(Column {
                name: name.clone(),
                kind,
            });
        }
        Ok((columns, rows as u64))
    })
    .map_err(Into::into)
}

/// Every row of `stmt`, read with the parameters already bound to it (a report's): running it
/// with `query([])` would unbind them and fail.
pub fn values_of(
    stmt: &mut rusqlite::Statement,
) -> rusqlite::Result<Vec<Vec<rusqlite::types::Value>>> {
    let width = stmt.column_count();
    let mut rows = stmt.raw_query();
    let mut values = Vec::new();
    while let Some(row) = rows.next()? {
        values.push(
            (0..width)
                .map(|i| row.get(i))
                .collect::<rusqlite::Result<_>>()?,
        );
    }
    Ok(values)
}

/// The kind of a column of values already read, as columns::of finds it in the database.
pub fn kind_of<'a>(values: impl Iterator<Item = &'a rusqlite::types::Value>) -> Kind {
    let (mut integers, mut reals, mut texts, mut dates) = (0, 0, 0, 0);
    for value in values {
        match value {
            rusqlite::types::Value::Null => {}
            rusqlite::types::Value::Integer(_) => integers += 1,
            rusqlite::types::Value::Real(_) => reals += 1,
            rusqlite::types::Value::Text(t) => {
                texts += 1;
                if is_full_date(t) {
                    dates += 1;
                }
            }
            rusqlite::types::Value::Blob(_) => texts += 1,
        }
    }
    match (integers, reals, texts) {
        (_, 0, 0) => Kind::Integer,
        (_, _, 0) => Kind::Real,
        (0, 0, t) if t == dates => Kind::Date,
        _ => Kind::Text,
    }
}

/// Whether `text` is a full, valid date (`YYYY-MM-DD`), as SQLite's `date()` reads one.
pub fn is_full_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let Some((year, month, day)) = ymd(text) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    text[..4].bytes().all(|b| b.is_ascii_digit()) && (1..=days).contains(&day)
}

/// Every table and view an export writes, in name order within tables, then views: SQLite's own,
/// the program's own (`schema::INTERNAL_TABLES`) and full-text indexes (with their shadow
/// tables) left out.
pub fn exported_tables(conn: &Connection) -> Result<Vec<String>> {
    Ok(conn
        .prepare(&format!(
            "SELECT name FROM pragma_table_list
             WHERE schema = 'main' AND type IN ('table', 'view')
             AND name NOT LIKE 'sqlite_%' AND name NOT IN {}
             ORDER BY type, name",
            crate::schema::INTERNAL_TABLES
        ))?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// A name quoted for SQL.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A full date's year, month and day.
pub fn ymd(text: &str) -> Option<(i32, u8, u8)> {
    let mut parts = text.splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    Some((year, month, day))
}
