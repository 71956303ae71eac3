//! Ctrl-C and SIGTERM: the run's temporary files are removed and the process exits with 128 plus
//! the signal's number (130, 143), as a shell reports a command a signal ended.
//!
//! A database open at that moment is closed first: what SQLite is running on each connection of
//! ours is stopped ([`watch`]), the command ends as it ends on an error (an update's transaction
//! rolled back, never committed), and its connections are closed, which removes the `-wal` and
//! `-shm` files a database in WAL mode has beside it while it is open. Left open, they would stay
//! beside the user's database after the process ended. The command is given [`GRACE`] to end so;
//! after that the process exits as before, the files left for SQLite to recover on next open.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

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

/// What stops each connection of ours that has been opened (a closed one's does nothing).
static CONNECTIONS: Mutex<Vec<rusqlite::InterruptHandle>> = Mutex::new(Vec::new());
/// The signal that is stopping the run, or 0.
static STOPPING: AtomicI32 = AtomicI32::new(0);
/// How long an interrupted command is given to stop and close its databases.
pub const GRACE: Duration = Duration::from_secs(2);

/// Lets an interrupt stop what SQLite runs on `conn`, so that the command ends and closes it;
/// to be called as soon as it is opened, before it reads. Fails (as SQLite's "interrupted") once
/// a signal is stopping the run: the connection is then closed before it made any file.
pub fn watch(conn: &mut rusqlite::Connection) -> rusqlite::Result<()> {
    let mut connections = CONNECTIONS.lock().unwrap_or_else(PoisonError::into_inner);
    check()?;
    // What SQLite is running when the signal comes is stopped through this; a statement begun
    // later (SQLite forgets an interrupt once no statement runs) by the handler, which SQLite
    // asks every few thousand steps of its virtual machine whether to stop.
    connections.push(conn.get_interrupt_handle());
    conn.progress_handler(PROGRESS_STEPS, Some(stopping))
}

/// How many steps of SQLite's virtual machine run between two calls of the progress handler
/// [`watch`] sets: a few microseconds' work.
const PROGRESS_STEPS: std::ffi::c_int = 4096;

/// Whether a signal is stopping the run: a long step that runs outside SQLite (or between its
/// statements, where SQLite forgets an interrupt) checks it and ends as on an error.
pub fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst) != 0
}

/// Fails with SQLite's "interrupted" if a signal is stopping the run (see [`stopping`]).
pub fn check() -> rusqlite::Result<()> {
    match stopping() {
        true => Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_INTERRUPT),
            None,
        )),
        false => Ok(()),
    }
}

/// Called once the command has ended, its connections closed: if a signal stopped it, removes
/// the run's temporary files and exits with 128 plus the signal's number, the command's own
/// refusal (the interruption) left unsaid.
pub fn exit_if_stopped() {
    let signal = STOPPING.load(Ordering::SeqCst);
    if signal != 0 {
        exit(signal);
    }
}

/// Removes the run's temporary files and exits as `signal` ends a command. The registry's lock
/// is held until the process ends, so no new file slips in meanwhile.
fn exit(signal: i32) -> ! {
    let _registered = clean_up(|_| true);
    std::process::exit(128 + signal)
}

/// A temporary path removed if the run is interrupted, for as long as this value lives. Dropping
/// it removes nothing: the owner either put the file in place or removed it itself.
#[must_use]
pub struct Registered(u64);

/// Creates a temporary file or directory with `make` and registers the path `path_of` gives, as
/// one step: an interrupt finds it either not yet made or registered, never made and unknown.
/// Relative paths are fine: the process never changes directory.
pub fn create<T>(
    kind: Kind,
    make: impl FnOnce() -> std::io::Result<T>,
    path_of: impl FnOnce(&T) -> &Path,
) -> std::io::Result<(T, Registered)> {
    let mut registered = registry();
    let made = make()?;
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    registered.push((id, path_of(&made).to_path_buf(), kind));
    Ok((made, Registered(id)))
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
/// A signal ignored when the process started (`cmd &` in a script ignores SIGINT) stays ignored.
pub fn install() -> std::io::Result<()> {
    let handled: Vec<i32> = [SIGINT, SIGTERM]
        .into_iter()
        .filter(|s| !ignored(*s))
        .collect();
    let mut signals = Signals::new(handled)?;
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Under the lock that `watch` takes: a connection is either watched, and stopped
                // here, or refused before it reads.
                let connections = {
                    let mut connections =
                        CONNECTIONS.lock().unwrap_or_else(PoisonError::into_inner);
                    STOPPING.store(signal, Ordering::SeqCst);
                    std::mem::take(&mut *connections)
                };
                if !connections.is_empty() {
                    for connection in &connections {
                        connection.interrupt();
                    }
                    // The command ends and `exit_if_stopped` exits; unless it cannot within
                    // the grace.
                    std::thread::sleep(GRACE);
                }
                exit(signal);
            }
        })?;
    Ok(())
}

/// Removes every registered path that `which` accepts (all but in a test, where other tests'
/// files are registered too), and returns still holding the registry.
fn clean_up(
    which: impl Fn(&Path) -> bool,
) -> std::sync::MutexGuard<'static, Vec<(u64, PathBuf, Kind)>> {
    let registered = registry();
    for (_, path, kind) in registered.iter().filter(|(_, path, _)| which(path)) {
        remove(path, *kind);
    }
    registered
}

/// While this value lives an interrupt waits before removing anything: for a step that must not
/// run beside the removal, such as swapping a finished directory into place or copying a finished
/// file into one. Nothing may be registered or dropped meanwhile.
#[must_use]
pub struct Held {
    _registry: std::sync::MutexGuard<'static, Vec<(u64, PathBuf, Kind)>>,
}

/// Holds off interrupts until the returned value is dropped (see [`Held`]).
pub fn hold() -> Held {
    Held {
        _registry: registry(),
    }
}

#[cfg(target_os = "linux")]
fn ignored(signal: i32) -> bool {
    // SAFETY: a null new action only reads the current one into `old`.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        libc::sigaction(signal, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
    }
}

#[cfg(not(target_os = "linux"))]
fn ignored(_signal: i32) -> bool {
    false
}

fn remove(path: &Path, kind: Kind) {
    match kind {
        Kind::File => {
            let _ = std::fs::remove_file(path);
        }
        Kind::Database => crate::db::remove(path),
        Kind::Dir => {
            // The run goes on meanwhile, and may rename a file inside between the listing and
            // the removal of the directory: try again until the directory is gone.
            for _ in 0..100 {
                if std::fs::remove_dir_all(path).is_ok() || !path.exists() {
                    break;
                }
            }
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
        let ((), guard) = create(Kind::File, || Ok(()), |()| path).unwrap();
        assert!(held(path));
        drop(guard);
        assert!(!held(path));
    }

    #[test]
    fn an_interrupt_waits_for_a_held_step_before_removing_anything() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("swapped");
        let (_, _guard) = create(
            Kind::File,
            || std::fs::write(&path, "done").map(|()| path.clone()),
            |made| made.as_path(),
        )
        .unwrap();
        let held = hold();
        let ours = path.clone();
        let interrupt = std::thread::spawn(move || drop(clean_up(|p| p == ours)));
        std::thread::sleep(std::time::Duration::from_millis(200));
        assert!(path.exists(), "removed while the step was held");
        drop(held);
        interrupt.join().unwrap();
        assert!(!path.exists());
    }
}
