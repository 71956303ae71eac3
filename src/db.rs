//! Opening the database: the kind of file it is, pragmas, read-only and immutable reading, and
//! whose database it is. `environment` says why an open or a write failed, `migrations` applies
//! the schema, and `schema_check` compares a database's schema with the one they build.

use std::path::Path;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use rusqlite::{Connection, OpenFlags};

mod environment;
mod migrations;
mod schema_check;

pub use environment::{
    cannot_create, describe_failure, is_environment_failure, why_not_created, EnvironmentFailure,
};
use environment::{
    directory_name, directory_of, explain, failure, not_a_database, read_only_file_system,
    why_read_only, why_unwritable,
};
pub use migrations::{
    latest_version, migrate, migrate_file, migrate_with, migrations, pending, snapshot_path,
    snapshots, status, status_of_file, MigrationStatus,
};
pub use schema_check::schema_differences;

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
        // builds, see seed/indexes.rs) stay in the processor's cache and build the indexes of a million
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

/// Opens a connection that an interrupt stops (interrupt.rs), as every connection to the user's
/// database is but the one that removes its side files.
fn open_watched(path: impl AsRef<Path>, flags: OpenFlags) -> rusqlite::Result<Connection> {
    let mut conn = Connection::open_with_flags(path, flags)?;
    crate::interrupt::watch(&mut conn)?;
    Ok(conn)
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
    let conn = open_watched(path, OpenFlags::default()).map_err(|e| failure(e, path))?;
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

/// Removes a database file this process created, with its WAL and shared-memory files.
pub fn remove(path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = path.as_os_str().to_os_string();
        name.push(suffix);
        let _ = std::fs::remove_file(name);
    }
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
    // Any reader of a WAL-mode file makes `-wal` and `-shm` files beside it, which only a writer
    // removes. A file nobody may write, with nothing waiting in its `-wal`, cannot change while it
    // is read (only root could still write it): it is read as immutable, and left as it was.
    if header == (Header::Sqlite { wal: true })
        && std::fs::metadata(path).is_ok_and(|meta| nobody_may_write(&meta.permissions()))
        && !wal_holds_changes(path)
    {
        let conn = open_watched(uri(path, "immutable=1"), flags | OpenFlags::SQLITE_OPEN_URI)
            .map_err(|e| failure(e, path))?;
        first_read(&conn).map_err(|e| failure(e, path))?;
        return guard(conn, path);
    }
    let mut conn = open_watched(path, flags).map_err(|e| failure(e, path))?;
    // Before the first read: another command may be closing the database, which locks it for a
    // moment (`remove_side_files`).
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // The first read opens the WAL index, `-shm`, creating it if need be: where the directory
    // cannot be written that fails, and the file is read as immutable if that is safe.
    if let Err(error) = first_read(&conn) {
        let no_shm = matches!(&error, rusqlite::Error::SqliteFailure(e, _)
            if matches!(e.code, rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::ReadOnly));
        if !(no_shm && header == (Header::Sqlite { wal: true })) {
            return Err(failure(error, path));
        }
        immutable_is_safe(path)?;
        conn = open_watched(uri(path, "immutable=1"), flags | OpenFlags::SQLITE_OPEN_URI)
            .map_err(|e| failure(e, path))?;
        first_read(&conn).map_err(|e| failure(e, path))?;
    }
    guard(conn, path)
}

/// Sets a read-only connection's pragmas and limits, and refuses a file that is not ours.
fn guard(conn: Connection, path: &Path) -> Result<Connection> {
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
    let conn = open_watched(path, flags).ok()?;
    conn.busy_timeout(BUSY_TIMEOUT).ok()?;
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
    if wal_holds_changes(path) {
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

/// Removes the `-wal` and `-shm` files that reading `path` left beside it, once every connection
/// of this process is closed: a read-only connection never removes them (only a connection that
/// may write does, when it is the last to close), so each report or query would leave them, and
/// so would a first seed, whose warnings are read from the new file. A connection that may write
/// is opened and closed again, reading only the schema: SQLite removes the files as it closes if
/// nobody else has the database open. Left as they are: a `-wal` holding changes (a command that
/// only reads does not copy them into the file), and a file this user may not write.
pub fn remove_side_files(path: &Path) {
    // SQLite puts the side files beside the file a link leads to.
    let file = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    if wal_size(&file) != Some(0) || !regular_file(&file).unwrap_or(false) {
        return;
    }
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let Ok(conn) = Connection::open_with_flags(&file, flags) else {
        return;
    };
    if conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(true)
        || conn.busy_timeout(BUSY_TIMEOUT).is_err()
    {
        return;
    }
    let _ = first_read(&conn);
    // Another program may have written into the `-wal` meanwhile: then it is not copied into
    // the file as this connection closes (nor removed).
    if wal_holds_changes(&file) {
        let _ = conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        );
    }
}

/// Whether the `-wal` file of `path` holds changes not yet copied into it (is not empty).
fn wal_holds_changes(path: &Path) -> bool {
    wal_size(path).is_some_and(|bytes| bytes > 0)
}

/// The size of the `-wal` file of `path`, if there is one.
fn wal_size(path: &Path) -> Option<u64> {
    let mut wal = path.as_os_str().to_os_string();
    wal.push("-wal");
    std::fs::metadata(&wal).ok().map(|meta| meta.len())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_uri_escapes_what_sqlite_would_read_as_its_syntax() {
        assert_eq!(
            uri(Path::new("ro/my data #1?%.db"), "immutable=1"),
            "file:ro/my%20data%20%231%3F%25.db?immutable=1"
        );
    }
}
