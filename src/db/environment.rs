//! Why a database could not be opened, read or written, in words that name the file and the
//! real cause (a read-only or full disk, a damaged file, something that is no database), never
//! blaming the data for what the machine did.

use std::path::{Path, PathBuf};

/// Why SQLite cannot take `path` for a database: it is something else, or an SQLite database
/// whose first page is damaged or cut short (never called "not an SQLite database").
pub(super) fn not_a_database(path: &Path) -> String {
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
pub(super) fn failure(error: rusqlite::Error, path: &Path) -> anyhow::Error {
    match describe_failure(&error, path) {
        Some(description) => EnvironmentFailure(description).into(),
        None => {
            anyhow::Error::new(error).context(format!("cannot open database {}", path.display()))
        }
    }
}

/// `error` with its cause described as [`describe_failure`] does, when an SQLite error in its
/// chain is the environment's doing.
pub(super) fn explain(error: anyhow::Error, path: &Path) -> anyhow::Error {
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
pub(super) fn why_read_only(path: &Path) -> String {
    let file = path.display();
    if read_only_file_system(&directory_of(path)) {
        format!("{file} is on a read-only file system")
    } else {
        format!("{file} is read-only")
    }
}

/// Why SQLite could not open `path` or the `-wal` and `-shm` files beside it.
pub(super) fn cannot_open(path: &Path, detail: &str) -> String {
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
pub(super) fn why_unwritable(dir: &Path) -> Option<String> {
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
pub(super) fn directory_name(dir: &Path) -> String {
    match dir.to_str() {
        Some(".") => "the current directory".to_string(),
        _ => format!("directory {}", dir.display()),
    }
}

/// The directory `path` is in.
pub(super) fn directory_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(target_os = "linux")]
pub(super) fn c_path(path: &Path) -> Option<std::ffi::CString> {
    use std::os::unix::ffi::OsStrExt;
    std::ffi::CString::new(path.as_os_str().as_bytes()).ok()
}

/// Whether `path` lies on a file system mounted read-only, where nobody can write.
pub(super) fn read_only_file_system(path: &Path) -> bool {
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
pub(super) fn writable(dir: &Path) -> bool {
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
