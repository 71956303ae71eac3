//! The loader's refusals: errors, the lines they name (found by reading the file again), and the hints they give.

#[allow(unused_imports)]
use super::*;

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
pub(super) fn environment_message(error: &rusqlite::Error, database: Option<&str>) -> String {
    let what = database
        .and_then(|file| crate::db::describe_failure(error, std::path::Path::new(file)))
        .unwrap_or_else(|| format!("the database failed: {error}"));
    format!("{what}; nothing was loaded")
}

/// The CSV columns and values of an identity that two rows of `table` (read from `from`, the table
/// or a query over it) share, if any, references shown as the keys the file uses.
pub(super) fn repeated_identity(
    conn: &Connection,
    table: &Table,
    from: &str,
) -> rusqlite::Result<Option<(Vec<String>, Vec<String>)>> {
    let db_columns: Vec<&str> = match table.identity {
        Identity::Key => vec![table.key_column()],
        Identity::Columns(columns) => columns.to_vec(),
    };
    let mut names = Vec::new();
    let mut selects = Vec::new();
    for db_column in &db_columns {
        let column = table
            .columns
            .iter()
            .find(|c| c.db == *db_column)
            .expect("identity columns are columns");
        names.push(column.name.to_string());
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

impl Layout {
    /// The key of the `n`th row of the file (from 1), read again: in a fresh load that is the
    /// key of the row with id `n`.
    pub(super) fn key_of_row(&self, input: &Input, n: i64) -> Result<String, SeedError> {
        let column = self
            .table
            .columns
            .iter()
            .position(|c| c.value == Value::Key)
            .and_then(|c| self.positions[c])
            .unwrap_or(0);
        let mut reader = Records::open(input, &self.table.file_name())?;
        let mut record = csv::ByteRecord::new();
        // The header, then n rows.
        for _ in 0..=n {
            if !reader.read(&mut record).unwrap_or(false) {
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

impl QuotedValue {
    /// Values up to this many bytes are shown whole; a longer one shows its first
    /// [`QuotedValue::KEPT`] characters.
    const WHOLE: usize = 80;
    const KEPT: usize = 40;
}

impl std::fmt::Display for QuotedValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cut = self.0.len() > QuotedValue::WHOLE;
        let mut left = if cut { QuotedValue::KEPT } else { usize::MAX };
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
            write!(f, "\u{2026}\" ({} bytes)", thousands(self.0.len() as u64))
        } else {
            f.write_str("\"")
        }
    }
}

/// `10000000` as `10,000,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
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

/// The message for a reference to a key that does not exist, with the closest known key. Only
/// keys of about the value's length are read (see suggest::lengths): a table may hold millions.
pub(super) fn unknown_key(conn: &Connection, table: &str, key: &str) -> String {
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

pub(super) fn reader_again<'a>(
    input: &'a Input,
    table: &Table,
) -> Result<csv::Reader<Box<dyn Read + Send + 'a>>, SeedError> {
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(input.open(&table.file_name())?))
}

/// The lines of the table's file whose `columns` hold `values`, for error messages.
pub(super) fn find_lines(
    input: &Input,
    table: &Table,
    columns: &[&str],
    values: &[&str],
) -> Result<Vec<u64>, SeedError> {
    let mut reader = Records::open(input, &table.file_name())?;
    let mut record = csv::ByteRecord::new();
    if !reader.read(&mut record).unwrap_or(false) {
        return Ok(Vec::new());
    }
    let Some(indexes) = columns
        .iter()
        .map(|column| record.iter().position(|name| name == column.as_bytes()))
        .collect::<Option<Vec<usize>>>()
    else {
        return Ok(Vec::new());
    };
    let mut lines = Vec::new();
    while reader.read(&mut record).unwrap_or(false) {
        if indexes
            .iter()
            .zip(values)
            .all(|(&i, value)| record.get(i) == Some(value.as_bytes()))
        {
            lines.extend(record.position().map(|p| p.line()));
        }
    }
    Ok(lines)
}

/// "key "x": is a duplicate: line N has the same key", at the second appearance of a row's
/// identity (its key, or a link row's columns).
pub(super) fn duplicate_error(
    input: &Input,
    table: &Table,
    columns: &[&str],
    values: &[&str],
) -> Result<SeedError, SeedError> {
    let lines = find_lines(input, table, columns, values)?;
    let column = reader_again(input, table)?
        .byte_headers()
        .ok()
        .and_then(|h| h.iter().position(|name| name == columns[0].as_bytes()))
        .unwrap_or(0);
    let same = match columns {
        [.., last] if columns.len() > 1 => {
            format!("{} and {last}", columns[..columns.len() - 1].join(", "))
        }
        _ => columns.join(""),
    };
    let file = input.display(&table.file_name());
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

/// The first row of the table's file whose key is one of `keys`, as (line, key).
pub(super) fn first_line_of(
    input: &Input,
    table: &Table,
    keys: &HashSet<&str>,
) -> Result<Option<(u64, String)>, SeedError> {
    let mut reader = Records::open(input, &table.file_name())?;
    let mut record = csv::ByteRecord::new();
    if !reader.read(&mut record).unwrap_or(false) {
        return Ok(None);
    }
    let Some(column) = record
        .iter()
        .position(|name| name == table.key_column().as_bytes())
    else {
        return Ok(None);
    };
    while reader.read(&mut record).unwrap_or(false) {
        if let Some(key) = record.get(column).and_then(|k| std::str::from_utf8(k).ok()) {
            if keys.contains(key) {
                let line = record.position().map_or(1, |p| p.line());
                return Ok(Some((line, key.to_string())));
            }
        }
    }
    Ok(None)
}
