//! A file a load writes, sent to the disk while the load still runs, so that the sync that ends
//! the load waits for little.
//!
//! A load's pages reach the operating system long before its end: SQLite's page cache is small
//! (2 MB), so a re-seed's changed pages spill into the write-ahead log as they are changed, and a
//! first seed writes its new file as it goes. Left alone, the system keeps them in memory until
//! the load syncs at its end, and the load waits while they are written: at 100k events with 1%
//! of rows changed, 0.34 s for the log's 95 MB; 0.23 s for a first seed's 143 MB
//! (docs/issue-13-speed.md, section 8). Synced every [`EVERY`] from another thread, they are
//! written while the load reads and checks. The same goes for the checkpoint that ends a
//! re-seed, which copies the log's pages into the database and then syncs it (section 14). The
//! sync at the end stays, and still decides when the load is on the disk. (Linux's
//! `sync_file_range`, which only starts the writing, left a first seed's last sync 0.15-0.18 s,
//! against 0.015-0.026 s.)

use std::fs::File;
use std::io;

/// How often the file is synced.
#[cfg(target_os = "linux")]
const EVERY: std::time::Duration = std::time::Duration::from_millis(50);

/// Runs `work` on this thread while another writes `file` to the disk (`fdatasync`) every
/// [`EVERY`]; `work` alone if there is no file. Also gives the first failure to write it: the
/// system reports a failed write once to each descriptor, so a sync at the end through another
/// would not hear of it, and the caller must fail the load.
///
/// Linux only, where it was measured: elsewhere `work` alone (macOS's `sync_data` flushes the
/// drive's whole cache each time).
#[cfg(target_os = "linux")]
pub(super) fn during<T>(file: Option<&File>, work: impl FnOnce() -> T) -> (T, io::Result<()>) {
    use std::sync::mpsc::{channel, RecvTimeoutError};
    let Some(file) = file else {
        return (work(), Ok(()));
    };
    std::thread::scope(|scope| {
        let (stop, stopped) = channel::<()>();
        let writer = scope.spawn(move || {
            while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                file.sync_data()?;
            }
            Ok(())
        });
        let done = work();
        // The thread stops at once (and if `work` unwinds, as `stop` is dropped).
        drop(stop);
        let written = writer.join().expect("syncing a file does not panic");
        (done, written)
    })
}

#[cfg(not(target_os = "linux"))]
pub(super) fn during<T>(_file: Option<&File>, work: impl FnOnce() -> T) -> (T, io::Result<()>) {
    (work(), Ok(()))
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use std::io::Write;
    use std::sync::mpsc::channel;
    use std::time::Duration;

    use super::during;

    /// `during`, on another thread, or None if it has not returned within 5 s.
    fn within_5_s<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        let (done, result) = channel();
        std::thread::spawn(move || {
            let _ = done.send(f());
        });
        result.recv_timeout(Duration::from_secs(5)).ok()
    }

    #[test]
    fn the_work_s_result_comes_back_as_soon_as_it_is_done_with_a_file_and_without() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        let returned = within_5_s(move || {
            let mut file = std::fs::File::create(&path).unwrap();
            // Long enough for the other thread to write the file out a few times.
            let (written, synced) = during(Some(&file.try_clone().unwrap()), || {
                for _ in 0..4 {
                    file.write_all(&[7; 1 << 16]).unwrap();
                    std::thread::sleep(Duration::from_millis(60));
                }
                "written"
            });
            let (alone, nothing) = during(None, || 42);
            let bytes = std::fs::read(&path).unwrap();
            (written, synced.is_ok(), alone, nothing.is_ok(), bytes)
        });
        let (written, synced, alone, nothing, bytes) =
            returned.expect("during returns once the work is done");
        assert_eq!(
            (written, synced, alone, nothing, bytes.len()),
            ("written", true, 42, true, 4 << 16)
        );
        assert!(bytes.iter().all(|&b| b == 7));
    }

    #[test]
    fn a_failure_to_write_the_file_reaches_the_caller() {
        // A pipe cannot be synced (EINVAL): as a disk that fails a write, seen by the thread.
        let (_reader, writer) = std::io::pipe().unwrap();
        let pipe = std::fs::File::from(std::os::fd::OwnedFd::from(writer));
        let failed = within_5_s(move || {
            let (done, synced) = during(Some(&pipe), || {
                std::thread::sleep(Duration::from_millis(200));
                "done"
            });
            (done, synced.map_err(|e| e.kind()))
        });
        assert_eq!(
            failed.expect("during returns once the work is done"),
            ("done", Err(std::io::ErrorKind::InvalidInput))
        );
    }

    #[test]
    fn a_panic_in_the_work_reaches_the_caller_and_stops_the_writer() {
        let caught = within_5_s(|| {
            let file = tempfile::tempfile().unwrap();
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                during(Some(&file), || -> () { panic!("the load failed") }).1
            }))
            .map(|synced| synced.is_ok())
            .map_err(|panic| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        });
        assert_eq!(
            caught.expect("during returns once the work has panicked"),
            Err(Some("the load failed".to_string()))
        );
    }
}
