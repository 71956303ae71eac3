//! Opening the database: pragmas, the schema version, and migrations.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use rusqlite::{Connection, OpenFlags};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// `PRAGMA application_id`: "CFDB", so `file` and other tools can recognise a conflictdb database.
pub const APPLICATION_ID: i32 = 0x4346_4442;

/// How long a connection waits for another writer before it gives up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Process-wide SQLite settings, made once before the first connection opens (SQLite accepts
/// them only then; later calls change nothing).
pub fn configure() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // The sorter that builds indexes sorts in runs of at least this many pages, 250 by
        // default: 4 MB at our 16 KiB pages. Runs of 1 MB (64 pages, with a 1 MB cache during the
        // builds, see seed.rs) stay in the processor's cache and build the indexes of a million
        // events about a fifth faster.
        // SAFETY: SQLITE_CONFIG_PMASZ takes one unsigned int, and this runs once, before any
        // connection exists; called too late, SQLite refuses it with SQLITE_MISUSE and no effect.
        unsafe {
            rusqlite::ffi::sqlite3_config(
                rusqlite::ffi::SQLITE_CONFIG_PMASZ,
                64 as std::ffi::c_uint,
            );
        }
    });
}

/// The migrations compiled into this binary, oldest first.
pub fn migrations() -> Vec<refinery::Migration> {
    let mut migrations = embedded::migrations::runner().get_migrations().clone();
    migrations.sort();
    migrations
}

/// The schema version this binary creates: the version of its newest migration.
pub fn latest_version() -> i64 {
    migrations().last().map_or(0, |m| i64::from(m.version()))
}

fn set_pragmas(conn: &Connection) -> Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// Opens (creating if needed) a database for writing, refusing one that is not ours or that a
/// newer conflictdb made, applies pending migrations, and refuses a schema that differs from the
/// one the migrations build (a missing index would otherwise break the load half-way).
pub fn open_for_write(path: &Path) -> Result<Connection> {
    let mut conn = open_unmigrated(path)?;
    migrate(&mut conn, path)?;
    let differences = schema_differences(&conn).map_err(|e| explain(e, path))?;
    if let Some(first) = differences.first() {
        let more = match differences.len() - 1 {
            0 => String::new(),
            1 => " (and 1 more difference)".to_string(),
            n => format!(" (and {n} more differences)"),
        };
        bail!("{}: {first}{more}: run `conflictdb check`", path.display());
    }
    Ok(conn)
}

/// Opens (creating if needed) a database for writing without migrating it.
pub fn open_unmigrated(path: &Path) -> Result<Connection> {
    if regular_file(path)? && read_header(path)? == Header::Other {
        bail!("{}", not_a_database(path));
    }
    let conn = Connection::open(path).map_err(|e| failure(e, path))?;
    // SQLite opens a file it may not write read-only without a word; the first write would
    // then fail deep inside a load.
    if conn.is_readonly(rusqlite::MAIN_DB)? {
        bail!("{}: cannot write to it", why_read_only(path));
    }
    set_pragmas(&conn)?;
    check_identity(&conn, path)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
        .map_err(|e| failure(e, path))?;
    if !mode.eq_ignore_ascii_case("wal") {
        bail!(
            "{} cannot use WAL journaling (it is in {mode} mode)",
            path.display()
        );
    }
    Ok(conn)
}

/// Whether `path` names a regular file (following symlinks); refuses anything else before SQLite
/// opens it: opening a FIFO blocks until another process writes to it, and a device or a
/// directory is no database.
fn regular_file(path: &Path) -> Result<bool> {
    let kind = match std::fs::metadata(path) {
        Ok(meta) if meta.is_file() => return Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => {
            return Err(e).with_context(|| format!("cannot open database {}", path.display()))
        }
        Ok(meta) => meta.file_type(),
    };
    bail!(
        "{} is {}, not a database file; pass --db to choose another file",
        path.display(),
        kind_of(&kind)
    )
}

pub fn kind_of(kind: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        } else if kind.is_char_device() {
            return "a character device";
        } else if kind.is_block_device() {
            return "a block device";
        } else if kind.is_socket() {
            return "a socket";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else {
        "not a regular file"
    }
}

/// What the first 100 bytes of a file, SQLite's database header, say.
#[derive(Debug, PartialEq)]
enum Header {
    /// An empty file, which SQLite reads as an empty database.
    Empty,
    Sqlite {
        /// Whether the file is in WAL mode, which readers need a `-shm` file for.
        wal: bool,
    },
    /// Anything else: not an SQLite database.
    Other,
}

fn read_header(path: &Path) -> Result<Header> {
    use std::io::Read;
    let mut header = Vec::with_capacity(100);
    std::fs::File::open(path)
        .and_then(|file| file.take(100).read_to_end(&mut header))
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(if header.is_empty() {
        Header::Empty
    } else if header.len() == 100 && header.starts_with(b"SQLite format 3\0") {
        // The file format write and read versions: 2 means WAL.
        Header::Sqlite {
            wal: header[18] == 2 || header[19] == 2,
        }
    } else {
        Header::Other
    })
}

/// Why SQLite cannot take `path` for a database: it is something else, or an SQLite database
/// whose first page is damaged or cut short (never called "not an SQLite database").
fn not_a_database(path: &Path) -> String {
    use std::io::Read;
    let file = path.display();
    let mut start = Vec::with_capacity(100);
    let _ = std::fs::File::open(path).and_then(|f| f.take(100).read_to_end(&mut start));
    if !start.starts_with(b"SQLite format 3\0") {
        return format!("{file} is not an SQLite database");
    }
    if start.len() < 100 {
        return format!(
            "{file} is damaged: it starts as an SQLite database does but is only {} bytes long",
            start.len()
        );
    }
    format!("{file} is damaged: it starts as an SQLite database does, but SQLite cannot read its header")
}

/// What SQLite's `error` on the database `path` means for the user, naming the file, when it is
/// the environment's doing rather than the data's: a read-only, full, damaged or unreadable file,
/// or a file that is not a database. None for any other error.
pub fn describe_failure(error: &rusqlite::Error, path: &Path) -> Option<String> {
    let rusqlite::Error::SqliteFailure(failure, message) = error else {
        return None;
    };
    let detail = message
        .clone()
        .unwrap_or_else(|| rusqlite::ffi::code_to_str(failure.extended_code).to_string());
    let file = path.display();
    Some(match failure.code {
        // SQLite could not create a -wal, -shm or -journal file beside the database.
        rusqlite::ErrorCode::ReadOnly
            if failure.extended_code == rusqlite::ffi::SQLITE_READONLY_DIRECTORY =>
        {
            cannot_open(path, &detail)
        }
        rusqlite::ErrorCode::ReadOnly => why_read_only(path),
        rusqlite::ErrorCode::DiskFull => format!("disk full while writing {file}"),
        rusqlite::ErrorCode::SystemIoFailure => format!("I/O error on {file}: {detail}"),
        rusqlite::ErrorCode::DatabaseCorrupt => format!("{file} is damaged: {detail}"),
        rusqlite::ErrorCode::NotADatabase => not_a_database(path),
        rusqlite::ErrorCode::CannotOpen => cannot_open(path, &detail),
        rusqlite::ErrorCode::OutOfMemory => format!("out of memory while working on {file}"),
        _ => return None,
    })
}

/// Whether SQLite's `error` is the environment's doing (the disk, the file, the machine) rather
/// than the data's, so that no input row is blamed for it: the errors [`describe_failure`]
/// describes.
pub fn is_environment_failure(error: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::*;
    matches!(
        error.sqlite_error_code(),
        Some(
            DiskFull
                | ReadOnly
                | SystemIoFailure
                | DatabaseCorrupt
                | OutOfMemory
                | CannotOpen
                | NotADatabase
        )
    )
}

/// Why a new database file cannot be made at `path`, given the operating system's refusal.
pub fn cannot_create(path: &Path, error: &std::io::Error) -> String {
    format!(
        "cannot create {}: {}",
        path.display(),
        why_not_created(path, error)
    )
}

/// Why no file could be made beside `path` (a temporary one, whose name is no concern of the
/// user's), given the operating system's refusal.
pub fn why_not_created(path: &Path, error: &std::io::Error) -> String {
    match why_unwritable(&directory_of(path)) {
        Some(place) => place,
        // The error's own text, without a temporary file's name.
        None => error.raw_os_error().map_or_else(
            || error.kind().to_string(),
            |code| std::io::Error::from_raw_os_error(code).to_string(),
        ),
    }
}

/// A failure of the disk, the file or the machine, described for the user (see
/// [`describe_failure`]); callers can tell it from a failure of the data by its type.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct EnvironmentFailure(pub String);

/// An error on the database `path`, described as [`describe_failure`] does where it can.
fn failure(error: rusqlite::Error, path: &Path) -> anyhow::Error {
    match describe_failure(&error, path) {
        Some(description) => EnvironmentFailure(description).into(),
        None => {
            anyhow::Error::new(error).context(format!("cannot open database {}", path.display()))
        }
    }
}

/// `error` with its cause described as [`describe_failure`] does, when an SQLite error in its
/// chain is the environment's doing.
fn explain(error: anyhow::Error, path: &Path) -> anyhow::Error {
    let described = error.chain().find_map(|cause| {
        cause
            .downcast_ref::<rusqlite::Error>()
            .and_then(|e| describe_failure(e, path))
    });
    match described {
        Some(description) => EnvironmentFailure(description).into(),
        None => error,
    }
}

/// Why SQLite may not write `path`.
fn why_read_only(path: &Path) -> String {
    let file = path.display();
    if read_only_file_system(&directory_of(path)) {
        format!("{file} is on a read-only file system")
    } else {
        format!("{file} is read-only")
    }
}

/// Why SQLite could not open `path` or the `-wal` and `-shm` files beside it.
fn cannot_open(path: &Path, detail: &str) -> String {
    let file = path.display();
    let dir = directory_of(path);
    if !dir.is_dir() {
        return format!(
            "cannot open {file}: directory {} does not exist",
            dir.display()
        );
    }
    let Some(place) = why_unwritable(&dir) else {
        return format!("cannot open {file}: {detail}");
    };
    if path.exists() {
        format!("cannot open {file}: SQLite needs to create {file}-wal and {file}-shm beside it, and {place}")
    } else {
        format!("cannot create {file}: {place}")
    }
}

/// Why this process cannot create files in `dir`, if it cannot.
fn why_unwritable(dir: &Path) -> Option<String> {
    let name = directory_name(dir);
    if read_only_file_system(dir) {
        Some(format!("{name} is on a read-only file system"))
    } else if !writable(dir) {
        Some(format!("{name} is not writable"))
    } else {
        None
    }
}

/// "directory DIR", or "the current directory".
fn directory_name(dir: &Path) -> String {
    match dir.to_str() {
        Some(".") => "the current directory".to_string(),
        _ => format!("directory {}", dir.display()),
    }
}

/// The directory `path` is in.
fn directory_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(target_os = "linux")]
fn c_path(path: &Path) -> Option<std::ffi::CString> {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(path.as_os_str().as_bytes()).ok()
}

/// Whether `path` lies on a file system mounted read-only, where nobody can write.
fn read_only_file_system(path: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        let Some(name) = c_path(path) else {
            return false;
        };
        // SAFETY: `name` is a NUL-terminated string and `stat` a buffer statvfs fills.
        unsafe {
            let mut stat: libc::statvfs = std::mem::zeroed();
            libc::statvfs(name.as_ptr(), &mut stat) == 0 && stat.f_flag & libc::ST_RDONLY != 0
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = path;
        false
    }
}

/// Whether this process may create files in the directory `dir`.
fn writable(dir: &Path) -> bool {
    #[cfg(target_os = "linux")]
    {
        let Some(name) = c_path(dir) else {
            return false;
        };
        // SAFETY: `name` is a NUL-terminated string.
        unsafe { libc::access(name.as_ptr(), libc::W_OK) == 0 }
    }
    #[cfg(not(target_os = "linux"))]
    {
        std::fs::metadata(dir).is_ok_and(|meta| !meta.permissions().readonly())
    }
}

/// Removes a database file this process created, with its WAL and shared-memory files.
pub fn remove(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
}

/// The snapshots `migrate` left beside `path`, oldest schema first.
pub fn snapshots(path: &Path) -> Vec<PathBuf> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let mut found: Vec<(i64, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let file = entry.file_name().to_string_lossy().into_owned();
            let version = file
                .strip_prefix(&name)?
                .strip_prefix(".v")?
                .strip_suffix(".bak")?
                .parse()
                .ok()?;
            Some((version, snapshot_path(path, version)))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

/// Opens an existing database read-only: reports, queries, export and check never write.
pub fn open_read_only(path: &Path) -> Result<Connection> {
    let conn = open_any_version_read_only(path)?;
    let version = schema_version(&conn)?;
    if version < latest_version() {
        bail!(
            "database {} has schema version {version}, this conflictdb expects {}: run `conflictdb migrate`",
            path.display(),
            latest_version()
        );
    }
    Ok(conn)
}

/// Opens an existing database read-only, whatever its schema version (`migrate --status` lists
/// what is pending on it).
pub fn open_any_version_read_only(path: &Path) -> Result<Connection> {
    if !regular_file(path)? {
        bail!(
            "no database at {}: run `conflictdb seed` to create it, or pass --db",
            path.display()
        );
    }
    let header = read_header(path)?;
    if header == Header::Other {
        bail!("{}", not_a_database(path));
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let mut conn = Connection::open_with_flags(path, flags).map_err(|e| failure(e, path))?;
    // The first read opens the WAL index, `-shm`, creating it if need be: where the directory
    // cannot be written that fails, and the file is read as immutable if that is safe.
    if let Err(error) = first_read(&conn) {
        let no_shm = matches!(&error, rusqlite::Error::SqliteFailure(e, _)
            if matches!(e.code, rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly));
        if !(no_shm && header == (Header::Sqlite { wal: true })) {
            return Err(failure(error, path));
        }
        immutable_is_safe(path)?;
        conn = Connection::open_with_flags(
            uri(path, "immutable=1"),
            flags | OpenFlags::SQLITE_OPEN_URI,
        )
        .map_err(|e| failure(e, path))?;
        first_read(&conn).map_err(|e| failure(e, path))?;
    }
    set_pragmas(&conn)?;
    // Belt and braces for reports and ad-hoc SQL: no writes, no ATTACH of other files, no
    // schema tampering.
    conn.pragma_update(None, "query_only", true)?;
    conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED, 0)?;
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_DEFENSIVE, true)?;
    check_identity(&conn, path)?;
    Ok(conn)
}

/// For `check` alone: opens read-only a database that SQLite refuses as malformed when it reads
/// the schema (a file shorter than its header says, a schema entry it cannot parse), reading it
/// with `writable_schema`, under which SQLite reads what it can, so that every rule can report
/// what it finds. None if the file is not damaged so, or is no conflictdb database of this
/// schema version.
pub fn open_damaged(path: &Path) -> Option<Connection> {
    if !regular_file(path).ok()? || read_header(path).ok()? == Header::Other {
        return None;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).ok()?;
    let error = first_read(&conn).err()?;
    if error.sqlite_error_code() != Some(rusqlite::ErrorCode::DatabaseCorrupt) {
        return None;
    }
    conn.pragma_update(None, "writable_schema", true).ok()?;
    first_read(&conn).ok()?;
    set_pragmas(&conn).ok()?;
    conn.pragma_update(None, "query_only", true).ok()?;
    conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED, 0)
        .ok()?;
    check_identity(&conn, path).ok()?;
    (schema_version(&conn).ok()? == latest_version()).then_some(conn)
}

fn first_read(conn: &Connection) -> rusqlite::Result<()> {
    conn.query_row("SELECT count(*) FROM sqlite_master", [], |_| Ok(()))
}

/// Refuses, saying why, to read the WAL-mode database `path` as immutable (SQLite then takes no
/// locks and ignores the `-wal` file). That is safe only when nobody can write it while it is
/// read, and when the `-wal` file holds nothing that the database file lacks. Nobody can write
/// it when it is on a read-only file system, or when its directory has no write permission for
/// anyone: a writer needs to create the `-wal` and `-shm` files there, as this reader could not.
/// (Only root can still write into such a directory.)
fn immutable_is_safe(path: &Path) -> Result<()> {
    let dir = directory_of(path);
    let mut wal = path.as_os_str().to_os_string();
    wal.push("-wal");
    if std::fs::metadata(&wal).is_ok_and(|meta| meta.len() > 0) {
        let place = why_unwritable(&dir).unwrap_or_else(|| "it cannot be created".to_string());
        bail!(
            "cannot read {file}: {file}-wal holds changes not yet copied into it, and SQLite needs to create {file}-shm to read them, but {place}; open it once where its directory can be written",
            file = path.display()
        );
    }
    let nobody_writes = read_only_file_system(&dir)
        || std::fs::metadata(&dir).is_ok_and(|meta| nobody_may_write(&meta.permissions()));
    if !nobody_writes {
        bail!(
            "cannot read {file}: SQLite needs to create {file}-shm beside it, and {} is not writable by this user while others may write to it (so the file could change while it is read); make the directory read-only for everyone, or copy the database elsewhere",
            directory_name(&dir),
            file = path.display()
        );
    }
    Ok(())
}

fn nobody_may_write(permissions: &std::fs::Permissions) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        permissions.mode() & 0o222 == 0
    }
    #[cfg(not(unix))]
    {
        permissions.readonly()
    }
}

/// An SQLite URI naming the file `path`, with `query`.
fn uri(path: &Path, query: &str) -> String {
    #[cfg(unix)]
    let bytes = std::os::unix::ffi::OsStrExt::as_bytes(path.as_os_str()).to_vec();
    #[cfg(not(unix))]
    let bytes = path.to_string_lossy().into_owned().into_bytes();
    let mut uri = String::from("file:");
    for byte in bytes {
        if byte.is_ascii_alphanumeric() || b"/._-~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push('?');
    uri.push_str(query);
    uri
}

pub fn schema_version(conn: &Connection) -> Result<i64> {
    Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)
}

/// Refuses a file that another program made, or that a newer conflictdb made.
fn check_identity(conn: &Connection, path: &Path) -> Result<()> {
    let application_id: i32 = conn
        .pragma_query_value(None, "application_id", |row| row.get(0))
        .map_err(|e| failure(e, path))?;
    // A file whose migration committed but whose process died before it set application_id
    // holds refinery's history table: it is ours, and `migrate` finishes the job.
    let (table_count, has_history): (i64, bool) = conn.query_row(
        "SELECT count(*), coalesce(max(name = 'refinery_schema_history'), 0) FROM sqlite_master",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    if application_id != APPLICATION_ID
        && (application_id != 0 || (table_count > 0 && !has_history))
    {
        bail!(
            "{} is not a conflictdb database (application_id {application_id:#x}); pass --db to choose another file",
            path.display()
        );
    }
    let version = schema_version(conn)?;
    if version > latest_version() {
        bail!(
            "database {} was made by a newer conflictdb (schema version {version}; this one knows up to {}): upgrade conflictdb",
            path.display(),
            latest_version()
        );
    }
    Ok(())
}

/// One entry of `sqlite_master`: (type, name) → (table, sql).
type Schema = std::collections::BTreeMap<(String, String), (String, Option<String>)>;

fn schema_of(conn: &Connection) -> rusqlite::Result<Schema> {
    // SQLite's own tables and indexes (sqlite_sequence, sqlite_stat1 after ANALYZE, the
    // automatic indexes of UNIQUE constraints) follow from the rest or are SQLite's business;
    // refinery's history table is refinery's (its text may change with refinery's version), and
    // the migrations rule of `check` reads it.
    conn.prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master
         WHERE name NOT LIKE 'sqlite!_%' ESCAPE '!' AND tbl_name <> 'refinery_schema_history'",
    )?
    .query_map([], |row| {
        Ok(((row.get(0)?, row.get(1)?), (row.get(2)?, row.get(3)?)))
    })?
    .collect()
}

/// How the schema of `conn` differs from the one the migrations build, one line per object:
/// a table, index, view or trigger that is missing, changed, or not built by the migrations.
pub fn schema_differences(conn: &Connection) -> Result<Vec<String>> {
    let mut built = Connection::open_in_memory()?;
    refinery::Runner::new(&migrations())
        .set_grouped(true)
        .run(&mut built)
        .context("cannot build the schema of the migrations")?;
    let expected = schema_of(&built)?;
    let actual = schema_of(conn)?;
    let mut differences = Vec::new();
    for ((kind, name), definition) in &expected {
        match actual.get(&(kind.clone(), name.clone())) {
            None => differences.push(format!("{kind} {name} is missing")),
            Some(found) if found != definition => {
                let detail = match kind.as_str() {
                    "table" => column_differences(&built, conn, name)?,
                    _ => String::new(),
                };
                differences.push(format!(
                    "{kind} {name} differs from the one the migrations build{detail}"
                ));
            }
            Some(_) => {}
        }
    }
    for (kind, name) in actual.keys() {
        if !expected.contains_key(&(kind.clone(), name.clone())) {
            differences.push(format!("{kind} {name} is not one the migrations build"));
        }
    }
    Ok(differences)
}

/// The columns that `table` has in `actual` but not in `expected` and the reverse, as
/// " (column x added, column y missing)", or "" when the columns are the same.
fn column_differences(
    expected: &Connection,
    actual: &Connection,
    table: &str,
) -> rusqlite::Result<String> {
    let columns = |conn: &Connection| -> rusqlite::Result<Vec<String>> {
        conn.prepare("SELECT name FROM pragma_table_xinfo(?1)")?
            .query_map([table], |row| row.get(0))?
            .collect()
    };
    let (want, have) = (columns(expected)?, columns(actual)?);
    let changes: Vec<String> = have
        .iter()
        .filter(|c| !want.contains(c))
        .map(|c| format!("column {c} added"))
        .chain(
            want.iter()
                .filter(|c| !have.contains(c))
                .map(|c| format!("column {c} missing")),
        )
        .collect();
    Ok(if changes.is_empty() {
        String::new()
    } else {
        format!(" ({})", changes.join(", "))
    })
}

/// One migration's state, for `migrate --status`.
pub struct MigrationStatus {
    pub version: i64,
    pub name: String,
    pub applied_on: Option<String>,
}

/// Every migration this binary knows, with when it was applied to `conn`.
pub fn status(conn: &mut Connection) -> Result<Vec<MigrationStatus>> {
    let applied = verify(conn, &migrations())?;
    Ok(migrations()
        .into_iter()
        .map(|m| MigrationStatus {
            version: i64::from(m.version()),
            name: m.name().to_string(),
            applied_on: applied
                .iter()
                .find(|a| a.version() == m.version())
                .and_then(|a| a.applied_on())
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                }),
        })
        .collect())
}

/// The status of a database that does not exist yet: everything pending.
pub fn status_of_nothing() -> Vec<MigrationStatus> {
    migrations()
        .into_iter()
        .map(|m| MigrationStatus {
            version: i64::from(m.version()),
            name: m.name().to_string(),
            applied_on: None,
        })
        .collect()
}

/// The applied migrations, after checking that each one is known to this binary and unchanged.
fn verify(
    conn: &mut Connection,
    known: &[refinery::Migration],
) -> Result<Vec<refinery::Migration>> {
    let has_history: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'refinery_schema_history')",
        [],
        |row| row.get(0),
    )?;
    if !has_history {
        return Ok(Vec::new());
    }
    let applied = refinery::Runner::new(known)
        .get_applied_migrations(conn)
        .context("cannot read the migration history")?;
    for migration in &applied {
        match known.iter().find(|k| k.version() == migration.version()) {
            None => bail!(
                "the database holds migration V{}__{} that this conflictdb does not know: it was made by a newer conflictdb; upgrade conflictdb",
                migration.version(),
                migration.name()
            ),
            Some(k) if k.checksum() != migration.checksum() || k.name() != migration.name() => bail!(
                "migration V{}__{} applied to this database differs from the one built into this conflictdb (checksum {} here, {} in the database): a landed migration was edited; restore the database from a snapshot or rebuild it with `conflictdb seed`",
                k.version(),
                k.name(),
                k.checksum(),
                migration.checksum()
            ),
            Some(_) => {}
        }
    }
    Ok(applied)
}

/// The pending migrations of `conn`.
pub fn pending(conn: &mut Connection) -> Result<Vec<refinery::Migration>> {
    pending_of(conn, &migrations())
}

fn pending_of(
    conn: &mut Connection,
    known: &[refinery::Migration],
) -> Result<Vec<refinery::Migration>> {
    let applied = verify(conn, known)?;
    Ok(known
        .iter()
        .filter(|m| !applied.iter().any(|a| a.version() == m.version()))
        .cloned()
        .collect())
}

/// Where the snapshot taken before migrating `path` from `version` goes.
pub fn snapshot_path(path: &Path, version: i64) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".v{version}.bak"));
    path.with_file_name(name)
}

/// Applies all pending migrations in one transaction. A database that holds data is first copied
/// with `VACUUM INTO` next to the file, so a migration that goes wrong can be undone by hand.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<Vec<refinery::Migration>> {
    migrate_with(conn, path, &migrations())
}

/// [`migrate`] with the given migrations instead of the built-in ones.
pub fn migrate_with(
    conn: &mut Connection,
    path: &Path,
    known: &[refinery::Migration],
) -> Result<Vec<refinery::Migration>> {
    let pending = pending_of(conn, known)?;
    let latest = known
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0);
    if !pending.is_empty() {
        let version = schema_version(conn)?;
        if version > 0 {
            let snapshot = snapshot_path(path, version);
            // Into an empty file of a unique name, created exclusively (VACUUM INTO takes an
            // empty file), renamed into place when complete.
            let dir = snapshot
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let make = || {
                tempfile::Builder::new()
                    .prefix(".snapshot-")
                    .suffix(".partial")
                    .tempfile_in(dir)
            };
            let (partial, _registered) =
                crate::interrupt::create(crate::interrupt::Kind::File, make, |t| t.path())
                    .with_context(|| format!("cannot write snapshot {}", snapshot.display()))?;
            let partial = partial.into_temp_path();
            conn.execute("VACUUM INTO ?1", [partial.to_string_lossy()])
                .with_context(|| format!("cannot write snapshot {}", snapshot.display()))?;
            partial
                .persist(&snapshot)
                .with_context(|| format!("cannot write snapshot {}", snapshot.display()))?;
            eprintln!(
                "conflictdb: saved a snapshot of schema version {version} to {} before migrating",
                snapshot.display()
            );
        }
        refinery::Runner::new(known)
            .set_grouped(true)
            .set_abort_divergent(true)
            .set_abort_missing(true)
            .run(conn)
            .map_err(|e| explain(e.into(), path))
            .with_context(|| {
                format!(
                    "migrating {} failed; it is unchanged, at schema version {}",
                    path.display(),
                    schema_version(conn).unwrap_or(0)
                )
            })?;
    }
    // Also mends a file whose process died between the migration and these two writes.
    if schema_version(conn)? != latest {
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        conn.pragma_update(None, "user_version", latest)?;
    }
    Ok(pending)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in migrations and one more after them.
    fn next(sql: &str) -> Vec<refinery::Migration> {
        let mut known = migrations();
        let name = format!("V{}__test", latest_version() + 1);
        known.push(refinery::Migration::unapplied(&name, sql).unwrap());
        known
    }

    fn table_exists(conn: &Connection, name: &str) -> bool {
        conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = ?1",
            [name],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
            > 0
    }

    fn seeded(dir: &Path) -> (Connection, PathBuf) {
        let path = dir.join("conflict.db");
        let mut conn = open_for_write(&path).unwrap();
        crate::seed::load(&mut conn, &crate::seed::Input::BuiltIn).unwrap();
        (conn, path)
    }

    #[test]
    fn a_uri_escapes_what_sqlite_would_read_as_its_syntax() {
        assert_eq!(
            uri(Path::new("ro/my data #1?%.db"), "immutable=1"),
            "file:ro/my%20data%20%231%3F%25.db?immutable=1"
        );
    }

    #[test]
    fn a_migration_that_fails_half_way_rolls_back_fully() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, path) = seeded(dir.path());
        let events: i64 = conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap();
        let error = migrate_with(&mut conn, &path, &next("CREATE TABLE added (x); ALTER TABLE events ADD COLUMN extra; INSERT INTO no_such_table VALUES (1);"))
            .unwrap_err();
        let latest = latest_version();
        assert!(
            format!("{error:#}").contains(&format!("it is unchanged, at schema version {latest}")),
            "{error:#}"
        );
        assert!(!table_exists(&conn, "added"));
        let columns: i64 = conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('events') WHERE name = 'extra'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(columns, 0);
        assert_eq!(schema_version(&conn).unwrap(), latest);
        assert_eq!(pending_of(&mut conn, &migrations()).unwrap().len(), 0);
        let after: i64 = conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(after, events);
    }

    #[test]
    fn migrating_a_database_with_data_writes_a_snapshot_first() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, path) = seeded(dir.path());
        let applied = migrate_with(
            &mut conn,
            &path,
            &next("ALTER TABLE events ADD COLUMN reviewed INTEGER;"),
        )
        .unwrap();
        let latest = latest_version();
        assert_eq!(applied.len(), 1);
        assert_eq!(schema_version(&conn).unwrap(), latest + 1);
        let snapshot = snapshot_path(&path, latest);
        assert_eq!(
            snapshot.file_name().unwrap().to_string_lossy(),
            format!("conflict.db.v{latest}.bak")
        );
        let old = Connection::open(&snapshot).unwrap();
        let (version, events): (i64, i64) = old
            .query_row(
                "SELECT (SELECT user_version FROM pragma_user_version), count(*) FROM events",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(version, latest);
        assert!(events > 0);
        assert_eq!(snapshots(&path), vec![snapshot]);
    }

    /// Copies every row of the database at `from` into the same tables of `conn`, column by
    /// column of `conn`'s tables.
    fn copy_rows(conn: &Connection, from: &Path) {
        conn.execute("ATTACH ?1 AS source", [from.to_str().unwrap()])
            .unwrap();
        let tables: Vec<String> = conn
            .prepare(
                "SELECT name FROM main.sqlite_master WHERE type = 'table'
                 AND name NOT LIKE 'sqlite_%' AND name <> 'refinery_schema_history'",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        for table in tables {
            let columns: String = conn
                .query_row(
                    "SELECT group_concat(name, ', ') FROM pragma_table_info(?1, 'main')",
                    [&table],
                    |r| r.get(0),
                )
                .unwrap();
            conn.execute_batch(&format!(
                "INSERT INTO main.{table} ({columns}) SELECT {columns} FROM source.{table}"
            ))
            .unwrap();
        }
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        conn.execute_batch("DETACH source").unwrap();
    }

    #[test]
    fn a_version_1_database_keeps_every_link_row_when_its_link_tables_lose_their_rowid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conflict.db");
        let mut conn = open_unmigrated(&path).unwrap();
        migrate_with(&mut conn, &path, &migrations()[..1]).unwrap();
        // The loader writes the newest schema: the built-in data is loaded there and copied into
        // the columns version 1 has.
        std::fs::create_dir(dir.path().join("latest")).unwrap();
        let (latest, latest_path) = seeded(&dir.path().join("latest"));
        drop(latest);
        copy_rows(&conn, &latest_path);
        let links = [
            ("actor_aliases", "actor_id, alias"),
            ("place_aliases", "place_id, alias"),
            ("event_places", "event_id, place_id"),
            ("event_actors", "event_id, actor_id, role"),
            ("event_sources", "event_id, source_id, quote"),
        ];
        let rows = |conn: &Connection, table: &str, columns: &str| -> Vec<String> {
            let sql = format!("SELECT {columns} FROM {table} ORDER BY {columns}");
            let mut stmt = conn.prepare(&sql).unwrap();
            let width = stmt.column_count();
            stmt.query_map([], |row| {
                Ok((0..width)
                    .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
        };
        let before: Vec<Vec<String>> = links.iter().map(|(t, c)| rows(&conn, t, c)).collect();
        assert!(before.iter().all(|r| !r.is_empty()));

        migrate(&mut conn, &path).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), latest_version());
        for ((table, columns), before) in links.iter().zip(&before) {
            assert_eq!(&rows(&conn, table, columns), before, "{table}");
            let sql: String = conn
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(sql.ends_with("WITHOUT ROWID"), "{sql}");
        }
        // The views read the new tables; the database is whole.
        for view in [
            "v_actors",
            "v_events",
            "v_statements",
            "v_event_actors",
            "v_event_sources",
        ] {
            let count: i64 = conn
                .query_row(&format!("SELECT count(*) FROM {view}"), [], |r| r.get(0))
                .unwrap();
            assert!(count > 0, "{view}");
        }
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
        // `check` and `seed` compare the schema with a new database's.
        assert_eq!(schema_differences(&conn).unwrap(), Vec::<String>::new());
        let broken: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(broken, 0);
    }
}
