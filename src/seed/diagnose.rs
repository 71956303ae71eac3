//! The loader's refusals: [`SeedError`], the lines a refusal names (found by reading the rows
//! again from their source), values quoted for a message, and the "did you mean" hints.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension};

use super::input::Origin;
use super::key_map::FixedFoldHash;
use super::layout::{identity_columns, Layout};
use crate::long_value;
use crate::schema::{Table, Value};

/// A refusal: one line naming the file, line and column, and the offending value.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{file}:{line}:{column}: {name} {value}: {message}")]
    Value {
        file: String,
        line: u64,
        column: usize,
        name: String,
        value: QuotedValue,
        message: String,
    },
    #[error("{file}:{line}: {message}")]
    Row {
        file: String,
        line: u64,
        message: String,
    },
    #[error("{file}: {message}")]
    File { file: String, message: String },
    /// The database file or the machine failed (a full disk, a read-only or damaged file), not
    /// the input: no row is to blame. `database` names the file, once the caller has said which.
    #[error("{}", environment_message(cause, database.as_deref()))]
    Environment {
        database: Option<String>,
        cause: rusqlite::Error,
    },
    #[error(transparent)]
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for SeedError {
    fn from(error: rusqlite::Error) -> SeedError {
        if is_environment(&error) {
            SeedError::Environment {
                database: None,
                cause: error,
            }
        } else {
            SeedError::Sqlite(error)
        }
    }
}

impl SeedError {
    /// The error, naming `database` as the file being written if the environment failed.
    pub fn in_database(self, database: &std::path::Path) -> SeedError {
        match self {
            SeedError::Environment { cause, .. } => SeedError::Environment {
                database: Some(database.display().to_string()),
                cause,
            },
            other => other,
        }
    }
}

/// Whether SQLite failed because of the file or the machine (the codes a row's values can never
/// cause) rather than because of what was written.
pub(super) fn is_environment(error: &rusqlite::Error) -> bool {
    crate::db::is_environment_failure(error)
}

/// What an environment failure means for the user, naming the database file as opening it
/// would.
fn environment_message(error: &rusqlite::Error, database: Option<&str>) -> String {
    let what = database
        .and_then(|file| crate::db::describe_failure(error, std::path::Path::new(file)))
        .unwrap_or_else(|| format!("the database failed: {error}"));
    format!("{what}; nothing was loaded")
}

/// A refusal found away from the database: an unknown key's message gains its "did you mean"
/// from the database when it is reported.
pub(super) enum DeferredError {
    Refused(SeedError),
    UnknownKey {
        error: Box<SeedError>,
        table: &'static str,
        key: String,
    },
}

impl From<SeedError> for DeferredError {
    fn from(error: SeedError) -> DeferredError {
        DeferredError::Refused(error)
    }
}

impl DeferredError {
    pub(super) fn report(self, conn: &Connection) -> SeedError {
        match self {
            DeferredError::Refused(error) => error,
            DeferredError::UnknownKey {
                mut error,
                table,
                key,
            } => {
                if let SeedError::Value { message, .. } = error.as_mut() {
                    *message = unknown_key(conn, table, &key);
                }
                *error
            }
        }
    }
}

impl Layout<'_> {
    /// The key of the `n`th row of the file (from 1), read again: in a fresh load that is the
    /// key of the row with id `n`.
    pub(super) fn key_of_row(&self, n: i64) -> Result<String, SeedError> {
        let column = self
            .table
            .columns
            .iter()
            .position(|c| c.value == Value::Key)
            .and_then(|c| self.positions[c])
            .unwrap_or(0);
        let mut rows = self.origin.rows()?;
        let mut record = csv::ByteRecord::new();
        // The header, then n rows.
        for _ in 0..=n {
            if !rows.next(&mut record).unwrap_or(false) {
                return Ok(String::new());
            }
        }
        Ok(record
            .get(column)
            .map(|k| String::from_utf8_lossy(k).into_owned())
            .unwrap_or_default())
    }
}

/// A row the database refused (a constraint the loader's own checks did not foresee), or the
/// database's own failure while storing it, which is no fault of the row.
pub(super) fn refused(file: &str, line: u64, error: rusqlite::Error) -> SeedError {
    if is_environment(&error) {
        return error.into();
    }
    SeedError::Row {
        file: file.to_string(),
        line,
        message: format!("the database refused this row: {error}"),
    }
}

/// An offending value as it appears in a message: quoted and escaped like a Rust string, with
/// bytes that are not UTF-8 shown as `\xNN`, and a long value cut short, with its size, so that a
/// message stays one readable line whatever the file holds.
#[derive(Debug)]
pub struct QuotedValue(pub Vec<u8>);

impl std::fmt::Display for QuotedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cut = self.0.len() > long_value::WHOLE;
        let mut left = if cut { long_value::KEPT } else { usize::MAX };
        f.write_str("\"")?;
        for chunk in self.0.utf8_chunks() {
            let valid = chunk.valid();
            let end = valid
                .char_indices()
                .nth(left)
                .map_or(valid.len(), |(at, _)| at);
            left -= valid[..end].chars().count();
            write!(f, "{}", valid[..end].escape_debug())?;
            for byte in chunk.invalid().iter().take(left) {
                left -= 1;
                write!(f, "\\x{byte:02x}")?;
            }
            if left == 0 {
                break;
            }
        }
        if cut {
            f.write_str(&long_value::cut_mark("\"", self.0.len()))
        } else {
            f.write_str("\"")
        }
    }
}

impl From<&str> for QuotedValue {
    fn from(text: &str) -> QuotedValue {
        QuotedValue(text.as_bytes().to_vec())
    }
}

impl From<String> for QuotedValue {
    fn from(text: String) -> QuotedValue {
        QuotedValue(text.into_bytes())
    }
}

/// The message for a reference to a key that does not exist: the key of the row it names by name,
/// alias or title (see names.rs), else the closest known key. Only keys of about the value's
/// length are read for that (see suggest::lengths): a table may hold millions.
pub(super) fn unknown_key(conn: &Connection, table: &str, key: &str) -> String {
    // Written as people name the row (`Sergey Lavrov`): say its key.
    if let Some(named) = crate::names::named(conn, table, key) {
        return format!("is not a key in {table}; {}", named.sentence());
    }
    let lengths = crate::suggest::lengths(key);
    let closest = conn
        .prepare(&format!(
            "SELECT key FROM {table} WHERE length(key) BETWEEN ?1 AND ?2"
        ))
        .and_then(|mut stmt| {
            let bounds = [*lengths.start() as i64, *lengths.end() as i64];
            let keys = stmt.query_map(bounds, |row| row.get::<_, String>(0))?;
            Ok(crate::suggest::closest(key, keys.filter_map(Result::ok)))
        })
        .ok()
        .flatten();
    match closest {
        Some(close) => format!("is not a key in {table} (did you mean {close:?}?)"),
        None => format!("is not a key in {table}"),
    }
}

pub(super) fn unknown_code(
    vocabulary: &str,
    codes: &HashSet<String, FixedFoldHash>,
    code: &str,
) -> String {
    if codes.is_empty() {
        return format!(
            "is not a code in {vocabulary}: neither the directory nor the database gives {vocabulary} any codes; seed the built-in data first (`conflictdb seed`), or give {vocabulary}.csv"
        );
    }
    let mut known: Vec<&str> = codes.iter().map(String::as_str).collect();
    known.sort_unstable();
    let hint = match crate::suggest::closest(code, known.iter().map(|s| s.to_string())) {
        Some(close) => format!(" (did you mean {close:?}?)"),
        None => String::new(),
    };
    format!(
        "is not a code in {vocabulary}{hint}; the codes are {}",
        known.join(", ")
    )
}

impl Origin<'_> {
    /// "is a duplicate" for an identity that two rows of the table share once they are in the
    /// database (`from` is the table, or a query over it), if any does: found where SQLite
    /// refused to build a unique index, or to merge rows, without saying which rows.
    pub(super) fn duplicate_in(
        &self,
        conn: &Connection,
        from: &str,
    ) -> Result<Option<SeedError>, SeedError> {
        let Some((names, values)) = repeated_identity(conn, self.table, from)? else {
            return Ok(None);
        };
        let values: Vec<&str> = values.iter().map(String::as_str).collect();
        Ok(Some(self.duplicate(&names, &values)?))
    }

    /// Where the header puts `columns[0]`, and the lines whose `columns` hold `values`.
    fn find_lines(
        &self,
        columns: &[&str],
        values: &[&str],
    ) -> Result<(usize, Vec<u64>), SeedError> {
        let mut rows = self.rows()?;
        let mut record = csv::ByteRecord::new();
        if !rows.next(&mut record).unwrap_or(false) {
            return Ok((0, Vec::new()));
        }
        let Some(indexes) = columns
            .iter()
            .map(|column| record.iter().position(|name| name == column.as_bytes()))
            .collect::<Option<Vec<usize>>>()
        else {
            return Ok((0, Vec::new()));
        };
        let mut lines = Vec::new();
        while rows.next(&mut record).unwrap_or(false) {
            if indexes
                .iter()
                .zip(values)
                .all(|(&i, value)| record.get(i) == Some(value.as_bytes()))
            {
                lines.extend(record.position().map(|p| p.line()));
            }
        }
        Ok((indexes[0], lines))
    }

    /// Whether more than one row has `values` in `columns`.
    pub(super) fn is_repeated(&self, columns: &[&str], values: &[&str]) -> Result<bool, SeedError> {
        Ok(self.find_lines(columns, values)?.1.len() > 1)
    }

    /// "key "x": is a duplicate: line N has the same key", at the second appearance of a row's
    /// identity (its key, or a link row's columns).
    pub(super) fn duplicate(
        &self,
        columns: &[&str],
        values: &[&str],
    ) -> Result<SeedError, SeedError> {
        let (column, lines) = self.find_lines(columns, values)?;
        let same = match columns {
            [.., last] if columns.len() > 1 => {
                format!("{} and {last}", columns[..columns.len() - 1].join(", "))
            }
            _ => columns.join(""),
        };
        let file = self.name().to_string();
        Ok(match lines[..] {
            [first, second, ..] => SeedError::Value {
                file,
                line: second,
                column: column + 1,
                name: columns[0].to_string(),
                value: values[0].into(),
                message: format!("is a duplicate: line {first} has the same {same}"),
            },
            // Not found twice as written (a value the file spells two ways): no line to name.
            _ => SeedError::File {
                message: format!(
                    "{} {}: is given twice, as the same {same}",
                    columns[0],
                    QuotedValue::from(values[0])
                ),
                file,
            },
        })
    }

    /// The first row whose key is one of `keys`, as (line, key).
    pub(super) fn first_line_of(
        &self,
        keys: &HashSet<&str>,
    ) -> Result<Option<(u64, String)>, SeedError> {
        let table = self.table;
        let mut rows = self.rows()?;
        let mut record = csv::ByteRecord::new();
        if !rows.next(&mut record).unwrap_or(false) {
            return Ok(None);
        }
        let Some(column) = record
            .iter()
            .position(|name| name == table.key_column().as_bytes())
        else {
            return Ok(None);
        };
        while rows.next(&mut record).unwrap_or(false) {
            if let Some(key) = record.get(column).and_then(|k| std::str::from_utf8(k).ok()) {
                if keys.contains(key) {
                    let line = record.position().map_or(1, |p| p.line());
                    return Ok(Some((line, key.to_string())));
                }
            }
        }
        Ok(None)
    }
}

/// The CSV columns and values of an identity that two rows of `table` (read from `from`, the table
/// or a query over it) share, if any, references shown as the keys the file uses.
fn repeated_identity(
    conn: &Connection,
    table: &Table,
    from: &str,
) -> rusqlite::Result<Option<(Vec<&'static str>, Vec<String>)>> {
    let db_columns = identity_columns(table);
    let mut names = Vec::new();
    let mut selects = Vec::new();
    for db_column in &db_columns {
        let column = table
            .columns
            .iter()
            .find(|c| c.db == *db_column)
            .expect("identity columns are columns");
        names.push(column.name);
        selects.push(match column.value {
            Value::Ref(target) => format!("(SELECT key FROM {target} WHERE id = {db_column})"),
            _ => db_column.to_string(),
        });
    }
    let group = db_columns.join(", ");
    let sql = format!(
        "SELECT {} FROM {from} GROUP BY {group} HAVING count(*) > 1 LIMIT 1",
        selects.join(", "),
    );
    let values = conn
        .query_row(&sql, [], |row| {
            (0..selects.len())
                .map(|i| row.get::<_, String>(i))
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .optional()?;
    Ok(values.map(|values| (names, values)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Input;

    #[test]
    fn a_failing_disk_or_file_is_not_blamed_on_the_row_being_stored() {
        use rusqlite::ffi;
        let failure = |code: i32| rusqlite::Error::SqliteFailure(ffi::Error::new(code), None);
        for (code, expected) in [
            (ffi::SQLITE_FULL, "disk full while writing conflict.db"),
            (
                ffi::SQLITE_IOERR_WRITE,
                "I/O error on conflict.db: disk I/O error",
            ),
            (ffi::SQLITE_READONLY_DBMOVED, "conflict.db is read-only"),
            (
                ffi::SQLITE_CORRUPT,
                "conflict.db is damaged: database disk image is malformed",
            ),
            (
                ffi::SQLITE_NOMEM,
                "out of memory while working on conflict.db",
            ),
        ] {
            let error = refused("statements.csv", 32988, failure(code))
                .in_database(std::path::Path::new("conflict.db"));
            assert_eq!(error.to_string(), format!("{expected}; nothing was loaded"));
        }
        // A constraint is the row's doing.
        let error = refused("statements.csv", 7, failure(ffi::SQLITE_CONSTRAINT_CHECK));
        assert_eq!(
            error.to_string(),
            "statements.csv:7: the database refused this row: Error code 275: constraint failed"
        );
    }

    #[test]
    fn in_a_fresh_load_row_n_of_a_file_has_id_n() {
        let input = Input::Files(
            [(
                "actors.csv".to_string(),
                b"name,key,kind\nArmenia,armenia,state\nAzerbaijan,azerbaijan,state\n".to_vec(),
            )]
            .into(),
        );
        let table = crate::schema::table("actors").unwrap();
        let header = csv::ByteRecord::from(vec!["name", "key", "kind"]);
        let layout = Layout::new(&header, Origin::new(&input, table)).unwrap();
        assert_eq!(layout.key_of_row(1).unwrap(), "armenia");
        assert_eq!(layout.key_of_row(2).unwrap(), "azerbaijan");
        assert_eq!(layout.key_of_row(3).unwrap(), "");
    }
}
