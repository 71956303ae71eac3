//! Loading a seed directory: one CSV per table, validated value by value, keys resolved to ids,
//! all in one transaction.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::hash::{BuildHasherDefault, Hasher};
use std::io::{BufReader, Read};
use std::path::PathBuf;

use include_dir::{include_dir, Dir};
use rusqlite::{Connection, OptionalExtension};

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

    /// The size of a file in bytes, where known.
    fn size(&self, file: &str) -> Option<u64> {
        match self {
            Input::BuiltIn => BUILT_IN.get_file(file).map(|f| f.contents().len() as u64),
            Input::Dir(dir) => std::fs::metadata(dir.join(file)).ok().map(|m| m.len()),
            Input::Files(files) => files
                .get(file)
                .map(|f| f.len() as u64)
                .or_else(|| Input::BuiltIn.size(file)),
        }
    }

    fn open(&self, file: &str) -> Result<Box<dyn Read + Send + '_>, SeedError> {
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

/// How rows reach the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Into a database that may hold rows and readers: a row whose key exists is updated in
    /// place, every constraint is checked as the row goes in, in one transaction.
    Update,
    /// Into a brand-new database no other process can see yet (the caller builds it under a
    /// temporary name): plain inserts, the loader's own key resolution standing in for the
    /// foreign-key checks, and the indexes built once at the end, which is several times faster.
    Fresh,
}

/// Reports how far a load has got: the table, and bytes read of its file.
pub trait Progress {
    fn table(&mut self, _table: &str, _bytes: Option<u64>) {}
    fn advance(&mut self, _bytes: u64) {}
}

impl Progress for () {}

/// Loads every table from `input` into `conn` in one transaction. On any error nothing is written.
pub fn load(conn: &mut Connection, input: &Input) -> Result<Counts, SeedError> {
    load_with(conn, input, Mode::Update, &mut ())
}

/// [`load`], in the given mode, reporting progress.
pub fn load_with(
    conn: &mut Connection,
    input: &Input,
    mode: Mode,
    progress: &mut dyn Progress,
) -> Result<Counts, SeedError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // In a fresh database the indexes are dropped and built again once the rows are in.
    let mut indexes: Vec<(String, String, String)> = Vec::new();
    if mode == Mode::Fresh {
        let mut stmt = tx.prepare("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY rowid")?;
        indexes = stmt
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        drop(stmt);
        for (name, _, _) in &indexes {
            tx.execute_batch(&format!("DROP INDEX \"{name}\""))?;
        }
    }
    let mut state = State::default();
    let mut counts = Vec::new();
    for table in TABLES {
        let rows = load_table(&tx, input, table, mode, &mut state, progress)?;
        counts.push((table.name, rows));
    }
    // The key maps are done with. The indexes are built by SQLite's sorter, which runs faster
    // with a second thread and a small cache (measured at a million rows: 8 MB is as fast as 16 MB
    // and 32 MB, with a third of the memory).
    drop(state);
    if !indexes.is_empty() {
        progress.table("indexes", None);
        tx.pragma_update(None, "cache_size", -8192)?;
        tx.pragma_update(None, "threads", 2)?;
    }
    for (_, table_name, sql) in &indexes {
        if let Err(error) = tx.execute_batch(sql) {
            // A unique index that cannot be built means a row's identity (its key, or a link
            // row's columns) appears twice in its file.
            if let Some(table) = TABLES.iter().find(|t| t.name == *table_name) {
                if let Some((names, values)) = repeated_identity(&tx, table)? {
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    let values: Vec<&str> = values.iter().map(String::as_str).collect();
                    return Err(duplicate_error(input, table, &names, &values)?);
                }
            }
            return Err(error.into());
        }
    }
    tx.commit()?;
    Ok(counts)
}

/// The CSV columns and values of an identity that two rows of `table` share, if any (references
/// shown as the keys the file uses).
fn repeated_identity(
    conn: &Connection,
    table: &Table,
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
        "SELECT {} FROM {} GROUP BY {group} HAVING count(*) > 1 LIMIT 1",
        selects.join(", "),
        table.name
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
    // foldhash with a fixed seed: fast and well spread; the rare collision is handled exactly.
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0x636f_6e66_6c69_6374).hash_one(key)
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
    fn reserve(&mut self, additional: usize) {
        self.hashes.reserve(additional);
    }

    fn get(&self, key: &str) -> Option<i64> {
        match self.hashes.get(&hash_key(key)) {
            Some(&COLLIDED) => self.collided.get(key).copied(),
            found => found.copied(),
        }
    }

    /// Adds `key` → `id`; false if another row already has this key (a duplicate).
    fn insert(
        &mut self,
        conn: &Connection,
        table: &Table,
        key: &str,
        id: i64,
    ) -> rusqlite::Result<bool> {
        let hash = hash_key(key);
        match self.hashes.get(&hash).copied() {
            None => {
                self.hashes.insert(hash, id);
            }
            Some(COLLIDED) => {
                if self.collided.get(key).is_some_and(|&other| other != id) {
                    return Ok(false);
                }
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
                if other_key == key {
                    return Ok(false);
                }
                self.collided.insert(other_key, other);
                self.collided.insert(key.to_string(), id);
                self.hashes.insert(hash, COLLIDED);
            }
        }
        Ok(true)
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

/// Maps looked up for every value loaded: hashed with foldhash rather than SipHash.
type Fast = foldhash::fast::FixedState;

#[derive(Default)]
struct State {
    /// Keys of the tables other files refer to.
    keys: HashMap<&'static str, KeyIndex, Fast>,
    /// Codes of each vocabulary.
    codes: HashMap<&'static str, HashSet<String, Fast>, Fast>,
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
    mode: Mode,
    state: &mut State,
    progress: &mut dyn Progress,
) -> Result<u64, SeedError> {
    let file_name = table.file_name();
    let file = input.display(&file_name);
    progress.table(table.name, input.size(&file_name));
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(256 * 1024)
        .from_reader(Strict::new(input.open(&file_name)?));
    // The file is read and parsed on a thread of its own while this one validates and stores.
    std::thread::scope(|scope| {
        let mut records = Records::spawn(scope, reader, file.clone());
        load_records(
            conn,
            input,
            table,
            mode,
            state,
            progress,
            &mut records,
            file,
        )
    })
}

#[allow(clippy::too_many_arguments)]
fn load_records(
    conn: &Connection,
    input: &Input,
    table: &'static Table,
    mode: Mode,
    state: &mut State,
    progress: &mut dyn Progress,
    records: &mut Records,
    file: String,
) -> Result<u64, SeedError> {
    let file_size = input.size(&table.file_name());
    // The header names the columns; they may come in any order.
    let Some((record, _)) = records.next()? else {
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
    };
    let positions = header_positions(table, record, &file)?;
    let width = record.len();
    // Where each column's end-of-span column is, for Period columns.
    let end_positions: Vec<Option<usize>> = table
        .columns
        .iter()
        .map(|c| match c.value {
            Value::Period { end: Some(end), .. } => table
                .columns
                .iter()
                .position(|e| e.name == end)
                .and_then(|i| positions[i]),
            _ => None,
        })
        .collect();

    // Existing rows: seeding again updates them by key instead of adding duplicates.
    let existing: i64 =
        conn.query_row(&format!("SELECT count(*) FROM {}", table.name), [], |r| {
            r.get(0)
        })?;
    if mode == Mode::Fresh && existing > 0 {
        return Err(SeedError::File {
            file,
            message: format!(
                "a fresh load found {existing} rows already in {}",
                table.name
            ),
        });
    }
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

    let mut insert = conn.prepare(&insert_sql(table, mode))?;
    let returns_id = mode == Mode::Update && !table.is_vocabulary;
    let identity: &[&str] = match table.identity {
        Identity::Columns(columns) => columns,
        Identity::Key => &[],
    };
    let mut seen_ids = IdSet::default();
    let mut seen_codes = HashSet::new();
    let mut forwards: Vec<Forward> = Vec::new();
    let mut self_refs: Vec<(String, usize)> = Vec::new();
    let mut ascending: Vec<(usize, i64)> = Vec::new();
    let mut date_text = String::with_capacity(32);
    // The last key each column resolved, and its id: files are often grouped by event, and a
    // repeated key then skips the hash lookup (and its likely cache miss).
    let mut last_refs: Vec<(String, i64)> = vec![(String::new(), 0); table.columns.len()];
    let mut rows = 0u64;
    let mut reported = 0u64;

    while let Some((record, quote_error)) = records.next()? {
        let line = record.position().map_or(0, |p| p.line());
        // A quoting error on an earlier line is reported before the rows it garbled.
        if let Some((error_line, message)) = quote_error.filter(|(at, _)| *at < line) {
            return Err(SeedError::Row {
                file,
                line: *error_line,
                message: message.clone(),
            });
        }
        if record.len() != width {
            return Err(SeedError::Row {
                file,
                line,
                message: format!("row has {} fields but the header has {width} (a stray comma or an unbalanced quote?)", record.len()),
            });
        }
        let fail = |index: usize, value: &str, message: String| SeedError::Value {
            file: file.clone(),
            line,
            column: index + 1,
            name: header_name(table, &positions, index),
            value: value.into(),
            message,
        };
        let cell = |index: usize| -> Result<&str, SeedError> {
            let refuse = |message: String| SeedError::Value {
                file: file.clone(),
                line,
                column: index + 1,
                name: header_name(table, &positions, index),
                value: Shown(record[index].to_vec()),
                message,
            };
            let text = std::str::from_utf8(&record[index]).map_err(|e| {
                refuse(format!(
                    "is not valid UTF-8 (bad byte at offset {})",
                    e.valid_up_to()
                ))
            })?;
            if text.contains('\0') {
                return Err(refuse("contains a NUL character".into()));
            }
            Ok(text)
        };

        // Validate each value and bind it in place: no per-row allocation for text.
        let mut key: Option<&str> = None;
        self_refs.clear();
        ascending.clear();
        let mut param = 1;
        for (number, (column, position)) in table.columns.iter().zip(&positions).enumerate() {
            if column.value == Value::PeriodEnd {
                continue;
            }
            let text = match *position {
                Some(index) => cell(index)?,
                None => "",
            };
            let index = position.unwrap_or(0);
            if text.is_empty() {
                if column.required {
                    return Err(fail(index, text, "is required but empty".into()));
                }
                if column.value == Value::Flag {
                    insert.raw_bind_parameter(param, 0)?;
                } else if identity.contains(&column.db) {
                    // Part of a row's identity: compared, so stored as '' rather than NULL.
                    insert.raw_bind_parameter(param, "")?;
                } else {
                    insert.raw_bind_parameter(param, rusqlite::types::Null)?;
                }
                param += 1;
                continue;
            }
            match column.value {
                Value::Key => {
                    check_key(text).map_err(|m| fail(index, text, m))?;
                    key = Some(text);
                    insert.raw_bind_parameter(param, text)?;
                }
                Value::Text => insert.raw_bind_parameter(param, text)?,
                Value::Ref(target) if target == table.name => {
                    if key == Some(text) {
                        return Err(fail(index, text, "refers to its own row".into()));
                    }
                    match state.keys.get(target).and_then(|k| k.get(text)) {
                        Some(id) => insert.raw_bind_parameter(param, id)?,
                        None => {
                            self_refs.push((text.to_string(), index));
                            insert.raw_bind_parameter(param, rusqlite::types::Null)?;
                        }
                    }
                }
                Value::Ref(target) => {
                    let last = &mut last_refs[number];
                    if last.0 != text {
                        let Some(id) = state.keys.get(target).and_then(|k| k.get(text)) else {
                            return Err(fail(index, text, unknown_key(conn, target, text)));
                        };
                        last.0.clear();
                        last.0.push_str(text);
                        last.1 = id;
                    }
                    insert.raw_bind_parameter(param, last.1)?;
                }
                Value::Code(vocabulary) => {
                    let codes = &state.codes[vocabulary];
                    if !codes.contains(text) {
                        return Err(fail(index, text, unknown_code(vocabulary, codes, text)));
                    }
                    insert.raw_bind_parameter(param, text)?;
                }
                Value::Period { .. } => {
                    let start = date::parse(text).map_err(|m| fail(index, text, m))?;
                    let mut period = start;
                    if let Some(end_index) = end_positions[number] {
                        let end_text = cell(end_index)?;
                        if !end_text.is_empty() {
                            let end =
                                date::parse(end_text).map_err(|m| fail(end_index, end_text, m))?;
                            period = start
                                .through(end)
                                .map_err(|m| fail(end_index, end_text, m))?;
                        }
                    }
                    date_text.clear();
                    date::write_iso(&mut date_text, period.start);
                    insert.raw_bind_parameter(param, date_text.as_str())?;
                    date_text.clear();
                    date::write_iso(&mut date_text, period.end);
                    insert.raw_bind_parameter(param + 1, date_text.as_str())?;
                    insert.raw_bind_parameter(param + 2, period.precision.code())?;
                    param += 2;
                }
                Value::PeriodEnd => unreachable!("skipped above"),
                Value::PartialDate => {
                    date::parse(text).map_err(|m| fail(index, text, m))?;
                    insert.raw_bind_parameter(param, text)?;
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
                    insert.raw_bind_parameter(param, number)?;
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
                    insert.raw_bind_parameter(param, number)?;
                }
                Value::Flag => insert.raw_bind_parameter(
                    param,
                    match text {
                        "1" | "true" => 1,
                        "0" | "false" => 0,
                        _ => {
                            return Err(fail(index, text, "must be 1 or 0 (true or false)".into()))
                        }
                    },
                )?,
                Value::Country => {
                    if text.len() != 3 || !text.bytes().all(|b| b.is_ascii_uppercase()) {
                        return Err(fail(
                            index,
                            text,
                            "is not an ISO 3166-1 alpha-3 code such as ARM".into(),
                        ));
                    }
                    insert.raw_bind_parameter(param, text)?;
                }
            }
            param += 1;
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

        // Store the row.
        if table.is_vocabulary {
            let code = key.expect("a vocabulary code is required");
            if !seen_codes.insert(code.to_string()) {
                return Err(duplicate_error(
                    input,
                    table,
                    &[table.key_column()],
                    &[code],
                )?);
            }
            insert.raw_execute().map_err(|e| refused(&file, line, e))?;
            state
                .codes
                .entry(table.name)
                .or_default()
                .insert(code.to_string());
        } else if table.identity == Identity::Key {
            let key = key.expect("a key is required");
            // In an update a key already loaded from this file is a duplicate; catch it before
            // the upsert overwrites the first row with the second.
            if mode == Mode::Update && table.referenced {
                let known = state.keys.get(table.name).and_then(|k| k.get(key));
                if known.is_some_and(|id| seen_ids.contains(id)) {
                    return Err(duplicate_error(
                        input,
                        table,
                        &[table.key_column()],
                        &[key],
                    )?);
                }
            }
            let id = if returns_id {
                let mut returned = insert.raw_query();
                let row = returned
                    .next()
                    .map_err(|e| refused(&file, line, e))?
                    .expect("RETURNING gives a row");
                row.get(0)?
            } else {
                insert.raw_execute().map_err(|e| refused(&file, line, e))?;
                conn.last_insert_rowid()
            };
            if !seen_ids.insert(id) {
                return Err(duplicate_error(
                    input,
                    table,
                    &[table.key_column()],
                    &[key],
                )?);
            }
            if table.referenced {
                let added = state
                    .keys
                    .entry(table.name)
                    .or_default()
                    .insert(conn, table, key, id)?;
                if !added {
                    return Err(duplicate_error(
                        input,
                        table,
                        &[table.key_column()],
                        &[key],
                    )?);
                }
            }
            for (target, index) in self_refs.drain(..) {
                forwards.push(Forward {
                    id,
                    key: target,
                    line,
                    column: index,
                });
            }
        } else if returns_id {
            let rowid: i64 = {
                let mut returned = insert.raw_query();
                let row = returned
                    .next()
                    .map_err(|e| refused(&file, line, e))?
                    .expect("RETURNING gives a row");
                row.get(0)?
            };
            if !seen_ids.insert(rowid) {
                let Identity::Columns(identity) = table.identity else {
                    unreachable!("a link table")
                };
                let mut names = Vec::new();
                let mut values = Vec::new();
                for db_column in identity {
                    let number = table
                        .columns
                        .iter()
                        .position(|c| c.db == *db_column)
                        .expect("identity columns are columns");
                    names.push(table.columns[number].name);
                    values.push(
                        positions[number]
                            .map_or("", |i| std::str::from_utf8(&record[i]).unwrap_or("")),
                    );
                }
                return Err(duplicate_error(input, table, &names, &values)?);
            }
        } else {
            insert.raw_execute().map_err(|e| refused(&file, line, e))?;
        }
        rows += 1;
        // Size the key map once for the whole file, from the bytes the first rows took: growing
        // it step by step would hold the old table and the new one at once.
        if rows == 1024 && table.referenced {
            if let (Some(size), Some(position)) = (file_size, record.position()) {
                let expected = size.saturating_mul(rows) / position.byte().max(1);
                state
                    .keys
                    .entry(table.name)
                    .or_default()
                    .reserve(expected as usize * 21 / 20);
            }
        }
        if rows - reported >= 16 * 1024 {
            reported = rows;
            progress.advance(record.position().map_or(0, |p| p.byte()));
        }
    }
    if let Some((line, message)) = records.quote_error_at_end() {
        return Err(SeedError::Row {
            file,
            line,
            message,
        });
    }

    // References to rows further down the same file, now that every row is in.
    let self_column = table
        .columns
        .iter()
        .position(|c| c.value == Value::Ref(table.name));
    if let Some(column_number) = self_column.filter(|_| !forwards.is_empty()) {
        let column = &table.columns[column_number];
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
            update.execute([target, forward.id])?;
        }
    }
    // Backward references alone cannot close a loop in a fresh table (each points to an earlier
    // row); forward references, or rows updated in place, can.
    if let Some(column_number) = self_column.filter(|_| !forwards.is_empty() || existing > 0) {
        let column = &table.columns[column_number];
        let starts: Vec<i64> = forwards.iter().map(|f| f.id).collect();
        let cycles = find_cycles(
            conn,
            table.name,
            column.db,
            (existing == 0).then_some(starts.as_slice()),
        )?;
        // Of the rows in the loop, name the one the file reaches first.
        let mut first: Option<(u64, String, String)> = None;
        for (key, parent) in cycles {
            let line = find_lines(input, table, &[table.key_column()], &[&key])?
                .first()
                .copied()
                .unwrap_or(u64::MAX);
            if first.as_ref().is_none_or(|(best, _, _)| line < *best) {
                first = Some((line, key, parent));
            }
        }
        if let Some((line, key, parent)) = first {
            return Err(SeedError::Value {
                file,
                line,
                column: positions[column_number].map_or(0, |i| i + 1),
                name: column.name.to_string(),
                value: parent.into(),
                message: format!(
                    "closes a cycle: following {} from {key:?} leads back to it",
                    column.name
                ),
            });
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

/// Follows the bytes the CSV parser reads with RFC 4180's quoting rules, which the parser itself
/// applies leniently: it keeps a quote inside an unquoted field (`12" guns`) and text after a
/// closing quote as part of the value, and at the end of the file it closes a quote that was
/// never closed. Each of those can silently swallow rows, so each is refused, at its line.
struct Strict<R> {
    inner: R,
    state: QuoteState,
    line: u64,
    quote_opened_on: u64,
    error: Option<(u64, String)>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: doubled (`""`) or the field's end.
    QuoteInQuoted,
}

impl<R> Strict<R> {
    fn new(inner: R) -> Strict<R> {
        Strict {
            inner,
            state: QuoteState::FieldStart,
            line: 1,
            quote_opened_on: 0,
            error: None,
        }
    }

    fn fail(&mut self, line: u64, message: String) {
        if self.error.is_none() {
            self.error = Some((line, message));
        }
    }

    /// The first quoting error, once the input has been read to its end.
    fn error_at_end(&mut self) -> Option<(u64, String)> {
        if self.state == QuoteState::Quoted {
            self.fail(
                self.quote_opened_on,
                "a double quote opened here is never closed, so the rest of the file would read as one field".into(),
            );
        }
        self.error.clone()
    }
}

impl<R: Read> Read for Strict<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.follow(&buf[..n]);
        Ok(n)
    }
}

impl<R> Strict<R> {
    /// Moves the quoting state over `bytes`, jumping from quote to quote: only a quote and the
    /// byte around it decide anything; newlines between them are counted for line numbers.
    fn follow(&mut self, bytes: &[u8]) {
        let mut at = 0;
        while at < bytes.len() {
            match self.state {
                QuoteState::QuoteInQuoted => {
                    self.state = match bytes[at] {
                        b'"' => QuoteState::Quoted,
                        b',' | b'\r' | b'\n' => QuoteState::FieldStart,
                        _ => {
                            let message = if self.line == self.quote_opened_on {
                                "text follows the closing quote of a field: a double quote inside a quoted field must be doubled (\"\")".to_string()
                            } else {
                                format!(
                                    "a double quote opened here is not closed before line {}, where text follows a quote: a quote was left open, or one inside the field was not doubled (\"\")",
                                    self.line
                                )
                            };
                            self.fail(self.quote_opened_on, message);
                            QuoteState::Unquoted
                        }
                    };
                    if bytes[at] == b'\n' {
                        self.line += 1;
                    }
                    at += 1;
                }
                QuoteState::Quoted => match memchr::memchr(b'"', &bytes[at..]) {
                    None => {
                        self.line += memchr::memchr_iter(b'\n', &bytes[at..]).count() as u64;
                        at = bytes.len();
                    }
                    Some(offset) => {
                        self.line +=
                            memchr::memchr_iter(b'\n', &bytes[at..at + offset]).count() as u64;
                        self.state = QuoteState::QuoteInQuoted;
                        at += offset + 1;
                    }
                },
                QuoteState::FieldStart | QuoteState::Unquoted => {
                    match memchr::memchr(b'"', &bytes[at..]) {
                        None => {
                            let rest = &bytes[at..];
                            self.line += memchr::memchr_iter(b'\n', rest).count() as u64;
                            if let Some(&last) = rest.last() {
                                self.state = if matches!(last, b',' | b'\r' | b'\n') {
                                    QuoteState::FieldStart
                                } else {
                                    QuoteState::Unquoted
                                };
                            }
                            at = bytes.len();
                        }
                        Some(offset) => {
                            let before = &bytes[at..at + offset];
                            self.line += memchr::memchr_iter(b'\n', before).count() as u64;
                            let at_field_start = match before.last() {
                                Some(&previous) => matches!(previous, b',' | b'\r' | b'\n'),
                                None => self.state == QuoteState::FieldStart,
                            };
                            if at_field_start {
                                self.quote_opened_on = self.line;
                                self.state = QuoteState::Quoted;
                            } else {
                                self.fail(
                                self.line,
                                "a double quote inside an unquoted field: quote the whole field and double the quote (\"12\"\" guns\")".into(),
                            );
                                self.state = QuoteState::Unquoted;
                            }
                            at += offset + 1;
                        }
                    }
                }
            }
        }
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

/// The records of one CSV file, read and parsed on a thread of their own and handed over in
/// batches (recycled, so that records are not reallocated), with the quoting error found so far.
struct Records {
    full: std::sync::mpsc::Receiver<Batch>,
    empty: std::sync::mpsc::Sender<Batch>,
    batch: Batch,
    next: usize,
}

#[derive(Default)]
struct Batch {
    records: Vec<csv::ByteRecord>,
    filled: usize,
    quote_error: Option<(u64, String)>,
    /// Set on the last batch: the end of the file, or the error that stopped the reading.
    end: Option<Result<(), SeedError>>,
}

const BATCH: usize = 512;

impl Records {
    fn spawn<'scope, R: Read + Send + 'scope>(
        scope: &'scope std::thread::Scope<'scope, '_>,
        mut reader: csv::Reader<Strict<R>>,
        file: String,
    ) -> Records {
        let (full_sender, full) = std::sync::mpsc::sync_channel::<Batch>(4);
        let (empty, empty_receiver) = std::sync::mpsc::channel::<Batch>();
        scope.spawn(move || loop {
            let mut batch = empty_receiver.try_recv().unwrap_or_default();
            batch.records.resize_with(BATCH, csv::ByteRecord::new);
            batch.filled = 0;
            while batch.filled < BATCH {
                match reader.read_byte_record(&mut batch.records[batch.filled]) {
                    Ok(true) => batch.filled += 1,
                    Ok(false) => {
                        batch.end = Some(Ok(()));
                        break;
                    }
                    Err(e) => {
                        batch.end = Some(Err(SeedError::Row {
                            file: file.clone(),
                            line: e.position().map_or(0, |p| p.line()),
                            message: e.to_string(),
                        }));
                        break;
                    }
                }
            }
            batch.quote_error = if batch.end.is_some() {
                reader.get_mut().error_at_end()
            } else {
                reader.get_ref().error.clone()
            };
            let last = batch.end.is_some();
            // After an error the loader stops listening: then this thread stops too.
            if full_sender.send(batch).is_err() || last {
                break;
            }
        });
        Records {
            full,
            empty,
            batch: Batch::default(),
            next: 0,
        }
    }

    /// The next record, with the first quoting error found so far; None at the end of the file.
    #[allow(clippy::type_complexity)]
    fn next(&mut self) -> Result<Option<(&csv::ByteRecord, Option<&(u64, String)>)>, SeedError> {
        while self.next >= self.batch.filled {
            match self.batch.end.take() {
                Some(Ok(())) => {
                    self.batch.end = Some(Ok(()));
                    return Ok(None);
                }
                Some(Err(e)) => return Err(e),
                None => {}
            }
            let Ok(batch) = self.full.recv() else {
                return Ok(None);
            };
            let used = std::mem::replace(&mut self.batch, batch);
            let _ = self.empty.send(used);
            self.next = 0;
        }
        self.next += 1;
        Ok(Some((
            &self.batch.records[self.next - 1],
            self.batch.quote_error.as_ref(),
        )))
    }

    /// The first quoting error of the whole file, once it has been read to its end.
    fn quote_error_at_end(&self) -> Option<(u64, String)> {
        self.batch.quote_error.clone()
    }
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

fn unknown_code(vocabulary: &str, codes: &HashSet<String, Fast>, code: &str) -> String {
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
) -> Result<csv::Reader<Box<dyn Read + Send + 'a>>, SeedError> {
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(input.open(&table.file_name())?))
}

/// The lines of the table's file whose `columns` hold `values`, for error messages.
fn find_lines(
    input: &Input,
    table: &Table,
    columns: &[&str],
    values: &[&str],
) -> Result<Vec<u64>, SeedError> {
    let mut reader = reader_again(input, table)?;
    let Ok(header) = reader.byte_headers().cloned() else {
        return Ok(Vec::new());
    };
    let Some(indexes) = columns
        .iter()
        .map(|column| header.iter().position(|name| name == column.as_bytes()))
        .collect::<Option<Vec<usize>>>()
    else {
        return Ok(Vec::new());
    };
    let mut record = csv::ByteRecord::new();
    let mut lines = Vec::new();
    while reader.read_byte_record(&mut record).unwrap_or(false) {
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
fn duplicate_error(
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
    Ok(SeedError::Value {
        file: input.display(&table.file_name()),
        line: lines.get(1).copied().unwrap_or(0),
        column: column + 1,
        name: columns[0].to_string(),
        value: values[0].into(),
        message: match lines.first() {
            Some(first) => format!("is a duplicate: line {first} has the same {same}"),
            None => format!("is a duplicate {same}"),
        },
    })
}

/// The rows whose chain of `column` leads back to themselves, as (key, parent key), ordered by
/// key. With `starts`, only chains starting at those row ids are followed (any cycle in a table
/// loaded in file order passes through a row that referred forward).
pub fn find_cycles(
    conn: &Connection,
    table: &str,
    column: &str,
    starts: Option<&[i64]>,
) -> rusqlite::Result<Vec<(String, String)>> {
    let mut only = "";
    if let Some(starts) = starts {
        conn.execute_batch("CREATE TEMP TABLE IF NOT EXISTS cycle_starts (id INTEGER PRIMARY KEY); DELETE FROM temp.cycle_starts;")?;
        let mut insert =
            conn.prepare("INSERT OR IGNORE INTO temp.cycle_starts (id) VALUES (?1)")?;
        for id in starts {
            insert.execute([id])?;
        }
        only = "AND id IN (SELECT id FROM temp.cycle_starts)";
    }
    let mut stmt = conn.prepare(&format!(
        "WITH RECURSIVE walk (start, node, depth) AS (
             SELECT id, {column}, 1 FROM {table} WHERE {column} IS NOT NULL {only}
             UNION ALL
             SELECT walk.start, t.{column}, walk.depth + 1
             FROM walk JOIN {table} AS t ON t.id = walk.node
             WHERE t.{column} IS NOT NULL AND walk.node <> walk.start AND walk.depth < 10000
         )
         SELECT DISTINCT child.key, parent.key FROM walk
         JOIN {table} AS child ON child.id = walk.start
         JOIN {table} AS parent ON parent.id = child.{column}
         WHERE walk.node = walk.start ORDER BY child.key"
    ))?;
    let cycles = stmt
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect();
    cycles
}

/// `INSERT ... ON CONFLICT ... DO UPDATE`: a row whose key (or, in a link table, whose primary
/// key) exists is updated in place, so seeding twice leaves the same database.
fn insert_sql(table: &Table, mode: Mode) -> String {
    let columns: Vec<&str> = table.columns.iter().flat_map(|c| c.db_columns()).collect();
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    // A fresh load has no identity index to conflict with (it is built at the end, which finds
    // any row given twice) and no old rows.
    if mode == Mode::Fresh && !table.is_vocabulary {
        return format!(
            "INSERT INTO {} ({}) VALUES ({})",
            table.name,
            columns.join(", "),
            placeholders.join(", ")
        );
    }
    let conflict: Vec<&str> = match table.identity {
        Identity::Key => vec![table.key_column()],
        Identity::Columns(columns) => columns.to_vec(),
    };
    let updates: Vec<String> = columns
        .iter()
        .filter(|c| !conflict.contains(c))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    // Link rows always update (a no-op where they have nothing but their key) so that RETURNING
    // names the row, and a row given twice in one file can be told from one already stored.
    let action = if updates.is_empty() {
        format!("UPDATE SET {0} = excluded.{0}", conflict[0])
    } else {
        format!("UPDATE SET {}", updates.join(", "))
    };
    let returning = match table.identity {
        Identity::Key if table.is_vocabulary => "",
        Identity::Key => " RETURNING id",
        Identity::Columns(_) => " RETURNING rowid",
    };
    format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO {action}{returning}",
        table.name,
        columns.join(", "),
        placeholders.join(", "),
        conflict.join(", ")
    )
}
