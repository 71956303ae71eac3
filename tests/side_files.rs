//! The `-wal` and `-shm` files SQLite makes beside a database while it is open: gone once the
//! command ends, unless another connection still has the database open, or the `-wal` holds
//! changes a command that only reads must not copy into the file (src/db.rs,
//! `remove_side_files`).

use std::fs;

use rusqlite::Connection;

use crate::common::Env;

/// `conflictdb query` counting the events, started and left running, its output captured.
fn counting_events(env: &Env) -> std::process::Child {
    env.spawnable()
        .args([
            "query",
            "SELECT count(*) AS n FROM events",
            "--format",
            "csv",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn a_first_seed_and_every_command_that_reads_leave_the_database_alone_in_its_directory() {
    let env = Env::new();
    env.ok(&["seed"]);
    assert_eq!(env.database_files(), ["conflict.db"], "after seed");
    for args in [
        &["report", "reactions-by-stance"][..],
        &["query", "SELECT count(*) FROM events"],
        &["check"],
        &["datasets"],
        &["search", "ceasefire"],
        &["export", "--out", "exported"],
        &["cite"],
    ] {
        let (code, _, err) = env.run(args);
        assert_eq!(code, 0, "{args:?}: {err}");
        assert_eq!(env.database_files(), ["conflict.db"], "after {args:?}");
    }
}

#[test]
fn side_files_another_connection_holds_open_stay_and_it_goes_on_reading() {
    let env = Env::new();
    env.ok(&["seed"]);
    let reader = Connection::open(env.db()).unwrap();
    let count = || -> i64 {
        reader
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap()
    };
    let events = count();
    env.ok(&["report", "timeline"]);
    assert_eq!(
        env.database_files(),
        ["conflict.db", "conflict.db-shm", "conflict.db-wal"]
    );
    assert_eq!(count(), events);
    // The last connection to close removes them, as SQLite does.
    drop(reader);
    assert_eq!(env.database_files(), ["conflict.db"]);
}

#[test]
fn a_wal_file_holding_changes_is_read_and_left_as_it_is() {
    let env = Env::new();
    env.seed_minimal();
    // A committed change still only in the `-wal` (its writer gone before any checkpoint), as a
    // copy taken while the writer had the database open leaves it.
    let writer = Connection::open(env.db()).unwrap();
    writer
        .execute_batch(
            "PRAGMA wal_autocheckpoint = 0;
             UPDATE events SET title = 'Changed in the WAL' WHERE key = '2020-war';",
        )
        .unwrap();
    let copy = env.path("copy");
    fs::create_dir(&copy).unwrap();
    for name in ["conflict.db", "conflict.db-wal"] {
        fs::copy(env.path(name), copy.join(name)).unwrap();
    }
    drop(writer);
    let read = |name: &str| fs::read(copy.join(name)).unwrap();
    let (file, wal) = (read("conflict.db"), read("conflict.db-wal"));
    assert!(!wal.is_empty());
    let out = env.ok(&[
        "--db",
        "copy/conflict.db",
        "query",
        "SELECT title FROM events WHERE key = '2020-war'",
        "--format",
        "csv",
    ]);
    assert_eq!(out, "title\nChanged in the WAL\n");
    assert_eq!(read("conflict.db"), file);
    assert_eq!(read("conflict.db-wal"), wal);
}

#[test]
fn a_database_reached_through_a_link_is_left_alone_too() {
    let env = Env::new();
    env.ok(&["seed"]);
    std::os::unix::fs::symlink("conflict.db", env.path("link.db")).unwrap();
    env.ok(&["--db", "link.db", "report", "timeline"]);
    // SQLite puts the side files beside the file the link leads to.
    assert_eq!(env.database_files(), ["conflict.db"]);
}

#[test]
fn commands_reading_side_by_side_all_succeed() {
    // Each one's last connection locks the database for a moment as it removes the side files;
    // a command opening it then waits rather than fail with "database is locked".
    let env = Env::new();
    env.ok(&["seed"]);
    for round in 0..3 {
        let children: Vec<_> = (0..8).map(|_| counting_events(&env)).collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(out.status.success(), "round {round}: {err}");
            assert!(String::from_utf8_lossy(&out.stdout).starts_with("n\n"));
        }
    }
    assert_eq!(env.database_files(), ["conflict.db"]);
}

#[test]
fn a_command_waits_for_a_lock_held_a_moment_rather_than_fail() {
    // Another connection holds the database exclusively for half a second, as a command's last
    // close does for an instant while it removes the side files: a command started meanwhile
    // waits, then reads. (SQLite's own retries for a reader of a WAL file wait here too: this
    // passes without the busy timeout set before the first read, which is there for the
    // rollback-style lock a closing connection takes.)
    let env = Env::new();
    env.ok(&["seed"]);
    let holder = Connection::open(env.db()).unwrap();
    holder
        .execute_batch(
            "PRAGMA locking_mode = EXCLUSIVE;
             BEGIN EXCLUSIVE; UPDATE datasets SET loaded_at = loaded_at;",
        )
        .unwrap();
    let child = counting_events(&env);
    std::thread::sleep(std::time::Duration::from_millis(500));
    holder.execute_batch("COMMIT").unwrap();
    drop(holder);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("n\n"));
}
