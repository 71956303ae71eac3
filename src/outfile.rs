//! The files the program writes for the user (`--output`, `export`). Each is written whole under
//! a unique temporary name beside it, created exclusively (never through a link someone planted),
//! and put in place only when complete. Nothing is ever written onto an SQLite database or its
//! journal, WAL or shared-memory file, whatever path leads there.

use std::fs::{File, Metadata, OpenOptions};
use std::io::{self, Seek, Write};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use tempfile::TempPath;

use crate::interrupt::{self, Registered};

const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";
/// The first bytes of a WAL file (either byte order of its checksums) and of a rollback journal.
const WAL_MAGIC: [&[u8]; 2] = [&[0x37, 0x7f, 0x06, 0x82], &[0x37, 0x7f, 0x06, 0x83]];
const JOURNAL_MAGIC: &[u8] = &[0xd9, 0xd5, 0x05, 0xf9, 0x20, 0xa1, 0x63, 0xd7];
const SIDE_FILES: [&str; 3] = ["-wal", "-shm", "-journal"];

/// An output file being written. `file` is where the bytes go; [`Pending::finish`] puts them in
/// place. Dropped unfinished, it removes its temporary file and leaves the target as it was.
pub struct Pending {
    shown: PathBuf,
    place: Place,
}

enum Place {
    /// A temporary file renamed onto `target` when complete.
    Rename {
        temp: TempPath,
        target: PathBuf,
        _registered: Registered,
    },
    /// A temporary file copied into `target` when complete: the target has other hard links,
    /// or an owner this process cannot give a new file, and replacing it would lose either.
    Copy {
        temp: TempPath,
        target: PathBuf,
        _registered: Registered,
    },
    /// A device or FIFO, written directly (as a shell's `>` would).
    Direct,
}

/// Opens `path` for writing; `shown` names it in messages. `database` is the database in use,
/// which is refused with its side files however `path` leads to them.
pub fn create(path: &Path, shown: &Path, database: Option<&Path>) -> Result<(File, Pending)> {
    let target = resolve(path, shown)?;
    let existing = std::fs::metadata(&target).ok();
    refuse_databases(&target, existing.as_ref(), shown, database)?;
    if let Some(meta) = &existing {
        let kind = meta.file_type();
        if kind.is_dir() {
            bail!("cannot write {}: it is a directory", shown.display());
        }
        if !kind.is_file() {
            use std::os::unix::fs::FileTypeExt;
            if kind.is_block_device() {
                bail!(
                    "refusing to write {}: it is a block device",
                    shown.display()
                );
            }
            let file = OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(|e| write_error(e, shown))?;
            return Ok((
                file,
                Pending {
                    shown: shown.to_path_buf(),
                    place: Place::Direct,
                },
            ));
        }
    }
    // A file this user may not write is not replaced behind its back (`>` would fail too); the
    // probe opens it without truncating it.
    if existing.is_some() {
        OpenOptions::new()
            .write(true)
            .open(&target)
            .map_err(|e| write_error(e, shown))?;
    }
    let dir = target.parent().unwrap_or(Path::new("."));
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    // A new file gets the mode `>` would give it (0666 less the umask). A replacement starts
    // open to its owner alone (a descriptor opened meanwhile would outlive a later chmod), then
    // gets the old file's owner and mode, all before a byte is written.
    let mode = existing.as_ref().map_or(0o666, |old| old.mode() & 0o600);
    let make = || {
        tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .permissions(std::fs::Permissions::from_mode(mode))
            .tempfile_in(dir)
    };
    let mut copy = false;
    let (temp, registered) = match interrupt::create(interrupt::Kind::File, make, |t| t.path()) {
        Ok(made) => made,
        // A file this user may write, in a directory it may not: `>` would write it, so it is
        // written whole in the temporary directory and then copied into place.
        Err(e) if existing.is_some() && e.kind() == io::ErrorKind::PermissionDenied => {
            copy = true;
            let elsewhere = || {
                tempfile::Builder::new()
                    .prefix(&format!(".{name}."))
                    .suffix(".tmp")
                    .permissions(std::fs::Permissions::from_mode(0o600))
                    .tempfile()
            };
            interrupt::create(interrupt::Kind::File, elsewhere, |t| t.path())
                .map_err(|e| write_error(e, shown))?
        }
        // Why, without the temporary file's name that tempfile's error adds.
        Err(e) => bail!(
            "cannot write {}: {}",
            shown.display(),
            crate::db::why_not_created(&target, &e)
        ),
    };
    let (file, temp) = temp.into_parts();
    if let Some(old) = &existing {
        let new = file.metadata().map_err(|e| write_error(e, shown))?;
        if (old.uid(), old.gid()) != (new.uid(), new.gid())
            && std::os::unix::fs::fchown(&file, Some(old.uid()), Some(old.gid())).is_err()
        {
            copy = true;
        }
        file.set_permissions(std::fs::Permissions::from_mode(old.mode() & 0o7777))
            .map_err(|e| write_error(e, shown))?;
        copy |= old.nlink() > 1;
    }
    let place = if copy {
        Place::Copy {
            temp,
            target,
            _registered: registered,
        }
    } else {
        Place::Rename {
            temp,
            target,
            _registered: registered,
        }
    };
    Ok((
        file,
        Pending {
            shown: shown.to_path_buf(),
            place,
        },
    ))
}

impl Pending {
    /// Puts the complete file in place (`file` is the one [`create`] returned).
    pub fn finish(self, mut file: File) -> Result<()> {
        let shown = &self.shown;
        match self.place {
            Place::Direct => file.flush().map_err(|e| write_error(e, shown)),
            Place::Rename { temp, target, .. } => {
                file.sync_all().map_err(|e| write_error(e, shown))?;
                drop(file);
                temp.persist(&target)
                    .map_err(|e| anyhow!("cannot write {}: {}", shown.display(), e.error))?;
                sync_dir(&target);
                Ok(())
            }
            Place::Copy { temp, target, .. } => {
                file.sync_all().map_err(|e| write_error(e, shown))?;
                // Interrupted half-way the target would be cut short: the interrupt waits.
                let _copying = interrupt::hold();
                file.rewind().map_err(|e| write_error(e, shown))?;
                let mut out = OpenOptions::new()
                    .write(true)
                    .truncate(true)
                    .open(&target)
                    .map_err(|e| write_error(e, shown))?;
                io::copy(&mut file, &mut out).map_err(|e| write_error(e, shown))?;
                out.sync_all().map_err(|e| write_error(e, shown))?;
                drop(temp);
                Ok(())
            }
        }
    }
}

/// One line naming the file and what happened: a full disk says so.
pub fn write_error(error: io::Error, shown: &Path) -> anyhow::Error {
    anyhow!("{}", io_message(&error, shown))
}

/// The message of an error writing `shown`, as [`write_error`] gives it.
pub fn io_message(error: &io::Error, shown: &Path) -> String {
    match error.kind() {
        io::ErrorKind::StorageFull => format!("disk full while writing {}", shown.display()),
        io::ErrorKind::QuotaExceeded => {
            format!("disk quota exceeded while writing {}", shown.display())
        }
        _ => format!("cannot write {}: {error}", shown.display()),
    }
}

/// Where writing `path` lands: symbolic links followed (a link stays a link, as with `>`), the
/// directory made absolute.
fn resolve(path: &Path, shown: &Path) -> Result<PathBuf> {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link {
        return std::fs::canonicalize(path).map_err(|_| {
            anyhow!(
                "cannot write {}: it is a symbolic link to a file that does not exist",
                shown.display()
            )
        });
    }
    let name = path
        .file_name()
        .with_context(|| format!("cannot write {}: it names no file", shown.display()))?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let dir = std::fs::canonicalize(dir).map_err(|_| {
        anyhow!(
            "cannot write {}: directory {} does not exist",
            shown.display(),
            dir.display()
        )
    })?;
    Ok(dir.join(name))
}

/// Refuses standard output that a shell opened onto the database in use or any SQLite file
/// (`>> conflict.db`, `1<> conflict.db`): the output would land on it as through `--output`.
pub fn refuse_stdout(database: Option<&Path>) -> Result<()> {
    // The file descriptor's own file, whatever name it was opened by.
    let stdout = Path::new("/proc/self/fd/1");
    match std::fs::metadata(stdout) {
        Ok(meta) if meta.is_file() => {
            refuse_databases(stdout, Some(&meta), Path::new("standard output"), database)
        }
        _ => Ok(()),
    }
}

/// Refuses the database in use (compared by device and inode, so any name or hard link counts),
/// its side files, and any file that SQLite wrote or would take for its own.
fn refuse_databases(
    target: &Path,
    existing: Option<&Metadata>,
    shown: &Path,
    database: Option<&Path>,
) -> Result<()> {
    let refuse =
        |why: String| -> Result<()> { bail!("refusing to write {}: {why}", shown.display()) };
    if let (Some(db), Some(meta)) = (database, existing) {
        for suffix in [""].into_iter().chain(SIDE_FILES) {
            let mut name = db.as_os_str().to_os_string();
            name.push(suffix);
            if std::fs::metadata(&name).is_ok_and(|m| same_file(&m, meta)) {
                return refuse(format!(
                    "it is the database in use, {}{suffix}",
                    db.display()
                ));
            }
        }
    }
    if existing.is_some_and(|m| m.is_file()) {
        let mut head = [0u8; 16];
        let read = File::open(target)
            .and_then(|mut f| read_up_to(&mut f, &mut head))
            .unwrap_or(0);
        let head = &head[..read];
        if head.starts_with(SQLITE_HEADER) {
            return refuse("it is an SQLite database".into());
        }
        if WAL_MAGIC.iter().any(|m| head.starts_with(m)) || head.starts_with(JOURNAL_MAGIC) {
            return refuse("it is an SQLite journal".into());
        }
    }
    // A side file that does not exist yet, of any database: SQLite would take it for its own.
    let name = target.as_os_str().to_string_lossy();
    for suffix in SIDE_FILES {
        let Some(base) = name.strip_suffix(suffix) else {
            continue;
        };
        let base = Path::new(base);
        let is_ours = database.is_some_and(|db| {
            std::fs::metadata(db)
                .ok()
                .zip(std::fs::metadata(base).ok())
                .is_some_and(|(a, b)| same_file(&a, &b))
        });
        if is_ours || is_sqlite(base) {
            let shown = shown.as_os_str().to_string_lossy();
            let named = shown
                .strip_suffix(suffix)
                .map_or(base.to_path_buf(), PathBuf::from);
            return refuse(format!(
                "it would be taken for a side file of the SQLite database {}",
                named.display()
            ));
        }
    }
    Ok(())
}

fn same_file(a: &Metadata, b: &Metadata) -> bool {
    (a.dev(), a.ino()) == (b.dev(), b.ino())
}

/// Whether `path` is a file that starts with SQLite's header.
pub fn is_sqlite(path: &Path) -> bool {
    let mut head = [0u8; 16];
    File::open(path)
        .and_then(|mut f| read_up_to(&mut f, &mut head))
        .is_ok_and(|n| &head[..n] == SQLITE_HEADER)
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    use std::io::Read;
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..])? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Makes a rename in `path`'s directory durable; a failure only weakens durability.
fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent() {
        let _ = File::open(dir).and_then(|d| d.sync_all());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_named_with_the_file() {
        let full = io::Error::from_raw_os_error(28); // ENOSPC
        assert_eq!(
            io_message(&full, Path::new("out.csv")),
            "disk full while writing out.csv"
        );
        let other = io::Error::from_raw_os_error(5); // EIO
        assert!(io_message(&other, Path::new("out.csv")).starts_with("cannot write out.csv: "));
    }
}
