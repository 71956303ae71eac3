//! The files the program writes, and being interrupted: output never lands on a database, a
//! replaced file keeps its mode, owner and links, temporary files are unique and never outlive a
//! run (Ctrl-C and SIGTERM included), an export is one state and `export --seed` replaces its
//! directory whole, a full disk is named, and a reader that stops early ends the run quietly.

use std::fs;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::{Child, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use crate::common::mount::Mount;
use crate::common::{read_files, Env};

/// Names in `dir` that start with a dot: temporary files and directories.
fn hidden(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// The side files of a database in `dir` (its `-wal`, `-shm` or `-journal`): an interrupted run
/// closes its databases, which removes them, rather than leaving them beside the user's file.
fn side_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with("-wal") || n.ends_with("-shm") || n.ends_with("-journal"))
        .collect()
}

/// Polls `done` until it holds; panics after 60 s (the run it waits for has gone wrong).
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never saw {what}"
        );
        sleep(Duration::from_millis(2));
    }
}

fn signal(child: &Child, signal: libc::c_int) {
    // SAFETY: kill has no memory effects; the child is ours and not yet reaped.
    assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
}

/// Exit code and stderr of a spawned run.
fn finish(child: Child) -> (Option<i32>, String) {
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn spawn(env: &Env, args: &[&str]) -> Child {
    use std::os::unix::process::CommandExt;
    let mut cmd = env.spawnable();
    // A test run started in the background of a script ignores SIGINT, and so would the child
    // (conflictdb leaves a signal ignored at start ignored).
    // SAFETY: signal() is async-signal-safe, as pre_exec requires.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGINT, libc::SIG_DFL);
            Ok(())
        });
    }
    cmd.args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Row counts of the main tables, after asserting the file is sound.
fn state(db: &Path) -> Vec<i64> {
    let conn = Connection::open(db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok", "{}", db.display());
    ["sources", "actors", "events", "statements", "casualties"]
        .iter()
        .map(|t| {
            conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
                .unwrap()
        })
        .collect()
}

/// A `--queries` directory with one report, `rows`, of `n` numbered rows.
fn queries_with_many_rows(env: &Env, n: u32) -> String {
    let dir = env.path("queries");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("rows.sql"),
        format!("-- title: Many rows\n{}\n", many_rows(n)),
    )
    .unwrap();
    dir.to_str().unwrap().to_string()
}

fn many_rows(n: u32) -> String {
    format!(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT {n}) \
         SELECT x, 'a row long enough to fill a pipe quickly' AS padding FROM c"
    )
}

// 1. Output never lands on a database.

#[test]
fn output_is_never_written_onto_the_database_in_use_whatever_path_leads_there() {
    let env = Env::new();
    env.seed_minimal();
    fs::create_dir(env.path("sub")).unwrap();
    std::os::unix::fs::symlink("conflict.db", env.path("link.db")).unwrap();
    fs::hard_link(env.db(), env.path("hard.db")).unwrap();
    let before = fs::read(env.db()).unwrap();
    let cases = [
        ("conflict.db", "it is the database in use, conflict.db"),
        (
            "./sub/../conflict.db",
            "it is the database in use, conflict.db",
        ),
        ("link.db", "it is the database in use, conflict.db"),
        ("hard.db", "it is the database in use, conflict.db"),
        (
            "conflict.db-journal",
            "it would be taken for a side file of the SQLite database conflict.db",
        ),
    ];
    for (output, why) in cases {
        for args in [
            &["report", "timeline", "--format", "csv", "--output", output][..],
            &["query", "SELECT 1", "--output", output],
        ] {
            let err = env.fails(args);
            assert_eq!(
                err,
                format!("conflictdb: refusing to write {output}: {why}\n")
            );
            assert!(
                fs::read(env.db()).unwrap() == before,
                "{args:?} changed the database"
            );
        }
    }
    assert!(!env.path("conflict.db-journal").exists());
    // The WAL and shared-memory files, while a reader holds them open beside the database.
    let reader = Connection::open(env.db()).unwrap();
    reader
        .query_row("SELECT count(*) FROM events", [], |r| r.get::<_, i64>(0))
        .unwrap();
    for side in ["conflict.db-wal", "conflict.db-shm"] {
        assert!(env.path(side).exists(), "{side}");
        let err = env.fails(&["query", "SELECT 1", "--output", side]);
        assert_eq!(
            err,
            format!("conflictdb: refusing to write {side}: it is the database in use, {side}\n")
        );
    }
}

#[test]
fn standard_output_opened_onto_the_database_is_refused() {
    let env = Env::new();
    env.seed_minimal();
    let before = fs::read(env.db()).unwrap();
    // `conflictdb query ... 1<>conflict.db` and `>> conflict.db`: the shell opens the file.
    for append in [false, true] {
        let onto = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .append(append)
            .open(env.db())
            .unwrap();
        let out = env
            .spawnable()
            .args(["query", "SELECT key FROM events", "--format", "csv"])
            .stdout(Stdio::from(onto))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "append: {append}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            "conflictdb: refusing to write standard output: it is the database in use, conflict.db\n"
        );
        assert!(fs::read(env.db()).unwrap() == before, "append: {append}");
    }
}

#[test]
fn output_is_never_written_onto_another_sqlite_file() {
    let env = Env::new();
    env.seed_minimal();
    fs::copy(env.db(), env.path("other.db")).unwrap();
    let before = fs::read(env.path("other.db")).unwrap();
    let err = env.fails(&["report", "timeline", "--output", "other.db"]);
    assert_eq!(
        err,
        "conflictdb: refusing to write other.db: it is an SQLite database\n"
    );
    let err = env.fails(&["query", "SELECT 1", "--output", "other.db-wal"]);
    assert_eq!(
        err,
        "conflictdb: refusing to write other.db-wal: it would be taken for a side file of the SQLite database other.db\n"
    );
    assert!(fs::read(env.path("other.db")).unwrap() == before);
    assert!(!env.path("other.db-wal").exists());
}

#[test]
fn a_replaced_output_file_keeps_its_mode_and_owner() {
    let env = Env::new();
    env.seed_minimal();
    let out = env.path("private.csv");
    fs::write(&out, "old\n").unwrap();
    fs::set_permissions(&out, fs::Permissions::from_mode(0o600)).unwrap();
    // Another owner, where this process may give files away (as root).
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        std::os::unix::fs::chown(&out, Some(1234), Some(4321)).unwrap();
    } else {
        eprintln!("not root: the owner is not changed, only the mode is checked");
    }
    env.ok(&[
        "report",
        "timeline",
        "--format",
        "csv",
        "--output",
        "private.csv",
    ]);
    let meta = fs::metadata(&out).unwrap();
    assert_eq!(meta.mode() & 0o7777, 0o600);
    if root {
        assert_eq!((meta.uid(), meta.gid()), (1234, 4321));
    }
    assert!(fs::read_to_string(&out).unwrap().starts_with("start_date,"));
    // A new file gets the mode `>` would give it, not the temporary file's 0600.
    env.ok(&["query", "SELECT 1", "--output", "new.csv"]);
    let mode = fs::metadata(env.path("new.csv")).unwrap().mode() & 0o777;
    let umask = unsafe {
        let old = libc::umask(0o022);
        libc::umask(old);
        old
    };
    assert_eq!(mode, 0o666 & !(umask as u32));
}

#[test]
fn a_replaced_output_file_with_hard_links_is_written_through_them() {
    let env = Env::new();
    env.seed_minimal();
    fs::write(env.path("out.csv"), "old\n").unwrap();
    fs::hard_link(env.path("out.csv"), env.path("other-name.csv")).unwrap();
    env.ok(&[
        "query",
        "SELECT 42 AS answer",
        "--format",
        "csv",
        "--output",
        "out.csv",
    ]);
    let (a, b) = (
        fs::metadata(env.path("out.csv")).unwrap(),
        fs::metadata(env.path("other-name.csv")).unwrap(),
    );
    assert_eq!(a.ino(), b.ino(), "the hard link was broken");
    assert_eq!(a.nlink(), 2);
    assert_eq!(
        fs::read_to_string(env.path("other-name.csv")).unwrap(),
        "answer\n42\n"
    );
    assert_eq!(hidden(env.dir.path()), Vec::<String>::new());
}

// 2. Temporary files: unique, exclusive, never through a planted link.

#[test]
fn a_link_planted_at_a_temporary_name_is_never_written_through() {
    let env = Env::new();
    env.seed_minimal();
    fs::write(env.path("victim"), "precious\n").unwrap();
    fs::create_dir(env.path("export")).unwrap();
    for planted in [".out.csv.partial", "export/.events.csv.partial"] {
        std::os::unix::fs::symlink(env.path("victim"), env.path(planted)).unwrap();
    }
    env.ok(&[
        "report", "timeline", "--format", "csv", "--output", "out.csv",
    ]);
    env.ok(&["export"]);
    assert_eq!(
        fs::read_to_string(env.path("victim")).unwrap(),
        "precious\n"
    );
    for planted in [".out.csv.partial", "export/.events.csv.partial"] {
        assert!(fs::symlink_metadata(env.path(planted))
            .unwrap()
            .is_symlink());
    }
    assert!(fs::read_to_string(env.path("out.csv"))
        .unwrap()
        .starts_with("start_date,"));
    assert!(fs::read_to_string(env.path("export/events.csv"))
        .unwrap()
        .starts_with("id,"));
}

#[test]
fn two_runs_writing_the_same_output_never_mix_their_rows() {
    let env = Env::new();
    env.seed_minimal();
    let n = 100_000;
    let sql = |letter: &str| {
        format!(
            "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT {n}) \
             SELECT x, '{letter}' AS letter FROM c"
        )
    };
    let runs: Vec<Child> = ["a", "b"]
        .iter()
        .map(|l| {
            spawn(
                &env,
                &["query", &sql(l), "--format", "csv", "--output", "x.csv"],
            )
        })
        .collect();
    for run in runs {
        let (code, err) = finish(run);
        assert_eq!(code, Some(0), "{err}");
    }
    let text = fs::read_to_string(env.path("x.csv")).unwrap();
    let letters: std::collections::BTreeSet<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split_once(',').unwrap().1)
        .collect();
    assert_eq!(letters.len(), 1, "rows of both runs: {letters:?}");
    assert_eq!(text.lines().count(), n + 1);
    assert_eq!(hidden(env.dir.path()), Vec::<String>::new());
}

// 3. Ctrl-C and SIGTERM.

#[test]
fn ctrl_c_during_a_first_seed_removes_its_build_and_exits_130() {
    let env = Env::new();
    let input = env.synth(8000, 5, "input");
    let child = spawn(&env, &["seed", &input]);
    wait_for("the build file", || {
        fs::read_dir(env.dir.path()).unwrap().any(|e| {
            let e = e.unwrap();
            e.file_name()
                .to_string_lossy()
                .starts_with(".conflict.db.seeding-")
                && e.metadata().is_ok_and(|m| m.len() > 0)
        })
    });
    signal(&child, libc::SIGINT);
    let (code, err) = finish(child);
    assert_eq!(code, Some(130), "{err}");
    assert_eq!(hidden(env.dir.path()), Vec::<String>::new());
    assert!(!env.db().exists());
}

#[test]
fn ctrl_c_during_a_first_seed_through_a_link_to_a_file_not_yet_made_leaves_no_database() {
    let env = Env::new();
    let input = env.synth(8000, 5, "input");
    fs::create_dir(env.path("real")).unwrap();
    std::os::unix::fs::symlink("real/c.db", env.path("link.db")).unwrap();
    let target = env.path("real/c.db");
    let child = spawn(&env, &["--db", "link.db", "seed", &input]);
    // The file appears where the link leads only when the database is complete.
    wait_for("the database", || target.exists());
    signal(&child, libc::SIGINT);
    let (code, err) = finish(child);
    assert!(matches!(code, Some(0 | 130)), "{code:?} {err}");
    if target.exists() {
        let events: i64 = Connection::open(&target)
            .unwrap()
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap_or(-1);
        assert_eq!(events, 8000, "an incomplete database was left");
    }
    assert!(fs::symlink_metadata(env.path("link.db")).is_ok());
    assert_eq!(hidden(env.dir.path()), Vec::<String>::new());
    assert_eq!(hidden(&env.path("real")), Vec::<String>::new());
}

#[test]
fn a_first_seed_through_a_link_into_a_missing_directory_says_so_and_keeps_the_link() {
    let env = Env::new();
    std::os::unix::fs::symlink("nowhere/c.db", env.path("link.db")).unwrap();
    let err = env.fails(&["--db", "link.db", "seed"]);
    assert_eq!(
        err,
        "conflictdb: cannot create database link.db: directory nowhere does not exist\n"
    );
    assert!(fs::symlink_metadata(env.path("link.db"))
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(hidden(env.dir.path()), Vec::<String>::new());
}

#[test]
fn sigterm_during_an_update_seed_leaves_the_database_as_it_was() {
    let env = Env::new();
    let small = env.synth(500, 1, "small");
    let big = env.synth(8000, 2, "big");
    env.ok(&["seed", &small]);
    let before = state(&env.db());
    let child = spawn(
        &env,
        &["seed", &big, "--dataset", "small", "--allow-removals"],
    );
    // The load writes its pages into the WAL as it goes, and commits once, at the end.
    wait_for("the update writing", || {
        fs::metadata(env.path("conflict.db-wal")).is_ok_and(|m| m.len() > 100_000)
    });
    signal(&child, libc::SIGTERM);
    let (code, err) = finish(child);
    assert_eq!(code, Some(143), "{err}");
    assert_eq!(err, "");
    // The load's log, 100 kB and more when the signal came, is gone with the transaction.
    assert_eq!(side_files(env.dir.path()), Vec::<String>::new());
    assert_eq!(state(&env.db()), before);
    assert_eq!(hidden(env.dir.path()), Vec::<String>::new());
}

#[test]
fn sigterm_during_an_export_removes_its_temporary_files_and_exits_143() {
    let env = Env::new();
    let input = env.synth(8000, 3, "input");
    env.ok(&["seed", &input]);
    fs::create_dir(env.path("out")).unwrap();
    let child = spawn(&env, &["export", "--out", "out"]);
    wait_for("a temporary file", || !hidden(&env.path("out")).is_empty());
    signal(&child, libc::SIGTERM);
    let (code, err) = finish(child);
    assert_eq!(code, Some(143), "{err}");
    assert_eq!(hidden(&env.path("out")), Vec::<String>::new());
    assert_eq!(side_files(env.dir.path()), Vec::<String>::new());
}

#[test]
fn sigterm_during_an_export_of_the_seed_layout_keeps_the_old_export_whole() {
    let env = Env::new();
    let input = env.synth(8000, 4, "input");
    env.ok(&["seed", &input]);
    env.ok(&["export", "--seed", "--out", "layout"]);
    let old = read_files(&env.path("layout"));
    let child = spawn(&env, &["export", "--seed", "--out", "layout"]);
    wait_for("the new export's directory", || {
        hidden(env.dir.path())
            .iter()
            .any(|d| fs::read_dir(env.path(d)).is_ok_and(|mut entries| entries.next().is_some()))
    });
    signal(&child, libc::SIGTERM);
    let (code, err) = finish(child);
    assert_eq!(code, Some(143), "{err}");
    assert!(read_files(&env.path("layout")) == old);
    assert_eq!(hidden(env.dir.path()), Vec::<String>::new());
    assert_eq!(side_files(env.dir.path()), Vec::<String>::new());
}

#[test]
fn ctrl_c_during_a_report_to_a_file_removes_its_temporary_file_and_exits_130() {
    let env = Env::new();
    env.seed_minimal();
    let queries = queries_with_many_rows(&env, 5_000_000);
    let child = spawn(
        &env,
        &[
            "report",
            "rows",
            "--queries",
            &queries,
            "--format",
            "csv",
            "--output",
            "out.csv",
        ],
    );
    wait_for("a temporary file", || !hidden(env.dir.path()).is_empty());
    signal(&child, libc::SIGINT);
    let (code, err) = finish(child);
    assert_eq!(code, Some(130), "{err}");
    assert_eq!(hidden(env.dir.path()), Vec::<String>::new());
    assert!(!env.path("out.csv").exists());
    assert_eq!(side_files(env.dir.path()), Vec::<String>::new());
}

// 4. A build is stale when no seed holds its lock.

#[test]
fn a_first_seed_removes_only_the_builds_no_seed_holds() {
    let env = Env::new();
    let dir = env.seed_dir("minimal", None);
    // Named as builds are, by PIDs no process here has: a seed in another PID namespace.
    let held = env.path(".conflict.db.seeding-4000000000-abcdef");
    let left = env.path(".conflict.db.seeding-4000000001-abcdef");
    let orphan = env.path(".conflict.db.seeding-4000000002-abcdef-journal");
    for file in [&held, &left, &orphan] {
        fs::write(file, "a build").unwrap();
    }
    let lock = fs::File::open(&held).unwrap();
    lock.lock().unwrap();
    env.ok(&["seed", dir.to_str().unwrap()]);
    assert!(held.exists(), "a build whose seed still runs was removed");
    assert!(!left.exists(), "a build nobody holds was left");
    assert!(
        !orphan.exists(),
        "the journal of a build that is gone was left"
    );
    drop(lock);
}

#[test]
fn a_first_seed_is_not_held_up_by_a_fifo_under_a_build_name() {
    let env = Env::new();
    let dir = env.seed_dir("minimal", None);
    let fifo = env.path(".conflict.db.seeding-4000000000-abcdef");
    let name = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path that outlives the call.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0);
    // Opened to be tested for a lock, a FIFO would block the seed until a writer came.
    let mut child = spawn(&env, &["seed", dir.to_str().unwrap()]);
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(30) {
        sleep(Duration::from_millis(10));
    }
    if child.try_wait().unwrap().is_none() {
        child.kill().unwrap();
    }
    let (code, err) = finish(child);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        fs::symlink_metadata(&fifo).is_ok(),
        "the FIFO is not ours to remove"
    );
}

// 9. `export --seed` replaces its directory whole.

#[test]
fn an_export_of_the_seed_layout_that_fails_half_way_leaves_the_old_one_whole() {
    let env = Env::new();
    env.seed_minimal();
    env.ok(&["export", "--seed", "--out", "layout"]);
    let old = read_files(&env.path("layout"));
    // More rows everywhere, then a statement whose stored date cannot be written back, so
    // the export fails after events.csv and before statements.csv.
    env.ok(&["datasets", "remove", "minimal"]);
    env.ok(&["seed"]);
    let conn = Connection::open(env.db()).unwrap();
    conn.execute_batch(
        "PRAGMA ignore_check_constraints = ON;
         UPDATE statements SET said_on = 'garbage' WHERE rowid = (SELECT max(rowid) FROM statements);",
    )
    .unwrap();
    drop(conn);
    let err = env.fails(&["export", "--seed", "--out", "layout"]);
    assert!(err.contains("bad stored date \"garbage\""), "{err}");
    assert!(
        read_files(&env.path("layout")) == old,
        "the old export was changed"
    );
    assert_eq!(hidden(env.dir.path()), Vec::<String>::new());
}

#[test]
fn an_export_of_the_seed_layout_never_deletes_files_it_does_not_write() {
    let env = Env::new();
    env.seed_minimal();
    env.ok(&["export", "--seed", "--out", "layout"]);
    fs::write(env.path("layout/notes.txt"), "mine\n").unwrap();
    let old = read_files(&env.path("layout"));
    let err = env.fails(&["export", "--seed", "--out", "layout"]);
    assert_eq!(
        err,
        "conflictdb: refusing to export the seed layout to layout: it holds notes.txt, which the export would delete; use an empty or new directory\n"
    );
    assert!(read_files(&env.path("layout")) == old);
    // Its own files only: replaced whole, and nothing left beside it.
    fs::remove_file(env.path("layout/notes.txt")).unwrap();
    env.ok(&["datasets", "remove", "minimal"]);
    env.ok(&["seed"]);
    env.ok(&["export", "--seed", "--out", "layout"]);
    assert!(read_files(&env.path("layout")) != old);
    assert_eq!(hidden(env.dir.path()), Vec::<String>::new());
}

#[test]
fn an_export_of_the_seed_layout_never_deletes_a_directory_or_database_under_one_of_its_names() {
    let env = Env::new();
    env.seed_minimal();
    env.ok(&["export", "--seed", "--out", "layout"]);
    fs::remove_file(env.path("layout/events.csv")).unwrap();
    fs::create_dir(env.path("layout/events.csv")).unwrap();
    fs::write(env.path("layout/events.csv/thesis.txt"), "mine\n").unwrap();
    let err = env.fails(&["export", "--seed", "--out", "layout"]);
    assert_eq!(
        err,
        "conflictdb: refusing to export the seed layout to layout: it holds events.csv, which the export would delete; use an empty or new directory\n"
    );
    assert_eq!(
        fs::read_to_string(env.path("layout/events.csv/thesis.txt")).unwrap(),
        "mine\n"
    );
    fs::remove_dir_all(env.path("layout/events.csv")).unwrap();
    // An SQLite database under a name the export writes (here a copy of the one in use).
    fs::copy(env.db(), env.path("layout/sources.csv")).unwrap();
    let err = env.fails(&["export", "--seed", "--out", "layout"]);
    assert_eq!(
        err,
        "conflictdb: refusing to export the seed layout to layout: it holds sources.csv, which the export would delete; use an empty or new directory\n"
    );
    assert!(Connection::open(env.path("layout/sources.csv"))
        .unwrap()
        .query_row("SELECT count(*) FROM events", [], |row| row
            .get::<_, i64>(0))
        .is_ok());
}

#[test]
fn an_export_of_the_seed_layout_keeps_the_modes_of_the_files_it_replaces() {
    let env = Env::new();
    env.seed_minimal();
    env.ok(&["export", "--seed", "--out", "layout"]);
    let private = fs::Permissions::from_mode(0o600);
    fs::set_permissions(env.path("layout/statements.csv"), private).unwrap();
    let mode = |name: &str| fs::metadata(env.path(name)).unwrap().mode() & 0o7777;
    let events = mode("layout/events.csv");
    env.ok(&["datasets", "remove", "minimal"]);
    env.ok(&["seed"]);
    env.ok(&["export", "--seed", "--out", "layout"]);
    assert_eq!(mode("layout/statements.csv"), 0o600);
    assert_eq!(mode("layout/events.csv"), events);
}

// 13. A full disk names the file.

#[test]
fn a_full_disk_names_the_output_file() {
    let env = Env::new();
    env.seed_minimal();
    // /dev/full fails every write with ENOSPC, as a full disk does; a link to it is followed as
    // `>` follows it.
    std::os::unix::fs::symlink("/dev/full", env.path("out.csv")).unwrap();
    for args in [
        &[
            "report", "timeline", "--format", "csv", "--output", "out.csv",
        ][..],
        &[
            "query", "SELECT 1", "--format", "json", "--output", "out.csv",
        ],
    ] {
        let err = env.fails(args);
        assert_eq!(
            err, "conflictdb: disk full while writing out.csv\n",
            "{args:?}"
        );
    }
    fs::create_dir(env.path("export")).unwrap();
    std::os::unix::fs::symlink("/dev/full", env.path("export/events.csv")).unwrap();
    let err = env.fails(&["export"]);
    assert!(
        err.ends_with("conflictdb: disk full while writing export/events.csv\n"),
        "{err}"
    );
    assert!(fs::symlink_metadata(env.path("out.csv"))
        .unwrap()
        .is_symlink());
    // A real full filesystem: the old file stays whole and the partial new one is removed.
    let _full = Mount::tmpfs(&env.path("full"), "size=64k");
    fs::write(env.path("full/out.csv"), "old\n").unwrap();
    let queries = queries_with_many_rows(&env, 20_000);
    let err = env.fails(&[
        "report",
        "rows",
        "--queries",
        &queries,
        "--format",
        "csv",
        "--output",
        "full/out.csv",
    ]);
    assert_eq!(err, "conflictdb: disk full while writing full/out.csv\n");
    assert_eq!(
        fs::read_to_string(env.path("full/out.csv")).unwrap(),
        "old\n"
    );
    assert_eq!(hidden(&env.path("full")), Vec::<String>::new());
}

// 15. A reader that stops early.

#[test]
fn a_reader_that_stops_after_one_line_ends_the_run_quietly() {
    let env = Env::new();
    env.seed_minimal();
    let queries = queries_with_many_rows(&env, 20_000);
    let sql = many_rows(20_000);
    for format in ["csv", "json", "table", "markdown"] {
        for args in [
            &["query", &sql, "--format", format][..],
            &["report", "rows", "--queries", &queries, "--format", format],
        ] {
            let mut child = env
                .spawnable()
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let mut first = String::new();
            BufReader::new(child.stdout.take().unwrap())
                .read_line(&mut first)
                .unwrap();
            assert!(!first.is_empty());
            let (code, err) = finish(child);
            assert_eq!((code, err.as_str()), (Some(0), ""), "{args:?}");
        }
    }
}
