//! Loading a seed directory: one CSV per table, validated value by value, keys resolved to ids,
//! all in one transaction.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::io::{BufReader, Read};
use std::path::PathBuf;

use include_dir::{include_dir, Dir};
use rusqlite::types::Value as SqlValue;
use rusqlite::{params_from_iter, Connection, OptionalExtension};

use crate::date;
use crate::schema::{Identity, Table, Value, TABLES};

/// The shipped data set, compiled in so that `conflictdb seed` works from any directory.
pub static BUILT_IN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/seed");

/// A refusal: one line naming the file, line and column, and the offending value.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{file}:{line}:{column}: {name} \"{value}\": {message}")]
    Value {
        file: String,
        line: u64,
        column: usize,
        name: String,
        value: Shown,
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
    #[error(transparent)]
    Sqlite(#[from] rusqlite::Error),
}

/// Where the seed files come from.
#[derive(Clone, Debug)]
pub enum Input {
    BuiltIn,
    Dir(PathBuf),
    /// Files held in memory, by file name (for tests and fuzzing); a missing file falls back to
    /// the built-in one, so a caller can replace just the files it cares about.
    Files(std::collections::BTreeMap<String, Vec<u8>>),
}

impl Input {
    fn display(&self, file: &str) -> String {
        match self {
            Input::BuiltIn => format!("seed/{file}"),
            Input::Dir(dir) => dir.join(file).display().to_string(),
            Input::Files(_) => file.to_string(),
        }
    }

    fn open(&self, file: &str) -> Result<Box<dyn Read + '_>, SeedError> {
        let missing = || SeedError::File {
            file: self.display(file),
            message: "file not found: every seed directory holds one CSV per table".into(),
        };
        match self {
            Input::BuiltIn => Ok(Box::new(
                BUILT_IN.get_file(file).ok_or_else(missing)?.contents(),
            )),
            Input::Dir(dir) => {
                let path = dir.join(file);
                match File::open(&path) {
                    Ok(f) => Ok(Box::new(BufReader::with_capacity(256 * 1024, f))),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(missing()),
                    Err(e) => Err(SeedError::File {
                        file: self.display(file),
                        message: e.to_string(),
                    }),
                }
            }
            Input::Files(files) => match files.get(file) {
                Some(bytes) => Ok(Box::new(bytes.as_slice())),
                None => Input::BuiltIn.open(file),
            },
        }
    }
}

/// Rows loaded per table, in load order.
pub type Counts = Vec<(&'static str, u64)>;

/// Loads every table from `input` into `conn` in one transaction. On any error nothing is written.
pub fn load(conn: &mut Connection, input: &Input) -> Result<Counts, SeedError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let mut state = State::default();
    let mut counts = Vec::new();
    for table in TABLES {
        let rows = load_table(&tx, input, table, &mut state)?;
        counts.push((table.name, rows));
    }
    tx.commit()?;
    Ok(counts)
}

/// A hasher for keys that are already hashes.
#[derive(Default)]
struct Identity64(u64);

impl Hasher for Identity64 {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, _: &[u8]) {
        unreachable!("only u64 keys are hashed")
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

fn hash_key(key: &str) -> u64 {
    // SipHash with fixed keys: deterministic, and well spread for keys that differ in one digit.
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut hasher);
    hasher.finish()
}

/// Marks a hash shared by two keys: those keys are looked up in `collided`.
const COLLIDED: i64 = i64::MIN;

/// Key → id for one table, held as a 64-bit hash of the key so that millions of keys fit in a few
/// dozen megabytes. Two keys that share a hash are detected when the second is added (the
/// database's unique index gives each key one id, so a second id under one hash means a second
/// key) and are then kept by their full text, so every lookup is exact.
#[derive(Default)]
struct KeyIndex {
    hashes: HashMap<u64, i64, BuildHasherDefault<Identity64>>,
    collided: HashMap<String, i64>,
}

impl KeyIndex {
    fn get(&self, key: &str) -> Option<i64> {
        match self.hashes.get(&hash_key(key)) {
            Some(&COLLIDED) => self.collided.get(key).copied(),
            found => found.copied(),
        }
    }

    fn insert(
        &mut self,
        conn: &Connection,
        table: &Table,
        key: &str,
        id: i64,
    ) -> rusqlite::Result<()> {
        let hash = hash_key(key);
        match self.hashes.get(&hash).copied() {
            None => {
                self.hashes.insert(hash, id);
            }
            Some(COLLIDED) => {
                self.collided.insert(key.to_string(), id);
            }
            Some(other) if other == id => {}
            Some(other) => {
                let other_key: String = conn.query_row(
                    &format!(
                        "SELECT {} FROM {} WHERE id = ?1",
                        table.key_column(),
                        table.name
                    ),
                    [other],
                    |row| row.get(0),
                )?;
                self.collided.insert(other_key, other);
                self.collided.insert(key.to_string(), id);
                self.hashes.insert(hash, COLLIDED);
            }
        }
        Ok(())
    }
}

/// A set of row ids, one bit each.
#[derive(Default)]
struct IdSet(Vec<u64>);

impl IdSet {
    fn contains(&self, id: i64) -> bool {
        let id = id.max(0) as usize;
        self.0
            .get(id / 64)
            .is_some_and(|word| word & (1u64 << (id % 64)) != 0)
    }

    /// Adds `id`; false if it was already there.
    fn insert(&mut self, id: i64) -> bool {
        let id = id.max(0) as usize;
        let (word, bit) = (id / 64, 1u64 << (id % 64));
        if word >= self.0.len() {
            self.0.resize(word + 1, 0);
        }
        let fresh = self.0[word] & bit == 0;
        self.0[word] |= bit;
        fresh
    }
}

#[derive(Default)]
struct State {
    /// Keys of the tables other files refer to.
    keys: HashMap<&'static str, KeyIndex>,
    /// Codes of each vocabulary.
    codes: HashMap<&'static str, HashSet<String>>,
}

/// A reference to a row of the same table that appears further down the file.
struct Forward {
    id: i64,
    key: String,
    line: u64,
    column: usize,
}

fn load_table(
    conn: &Connection,
    input: &Input,
    table: &'static Table,
    state: &mut State,
) -> Result<u64, SeedError> {
    let file_name = table.file_name();
    let file = input.display(&file_name);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(QuoteCounter {
            inner: input.open(&file_name)?,
            quotes: 0,
        });
    let mut record = csv::ByteRecord::new();
    let mut last_line = 1;

    // The header names the columns; they may come in any order.
    if !read_record(&mut reader, &mut record, &file)? {
        return Err(SeedError::File {
            file,
            message: format!(
                "file is empty: it needs a header row ({})",
                table
                    .columns
                    .iter()
                    .map(|c| c.name)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        });
    }
    let positions = header_positions(table, &record, &file)?;
    let width = record.len();

    // Existing rows: seeding again updates them by key instead of adding duplicates.
    let existing: i64 =
        conn.query_row(&format!("SELECT count(*) FROM {}", table.name), [], |r| {
            r.get(0)
        })?;
    if table.referenced {
        let index = state.keys.entry(table.name).or_default();
        let mut stmt = conn.prepare(&format!("SELECT id, key FROM {}", table.name))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let (id, key): (i64, String) = (row.get(0)?, row.get(1)?);
            index.insert(conn, table, &key, id)?;
        }
    }
    if table.is_vocabulary {
        let codes = state.codes.entry(table.name).or_default();
        let mut stmt = conn.prepare(&format!("SELECT code FROM {}", table.name))?;
        for code in stmt.query_map([], |row| row.get::<_, String>(0))? {
            codes.insert(code?);
        }
    }

    let sql = insert_sql(table);
    let mut insert = conn.prepare(&sql)?;
    let mut seen_ids = IdSet::default();
    let mut seen_codes = HashSet::new();
    let mut forwards: Vec<Forward> = Vec::new();
    let mut values: Vec<SqlValue> = Vec::with_capacity(table.columns.len() + 2);
    let mut rows = 0u64;

    while read_record(&mut reader, &mut record, &file)? {
        let line = record.position().map_or(0, |p| p.line());
        last_line = line;
        if record.len() != width {
            return Err(SeedError::Row {
                file,
                line,
                message: format!(
                    "row has {} fields but the header has {width} (a stray comma or an unbalanced quote?)",
                    record.len()
                ),
            });
        }
        let cell = |index: usize| -> Result<&str, SeedError> {
            std::str::from_utf8(&record[index]).map_err(|e| SeedError::Value {
                file: file.clone(),
                line,
                column: index + 1,
                name: header_name(table, &positions, index),
                value: Shown(record[index].to_vec()),
                message: format!(
                    "is not valid UTF-8 (bad byte at offset {})",
                    e.valid_up_to()
                ),
            })
        };
        let fail = |index: usize, value: &str, message: String| SeedError::Value {
            file: file.clone(),
            line,
            column: index + 1,
            name: header_name(table, &positions, index),
            value: value.into(),
            message,
        };

        values.clear();
        let mut key: Option<&str> = None;
        let mut self_refs: Vec<(String, usize)> = Vec::new();
        let mut ascending: Vec<(usize, i64)> = Vec::new();
        for (column, position) in table.columns.iter().zip(&positions) {
            let Some(index) = *position else {
                if !matches!(column.value, Value::PeriodEnd) {
                    values.push(if column.value == Value::Flag {
                        SqlValue::Integer(0)
                    } else {
                        SqlValue::Null
                    });
                }
                continue;
            };
            let text = cell(index)?;
            if text.is_empty() {
                if column.required {
                    return Err(fail(index, text, "is required but empty".into()));
                }
                match column.value {
                    Value::PeriodEnd => {}
                    Value::Flag => values.push(SqlValue::Integer(0)),
                    _ => values.push(SqlValue::Null),
                }
                continue;
            }
            match column.value {
                Value::Key => {
                    check_key(text).map_err(|m| fail(index, text, m))?;
                    key = Some(text);
                    values.push(SqlValue::Text(text.to_string()));
                }
                Value::Text => values.push(SqlValue::Text(text.to_string())),
                Value::Ref(target) if target == table.name => {
                    if key == Some(text) {
                        return Err(fail(index, text, "refers to its own row".into()));
                    }
                    match state.keys.get(target).and_then(|k| k.get(text)) {
                        Some(id) => values.push(SqlValue::Integer(id)),
                        None => {
                            self_refs.push((text.to_string(), index));
                            values.push(SqlValue::Null);
                        }
                    }
                }
                Value::Ref(target) => match state.keys.get(target).and_then(|k| k.get(text)) {
                    Some(id) => values.push(SqlValue::Integer(id)),
                    None => return Err(fail(index, text, unknown_key(conn, target, text))),
                },
                Value::Code(vocabulary) => {
                    let codes = &state.codes[vocabulary];
                    if !codes.contains(text) {
                        return Err(fail(index, text, unknown_code(vocabulary, codes, text)));
                    }
                    values.push(SqlValue::Text(text.to_string()));
                }
                Value::Period { end, .. } => {
                    let start = date::parse(text).map_err(|m| fail(index, text, m))?;
                    let mut period = start;
                    if let Some(end_index) = end
                        .and_then(|name| table.columns.iter().position(|c| c.name == name))
                        .and_then(|i| positions[i])
                    {
                        let end_text = cell(end_index)?;
                        if !end_text.is_empty() {
                            let end =
                                date::parse(end_text).map_err(|m| fail(end_index, end_text, m))?;
                            period = start
                                .through(end)
                                .map_err(|m| fail(end_index, end_text, m))?;
                        }
                    }
                    values.push(SqlValue::Text(date::iso(period.start)));
                    values.push(SqlValue::Text(date::iso(period.end)));
                    values.push(SqlValue::Text(period.precision.code().to_string()));
                }
                Value::PeriodEnd => {}
                Value::PartialDate => {
                    date::parse(text).map_err(|m| fail(index, text, m))?;
                    values.push(SqlValue::Text(text.to_string()));
                }
                Value::Integer | Value::Count => {
                    let number: i64 = text
                        .parse()
                        .map_err(|_| fail(index, text, "is not a whole number".into()))?;
                    if column.value == Value::Count && number < 0 {
                        return Err(fail(
                            index,
                            text,
                            "is negative; a count is zero or more".into(),
                        ));
                    }
                    if table.ascending.contains(&column.name) {
                        ascending.push((index, number));
                    }
                    values.push(SqlValue::Integer(number));
                }
                Value::Latitude | Value::Longitude => {
                    let limit = if column.value == Value::Latitude {
                        90.0
                    } else {
                        180.0
                    };
                    let number: f64 = text
                        .parse()
                        .ok()
                        .filter(|n: &f64| n.is_finite())
                        .ok_or_else(|| fail(index, text, "is not a decimal number".into()))?;
                    if !(-limit..=limit).contains(&number) {
                        return Err(fail(
                            index,
                            text,
                            format!("is out of range: it must lie between -{limit} and {limit}"),
                        ));
                    }
                    values.push(SqlValue::Real(number));
                }
                Value::Flag => values.push(SqlValue::Integer(match text {
                    "1" | "true" => 1,
                    "0" | "false" => 0,
                    _ => return Err(fail(index, text, "must be 1 or 0 (true or false)".into())),
                })),
                Value::Country => {
                    if text.len() != 3 || !text.bytes().all(|b| b.is_ascii_uppercase()) {
                        return Err(fail(
                            index,
                            text,
                            "is not an ISO 3166-1 alpha-3 code such as ARM".into(),
                        ));
                    }
                    values.push(SqlValue::Text(text.to_string()));
                }
            }
        }
        for pair in ascending.windows(2) {
            let ((low_index, low), (high_index, high)) = (pair[0], pair[1]);
            if low > high {
                return Err(fail(
                    low_index,
                    &low.to_string(),
                    format!(
                        "is greater than {} {high}",
                        header_name(table, &positions, high_index)
                    ),
                ));
            }
        }
        if !table.ascending.is_empty() && ascending.is_empty() {
            return Err(SeedError::Row {
                file,
                line,
                message: format!(
                    "gives no figure: set at least one of {}",
                    table.ascending.join(", ")
                ),
            });
        }

        // Store the row: insert, or update the row with the same key.
        match table.identity {
            Identity::Key if table.is_vocabulary => {
                let code = key.expect("a vocabulary code is required");
                if !seen_codes.insert(code.to_string()) {
                    return Err(duplicate(
                        &file,
                        line,
                        table,
                        &positions,
                        code,
                        &mut reader_again(input, table)?,
                    ));
                }
                insert
                    .execute(params_from_iter(values.iter()))
                    .map_err(|e| refused(&file, line, e))?;
                state
                    .codes
                    .entry(table.name)
                    .or_default()
                    .insert(code.to_string());
            }
            Identity::Key => {
                let key = key.expect("a key is required");
                // A key already loaded from this file is a duplicate; catch it before the upsert
                // overwrites the first row with the second.
                let known = table
                    .referenced
                    .then(|| state.keys.get(table.name).and_then(|k| k.get(key)))
                    .flatten();
                if known.is_some_and(|id| seen_ids.contains(id)) {
                    return Err(duplicate(
                        &file,
                        line,
                        table,
                        &positions,
                        key,
                        &mut reader_again(input, table)?,
                    ));
                }
                let id: i64 = insert
                    .query_row(params_from_iter(values.iter()), |row| row.get(0))
                    .map_err(|e| refused(&file, line, e))?;
                if !seen_ids.insert(id) {
                    return Err(duplicate(
                        &file,
                        line,
                        table,
                        &positions,
                        key,
                        &mut reader_again(input, table)?,
                    ));
                }
                if table.referenced {
                    state
                        .keys
                        .entry(table.name)
                        .or_default()
                        .insert(conn, table, key, id)?;
                }
                for (target, index) in self_refs.drain(..) {
                    forwards.push(Forward {
                        id,
                        key: target,
                        line,
                        column: index,
                    });
                }
            }
            Identity::Columns(_) => {
                insert
                    .execute(params_from_iter(values.iter()))
                    .map_err(|e| refused(&file, line, e))?;
            }
        }
        rows += 1;
    }

    if reader.get_ref().quotes % 2 == 1 {
        return Err(SeedError::Row {
            file,
            line: last_line,
            message: "a double quote opened here is never closed, so the rest of the file reads as one field".into(),
        });
    }

    // References to rows further down the same file, now that every row is in.
    if !forwards.is_empty() {
        let column = table
            .columns
            .iter()
            .find(|c| c.value == Value::Ref(table.name))
            .expect("a table with forward references has a self-reference column");
        let mut update = conn.prepare(&format!(
            "UPDATE {} SET {} = ?1 WHERE id = ?2",
            table.name, column.db
        ))?;
        for forward in &forwards {
            let Some(target) = state.keys.get(table.name).and_then(|k| k.get(&forward.key)) else {
                return Err(SeedError::Value {
                    file,
                    line: forward.line,
                    column: forward.column + 1,
                    name: column.name.to_string(),
                    value: forward.key.as_str().into(),
                    message: unknown_key(conn, table.name, &forward.key),
                });
            };
            if target == forward.id {
                return Err(SeedError::Value {
                    file,
                    line: forward.line,
                    column: forward.column + 1,
                    name: column.name.to_string(),
                    value: forward.key.as_str().into(),
                    message: "refers to its own row".into(),
                });
            }
            update.execute([target, forward.id])?;
        }
    }
    // Backward references alone cannot close a loop in a fresh table (each points to an earlier
    // row); forward references, or rows updated in place, can.
    if let Some(column) = table
        .columns
        .iter()
        .find(|c| c.value == Value::Ref(table.name))
    {
        if !forwards.is_empty() || existing > 0 {
            if let Some((key, parent)) = find_cycle(conn, table.name, column.db)? {
                let index = positions[table
                    .columns
                    .iter()
                    .position(|c| c.name == column.name)
                    .unwrap()]
                .unwrap_or(0);
                let line = find_line(input, table, &key)?.unwrap_or(0);
                return Err(SeedError::Value {
                    file,
                    line,
                    column: index + 1,
                    name: column.name.to_string(),
                    value: parent.into(),
                    message: format!(
                        "closes a cycle: following {} from {key:?} leads back to it",
                        column.name
                    ),
                });
            }
        }
    }
    Ok(rows)
}

/// A row the database refused (a constraint the loader's own checks did not foresee).
fn refused(file: &str, line: u64, error: rusqlite::Error) -> SeedError {
    SeedError::Row {
        file: file.to_string(),
        line,
        message: format!("the database refused this row: {error}"),
    }
}

/// Counts the double quotes that pass through, to catch a quote that is never closed: the CSV
/// parser then reads the rest of the file as one field, and the count comes out odd.
struct QuoteCounter<R> {
    inner: R,
    quotes: u64,
}

impl<R: Read> Read for QuoteCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.quotes += buf[..n].iter().filter(|&&b| b == b'"').count() as u64;
        Ok(n)
    }
}

/// An offending value as it appears in a message: escaped like a Rust string, with bytes that
/// are not UTF-8 shown as `\xNN`.
#[derive(Debug)]
pub struct Shown(pub Vec<u8>);

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for chunk in self.0.utf8_chunks() {
            write!(f, "{}", chunk.valid().escape_debug())?;
            for byte in chunk.invalid() {
                write!(f, "\\x{byte:02x}")?;
            }
        }
        Ok(())
    }
}

impl From<&str> for Shown {
    fn from(text: &str) -> Shown {
        Shown(text.as_bytes().to_vec())
    }
}

impl From<String> for Shown {
    fn from(text: String) -> Shown {
        Shown(text.into_bytes())
    }
}

/// Reads the next record; false at the end of the file.
fn read_record<R: Read>(
    reader: &mut csv::Reader<R>,
    record: &mut csv::ByteRecord,
    file: &str,
) -> Result<bool, SeedError> {
    reader.read_byte_record(record).map_err(|e| {
        let line = e.position().map_or(0, |p| p.line());
        SeedError::Row {
            file: file.to_string(),
            line,
            message: e.to_string(),
        }
    })
}

/// For each column of `table`, its index in the file's header (None for an optional column the
/// file leaves out).
fn header_positions(
    table: &Table,
    header: &csv::ByteRecord,
    file: &str,
) -> Result<Vec<Option<usize>>, SeedError> {
    let mut positions = vec![None; table.columns.len()];
    for (index, raw) in header.iter().enumerate() {
        let name = std::str::from_utf8(raw).map_err(|_| SeedError::Value {
            file: file.to_string(),
            line: 1,
            column: index + 1,
            name: "header".into(),
            value: Shown(raw.to_vec()),
            message: "is not valid UTF-8".into(),
        })?;
        let header_error = |message: String| SeedError::Value {
            file: file.to_string(),
            line: 1,
            column: index + 1,
            name: "header".into(),
            value: name.into(),
            message,
        };
        match table.columns.iter().position(|c| c.name == name) {
            Some(column) if positions[column].is_some() => {
                return Err(header_error("names a column twice".into()));
            }
            Some(column) => positions[column] = Some(index),
            None => {
                let expected: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
                let message = match expected
                    .iter()
                    .find(|c| c.eq_ignore_ascii_case(name.trim()))
                {
                    Some(right) => {
                        format!("should be {right:?}: column names are lowercase and exact")
                    }
                    None => format!(
                        "is not a column of {}; the columns are {}",
                        table.name,
                        expected.join(",")
                    ),
                };
                return Err(header_error(message));
            }
        }
    }
    if let Some(missing) = table
        .columns
        .iter()
        .zip(&positions)
        .find(|(c, p)| c.required && p.is_none())
    {
        return Err(SeedError::Row {
            file: file.to_string(),
            line: 1,
            message: format!("the header lacks the required column {:?}", missing.0.name),
        });
    }
    Ok(positions)
}

fn header_name(table: &Table, positions: &[Option<usize>], index: usize) -> String {
    positions
        .iter()
        .position(|p| *p == Some(index))
        .map_or_else(
            || format!("column {}", index + 1),
            |c| table.columns[c].name.to_string(),
        )
}

/// Keys are stable slugs: letters, digits and `-_.:`, no spaces.
fn check_key(key: &str) -> Result<(), String> {
    let ok = key.len() <= 200
        && key
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
    if ok {
        Ok(())
    } else {
        Err("is not a valid key: use letters, digits and - _ . : only, starting with a letter or digit".into())
    }
}

/// The message for a reference to a key that does not exist, with the closest known key.
fn unknown_key(conn: &Connection, table: &str, key: &str) -> String {
    let closest = conn
        .prepare(&format!("SELECT key FROM {table}"))
        .and_then(|mut stmt| {
            let keys = stmt.query_map([], |row| row.get::<_, String>(0))?;
            Ok(crate::suggest::closest(key, keys.filter_map(Result::ok)))
        })
        .ok()
        .flatten();
    match closest {
        Some(close) => format!("is not a key in {table} (did you mean {close:?}?)"),
        None => format!("is not a key in {table}"),
    }
}

fn unknown_code(vocabulary: &str, codes: &HashSet<String>, code: &str) -> String {
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

fn reader_again<'a>(
    input: &'a Input,
    table: &Table,
) -> Result<csv::Reader<Box<dyn Read + 'a>>, SeedError> {
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(input.open(&table.file_name())?))
}

/// The line where `key` first appears in the table's key column, for error messages.
fn find_line(input: &Input, table: &Table, key: &str) -> Result<Option<u64>, SeedError> {
    let mut reader = reader_again(input, table)?;
    let Some(index) = reader.byte_headers().ok().and_then(|h| {
        h.iter()
            .position(|name| name == table.key_column().as_bytes())
    }) else {
        return Ok(None);
    };
    let mut record = csv::ByteRecord::new();
    while reader.read_byte_record(&mut record).unwrap_or(false) {
        if record.get(index) == Some(key.as_bytes()) {
            return Ok(record.position().map(|p| p.line()));
        }
    }
    Ok(None)
}

fn duplicate<R: Read>(
    file: &str,
    line: u64,
    table: &Table,
    positions: &[Option<usize>],
    key: &str,
    reader: &mut csv::Reader<R>,
) -> SeedError {
    let key_column = table
        .columns
        .iter()
        .position(|c| c.value == Value::Key)
        .unwrap();
    let index = positions[key_column].unwrap_or(0);
    let mut record = csv::ByteRecord::new();
    let mut first = None;
    while reader.read_byte_record(&mut record).unwrap_or(false) {
        if record.get(index) == Some(key.as_bytes()) {
            first = record.position().map(|p| p.line());
            break;
        }
    }
    SeedError::Value {
        file: file.to_string(),
        line,
        column: index + 1,
        name: table.columns[key_column].name.to_string(),
        value: key.into(),
        message: match first {
            Some(first) => format!(
                "is a duplicate: line {first} has the same {}",
                table.key_column()
            ),
            None => format!("is a duplicate {}", table.key_column()),
        },
    }
}

/// A row whose chain of `column` leads back to itself: its key and its parent's key.
pub fn find_cycle(
    conn: &Connection,
    table: &str,
    column: &str,
) -> rusqlite::Result<Option<(String, String)>> {
    conn.query_row(
        &format!(
            "WITH RECURSIVE walk (start, node, depth) AS (
                 SELECT id, {column}, 1 FROM {table} WHERE {column} IS NOT NULL
                 UNION ALL
                 SELECT walk.start, t.{column}, walk.depth + 1
                 FROM walk JOIN {table} AS t ON t.id = walk.node
                 WHERE t.{column} IS NOT NULL AND walk.node <> walk.start AND walk.depth < 10000
             )
             SELECT child.key, parent.key FROM walk
             JOIN {table} AS child ON child.id = walk.start
             JOIN {table} AS parent ON parent.id = child.{column}
             WHERE walk.node = walk.start LIMIT 1"
        ),
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )
    .optional()
}

/// `INSERT ... ON CONFLICT ... DO UPDATE`: a row whose key (or, in a link table, whose primary
/// key) exists is updated in place, so seeding twice leaves the same database.
fn insert_sql(table: &Table) -> String {
    let mut columns = Vec::new();
    for column in table.columns {
        match column.value {
            Value::PeriodEnd => {}
            Value::Period {
                end_db,
                precision_db,
                ..
            } => {
                columns.extend([column.db, end_db, precision_db]);
            }
            _ => columns.push(column.db),
        }
    }
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    let conflict: Vec<&str> = match table.identity {
        Identity::Key => vec![table.key_column()],
        Identity::Columns(columns) => columns.to_vec(),
    };
    let updates: Vec<String> = columns
        .iter()
        .filter(|c| !conflict.contains(c))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    let action = if updates.is_empty() {
        "NOTHING".to_string()
    } else {
        format!("UPDATE SET {}", updates.join(", "))
    };
    let returning = if table.identity == Identity::Key && !table.is_vocabulary {
        " RETURNING id"
    } else {
        ""
    };
    format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO {action}{returning}",
        table.name,
        columns.join(", "),
        placeholders.join(", "),
        conflict.join(", ")
    )
}
