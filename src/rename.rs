//! Renames that the plain `rename` cannot do: swap two paths in one step, or move a file only
//! where no file is yet (Linux's `renameat2`). Elsewhere, or on a filesystem that cannot, they
//! fail with `Unsupported`, and the caller chooses its fallback.

use std::io;
use std::path::Path;

/// Swaps `a` and `b` in one step, so that no moment shows neither or a mix.
pub fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    renameat2(a, b, Flag::Exchange)
}

/// Moves `from` to `to` unless `to` exists (then `AlreadyExists`), in one step: two processes
/// racing to place a file never overwrite each other.
pub fn no_replace(from: &Path, to: &Path) -> io::Result<()> {
    renameat2(from, to, Flag::NoReplace)
}

enum Flag {
    Exchange,
    NoReplace,
}

#[cfg(target_os = "linux")]
fn renameat2(from: &Path, to: &Path, flag: Flag) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(io::Error::other);
    let (from, to) = (c(from)?, c(to)?);
    let flag = match flag {
        Flag::Exchange => libc::RENAME_EXCHANGE,
        Flag::NoReplace => libc::RENAME_NOREPLACE,
    };
    // SAFETY: both are valid NUL-terminated paths that outlive the call.
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            from.as_ptr(),
            libc::AT_FDCWD,
            to.as_ptr(),
            flag,
        )
    };
    if done == 0 {
        return Ok(());
    }
    let error = io::Error::last_os_error();
    match error.raw_os_error() {
        Some(libc::EINVAL | libc::ENOSYS) => Err(io::Error::new(io::ErrorKind::Unsupported, error)),
        _ => Err(error),
    }
}

#[cfg(not(target_os = "linux"))]
fn renameat2(_: &Path, _: &Path, _: Flag) -> io::Result<()> {
    Err(io::ErrorKind::Unsupported.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_replace_moves_to_a_free_name_and_never_over_a_taken_one() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
        );
        std::fs::write(&a, "a").unwrap();
        std::fs::write(&b, "b").unwrap();
        let error = no_replace(&a, &b).unwrap_err();
        assert_eq!(error.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "b");
        no_replace(&a, &c).unwrap();
        assert_eq!(std::fs::read_to_string(&c).unwrap(), "a");
        assert!(!a.exists());
        exchange(&b, &c).unwrap();
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "a");
        assert_eq!(std::fs::read_to_string(&c).unwrap(), "b");
    }
}
