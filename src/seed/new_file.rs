//! A first seed: the new database built whole under a temporary name beside its place, locked
//! while it is built, and moved into place only once complete, so that the file either does not
//! exist or holds the whole load, whatever happens to the process.

use std::fs::File;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rusqlite::Connection;

use super::{load_dataset, Counts, Dataset, Mode, Progress, Source};
use crate::{db, interrupt};

/// Builds a new database under a temporary name beside `db_path` and moves it into place only
/// when it is complete, so that the file either does not exist or holds the whole load, whatever
/// happens to the process. The build needs no journal and no fsync until the end, and builds its
/// indexes once, after the rows are in. Returns None, having built nothing, if `db_path`
/// appeared meanwhile.
pub(super) fn build_fresh(
    db_path: &Path,
    source: &dyn Source,
    dataset: &Dataset,
    progress: &mut dyn Progress,
    then: Option<&mut super::Then>,
) -> Result<Option<Counts>> {
    // A link to a file not made yet (SQLite would create it there): built beside that file, so
    // that it can be put in place in one step.
    let place = &link_target(db_path);
    remove_stale_builds(place);
    let build = Build::create(place)?;
    let temp = build.path.clone();
    let built = (|| -> Result<Counts> {
        let mut conn =
            Connection::open(&temp).with_context(|| format!("cannot create {}", temp.display()))?;
        crate::interrupt::watch(&mut conn)?;
        // A 2 MB page cache: rows go in at the end of each table, so the pages written are few
        // at any time. At a million events 2 MB loaded as fast as 8 MB, with a 6 MB lower peak.
        conn.execute_batch(
            "PRAGMA page_size = 16384; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             PRAGMA cache_size = -2048; PRAGMA foreign_keys = OFF;",
        )?;
        // The file does not exist yet: a failure of the disk is named as such, not as a failed
        // migration of a file left "unchanged".
        db::migrate(&mut conn, db_path).map_err(|e| {
            match e
                .chain()
                .find_map(|c| c.downcast_ref::<db::EnvironmentFailure>())
            {
                Some(failure) => anyhow::anyhow!("{failure}; nothing was loaded"),
                None => e,
            }
        })?;
        // The loader checks every value against every CHECK constraint and resolves every
        // reference itself before a row goes in (see seed.rs); SQLite checking them again, row by
        // row, would only cost time. `conflictdb check` verifies both afterwards.
        conn.pragma_update(None, "ignore_check_constraints", true)?;
        let (loaded, written) = super::write_behind::during(Some(&build.lock), || {
            load_dataset(&mut conn, source, dataset, Mode::Fresh, progress)
        });
        let counts = loaded.map_err(|e| e.in_database(db_path))?;
        written.map_err(|e| cannot_write(db_path, e))?;
        conn.pragma_update(None, "ignore_check_constraints", false)?;
        if let Some(then) = then {
            then(&mut conn)?;
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "foreign_keys", true)?;
        conn.close().map_err(|(_, e)| e)?;
        build
            .lock
            .sync_all()
            .map_err(|e| cannot_write(db_path, e))?;
        Ok(counts)
    })();
    // On failure `build` removes the file as it goes.
    let counts = built?;
    // A hard link fails if the name is taken: two seeds racing to create the file never
    // overwrite each other; the loser loads into the winner's file instead.
    let placed = match std::fs::hard_link(&temp, place) {
        Ok(()) => true,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
        // A filesystem without hard links: a rename that, as the link would, never replaces a
        // database another seed placed meanwhile.
        Err(_) => match crate::rename::no_replace(&temp, place) {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot move the new database to {}", db_path.display())
                })
            }
        },
    };
    drop(build);
    if placed {
        if let Some(dir) = place.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
        }
        return Ok(Some(counts));
    }
    Ok(None)
}

/// A first seed's database under construction: a hidden name beside the target, unique to the
/// run, and locked (`flock`) for as long as the build runs, so that another seed can tell it from
/// the leftover of a killed one, whatever process or PID namespace it runs in. Removed with its
/// side files when dropped, and by the signal handler on Ctrl-C or SIGTERM.
struct Build {
    path: PathBuf,
    lock: File,
    _registered: interrupt::Registered,
}

impl Build {
    fn create(db_path: &Path) -> Result<Build> {
        let dir = directory_of(db_path);
        let prefix = format!("{}{}-", build_prefix(db_path), std::process::id());
        for _ in 0..100 {
            // 0644 less the umask, the mode SQLite gives the files it creates.
            let make = || {
                tempfile::Builder::new()
                    .prefix(&prefix)
                    .permissions(std::fs::Permissions::from_mode(0o644))
                    .tempfile_in(&dir)
            };
            let (temp, registered) =
                interrupt::create(interrupt::Kind::Database, make, |t| t.path())
                    .map_err(|e| anyhow::anyhow!(db::cannot_create(db_path, &e)))?;
            let (lock, path) = temp.into_parts();
            // Removed by Build's drop, with the side files SQLite adds.
            let path = path.keep()?;
            let build = Build {
                path,
                lock,
                _registered: registered,
            };
            // Another seed may have taken the new file for stale before the lock was held, and
            // removed it: then start again under a new name. On a filesystem without flock
            // nobody can take a build for stale, and it is built unlocked.
            let locked = !matches!(
                build.lock.try_lock(),
                Err(std::fs::TryLockError::WouldBlock)
            );
            let still_there = std::fs::metadata(&build.path)
                .ok()
                .zip(build.lock.metadata().ok())
                .is_some_and(|(a, b)| (a.dev(), a.ino()) == (b.dev(), b.ino()));
            if locked && still_there {
                return Ok(build);
            }
        }
        anyhow::bail!(
            "cannot create a database in {}: other seeds kept removing it",
            dir.display()
        )
    }
}

impl Drop for Build {
    fn drop(&mut self) {
        db::remove(&self.path);
    }
}

/// Where the symbolic links from `path` lead, followed as far as they go; `path` itself if it is
/// no link.
pub(super) fn link_target(path: &Path) -> PathBuf {
    let mut path = path.to_path_buf();
    // As many links as the kernel follows in one path (ELOOP beyond).
    for _ in 0..40 {
        match std::fs::read_link(&path) {
            Ok(to) => path = path.parent().unwrap_or(Path::new("")).join(to),
            Err(_) => break,
        }
    }
    path
}

fn directory_of(db_path: &Path) -> PathBuf {
    match db_path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// How the builds of `db_path` are named: `.NAME.seeding-PID-RANDOM`.
fn build_prefix(db_path: &Path) -> String {
    let name = db_path.file_name().unwrap_or_default().to_string_lossy();
    format!(".{name}.seeding-")
}

/// Removes builds left by seeds that were killed: a build whose lock can be taken has no seed
/// running it. Side files whose build is gone go too.
fn remove_stale_builds(db_path: &Path) {
    let dir = directory_of(db_path);
    let prefix = build_prefix(db_path);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        if !file.starts_with(&prefix) {
            continue;
        }
        let path = entry.path();
        let side = ["-journal", "-wal", "-shm"]
            .iter()
            .find_map(|suffix| file.strip_suffix(suffix));
        match side {
            Some(main) => {
                if !dir.join(main).exists() {
                    let _ = std::fs::remove_file(&path);
                }
            }
            None => {
                // A build is a regular file; opening a FIFO would wait for a writer forever.
                if !entry.file_type().is_ok_and(|t| t.is_file()) {
                    continue;
                }
                let Ok(build) = File::open(&path) else {
                    continue;
                };
                if build.try_lock().is_ok() {
                    db::remove(&path);
                }
            }
        }
    }
}

/// A failure to write the new database to the disk, named as any write of a file is.
fn cannot_write(db_path: &Path, error: std::io::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "{}; nothing was loaded",
        crate::outfile::io_message(&error, db_path)
    )
}
