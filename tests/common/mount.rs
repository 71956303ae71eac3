//! Real file systems for the tests that need one: a small tmpfs to fill, or a read-only one. Both
//! need root (CAP_SYS_ADMIN), as CI has; without it a test that needs one fails, saying so, rather
//! than pass without testing anything.

use std::ffi::CString;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub fn c_path(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).unwrap()
}

/// A tmpfs mounted for the life of the value; unmounted on drop (lazily, so that a failed test
/// still cleans up).
pub struct Mount {
    dir: PathBuf,
}

impl Mount {
    pub fn tmpfs(dir: &Path, options: &str) -> Mount {
        fs::create_dir_all(dir).unwrap();
        let options = CString::new(options).unwrap();
        // SAFETY: every pointer is a NUL-terminated string that outlives the call.
        let mounted = unsafe {
            libc::mount(
                c"tmpfs".as_ptr(),
                c_path(dir).as_ptr(),
                c"tmpfs".as_ptr(),
                0,
                options.as_ptr().cast(),
            )
        };
        assert_eq!(
            mounted,
            0,
            "cannot mount a tmpfs at {}: {}; these tests need root (CAP_SYS_ADMIN), as in CI",
            dir.display(),
            std::io::Error::last_os_error()
        );
        Mount {
            dir: dir.to_path_buf(),
        }
    }

    /// A tmpfs holding copies of `files`, then made read-only.
    pub fn read_only_with(dir: &Path, files: &[(&Path, &str)]) -> Mount {
        let mount = Mount::tmpfs(dir, "mode=0755");
        for (from, name) in files {
            fs::copy(from, dir.join(name)).unwrap();
        }
        // A process that another test forks holds copies of this process's open files until it
        // execs, the files just written among them, and a file open for writing makes the
        // remount fail with EBUSY: try again for a while.
        let started = Instant::now();
        loop {
            // SAFETY: as above; a remount takes no source, type or data.
            let remounted = unsafe {
                libc::mount(
                    std::ptr::null(),
                    c_path(dir).as_ptr(),
                    std::ptr::null(),
                    libc::MS_REMOUNT | libc::MS_RDONLY,
                    std::ptr::null(),
                )
            };
            let error = std::io::Error::last_os_error();
            if remounted == 0 {
                break;
            }
            assert!(
                error.raw_os_error() == Some(libc::EBUSY)
                    && started.elapsed() < Duration::from_secs(10),
                "cannot remount {} read-only: {error}",
                dir.display()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(
            fs::write(dir.join("probe"), "x").is_err(),
            "{} is still writable",
            dir.display()
        );
        mount
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        // SAFETY: a NUL-terminated path.
        unsafe { libc::umount2(c_path(&self.dir).as_ptr(), libc::MNT_DETACH) };
    }
}
