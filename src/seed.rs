//! Loading a seed directory: one CSV per table, validated value by value, keys resolved to ids,
//! all in one transaction.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;

use include_dir::{include_dir, Dir};
use rusqlite::{Connection, OptionalExtension};

use crate::bulk::BulkInsert;
use crate::chains;
use crate::date;
use crate::schema::{Identity, Table, Value, TABLES};

/// The shipped data set, compiled in so that `conflictdb seed` works from any directory.
pub static BUILT_IN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/seed");

/// A refusal: one line naming the file, line and column, and the offending value.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{file}:{line}:{column}: {name} {value}: {message}")]
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
fn is_environment(error: &rusqlite::Error) -> bool {
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
    /// temporary name): every row checked and its keys resolved on the reading thread (a row's id
    /// is its place in its file), plain inserts of many rows at once, the loader's own key
    /// resolution standing in for the foreign-key checks, and the indexes built once at the end,
    /// which is several times faster.
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
///
/// A second thread reads and parses the files, one after another, while this one stores the rows.
/// In a fresh load that thread also checks every value and resolves every key (a row's id is its
/// place in its file, so nothing it does needs the database), and this thread only binds values
/// and inserts; in an update ids come from the database, so the checking is done here.
pub fn load_with(
    conn: &mut Connection,
    input: &Input,
    mode: Mode,
    progress: &mut dyn Progress,
) -> Result<Counts, SeedError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // In a fresh database the indexes are dropped and built again once the rows are in.
    let indexes = match mode {
        Mode::Fresh => drop_indexes(&tx)?,
        Mode::Update => Vec::new(),
    };
    let mut state = State::default();
    let counts = std::thread::scope(|scope| {
        let (sender, received) = std::sync::mpsc::sync_channel::<Message>(4);
        let (recycle, recycled) = std::sync::mpsc::channel::<Batch>();
        let (reader_state, state) = match mode {
            Mode::Fresh => (Some(&mut state), None),
            Mode::Update => (None, Some(&mut state)),
        };
        scope.spawn(move || read_all(input, reader_state, &sender, &recycled));
        let counts = store_all(&tx, input, mode, state, progress, &received, &recycle);
        // On an error the reading thread stops at its next hand-over.
        drop(received);
        counts
    })?;
    // The key maps are done with.
    drop(state);
    if !indexes.is_empty() {
        progress.table("indexes", None);
        prepare_index_builds(&tx)?;
    }
    for (_, table_name, sql) in &indexes {
        if let Err(error) = tx.execute_batch(sql) {
            // A full disk or a failing file: no row is to blame, and SQLite, in its error state
            // now, would answer the search for a duplicate with an error hiding this one.
            if is_environment(&error) {
                return Err(error.into());
            }
            // A unique index that cannot be built means a key appears twice in its file.
            if let Some(table) = TABLES.iter().find(|t| t.name == *table_name) {
                if let Some((names, values)) = repeated_identity(&tx, table, table.name)? {
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    let values: Vec<&str> = values.iter().map(String::as_str).collect();
                    return Err(duplicate_error(input, table, &names, &values)?);
                }
            }
            return Err(error.into());
        }
    }
    // Derived from the parents, whichever rows this load changed.
    chains::store_roots(&tx)?;
    tx.commit()?;
    Ok(counts)
}

/// Drops every index that SQLite did not make itself, and returns each as (name, table,
/// `CREATE INDEX` statement), in the order they were made, to be built again.
pub fn drop_indexes(conn: &Connection) -> rusqlite::Result<Vec<(String, String, String)>> {
    let indexes: Vec<(String, String, String)> = conn
        .prepare(
            "SELECT name, tbl_name, sql FROM sqlite_master
             WHERE type = 'index' AND sql IS NOT NULL ORDER BY rowid",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (name, _, _) in &indexes {
        conn.execute_batch(&format!("DROP INDEX \"{name}\""))?;
    }
    Ok(indexes)
}

/// Sets `conn` up to build indexes over tables that are already full. SQLite's sorter builds them,
/// and runs faster in runs that fit the processor's cache (1 MB: the cache size set here, and the
/// minimum set in db::configure), sorted by a second thread while the first reads on. Measured at
/// a million events, the 25 indexes of schema version 1 took 13 s with 8 MB runs and about 9 s
/// with 1 MB. The seed benchmark uses it to time the index builds on their own.
pub fn prepare_index_builds(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "cache_size", -1024)?;
    conn.pragma_update(None, "threads", 2)
}

/// The CSV columns and values of an identity that two rows of `table` (read from `from`, the table
/// or a query over it) share, if any, references shown as the keys the file uses.
fn repeated_identity(
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
    hashes: HashIds,
    collided: HashMap<String, i64>,
}

/// Hash → id, for [`KeyIndex`]: open addressing over one array of (hash, id) pairs kept at most
/// three quarters full, so that a lookup usually reads one cache line. The array is sized to the
/// rows expected rather than to a power of two: a million keys take 22 MB, not 32. Lookups land
/// at random across tens of megabytes, so the array also asks the kernel for huge pages: with
/// 4 KiB pages nearly every lookup would miss the TLB as well.
#[derive(Default)]
struct HashIds {
    /// Pairs of (hash, id) side by side; a hash of 0 marks a free slot (a key that hashes to 0
    /// is kept under 1: two keys under one hash are told apart by [`KeyIndex`] anyway).
    slots: Vec<u64>,
    len: usize,
}

impl HashIds {
    fn capacity(&self) -> usize {
        self.slots.len() / 2
    }

    /// The slot where the search for `hash` starts: the hash scaled to the capacity, which
    /// need not be a power of two.
    fn home(&self, hash: u64) -> usize {
        ((u128::from(hash) * self.capacity() as u128) >> 64) as usize
    }

    /// The slot holding `hash`, or the free slot where it would go.
    fn find(&self, hash: u64) -> usize {
        let mut slot = self.home(hash);
        while self.slots[2 * slot] != hash && self.slots[2 * slot] != 0 {
            slot += 1;
            if slot == self.capacity() {
                slot = 0;
            }
        }
        slot
    }

    /// Starts loading the slot of `hash` into the processor's cache.
    fn prefetch(&self, hash: u64) {
        #[cfg(target_arch = "x86_64")]
        if self.len > 0 {
            let slot = self.home(hash.max(1));
            let address = self.slots[2 * slot..].as_ptr().cast::<i8>();
            // SAFETY: SSE, which PREFETCH needs, is part of every x86-64 processor; the address
            // lies within `slots`, and a prefetch is a hint that never faults or changes memory.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(address);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = hash;
    }

    fn get(&self, hash: u64) -> Option<i64> {
        if self.len == 0 {
            return None;
        }
        let hash = hash.max(1);
        let slot = self.find(hash);
        (self.slots[2 * slot] == hash).then(|| self.slots[2 * slot + 1] as i64)
    }

    /// Sets `hash` → `id`, adding the hash or replacing its id.
    fn set(&mut self, hash: u64, id: i64) {
        self.reserve(1);
        let hash = hash.max(1);
        let slot = self.find(hash);
        if self.slots[2 * slot] == 0 {
            self.len += 1;
        }
        self.slots[2 * slot] = hash;
        self.slots[2 * slot + 1] = id as u64;
    }

    fn reserve(&mut self, additional: usize) {
        let needed = self.len + additional;
        if needed * 4 <= self.capacity() * 3 {
            return;
        }
        // Just enough for the rows expected (see reserve_keys), or twice as many as before.
        let capacity = (needed * 4 / 3 + 1).max(2 * self.capacity()).max(64);
        let mut slots = vec![0u64; 2 * capacity];
        advise_huge_pages(&mut slots);
        let old = std::mem::replace(&mut self.slots, slots);
        self.len = 0;
        for pair in old.chunks_exact(2).filter(|pair| pair[0] != 0) {
            self.set(pair[0], pair[1] as i64);
        }
    }
}

/// Asks the kernel to back `memory` with huge pages, before it is first written.
#[cfg(target_os = "linux")]
fn advise_huge_pages(memory: &mut [u64]) {
    const PAGE: usize = 4096;
    let start = memory.as_mut_ptr() as usize;
    let end = start + std::mem::size_of_val(memory);
    let first = start.next_multiple_of(PAGE);
    if end >= first + 2 * 1024 * 1024 {
        // SAFETY: the range lies within `memory`, borrowed mutably here, and MADV_HUGEPAGE changes
        // only how the kernel backs the pages, never their contents. A refusal (a kernel without
        // huge pages) changes nothing, so the result is not needed.
        unsafe {
            libc::madvise(
                first as *mut libc::c_void,
                (end - first) / PAGE * PAGE,
                libc::MADV_HUGEPAGE,
            );
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_: &mut [u64]) {}

impl KeyIndex {
    fn reserve(&mut self, additional: usize) {
        self.hashes.reserve(additional);
    }

    fn get(&self, key: &str) -> Option<i64> {
        self.get_hashed(hash_key(key), key)
    }

    fn get_hashed(&self, hash: u64, key: &str) -> Option<i64> {
        match self.hashes.get(hash) {
            Some(COLLIDED) => self.collided.get(key).copied(),
            found => found,
        }
    }

    /// Adds `key` → `id`; false if another row already has this key (a duplicate). `key_of`
    /// gives the key of another id, needed only when two keys share a hash.
    fn insert(
        &mut self,
        key: &str,
        id: i64,
        key_of: impl FnOnce(i64) -> Result<String, SeedError>,
    ) -> Result<bool, SeedError> {
        self.insert_hashed(hash_key(key), key, id, key_of)
    }

    fn insert_hashed(
        &mut self,
        hash: u64,
        key: &str,
        id: i64,
        key_of: impl FnOnce(i64) -> Result<String, SeedError>,
    ) -> Result<bool, SeedError> {
        match self.hashes.get(hash) {
            None => {
                self.hashes.set(hash, id);
            }
            Some(COLLIDED) => {
                if self.collided.get(key).is_some_and(|&other| other != id) {
                    return Ok(false);
                }
                self.collided.insert(key.to_string(), id);
            }
            Some(other) if other == id => {}
            Some(other) => {
                let other_key = key_of(other)?;
                if other_key == key {
                    return Ok(false);
                }
                self.collided.insert(other_key, other);
                self.collided.insert(key.to_string(), id);
                self.hashes.set(hash, COLLIDED);
            }
        }
        Ok(true)
    }
}

/// A set of row ids, one bit each.
#[derive(Default)]
struct IdSet(Vec<u64>);

impl IdSet {
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

/// A value checked and ready to bind.
#[derive(Clone, Copy, Debug)]
enum Bound {
    Null,
    Int(i64),
    Real(f64),
    /// A field of the record, as given.
    Field(usize),
    /// Text the loader wrote (a date), at this range of its arena.
    Arena(u32, u32),
    Static(&'static str),
}

impl Bound {
    /// The value itself, its text found in the record or the arena it refers to.
    fn value<'a>(
        self,
        record: &'a csv::StringRecord,
        arena: &'a str,
    ) -> rusqlite::types::ValueRef<'a> {
        use rusqlite::types::ValueRef;
        match self {
            Bound::Null => ValueRef::Null,
            Bound::Int(n) => ValueRef::Integer(n),
            Bound::Real(x) => ValueRef::Real(x),
            Bound::Field(i) => ValueRef::Text(record[i].as_bytes()),
            Bound::Arena(start, end) => {
                ValueRef::Text(&arena.as_bytes()[start as usize..end as usize])
            }
            Bound::Static(text) => ValueRef::Text(text.as_bytes()),
        }
    }
}

/// A refusal found away from the database: an unknown key's message gains its "did you mean"
/// from the database when it is reported.
enum Failure {
    Refused(SeedError),
    UnknownKey {
        error: Box<SeedError>,
        table: &'static str,
        key: String,
    },
}

impl From<SeedError> for Failure {
    fn from(error: SeedError) -> Failure {
        Failure::Refused(error)
    }
}

impl Failure {
    fn report(self, conn: &Connection) -> SeedError {
        match self {
            Failure::Refused(error) => error,
            Failure::UnknownKey {
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

/// One file, as its header lays it out.
#[derive(Clone)]
struct Layout {
    table: &'static Table,
    /// The file as messages name it.
    file: String,
    size: Option<u64>,
    /// For each column of the table, its field in the file (None for an optional column the
    /// file leaves out).
    positions: Vec<Option<usize>>,
    /// For each `Period` column, the field of its end-of-span column.
    end_positions: Vec<Option<usize>>,
    /// Fields per row.
    width: usize,
    /// Values bound per row (a `Period` binds three).
    bound: usize,
    identity: &'static [&'static str],
    /// Where the identity columns' values lie among a row's bound values.
    identity_values: Vec<usize>,
}

/// What loading the rows of one file keeps from row to row.
struct Scratch {
    self_refs: Vec<(String, usize)>,
    /// The vocabulary codes the file has given.
    codes: HashSet<String, Fast>,
    /// The references to rows further down the file, resolved once the file is in.
    forwards: Vec<Forward>,
    ascending: Vec<(usize, i64)>,
    /// The last key each column resolved, and its id: files are often grouped by event, and a
    /// repeated key then skips the hash lookup (and its likely cache miss).
    last_refs: Vec<(String, i64)>,
}

impl Scratch {
    fn new(table: &Table) -> Scratch {
        Scratch {
            self_refs: Vec::new(),
            codes: HashSet::default(),
            forwards: Vec::new(),
            ascending: Vec::new(),
            last_refs: vec![(String::new(), 0); table.columns.len()],
        }
    }
}

impl Layout {
    fn new(
        table: &'static Table,
        header: &csv::ByteRecord,
        file: String,
        size: Option<u64>,
    ) -> Result<Layout, SeedError> {
        let positions = header_positions(table, header, &file)?;
        let end_positions = table
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
        Ok(Layout {
            table,
            file,
            size,
            positions,
            end_positions,
            width: header.len(),
            bound: table.columns.iter().map(|c| c.db_columns().len()).sum(),
            identity: match table.identity {
                Identity::Columns(columns) => columns,
                Identity::Key => &[],
            },
            identity_values: {
                let mut at = 0;
                let mut found = Vec::new();
                for column in table.columns {
                    let width = column.db_columns().len();
                    if let Identity::Columns(columns) = table.identity {
                        if columns.contains(&column.db) {
                            found.extend(at..at + width);
                        }
                    }
                    at += width;
                }
                found
            },
        })
    }

    fn refuse(&self, line: u64, index: usize, value: Shown, message: String) -> SeedError {
        SeedError::Value {
            file: self.file.clone(),
            line,
            column: index + 1,
            name: header_name(self.table, &self.positions, index),
            value,
            message,
        }
    }

    fn row_error(&self, line: u64, message: String) -> SeedError {
        SeedError::Row {
            file: self.file.clone(),
            line,
            message,
        }
    }

    /// The record as text, once every field is known to be UTF-8 without a NUL.
    fn text(&self, bytes: csv::ByteRecord, line: u64) -> Result<csv::StringRecord, SeedError> {
        let record = csv::StringRecord::from_byte_record(bytes).map_err(|e| {
            let (index, offset) = (e.utf8_error().field(), e.utf8_error().valid_up_to());
            let bytes = e.into_byte_record();
            self.refuse(
                line,
                index,
                Shown(bytes[index].to_vec()),
                format!("is not valid UTF-8 (bad byte at offset {offset})"),
            )
        })?;
        if memchr::memchr(0, record.as_byte_record().as_slice()).is_some() {
            let index = record.iter().position(|f| f.contains('\0')).unwrap_or(0);
            return Err(self.refuse(
                line,
                index,
                record[index].into(),
                "contains a NUL character".into(),
            ));
        }
        Ok(record)
    }

    /// Checks every value of `record` against its column and appends it to `out`, in the order
    /// of the insert's parameters. Returns the field holding the row's key, if it has one.
    fn convert(
        &self,
        state: &State,
        record: &csv::StringRecord,
        line: u64,
        scratch: &mut Scratch,
        out: &mut Vec<Bound>,
        arena: &mut String,
    ) -> Result<Option<usize>, Failure> {
        let table = self.table;
        let fail = |index: usize, value: &str, message: String| {
            self.refuse(line, index, value.into(), message)
        };
        let mut key: Option<usize> = None;
        scratch.self_refs.clear();
        scratch.ascending.clear();
        let date = |arena: &mut String, day: time::Date| {
            let start = arena.len();
            date::write_iso(arena, day);
            Bound::Arena(start as u32, arena.len() as u32)
        };
        for (number, (column, position)) in table.columns.iter().zip(&self.positions).enumerate() {
            if column.value == Value::PeriodEnd {
                continue;
            }
            let text = position.map_or("", |index| &record[index]);
            let index = position.unwrap_or(0);
            if text.is_empty() {
                if column.required {
                    return Err(fail(index, text, "is required but empty".into()).into());
                }
                out.push(if column.value == Value::Flag {
                    Bound::Int(0)
                } else if self.identity.contains(&column.db) {
                    // Part of a row's identity: compared, so stored as '' rather than NULL.
                    Bound::Static("")
                } else {
                    Bound::Null
                });
                if matches!(column.value, Value::Period { .. }) {
                    out.extend([Bound::Null, Bound::Null]);
                }
                continue;
            }
            let value = match column.value {
                Value::Key => {
                    check_key(text).map_err(|m| fail(index, text, m))?;
                    key = Some(index);
                    Bound::Field(index)
                }
                Value::Text => Bound::Field(index),
                Value::Ref(target) if target == table.name => {
                    if key.is_some_and(|k| &record[k] == text) {
                        return Err(fail(index, text, "refers to its own row".into()).into());
                    }
                    match state.keys.get(target).and_then(|k| k.get(text)) {
                        Some(id) => Bound::Int(id),
                        None => {
                            scratch.self_refs.push((text.to_string(), index));
                            Bound::Null
                        }
                    }
                }
                Value::Ref(target) => {
                    let last = &mut scratch.last_refs[number];
                    if last.0 != text {
                        let Some(id) = state.keys.get(target).and_then(|k| k.get(text)) else {
                            return Err(Failure::UnknownKey {
                                error: Box::new(fail(index, text, String::new())),
                                table: target,
                                key: text.to_string(),
                            });
                        };
                        last.0.clear();
                        last.0.push_str(text);
                        last.1 = id;
                    }
                    Bound::Int(last.1)
                }
                Value::Code(vocabulary) => {
                    let codes = &state.codes[vocabulary];
                    if !codes.contains(text) {
                        return Err(fail(index, text, unknown_code(vocabulary, codes, text)).into());
                    }
                    Bound::Field(index)
                }
                Value::Period { .. } => {
                    let start = date::parse(text).map_err(|m| fail(index, text, m))?;
                    let mut period = start;
                    if let Some(end_index) = self.end_positions[number] {
                        let end_text = &record[end_index];
                        if !end_text.is_empty() {
                            let end =
                                date::parse(end_text).map_err(|m| fail(end_index, end_text, m))?;
                            period = start
                                .through(end)
                                .map_err(|m| fail(end_index, end_text, m))?;
                        }
                    }
                    let start = date(arena, period.start);
                    let end = date(arena, period.end);
                    out.extend([start, end]);
                    Bound::Static(period.precision.code())
                }
                Value::PeriodEnd => unreachable!("skipped above"),
                Value::PartialDate => {
                    date::parse(text).map_err(|m| fail(index, text, m))?;
                    Bound::Field(index)
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
                        )
                        .into());
                    }
                    if table.ascending.contains(&column.name) {
                        scratch.ascending.push((index, number));
                    }
                    Bound::Int(number)
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
                        )
                        .into());
                    }
                    Bound::Real(number)
                }
                Value::Flag => Bound::Int(match text {
                    "1" | "true" => 1,
                    "0" | "false" => 0,
                    _ => {
                        return Err(
                            fail(index, text, "must be 1 or 0 (true or false)".into()).into()
                        )
                    }
                }),
                Value::Country => {
                    if text.len() != 3 || !text.bytes().all(|b| b.is_ascii_uppercase()) {
                        return Err(fail(
                            index,
                            text,
                            "is not an ISO 3166-1 alpha-3 code such as ARM".into(),
                        )
                        .into());
                    }
                    Bound::Field(index)
                }
            };
            out.push(value);
        }
        for pair in scratch.ascending.windows(2) {
            let ((low_index, low), (high_index, high)) = (pair[0], pair[1]);
            if low > high {
                return Err(fail(
                    low_index,
                    &low.to_string(),
                    format!(
                        "is greater than {} {high}",
                        header_name(table, &self.positions, high_index)
                    ),
                )
                .into());
            }
        }
        if !table.ascending.is_empty() && scratch.ascending.is_empty() {
            return Err(self
                .row_error(
                    line,
                    format!(
                        "gives no figure: set at least one of {}",
                        table.ascending.join(", ")
                    ),
                )
                .into());
        }
        Ok(key)
    }

    /// Starts fetching, from memory into the processor's cache, the key-map entries that the
    /// references of `record` will look up: a million keys do not fit in the cache, and a lookup
    /// that waits for memory would stall the conversion.
    fn prefetch(&self, state: &State, record: &csv::StringRecord) {
        for (column, position) in self.table.columns.iter().zip(&self.positions) {
            if let (Value::Ref(target), Some(index)) = (column.value, position) {
                if let Some(keys) = state.keys.get(target) {
                    keys.hashes.prefetch(hash_key(&record[*index]));
                }
            }
        }
    }

    /// The temporary table that the rows of a link file go to once they stop following the order
    /// of the table's primary key. Inserted into the table out of order, they would land all over
    /// it, each on a page of its own; at the end of the file they go in at once, sorted (see
    /// `Storing::finish`).
    fn staged_table(&self) -> String {
        format!("temp.staged_{}", self.table.name)
    }

    /// Creates the staging table and the inserts into it.
    fn stage<'c>(&self, conn: &'c Connection) -> Result<Inserts<'c>, SeedError> {
        let (table, staged) = (self.table, self.staged_table());
        conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS {staged}; CREATE TABLE {staged} AS SELECT * FROM main.{} WHERE 0",
            table.name
        ))?;
        Ok(Inserts::prepare(conn, table, &staged)?)
    }

    /// Records a row just stored: a vocabulary's code, or a keyed row's key and id and the
    /// references it makes to rows further down the file. A code or key that the file gave before
    /// is a duplicate. `key_of` gives the key of another id (see [`KeyIndex::insert`]).
    #[allow(clippy::too_many_arguments)]
    fn remember(
        &self,
        input: &Input,
        state: &mut State,
        scratch: &mut Scratch,
        record: &csv::StringRecord,
        key: Option<usize>,
        id: i64,
        line: u64,
        key_of: impl FnOnce(i64) -> Result<String, SeedError>,
    ) -> Result<(), SeedError> {
        let table = self.table;
        if table.is_vocabulary {
            let code = &record[key.expect("a vocabulary code is required")];
            if !scratch.codes.insert(code.to_string()) {
                return Err(self.duplicate(input, record)?);
            }
            let codes = state.codes.entry(table.name).or_default();
            codes.insert(code.to_string());
        } else if table.identity == Identity::Key {
            if table.referenced {
                let key = &record[key.expect("a key is required")];
                let keys = state.keys.entry(table.name).or_default();
                if !keys.insert(key, id, key_of)? {
                    return Err(self.duplicate(input, record)?);
                }
            }
            for (target, index) in scratch.self_refs.drain(..) {
                scratch.forwards.push(Forward {
                    id,
                    key: target,
                    line,
                    column: index,
                });
            }
        }
        Ok(())
    }

    /// The CSV columns that make up a row's identity, and their values in `record`.
    fn identity_of<'r>(&self, record: &'r csv::StringRecord) -> (Vec<&'static str>, Vec<&'r str>) {
        let table = self.table;
        let columns: Vec<&str> = match table.identity {
            Identity::Key => vec![table.key_column()],
            Identity::Columns(columns) => columns.to_vec(),
        };
        columns
            .into_iter()
            .map(|db_column| {
                let number = table
                    .columns
                    .iter()
                    .position(|c| c.db == db_column)
                    .expect("identity columns are columns");
                let value = self.positions[number].map_or("", |i| &record[i]);
                (table.columns[number].name, value)
            })
            .unzip()
    }

    /// "is a duplicate" for a row whose identity an earlier row of the file has.
    fn duplicate(&self, input: &Input, record: &csv::StringRecord) -> Result<SeedError, SeedError> {
        let (names, values) = self.identity_of(record);
        duplicate_error(input, self.table, &names, &values)
    }

    /// Whether another line of the file has the identity of `record`.
    fn repeated(&self, input: &Input, record: &csv::StringRecord) -> Result<bool, SeedError> {
        let (names, values) = self.identity_of(record);
        Ok(find_lines(input, self.table, &names, &values)?.len() > 1)
    }

    /// A hash of the values of a row's identity columns, as bound.
    fn identity_hash(&self, values: &[Bound], record: &csv::StringRecord, arena: &str) -> u64 {
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

    /// The key of the `n`th row of the file (from 1), read again: in a fresh load that is the
    /// key of the row with id `n`.
    fn key_of_row(&self, input: &Input, n: i64) -> Result<String, SeedError> {
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

/// The ids of the rows that referred further down their own file, and the ids they refer to.
fn resolve_forwards(
    state: &State,
    layout: &Layout,
    forwards: &[Forward],
) -> Result<Vec<(i64, i64)>, Failure> {
    let table = layout.table;
    let column = table
        .columns
        .iter()
        .find(|c| c.value == Value::Ref(table.name));
    forwards
        .iter()
        .map(
            |forward| match state.keys.get(table.name).and_then(|k| k.get(&forward.key)) {
                Some(target) => Ok((forward.id, target)),
                None => Err(Failure::UnknownKey {
                    error: Box::new(SeedError::Value {
                        file: layout.file.clone(),
                        line: forward.line,
                        column: forward.column + 1,
                        name: column.map_or("", |c| c.name).to_string(),
                        value: forward.key.as_str().into(),
                        message: String::new(),
                    }),
                    table: table.name,
                    key: forward.key.clone(),
                }),
            },
        )
        .collect()
}

/// Sizes the key map once for the whole file, from the bytes the first rows took: growing it
/// step by step would hold the old table and the new one at once.
fn reserve_keys(state: &mut State, layout: &Layout, rows: u64, byte: u64) {
    if rows == 1024 && layout.table.referenced {
        if let Some(size) = layout.size {
            let expected = size.saturating_mul(rows) / byte.max(1);
            state
                .keys
                .entry(layout.table.name)
                .or_default()
                .reserve(expected as usize * 21 / 20);
        }
    }
}

/// Whether the rows of a link file arrive grouped in the order of the first column of the table's
/// primary key (rows of one event together, events in the order of their file), in which case
/// each row lands beside the one before it, at the end of the table or near it.
#[derive(Default)]
struct KeyOrder {
    last: Option<(i64, Vec<u8>)>,
    unsorted: bool,
}

impl KeyOrder {
    /// Takes the next row's values; true if it sorts before the previous row by the first column
    /// of the key (from then on the file counts as unsorted).
    fn breaks(
        &mut self,
        layout: &Layout,
        values: &[Bound],
        record: &csv::StringRecord,
        arena: &str,
    ) -> bool {
        let Some(&first) = layout.identity_values.first() else {
            return false;
        };
        use rusqlite::types::ValueRef;
        let (n, text): (i64, &[u8]) = match values[first].value(record, arena) {
            ValueRef::Integer(n) => (n, b""),
            ValueRef::Text(text) => (0, text),
            // Not found in identity columns, which the loader fills with integers or text.
            ValueRef::Null | ValueRef::Real(_) | ValueRef::Blob(_) => (i64::MIN, b""),
        };
        match &mut self.last {
            // Integer keys (every link table's first) compare without touching the text.
            Some((last_n, _)) if n < *last_n => self.unsorted = true,
            Some((last_n, last_text))
                if n == *last_n && !text.is_empty() && text < last_text.as_slice() =>
            {
                self.unsorted = true;
            }
            Some((last_n, last_text)) => {
                *last_n = n;
                if !(text.is_empty() && last_text.is_empty()) && last_text != text {
                    last_text.clear();
                    last_text.extend_from_slice(text);
                }
            }
            None => self.last = Some((n, text.to_vec())),
        }
        self.unsorted
    }
}

/// What the reading thread hands to the storing one, in order.
enum Message {
    /// The next file, as its header lays it out.
    Table(Layout),
    Rows(Batch),
    /// The end of the file; in a fresh load, with its references further down the file resolved
    /// to (row id, id referred to).
    End(Vec<(i64, i64)>),
    Failed(Failure),
}

/// Records handed over together, and recycled, so that records are not reallocated.
#[derive(Default)]
struct Batch {
    records: Vec<csv::StringRecord>,
    filled: usize,
    /// In a fresh load, each record's values (`Layout::bound` per record).
    values: Vec<Bound>,
    arena: String,
    /// Bytes of the file read up to the last record.
    read: u64,
    /// In a fresh load of a link table, the first record that does not follow the order of the
    /// table's primary key: it and every record after it are staged (see `Storing::stage`).
    unsorted_from: Option<usize>,
}

const BATCH: usize = 512;

/// The bytes of records a batch holds at most, and the size above which a record's buffer is
/// not kept for reuse: with records of up to [`MAX_RECORD`], a batch of 512 could otherwise hold
/// gigabytes, and every buffer that once held a long record would stay that large.
const BATCH_BYTES: usize = 16 << 20;
const KEPT_RECORD: usize = 1 << 20;

/// The reading thread: every file in load order, until the first refusal (handed over too) or
/// until the storing thread stops listening. With `state` (a fresh load) it also checks and
/// converts every row.
fn read_all(
    input: &Input,
    mut state: Option<&mut State>,
    sender: &std::sync::mpsc::SyncSender<Message>,
    recycled: &std::sync::mpsc::Receiver<Batch>,
) {
    for table in TABLES {
        match read_table(input, table, state.as_deref_mut(), sender, recycled) {
            Ok(true) => {}
            Ok(false) => return,
            Err(failure) => {
                let _ = sender.send(Message::Failed(failure));
                return;
            }
        }
    }
}

/// Reads one file; false if the storing thread has stopped listening.
fn read_table(
    input: &Input,
    table: &'static Table,
    mut state: Option<&mut State>,
    sender: &std::sync::mpsc::SyncSender<Message>,
    recycled: &std::sync::mpsc::Receiver<Batch>,
) -> Result<bool, Failure> {
    let file_name = table.file_name();
    let file = input.display(&file_name);
    let mut reader = Records::open(input, &file_name)?;
    // The header names the columns; they may come in any order.
    let mut header = csv::ByteRecord::new();
    if !reader
        .read(&mut header)
        .map_err(|e| reader.failure(&file, e))?
    {
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
        }
        .into());
    }
    let layout = Layout::new(table, &header, file.clone(), input.size(&file_name))?;
    if sender.send(Message::Table(layout.clone())).is_err() {
        return Ok(false);
    }
    let fresh_batch = || {
        let mut batch: Batch = recycled.try_recv().unwrap_or_default();
        for record in &mut batch.records {
            if record.as_byte_record().as_slice().len() > KEPT_RECORD {
                *record = csv::StringRecord::new();
            }
        }
        batch.records.resize_with(BATCH, csv::StringRecord::new);
        batch.filled = 0;
        batch.values.clear();
        batch.arena.clear();
        batch.unsorted_from = None;
        batch
    };
    let mut batch = fresh_batch();
    let mut scratch = Scratch::new(table);
    let mut order = KeyOrder::default();
    let mut rows = 0u64;
    let read = (|| -> Result<Vec<(i64, i64)>, Failure> {
        loop {
            // Parse a batch of records, then check and convert them: converting with the next
            // records already parsed lets their key lookups start early (see Layout::prefetch).
            let mut parsed = Ok(true);
            let mut bytes = 0;
            while batch.filled < BATCH && bytes < BATCH_BYTES {
                match read_record(&mut reader, &layout, &mut batch.records[batch.filled]) {
                    Ok(true) => {
                        bytes += batch.records[batch.filled]
                            .as_byte_record()
                            .as_slice()
                            .len();
                        batch.filled += 1;
                    }
                    end => {
                        parsed = end;
                        break;
                    }
                }
            }
            if let Some(state) = state.as_deref_mut() {
                for row in 0..batch.filled {
                    if let Some(ahead) = batch.records[..batch.filled].get(row + PREFETCH_AHEAD) {
                        layout.prefetch(state, ahead);
                    }
                    let record = &batch.records[row];
                    let line = record.position().map_or(0, |p| p.line());
                    let converted = layout
                        .convert(
                            state,
                            record,
                            line,
                            &mut scratch,
                            &mut batch.values,
                            &mut batch.arena,
                        )
                        .and_then(|key| {
                            rows += 1;
                            let id = rows as i64;
                            let byte = record.position().map_or(0, |p| p.byte());
                            if !layout.identity.is_empty() && !order.unsorted {
                                let values = &batch.values[batch.values.len() - layout.bound..];
                                if order.breaks(&layout, values, record, &batch.arena) {
                                    batch.unsorted_from = Some(row);
                                }
                            }
                            reserve_keys(state, &layout, rows, byte);
                            layout.remember(
                                input,
                                state,
                                &mut scratch,
                                record,
                                key,
                                id,
                                line,
                                |other| layout.key_of_row(input, other),
                            )?;
                            Ok(())
                        });
                    if let Err(failure) = converted {
                        // The rows before it are handed over.
                        batch.filled = row;
                        return Err(failure);
                    }
                }
            }
            if let Some(last) = batch.records[..batch.filled].last() {
                batch.read = last.position().map_or(0, |p| p.byte());
            }
            if !parsed? {
                break;
            }
            let full = std::mem::replace(&mut batch, fresh_batch());
            if sender.send(Message::Rows(full)).is_err() {
                return Ok(Vec::new());
            }
        }
        if let Some((line, message)) = reader.strict_mut().error_at_end() {
            return Err(layout.row_error(line, message).into());
        }
        match state.as_deref() {
            Some(state) => resolve_forwards(state, &layout, &scratch.forwards),
            None => Ok(Vec::new()),
        }
    })();
    // The rows before a refusal are handed over first: one of them may be refused earlier.
    if batch.filled > 0 && sender.send(Message::Rows(batch)).is_err() {
        return Ok(false);
    }
    Ok(sender.send(Message::End(read?)).is_ok())
}

/// A seed file read record by record through [`Strict`], each record's position giving the byte
/// and line it starts on.
struct Records<'a> {
    reader: csv::Reader<Strict<Box<dyn Read + Send + 'a>>>,
}

impl<'a> Records<'a> {
    fn open(input: &'a Input, file_name: &str) -> Result<Records<'a>, SeedError> {
        Ok(Records {
            reader: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .buffer_capacity(256 * 1024)
                .from_reader(Strict::new(input.open(file_name)?)),
        })
    }

    /// Reads the next record (the header first); false at the end of the file.
    fn read(&mut self, record: &mut csv::ByteRecord) -> csv::Result<bool> {
        if !self.reader.read_byte_record(record)? {
            return Ok(false);
        }
        let resumed = record.position().map_or(0, |p| p.byte());
        if let Some((byte, line)) = self.reader.get_mut().record_start(resumed) {
            let mut position = record
                .position()
                .cloned()
                .unwrap_or_else(csv::Position::new);
            position.set_byte(byte).set_line(line);
            record.set_position(Some(position));
        }
        Ok(true)
    }

    fn strict(&self) -> &Strict<Box<dyn Read + Send + 'a>> {
        self.reader.get_ref()
    }

    fn strict_mut(&mut self) -> &mut Strict<Box<dyn Read + Send + 'a>> {
        self.reader.get_mut()
    }

    /// The refusal for a record that could not be read: too long, or the file unreadable (a
    /// failing disk, a directory), which no line of the file is to blame for.
    fn failure(&self, file: &str, error: csv::Error) -> SeedError {
        let csv::ErrorKind::Io(io) = error.kind() else {
            return SeedError::File {
                file: file.to_string(),
                message: error.to_string(),
            };
        };
        if let Some(long) = io.get_ref().and_then(|e| e.downcast_ref::<RecordTooLong>()) {
            // A quoting error on an earlier line is the likelier cause: name it.
            let (line, message) = match &self.strict().error {
                Some((at, message)) if *at < long.line => (*at, message.clone()),
                _ => (long.line, long.to_string()),
            };
            return SeedError::Row {
                file: file.to_string(),
                line,
                message,
            };
        }
        SeedError::File {
            file: file.to_string(),
            message: format!("cannot read the file: {io}"),
        }
    }
}

/// How many records ahead of the one being converted the key lookups start.
const PREFETCH_AHEAD: usize = 4;

/// Reads the next record into `slot`, refusing a quoting error on an earlier line, a row of the
/// wrong width, and text that is not UTF-8 or holds a NUL. False at the end of the file.
fn read_record(
    reader: &mut Records,
    layout: &Layout,
    slot: &mut csv::StringRecord,
) -> Result<bool, Failure> {
    let mut bytes = std::mem::take(slot).into_byte_record();
    let more = reader
        .read(&mut bytes)
        .map_err(|e| reader.failure(&layout.file, e))?;
    if !more {
        return Ok(false);
    }
    let line = bytes.position().map_or(1, |p| p.line());
    // A quoting error on an earlier line is reported before the rows it garbled.
    if let Some((at, message)) = reader.strict().error.as_ref().filter(|(at, _)| *at < line) {
        return Err(layout.row_error(*at, message.clone()).into());
    }
    if bytes.len() != layout.width {
        return Err(layout
            .row_error(
                line,
                format!(
                    "row has {} fields but the header has {} (a stray comma or an unbalanced quote?)",
                    bytes.len(),
                    layout.width
                ),
            )
            .into());
    }
    *slot = layout.text(bytes, line)?;
    Ok(true)
}

/// A fresh load's inserts into one table: of one row, and (but for a vocabulary) of
/// [`ROWS_PER_INSERT`] rows at once.
struct Inserts<'c> {
    one: BulkInsert<'c>,
    many: Option<BulkInsert<'c>>,
}

impl<'c> Inserts<'c> {
    fn prepare(conn: &'c Connection, table: &Table, into: &str) -> rusqlite::Result<Inserts<'c>> {
        Ok(Inserts {
            one: BulkInsert::prepare(conn, &insert_sql(table, into, Mode::Fresh, 1))?,
            many: match table.is_vocabulary {
                true => None,
                false => Some(BulkInsert::prepare(
                    conn,
                    &insert_sql(table, into, Mode::Fresh, ROWS_PER_INSERT),
                )?),
            },
        })
    }
}

/// The values a fresh load binds for one row: its id first if `binds_id`, then its columns.
fn row_values<'a>(
    binds_id: bool,
    &(record, values, id): &(&'a csv::StringRecord, &'a [Bound], i64),
    arena: &'a str,
) -> impl Iterator<Item = rusqlite::types::ValueRef<'a>> {
    binds_id
        .then_some(rusqlite::types::ValueRef::Integer(id))
        .into_iter()
        .chain(values.iter().map(move |value| value.value(record, arena)))
}

/// Inserts `rows`, in whole runs of [`ROWS_PER_INSERT`] where the table takes them.
fn insert_rows(
    inserts: &mut Inserts,
    layout: &Layout,
    binds_id: bool,
    input: &Input,
    rows: &[(&csv::StringRecord, &[Bound], i64)],
    arena: &str,
) -> Result<(), SeedError> {
    let mut done = 0;
    // Whole runs of rows in one statement each; a run the database refuses changes nothing and
    // goes again row by row below, which names the row's line.
    if let Some(many) = &mut inserts.many {
        for run in rows.chunks_exact(ROWS_PER_INSERT) {
            let values = run.iter().flat_map(|row| row_values(binds_id, row, arena));
            match many.execute(values) {
                Ok(()) => {}
                // No row is to blame, and going on row by row would meet SQLite's state after
                // the failure (a fresh load has no journal to undo a failed write with), which
                // it reports as a malformed database.
                Err(error) if is_environment(&error) => return Err(error.into()),
                Err(_) => break,
            }
            done += ROWS_PER_INSERT;
        }
    }
    for row in &rows[done..] {
        let record = row.0;
        if let Err(error) = inserts.one.execute(row_values(binds_id, row, arena)) {
            // A link table's primary key is its identity: a row given twice.
            if error.sqlite_extended_error_code()
                == Some(rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
                && !layout.identity.is_empty()
            {
                return Err(layout.duplicate(input, record)?);
            }
            let line = record.position().map_or(0, |p| p.line());
            return Err(refused(&layout.file, line, error));
        }
    }
    Ok(())
}

/// Rows per statement in a fresh load: one statement for many rows runs its set-up (opening the
/// table, finding its end) once for all of them.
const ROWS_PER_INSERT: usize = 32;

/// One file's rows going into the database.
struct Storing<'c> {
    layout: Layout,
    /// An update's insert, which updates a row whose identity is stored already.
    upsert: Option<rusqlite::Statement<'c>>,
    /// A fresh load's inserts.
    inserts: Option<Inserts<'c>>,
    /// In a fresh load of a link table whose rows stopped following its primary key: the
    /// inserts into the temporary table those rows go to (see `Layout::stage`).
    staged: Option<Inserts<'c>>,
    /// Whether a fresh load binds each row's id (its place in the file) first.
    binds_id: bool,
    existing: i64,
    rows: u64,
    // An update checks and converts here, with ids from the database.
    scratch: Scratch,
    values: Vec<Bound>,
    arena: String,
    seen_ids: IdSet,
    /// Hashes of the identities of the link rows seen in the file.
    seen_rows: HashIds,
}

/// The storing side of a load: takes what the reading thread hands over and writes it.
fn store_all(
    conn: &Connection,
    input: &Input,
    mode: Mode,
    mut state: Option<&mut State>,
    progress: &mut dyn Progress,
    received: &std::sync::mpsc::Receiver<Message>,
    recycle: &std::sync::mpsc::Sender<Batch>,
) -> Result<Counts, SeedError> {
    let mut counts = Vec::new();
    let mut storing: Option<Storing> = None;
    while let Ok(message) = received.recv() {
        match message {
            Message::Table(layout) => {
                progress.table(layout.table.name, layout.size);
                storing = Some(Storing::start(conn, mode, layout, state.as_deref_mut())?);
            }
            Message::Rows(batch) => {
                let storing = storing.as_mut().expect("rows follow their file");
                match state.as_deref_mut() {
                    Some(state) => storing.update(conn, input, state, &batch)?,
                    None => storing.insert(conn, input, &batch)?,
                }
                progress.advance(batch.read);
                let _ = recycle.send(batch);
            }
            Message::End(resolved) => {
                let storing = storing.take().expect("a file ends after it starts");
                let resolved = match state.as_deref() {
                    Some(state) => {
                        { resolve_forwards(state, &storing.layout, &storing.scratch.forwards) }
                            .map_err(|f| f.report(conn))?
                    }
                    None => resolved,
                };
                counts.push((storing.layout.table.name, storing.rows));
                storing.finish(conn, input, &resolved)?;
            }
            Message::Failed(failure) => return Err(failure.report(conn)),
        }
    }
    Ok(counts)
}

impl<'c> Storing<'c> {
    fn start(
        conn: &'c Connection,
        mode: Mode,
        layout: Layout,
        state: Option<&mut State>,
    ) -> Result<Storing<'c>, SeedError> {
        let table = layout.table;
        // Existing rows: seeding again updates them by key instead of adding duplicates.
        let existing: i64 =
            conn.query_row(&format!("SELECT count(*) FROM {}", table.name), [], |r| {
                r.get(0)
            })?;
        if mode == Mode::Fresh && existing > 0 {
            return Err(SeedError::File {
                file: layout.file,
                message: format!(
                    "a fresh load found {existing} rows already in {}",
                    table.name
                ),
            });
        }
        if let Some(state) = state {
            if table.referenced {
                let index = state.keys.entry(table.name).or_default();
                let mut stmt = conn.prepare(&format!("SELECT id, key FROM {}", table.name))?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let (id, key): (i64, String) = (row.get(0)?, row.get(1)?);
                    index.insert(&key, id, |other| key_of_id(conn, table, other))?;
                }
            }
            if table.is_vocabulary {
                let codes = state.codes.entry(table.name).or_default();
                let mut stmt = conn.prepare(&format!("SELECT code FROM {}", table.name))?;
                for code in stmt.query_map([], |row| row.get::<_, String>(0))? {
                    codes.insert(code?);
                }
            }
        }
        Ok(Storing {
            upsert: match mode {
                Mode::Update => Some(conn.prepare(&insert_sql(table, table.name, mode, 1))?),
                Mode::Fresh => None,
            },
            inserts: match mode {
                Mode::Fresh => Some(Inserts::prepare(conn, table, table.name)?),
                Mode::Update => None,
            },
            staged: None,
            binds_id: mode == Mode::Fresh
                && table.identity == Identity::Key
                && !table.is_vocabulary,
            existing,
            rows: 0,
            scratch: Scratch::new(table),
            values: Vec::new(),
            arena: String::new(),
            seen_ids: IdSet::default(),
            seen_rows: HashIds::default(),
            layout,
        })
    }

    /// Inserts rows the reading thread has checked and converted (a fresh load).
    fn insert(
        &mut self,
        conn: &'c Connection,
        input: &Input,
        batch: &Batch,
    ) -> Result<(), SeedError> {
        // Each row with its values and its id (its place in the file).
        let rows: Vec<(&csv::StringRecord, &[Bound], i64)> = batch.records[..batch.filled]
            .iter()
            .zip(batch.values.chunks_exact(self.layout.bound))
            .zip(self.rows as i64 + 1..)
            .map(|((record, values), id)| (record, values, id))
            .collect();
        let sorted = match self.staged {
            Some(_) => 0,
            None => batch.unsorted_from.unwrap_or(rows.len()),
        };
        let (into_table, to_stage) = rows.split_at(sorted);
        let inserts = self
            .inserts
            .as_mut()
            .expect("a fresh load prepares its inserts");
        insert_rows(
            inserts,
            &self.layout,
            self.binds_id,
            input,
            into_table,
            &batch.arena,
        )?;
        if !to_stage.is_empty() {
            let staged = match &mut self.staged {
                Some(staged) => staged,
                staged => staged.insert(self.layout.stage(conn)?),
            };
            insert_rows(staged, &self.layout, false, input, to_stage, &batch.arena)?;
        }
        self.rows += rows.len() as u64;
        Ok(())
    }

    /// Checks and converts each row, then inserts it or updates the row with its identity.
    fn update(
        &mut self,
        conn: &Connection,
        input: &Input,
        state: &mut State,
        batch: &Batch,
    ) -> Result<(), SeedError> {
        let table = self.layout.table;
        for record in &batch.records[..batch.filled] {
            let line = record.position().map_or(0, |p| p.line());
            self.values.clear();
            self.arena.clear();
            let key = self
                .layout
                .convert(
                    state,
                    record,
                    line,
                    &mut self.scratch,
                    &mut self.values,
                    &mut self.arena,
                )
                .map_err(|f| f.report(conn))?;
            let upsert = self.upsert.as_mut().expect("an update prepares its upsert");
            bind(upsert, &self.values, record, &self.arena)?;
            let file = &self.layout.file;
            if table.identity == Identity::Key {
                // The id of the row inserted or updated: a row of this file updated again is a
                // key given twice.
                let id: i64 = if table.is_vocabulary {
                    upsert.raw_execute().map_err(|e| refused(file, line, e))?;
                    0
                } else {
                    let mut returned = upsert.raw_query();
                    let row = returned
                        .next()
                        .map_err(|e| refused(file, line, e))?
                        .expect("RETURNING gives a row");
                    row.get(0)?
                };
                if !table.is_vocabulary && !self.seen_ids.insert(id) {
                    return Err(self.layout.duplicate(input, record)?);
                }
                self.layout.remember(
                    input,
                    state,
                    &mut self.scratch,
                    record,
                    key,
                    id,
                    line,
                    |other| key_of_id(conn, table, other),
                )?;
            } else {
                upsert.raw_execute().map_err(|e| refused(file, line, e))?;
                // A link row given twice in the file: its identity's hash seen before, and the
                // file read again to be sure (two identities may share a hash).
                let hash = self.layout.identity_hash(&self.values, record, &self.arena);
                if self.seen_rows.get(hash).is_some() && self.layout.repeated(input, record)? {
                    return Err(self.layout.duplicate(input, record)?);
                }
                self.seen_rows.set(hash, 1);
            }
            self.rows += 1;
            reserve_keys(
                state,
                &self.layout,
                self.rows,
                record.position().map_or(0, |p| p.byte()),
            );
        }
        Ok(())
    }

    /// Moves the staged rows of a link file into its table, sorted by the table's primary key, so
    /// that they go in as a merge rather than at random; a row given twice is refused as a
    /// duplicate.
    fn merge_staged(&self, conn: &Connection, input: &Input) -> Result<(), SeedError> {
        let (table, staged) = (self.layout.table, self.layout.staged_table());
        let columns: Vec<&str> = table.columns.iter().flat_map(|c| c.db_columns()).collect();
        let columns = columns.join(", ");
        let order = self.layout.identity.join(", ");
        let merged = conn.execute_batch(&format!(
            "INSERT INTO main.{0} ({columns}) SELECT {columns} FROM {staged} ORDER BY {order}",
            table.name
        ));
        if let Err(error) = merged {
            let both = format!(
                "(SELECT {columns} FROM main.{} UNION ALL SELECT {columns} FROM {staged})",
                table.name
            );
            if let Some((names, values)) = repeated_identity(conn, table, &both)? {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                let values: Vec<&str> = values.iter().map(String::as_str).collect();
                return Err(duplicate_error(input, table, &names, &values)?);
            }
            return Err(error.into());
        }
        conn.execute_batch(&format!("DROP TABLE {staged}"))?;
        Ok(())
    }

    /// Sets the references to rows further down the file, now that every row is in, and
    /// refuses a loop of them.
    fn finish(
        mut self,
        conn: &Connection,
        input: &Input,
        resolved: &[(i64, i64)],
    ) -> Result<(), SeedError> {
        if self.staged.take().is_some() {
            self.merge_staged(conn, input)?;
        }
        let table = self.layout.table;
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
        if resolved.is_empty() && self.existing == 0 {
            return Ok(());
        }
        let starts: Vec<i64> = resolved.iter().map(|(id, _)| *id).collect();
        let cycles = crate::integrity::find_cycles(
            conn,
            table.name,
            column.db,
            (self.existing == 0).then_some(starts.as_slice()),
        )?;
        // Of the rows in the loop, name the one the file reaches first (read once: a loop may
        // hold every row of the file).
        let keys: HashSet<&str> = cycles.iter().map(|(key, _)| key.as_str()).collect();
        let first = match first_line_of(input, table, &keys)? {
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
                file: self.layout.file,
                line,
                column: self.layout.positions[column_number].map_or(0, |i| i + 1),
                name: column.name.to_string(),
                value: parent.into(),
                message: message(&key),
            }),
            // The loop runs through rows already in the database and none of this file's rows:
            // no line is to blame.
            Some((None, key, parent)) => Err(SeedError::File {
                file: self.layout.file,
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
}

fn bind(
    insert: &mut rusqlite::Statement,
    values: &[Bound],
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
fn key_of_id(conn: &Connection, table: &Table, id: i64) -> Result<String, SeedError> {
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

/// A row the database refused (a constraint the loader's own checks did not foresee), or the
/// database's own failure while storing it, which is no fault of the row.
fn refused(file: &str, line: u64, error: rusqlite::Error) -> SeedError {
    if is_environment(&error) {
        return error.into();
    }
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
///
/// It also notes the line each record starts on: the parser's own count is taken where it resumed
/// reading, which lies a line early after a CRLF (it stops at the CR) or a blank line. And it
/// refuses a record longer than [`MAX_RECORD`], which the parser would otherwise hold in memory
/// whole, however large.
struct Strict<R> {
    inner: R,
    state: QuoteState,
    line: u64,
    quote_opened_on: u64,
    error: Option<(u64, String)>,
    /// Bytes followed so far.
    offset: u64,
    /// Whether the next byte that is not a line break starts a record.
    at_record_start: bool,
    /// (byte offset, line) of each record start followed but not yet asked for.
    starts: std::collections::VecDeque<(u64, u64)>,
    /// Where the record being followed starts, as (byte offset, line).
    record: (u64, u64),
    /// Whether the last byte followed was a carriage return: a line feed right after one ends
    /// the same line (CRLF), while a carriage return alone ends a line too (old Mac files).
    after_cr: bool,
}

/// The longest record the loader reads, in bytes. A row of the shipped data set is under 4 KB
/// and the longest field a user is likely to paste (a whole speech as a statement's quote) is
/// well under a megabyte, so 32 MiB leaves room to spare, while a file with no line breaks (or a
/// quote that is never closed) is refused before the parser has buffered more than that.
const MAX_RECORD: u64 = 32 << 20;

/// The error [`Strict`] raises through the parser for a record over its limit.
#[derive(Debug)]
struct RecordTooLong {
    line: u64,
    limit: u64,
}

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the row starting here is longer than {} MiB, the most a row may hold (a quote left open, or not a CSV file?)",
            self.limit >> 20
        )
    }
}

impl std::error::Error for RecordTooLong {}

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
            offset: 0,
            at_record_start: true,
            starts: std::collections::VecDeque::new(),
            record: (0, 1),
            after_cr: false,
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

    /// Where the record that the parser began reading at byte `resumed` starts: the first
    /// record start at or after it, as (byte offset, line).
    fn record_start(&mut self, resumed: u64) -> Option<(u64, u64)> {
        while self.starts.front().is_some_and(|&(at, _)| at < resumed) {
            self.starts.pop_front();
        }
        self.starts.front().copied()
    }
}

impl<R: Read> Read for Strict<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.follow(&buf[..n]);
        if !self.at_record_start && self.offset - self.record.0 > MAX_RECORD {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                RecordTooLong {
                    line: self.record.1,
                    limit: MAX_RECORD,
                },
            ));
        }
        Ok(n)
    }
}

impl<R> Strict<R> {
    /// Moves the quoting state over `bytes`, jumping from quote to quote: only a quote and the
    /// byte around it decide anything; line breaks between them are counted for line numbers
    /// and mark where records start.
    fn follow(&mut self, bytes: &[u8]) {
        let mut at = 0;
        while at < bytes.len() {
            match self.state {
                QuoteState::QuoteInQuoted => {
                    self.state = match bytes[at] {
                        b'"' => QuoteState::Quoted,
                        b',' => QuoteState::FieldStart,
                        b'\r' | b'\n' => {
                            self.at_record_start = true;
                            QuoteState::FieldStart
                        }
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
                    self.line += u64::from(ends_line(bytes, at, self.after_cr));
                    at += 1;
                }
                QuoteState::Quoted => match memchr::memchr(b'"', &bytes[at..]) {
                    None => {
                        self.line += line_ends(bytes, at, bytes.len(), self.after_cr);
                        at = bytes.len();
                    }
                    Some(offset) => {
                        self.line += line_ends(bytes, at, at + offset, self.after_cr);
                        self.state = QuoteState::QuoteInQuoted;
                        at += offset + 1;
                    }
                },
                QuoteState::FieldStart | QuoteState::Unquoted => {
                    match memchr::memchr(b'"', &bytes[at..]) {
                        None => {
                            let rest = &bytes[at..];
                            self.unquoted(bytes, at, bytes.len());
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
                            // The quote itself may be the first byte of a record.
                            self.unquoted(bytes, at, at + offset + 1);
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
        self.offset += bytes.len() as u64;
        if let Some(&last) = bytes.last() {
            self.after_cr = last == b'\r';
        }
    }

    /// Follows bytes outside quotes, which begin `at` bytes into the current read: counts their
    /// line breaks and notes where each record starts (the first byte after a line break, or
    /// several, that is not one itself: the parser skips blank lines).
    fn unquoted(&mut self, bytes: &[u8], at: usize, end: usize) {
        let region = &bytes[at..end];
        let mut i = 0;
        while i < region.len() {
            if self.at_record_start {
                match region[i] {
                    b'\n' | b'\r' => {
                        self.line += u64::from(ends_line(bytes, at + i, self.after_cr));
                    }
                    _ => {
                        self.at_record_start = false;
                        self.record = (self.offset + (at + i) as u64, self.line);
                        self.starts.push_back(self.record);
                    }
                }
                if self.at_record_start {
                    i += 1;
                }
                continue;
            }
            match memchr::memchr2(b'\n', b'\r', &region[i..]) {
                None => return,
                Some(offset) => {
                    i += offset;
                    self.at_record_start = true;
                }
            }
        }
    }
}

/// Whether `bytes[at]` ends a line: a line feed not right after a carriage return, or a carriage
/// return (so CRLF is one line end, and a lone CR or LF is one). `after_cr` says whether the byte
/// before `bytes[0]`, read earlier, was a carriage return.
fn ends_line(bytes: &[u8], at: usize, after_cr: bool) -> bool {
    match bytes[at] {
        b'\r' => true,
        b'\n' => {
            !(if at == 0 {
                after_cr
            } else {
                bytes[at - 1] == b'\r'
            })
        }
        _ => false,
    }
}

/// How many lines end in `bytes[from..to]`, as [`ends_line`] counts them.
fn line_ends(bytes: &[u8], from: usize, to: usize, after_cr: bool) -> u64 {
    memchr::memchr2_iter(b'\n', b'\r', &bytes[from..to])
        .filter(|&i| ends_line(bytes, from + i, after_cr))
        .count() as u64
}

/// An offending value as it appears in a message: quoted and escaped like a Rust string, with
/// bytes that are not UTF-8 shown as `\xNN`, and a long value cut short, with its size, so that a
/// message stays one readable line whatever the file holds.
#[derive(Debug)]
pub struct Shown(pub Vec<u8>);

impl Shown {
    /// Values up to this many bytes are shown whole; a longer one shows its first
    /// [`Shown::KEPT`] characters.
    const WHOLE: usize = 80;
    const KEPT: usize = 40;
}

impl std::fmt::Display for Shown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let cut = self.0.len() > Shown::WHOLE;
        let mut left = if cut { Shown::KEPT } else { usize::MAX };
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

/// For each column of `table`, its index in the file's header (None for an optional column the
/// file leaves out).
fn header_positions(
    table: &Table,
    header: &csv::ByteRecord,
    file: &str,
) -> Result<Vec<Option<usize>>, SeedError> {
    // Blank lines before the header are skipped.
    let line = header.position().map_or(1, |p| p.line());
    let mut positions = vec![None; table.columns.len()];
    for (index, raw) in header.iter().enumerate() {
        let name = std::str::from_utf8(raw).map_err(|_| SeedError::Value {
            file: file.to_string(),
            line,
            column: index + 1,
            name: "header".into(),
            value: Shown(raw.to_vec()),
            message: "is not valid UTF-8".into(),
        })?;
        let header_error = |message: String| SeedError::Value {
            file: file.to_string(),
            line,
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
            line,
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

/// The message for a reference to a key that does not exist, with the closest known key. Only
/// keys of about the value's length are read (see suggest::lengths): a table may hold millions.
fn unknown_key(conn: &Connection, table: &str, key: &str) -> String {
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
                Shown::from(values[0])
            ),
            file,
        },
    })
}

/// The first row of the table's file whose key is one of `keys`, as (line, key).
fn first_line_of(
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

/// `INSERT ... ON CONFLICT ... DO UPDATE`: a row whose key (or, in a link table, whose primary
/// key) exists is updated in place, so seeding twice leaves the same database.
fn insert_sql(table: &Table, into: &str, mode: Mode, rows: usize) -> String {
    let columns: Vec<&str> = table.columns.iter().flat_map(|c| c.db_columns()).collect();
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    // A fresh load has no old rows to update: a key given twice is found when its unique index
    // is built at the end, and a link row given twice by its table's primary key as it goes in.
    if mode == Mode::Fresh && !table.is_vocabulary {
        // Rows with a key get their place in the file as their id, which the reading thread
        // has already given to the references to them.
        let columns: Vec<&str> = match table.identity {
            Identity::Key => std::iter::once("id").chain(columns).collect(),
            Identity::Columns(_) => columns,
        };
        let rows: Vec<String> = (0..rows)
            .map(|row| {
                let numbers = row * columns.len() + 1..=(row + 1) * columns.len();
                let placeholders: Vec<String> = numbers.map(|i| format!("?{i}")).collect();
                format!("({})", placeholders.join(", "))
            })
            .collect();
        return format!(
            "INSERT INTO {into} ({}) VALUES {}",
            columns.join(", "),
            rows.join(", ")
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
    // A link row that is already stored is left as it is (its columns are its identity); a row
    // given twice in one file is caught by the loader itself.
    let action = if updates.is_empty() {
        "NOTHING".to_string()
    } else {
        format!("UPDATE SET {}", updates.join(", "))
    };
    let returning = match table.identity {
        Identity::Key if !table.is_vocabulary => " RETURNING id",
        _ => "",
    };
    format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO {action}{returning}",
        table.name,
        columns.join(", "),
        placeholders.join(", "),
        conflict.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_share_a_hash_are_told_apart_by_their_text() {
        let mut index = KeyIndex::default();
        let keys = ["armenia", "azerbaijan", "russia"];
        let key_of = |id: i64| Ok(keys[id as usize - 1].to_string());
        // Three keys forced under one hash, as a 64-bit collision would put them.
        for (id, key) in (1..).zip(keys) {
            assert!(index.insert_hashed(7, key, id, key_of).unwrap());
        }
        for (id, key) in (1..).zip(keys) {
            assert_eq!(index.get_hashed(7, key), Some(id));
        }
        assert_eq!(index.get_hashed(7, "turkey"), None);
        // The same key again, under a new id, is a duplicate, whether or not it collided.
        assert!(!index.insert_hashed(7, "azerbaijan", 4, key_of).unwrap());
        let mut plain = KeyIndex::default();
        assert!(plain.insert_hashed(9, "armenia", 1, key_of).unwrap());
        assert!(!plain.insert_hashed(9, "armenia", 2, key_of).unwrap());
    }

    #[test]
    fn the_hash_map_wraps_past_its_last_slot_and_keeps_every_entry_as_it_grows() {
        let mut ids = HashIds::default();
        ids.reserve(10);
        let capacity = ids.capacity();
        assert_eq!(capacity, 64, "the smallest array");
        // Hashes this high start their search at the last slot; the second and third wrap round
        // to the first slots.
        let high = [u64::MAX, u64::MAX - 1, u64::MAX - 2];
        for (id, hash) in (1..).zip(high) {
            ids.set(hash, id);
        }
        assert_eq!(ids.home(u64::MAX), capacity - 1);
        for (id, hash) in (1..).zip(high) {
            assert_eq!(ids.get(hash), Some(id));
        }
        // Growing past three quarters rehashes everything, to a size that is not a power of two.
        let spread = |n: u64| n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        for n in 0..1000 {
            ids.set(spread(n), 100 + n as i64);
        }
        assert!(
            ids.capacity() * 3 >= ids.len * 4,
            "at most three quarters full"
        );
        for (id, hash) in (1..).zip(high) {
            assert_eq!(ids.get(hash), Some(id));
        }
        for n in 0..1000 {
            assert_eq!(ids.get(spread(n)), Some(100 + n as i64));
        }
        assert_eq!(ids.get(12345), None);
        let mut sized = HashIds::default();
        sized.reserve(1_000);
        assert_eq!(sized.capacity(), 1_334, "sized to the entries expected");
    }

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
        let table = TABLES.iter().find(|t| t.name == "actors").unwrap();
        let header = csv::ByteRecord::from(vec!["name", "key", "kind"]);
        let layout = Layout::new(table, &header, "actors.csv".into(), None).unwrap();
        assert_eq!(layout.key_of_row(&input, 1).unwrap(), "armenia");
        assert_eq!(layout.key_of_row(&input, 2).unwrap(), "azerbaijan");
        assert_eq!(layout.key_of_row(&input, 3).unwrap(), "");
    }

    #[test]
    fn a_refused_row_in_a_run_of_rows_is_named_by_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open_for_write(&dir.path().join("conflict.db")).unwrap();
        conn.execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON actor_aliases WHEN NEW.alias = 'refused'
             BEGIN SELECT RAISE(ABORT, 'this alias is refused'); END",
        )
        .unwrap();
        // Row 50 (line 51) falls in the second run of ROWS_PER_INSERT rows.
        let mut aliases = String::from("actor,alias\n");
        for row in 1..=100 {
            let alias = if row == 50 {
                "refused".into()
            } else {
                format!("alias {row}")
            };
            aliases.push_str(&format!("armenia,{alias}\n"));
        }
        let input = Input::Files([("actor_aliases.csv".to_string(), aliases.into_bytes())].into());
        let error = load_with(&mut conn, &input, Mode::Fresh, &mut ()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "actor_aliases.csv:51: the database refused this row: this alias is refused"
        );
    }

    #[test]
    fn an_earlier_bad_value_is_reported_before_a_later_quoting_error_in_both_modes() {
        // Line 521 names an unknown actor; line 531 has a stray quote; both lie in the second
        // batch of records the reading thread parses.
        let mut aliases = String::from("actor,alias\n");
        for row in 1..=600 {
            match row {
                520 => aliases.push_str("nobody-at-all,Nobody\n"),
                530 => aliases.push_str("armenia,12\" guns\n"),
                _ => aliases.push_str(&format!("armenia,alias {row}\n")),
            }
        }
        let input = Input::Files([("actor_aliases.csv".to_string(), aliases.into_bytes())].into());
        for mode in [Mode::Update, Mode::Fresh] {
            let dir = tempfile::tempdir().unwrap();
            let mut conn = crate::db::open_for_write(&dir.path().join("conflict.db")).unwrap();
            let error = load_with(&mut conn, &input, mode, &mut ()).unwrap_err();
            assert!(
                error.to_string().starts_with(
                    "actor_aliases.csv:521:1: actor \"nobody-at-all\": is not a key in actors"
                ),
                "{mode:?}: {error}"
            );
        }
    }

    fn load_aliases(aliases: &str, mode: Mode) -> (Result<Counts, SeedError>, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open_for_write(&dir.path().join("conflict.db")).unwrap();
        let input = Input::Files([("actor_aliases.csv".to_string(), aliases.into())].into());
        let loaded = load_with(&mut conn, &input, mode, &mut ());
        let rows = conn
            .prepare(
                "SELECT actors.key || ',' || alias FROM actor_aliases
                 JOIN actors ON actors.id = actor_id ORDER BY 1",
            )
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        (loaded, rows)
    }

    #[test]
    fn link_rows_out_of_order_are_staged_and_all_loaded() {
        // Russia's aliases come first, then Armenia's (an earlier actor), then Russia's again.
        let aliases = "actor,alias\nrussia,RF\nrussia,Moscow\narmenia,Yerevan\nazerbaijan,Baku\nrussia,Kremlin\n";
        let (fresh, rows) = load_aliases(aliases, Mode::Fresh);
        fresh.unwrap();
        assert_eq!(
            rows,
            [
                "armenia,Yerevan",
                "azerbaijan,Baku",
                "russia,Kremlin",
                "russia,Moscow",
                "russia,RF"
            ]
        );
        let (update, same) = load_aliases(aliases, Mode::Update);
        update.unwrap();
        assert_eq!(same, rows);
    }

    #[test]
    fn a_link_row_given_twice_is_a_duplicate_whether_staged_or_not() {
        for aliases in [
            // Both in order: the table's primary key refuses the second.
            "actor,alias\narmenia,Yerevan\nrussia,Moscow\nrussia,Moscow\n",
            // The first in order, the second staged.
            "actor,alias\nrussia,Moscow\narmenia,Yerevan\nrussia,Moscow\n",
            // Both staged.
            "actor,alias\nrussia,RF\narmenia,Yerevan\nrussia,Moscow\nrussia,Moscow\n",
        ] {
            let lines: Vec<&str> = aliases.lines().collect();
            let second = lines.iter().rposition(|l| *l == "russia,Moscow").unwrap() + 1;
            let first = lines.iter().position(|l| *l == "russia,Moscow").unwrap() + 1;
            let expected = format!(
                "actor_aliases.csv:{second}:1: actor \"russia\": is a duplicate: line {first} has the same actor and alias"
            );
            for mode in [Mode::Fresh, Mode::Update] {
                let (loaded, _) = load_aliases(aliases, mode);
                assert_eq!(
                    loaded.unwrap_err().to_string(),
                    expected,
                    "{mode:?}\n{aliases}"
                );
            }
        }
    }
}
