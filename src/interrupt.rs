//! Ctrl-C and SIGTERM: the run's temporary files are removed and the process exits with 128 plus
//! the signal's number (130, 143), as a shell reports a command a signal ended. A database being
//! updated needs nothing: its transaction never commits, and SQLite rolls it back on next open.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::iterator::Signals;

/// What to remove for a registered path.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    File,
    /// A database file with its journal, WAL and shared-memory files.
    Database,
    /// A directory and everything in it.
    Dir,
}

static TEMPORARY: Mutex<Vec<(u64, PathBuf, Kind)>> = Mutex::new(Vec::new());
static NEXT: AtomicU64 = AtomicU64::new(0);

/// A temporary path removed if the run is interrupted, for as long as this value lives. Dropping
/// it removes nothing: the owner either put the file in place or removed it itself.
#[must_use]
pub struct Registered(u64);

/// Registers `path` (relative paths are fine: the process never changes directory).
pub fn register(path: &Path, kind: Kind) -> Registered {
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    registry().push((id, path.to_path_buf(), kind));
    Registered(id)
}

impl Drop for Registered {
    fn drop(&mut self) {
        registry().retain(|(id, _, _)| *id != self.0);
    }
}

fn registry() -> std::sync::MutexGuard<'static, Vec<(u64, PathBuf, Kind)>> {
    TEMPORARY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Starts the thread that handles SIGINT and SIGTERM for the rest of the process.
pub fn install() -> std::io::Result<()> {
    let mut signals = Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // The lock is held until the process ends, so no new file slips in meanwhile.
                let registered = registry();
                for (_, path, kind) in registered.iter() {
                    remove(path, *kind);
                }
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}

fn remove(path: &Path, kind: Kind) {
    match kind {
        Kind::File => {
            let _ = std::fs::remove_file(path);
        }
        Kind::Database => crate::db::remove(path),
        Kind::Dir => {
            let _ = std::fs::remove_dir_all(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_is_registered_while_its_guard_lives() {
        let held = |p: &Path| registry().iter().any(|(_, q, _)| q == p);
        let path = Path::new("/nonexistent/registered-by-a-test");
        let guard = register(path, Kind::File);
        assert!(held(path));
        drop(guard);
        assert!(!held(path));
    }
}
