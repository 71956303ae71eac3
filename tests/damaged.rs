//! Opening databases that are read-only, damaged, or not files at all (issue 10, points 10-13).
//!
//! Root ignores file and directory permissions, so a chmod proves nothing when the tests run as
//! root (as they do in CI): read-only file systems are real read-only tmpfs mounts, and read-only
//! directories are tried by running the binary as `nobody`. Both need root; without it these
//! tests fail, saying so, rather than pass without testing anything.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::common::mount::{c_path, Mount};
use crate::common::Env;

const NOBODY: u32 = 65534;

/// The names in a directory, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Every file of an export directory, by name.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    listing(dir)
        .into_iter()
        .map(|name| {
            let bytes = fs::read(dir.join(&name)).unwrap();
            (name, bytes)
        })
        .collect()
}

/// Runs the binary as `nobody` when the tests run as root (so that directory permissions hold),
/// as this user otherwise. Returns (exit code, stdout, stderr).
fn as_unprivileged(env: &Env, args: &[&str]) -> Outcome {
    let mut cmd = env.spawnable();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        // `nobody` must reach the binary and the test's directory.
        let bin = env.path("bin/conflictdb");
        if !bin.exists() {
            fs::create_dir_all(env.path("bin")).unwrap();
            let built = assert_cmd::cargo::cargo_bin("conflictdb");
            if fs::hard_link(&built, &bin).is_err() {
                fs::copy(&built, &bin).unwrap();
            }
        }
        for dir in [env.dir.path(), &env.path("bin")] {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o755)).unwrap();
        }
        cmd = std::process::Command::new(bin);
        cmd.current_dir(env.dir.path())
            .env_remove("CONFLICTDB_DB")
            .env("COLUMNS", "400")
            .uid(NOBODY)
            .gid(NOBODY);
    }
    let out = cmd.args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A command's exit code, stdout and stderr.
type Outcome = (i32, String, String);

/// What the reading commands print for the database `db`, and the files `export` wrote to `out`
/// (which must not exist yet).
fn readings(
    run: &dyn Fn(&[&str]) -> Outcome,
    db: &str,
    out: &str,
    out_path: &Path,
) -> (Vec<Outcome>, Vec<(String, Vec<u8>)>) {
    let printed = [
        &["check"][..],
        &["report", "timeline", "--format", "csv"],
        &[
            "query",
            "SELECT key, title FROM v_events ORDER BY key",
            "--format",
            "csv",
        ],
        &["migrate", "--status"],
    ]
    .iter()
    .map(|args| run(&[&["--db", db][..], args].concat()))
    .collect();
    let export = run(&["--db", db, "export", "--out", out]);
    assert_eq!(export.0, 0, "export failed: {}", export.2);
    (printed, files(out_path))
}

// Point 10: reading a database where nothing can be written.

#[test]
fn report_query_check_and_export_work_on_a_read_only_file_system() {
    let env = Env::new();
    env.seed_minimal();
    let run = |args: &[&str]| env.run(args);
    let expected = readings(&run, "conflict.db", "expected", &env.path("expected"));
    assert!(expected.0.iter().all(|(code, _, _)| *code == 0));
    // Also a name with characters that an SQLite URI reads as syntax.
    let odd = "my data #1?%.db";
    let ro = env.path("ro");
    let _mount = Mount::read_only_with(&ro, &[(&env.db(), "conflict.db"), (&env.db(), odd)]);
    for (db, out) in [("ro/conflict.db", "got"), (&format!("ro/{odd}"), "got-odd")] {
        let got = readings(&run, db, out, &env.path(out));
        assert_eq!(got, expected, "{db}");
    }
    assert_eq!(listing(&ro), ["conflict.db", odd]);
}

#[test]
fn report_query_check_and_export_work_in_a_directory_nobody_may_write() {
    let env = Env::new();
    env.seed_minimal();
    let expected = readings(
        &|args| env.run(args),
        "conflict.db",
        "expected",
        &env.path("expected"),
    );
    let locked = env.path("locked");
    fs::create_dir(&locked).unwrap();
    fs::copy(env.db(), locked.join("conflict.db")).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    let outputs = env.path("outputs");
    fs::create_dir(&outputs).unwrap();
    fs::set_permissions(&outputs, fs::Permissions::from_mode(0o777)).unwrap();
    let got = readings(
        &|args| as_unprivileged(&env, args),
        "locked/conflict.db",
        "outputs/export",
        &outputs.join("export"),
    );
    assert_eq!(got, expected);
    assert_eq!(listing(&locked), ["conflict.db"]);
}

#[test]
fn an_output_file_this_user_may_not_write_is_not_replaced() {
    let env = Env::new();
    env.seed_minimal();
    let locked = env.path("locked");
    fs::create_dir(&locked).unwrap();
    fs::copy(env.db(), locked.join("conflict.db")).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    // A directory the user may write, holding a file it may not.
    let outputs = env.path("outputs");
    fs::create_dir(&outputs).unwrap();
    fs::set_permissions(&outputs, fs::Permissions::from_mode(0o777)).unwrap();
    let out = outputs.join("out.csv");
    fs::write(&out, "old\n").unwrap();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        std::os::unix::fs::chown(&out, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    fs::set_permissions(&out, fs::Permissions::from_mode(0o444)).unwrap();
    for args in [
        &["report", "timeline", "--format", "csv"][..],
        &["query", "SELECT 1"],
    ] {
        let (code, stdout, err) = as_unprivileged(
            &env,
            &[
                &["--db", "locked/conflict.db"][..],
                args,
                &["-o", "outputs/out.csv"],
            ]
            .concat(),
        );
        assert_eq!(
            (code, stdout.as_str(), err.as_str()),
            (
                1,
                "",
                "conflictdb: cannot write outputs/out.csv: Permission denied (os error 13)\n"
            ),
            "{args:?}"
        );
    }
    assert_eq!(fs::read_to_string(&out).unwrap(), "old\n");
    assert_eq!(listing(&outputs), ["out.csv"]);
}

#[test]
fn an_output_file_this_user_may_write_in_a_directory_it_may_not_is_written_as_by_a_shell() {
    let env = Env::new();
    env.seed_minimal();
    let locked = env.path("locked");
    fs::create_dir(&locked).unwrap();
    fs::copy(env.db(), locked.join("conflict.db")).unwrap();
    // The file is the user's to write; its directory is not (when the tests run as root, the
    // binary runs as nobody).
    let out = locked.join("out.csv");
    fs::write(&out, "old\n").unwrap();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        std::os::unix::fs::chown(&out, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    fs::set_permissions(&out, fs::Permissions::from_mode(0o644)).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    let (code, stdout, err) = as_unprivileged(
        &env,
        &[
            "--db",
            "locked/conflict.db",
            "query",
            "SELECT 42 AS answer",
            "--format",
            "csv",
            "-o",
            "locked/out.csv",
        ],
    );
    assert_eq!((code, stdout.as_str(), err.as_str()), (0, "", ""));
    assert_eq!(fs::read_to_string(&out).unwrap(), "answer\n42\n");
    assert_eq!(listing(&locked), ["conflict.db", "out.csv"]);
    assert_eq!(
        fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o644
    );
}

#[test]
fn a_directory_others_may_write_is_not_read_as_immutable() {
    let env = Env::new();
    env.seed_minimal();
    // Its owner (the user the binary runs as) may not write here, others may: the file could
    // change under a reader that takes no locks.
    let shared = env.path("shared");
    fs::create_dir(&shared).unwrap();
    fs::copy(env.db(), shared.join("conflict.db")).unwrap();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } == 0 {
        std::os::unix::fs::chown(&shared, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    fs::set_permissions(&shared, fs::Permissions::from_mode(0o577)).unwrap();
    let (code, out, err) = as_unprivileged(&env, &["--db", "shared/conflict.db", "check"]);
    assert_eq!((code, out.as_str()), (1, ""), "{err}");
    assert_eq!(
        err,
        "conflictdb: cannot read shared/conflict.db: SQLite needs to create shared/conflict.db-shm beside it, and directory shared is not writable by this user while others may write to it (so the file could change while it is read); make the directory read-only for everyone, or copy the database elsewhere\n"
    );
    assert_eq!(listing(&shared), ["conflict.db"]);
}

#[test]
fn changes_waiting_in_the_wal_file_are_read_or_refused_never_ignored() {
    let env = Env::new();
    env.seed_minimal();
    let db = env.db();
    let wal = env.path("conflict.db-wal");
    let shm = env.path("conflict.db-shm");
    // A committed change that is still only in the -wal file: copied while the writer has the
    // database open, before any checkpoint.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch(
        "PRAGMA wal_autocheckpoint = 0;
         UPDATE events SET title = 'Changed in the WAL' WHERE key = '2020-war';",
    )
    .unwrap();
    let _with_shm = Mount::read_only_with(
        &env.path("with-shm"),
        &[
            (&db, "conflict.db"),
            (&wal, "conflict.db-wal"),
            (&shm, "conflict.db-shm"),
        ],
    );
    let _without_shm = Mount::read_only_with(
        &env.path("without-shm"),
        &[(&db, "conflict.db"), (&wal, "conflict.db-wal")],
    );
    drop(conn);
    let sql = "SELECT title FROM events WHERE key = '2020-war'";
    let out = env.ok(&[
        "--db",
        "with-shm/conflict.db",
        "query",
        sql,
        "--format",
        "csv",
    ]);
    assert_eq!(out, "title\nChanged in the WAL\n");
    let err = env.fails(&["--db", "without-shm/conflict.db", "query", sql]);
    assert_eq!(
        err,
        "conflictdb: cannot read without-shm/conflict.db: without-shm/conflict.db-wal holds changes not yet copied into it, and SQLite needs to create without-shm/conflict.db-shm to read them, but directory without-shm is on a read-only file system; open it once where its directory can be written\n"
    );
}

// Point 11: check on a damaged database.

/// The name of every rule, in the order check prints them.
const RULES: &[&str] = &[
    "integrity_check",
    "foreign_key_check",
    "migrations",
    "schema",
    "every event has a source",
    "every statement has a source",
    "every casualty claim has a source",
    "no cycle in actors.parent_id",
    "no cycle in events.parent_id",
    "no cycle in sources.cited_in",
    "actor roots match their parents",
    "search indexes match their tables",
    "casualty figures in order (low <= best <= high)",
];

/// The lines check prints when every rule passes except `failed`, which print theirs.
fn check_output(failed: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for rule in RULES {
        let lines: Vec<&str> = failed
            .iter()
            .filter(|(name, _)| name == rule)
            .map(|(_, line)| *line)
            .collect();
        if lines.is_empty() {
            out.push_str(&format!("ok    {rule}\n"));
        }
        for line in lines {
            out.push_str(&format!("FAIL  {rule}: {line}\n"));
        }
    }
    out
}

fn tamper(env: &Env, sql: &str) {
    rusqlite::Connection::open(env.db())
        .unwrap()
        .execute_batch(sql)
        .unwrap();
}

#[test]
fn check_on_an_undamaged_database_passes_every_rule() {
    let env = Env::new();
    env.seed_minimal();
    let (code, out, err) = env.run(&["check"]);
    assert_eq!((code, err.as_str()), (0, ""));
    assert_eq!(out, check_output(&[]));
}

/// The events table's root page and the page size of the test's database.
fn events_root_page(env: &Env) -> (i64, i64) {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.query_row(
        "SELECT rootpage, (SELECT page_size FROM pragma_page_size) FROM sqlite_master
             WHERE name = 'events'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

#[test]
fn check_on_a_smashed_page_reports_the_damage_and_runs_every_other_rule() {
    let env = Env::new();
    env.seed_minimal();
    let (root, page_size) = events_root_page(&env);
    let mut bytes = fs::read(env.db()).unwrap();
    let page = usize::try_from((root - 1) * page_size).unwrap()
        ..usize::try_from(root * page_size).unwrap();
    bytes[page].fill(0xff);
    fs::write(env.db(), bytes).unwrap();
    let (code, out, err) = env.run(&["check"]);
    assert_eq!(code, 1);
    let damaged = "could not finish: conflict.db is damaged: database disk image is malformed";
    assert_eq!(
        out,
        check_output(&[
            (
                "integrity_check",
                "table events: database disk image is malformed"
            ),
            ("foreign_key_check", damaged),
            ("no cycle in events.parent_id", damaged),
            ("search indexes match their tables", damaged),
        ])
    );
    assert_eq!(err, "conflictdb: check found 4 problems\n");
}

/// Runs check, and asserts that it fails, that its first line is `first`, that every rule
/// reports (a line `ok` or one or more `FAIL`), and that the count on stderr is of the `FAIL`s.
fn check_reports_every_rule_after(env: &Env, first: &str) -> String {
    let (code, out, err) = env.run(&["check"]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out.lines().next(), Some(first), "{out}");
    for rule in RULES {
        assert!(
            out.lines().any(|line| line == format!("ok    {rule}")
                || line.starts_with(&format!("FAIL  {rule}: "))),
            "rule {rule} did not report:\n{out}"
        );
    }
    let failures = out.lines().filter(|l| l.starts_with("FAIL  ")).count();
    assert_eq!(
        err,
        format!("conflictdb: check found {failures} problems\n")
    );
    out
}

/// Rewrites the database with 64 KiB pages, so that its whole schema sits on page 1 (with 16 KiB
/// pages it spills onto pages after the tables'): a file cut short then keeps its schema, as
/// these tests need.
fn schema_on_the_first_page(env: &Env) {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = DELETE; PRAGMA page_size = 65536; VACUUM; PRAGMA journal_mode = WAL;",
    )
    .unwrap();
    let pages: String = conn
        .query_row(
            "SELECT group_concat(pageno) FROM dbstat WHERE name = 'sqlite_schema'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(pages, "1");
}

#[test]
fn check_on_a_file_cut_short_reports_it_and_runs_every_rule() {
    let env = Env::new();
    env.seed_minimal();
    schema_on_the_first_page(&env);
    let (root, page_size) = events_root_page(&env);
    // SQLite refuses to open a file shorter than its header says, unless asked to read what
    // it can.
    let file = fs::OpenOptions::new().write(true).open(env.db()).unwrap();
    file.set_len(u64::try_from((root - 1) * page_size).unwrap())
        .unwrap();
    drop(file);
    let out = check_reports_every_rule_after(
        &env,
        "FAIL  integrity_check: conflict.db is damaged: database disk image is malformed",
    );
    assert!(
        out.contains("FAIL  integrity_check: table events: database disk image is malformed\n"),
        "{out}"
    );
}

#[test]
fn check_on_a_file_cut_to_its_first_page_says_why_the_migrations_rule_could_not_finish() {
    let env = Env::new();
    env.seed_minimal();
    schema_on_the_first_page(&env);
    let page_size: i64 = rusqlite::Connection::open(env.db())
        .unwrap()
        .query_row("PRAGMA page_size", [], |r| r.get(0))
        .unwrap();
    let file = fs::OpenOptions::new().write(true).open(env.db()).unwrap();
    file.set_len(u64::try_from(page_size).unwrap()).unwrap();
    drop(file);
    let out = check_reports_every_rule_after(
        &env,
        "FAIL  integrity_check: conflict.db is damaged: database disk image is malformed",
    );
    assert!(
        out.contains(
            "FAIL  migrations: could not finish: conflict.db is damaged: database disk image is malformed\n"
        ),
        "{out}"
    );
}

#[test]
fn check_on_a_schema_sqlite_cannot_parse_reports_it_and_runs_every_rule() {
    let env = Env::new();
    env.seed_minimal();
    tamper(
        &env,
        "PRAGMA writable_schema = ON;
         UPDATE sqlite_master SET sql = 'CREATE VIEW v_events AS SELECT' WHERE name = 'v_events';",
    );
    let out = check_reports_every_rule_after(
        &env,
        "FAIL  integrity_check: conflict.db is damaged: malformed database schema (v_events) - incomplete input",
    );
    assert!(
        out.contains("FAIL  schema: view v_events differs from the one the migrations build\n"),
        "{out}"
    );
}

/// Runs check on a database changed by `sql`, and asserts that the schema rule alone fails,
/// with `findings`.
fn schema_findings(sql: &str, findings: &[&str]) {
    let env = Env::new();
    env.seed_minimal();
    tamper(&env, sql);
    let (code, out, err) = env.run(&["check"]);
    assert_eq!(code, 1, "{sql}");
    let failed: Vec<(&str, &str)> = findings.iter().map(|f| ("schema", *f)).collect();
    assert_eq!(out, check_output(&failed), "{sql}");
    let problems = match findings.len() {
        1 => "1 problem".to_string(),
        n => format!("{n} problems"),
    };
    assert_eq!(
        err,
        format!("conflictdb: check found {problems}\n"),
        "{sql}"
    );
}

#[test]
fn check_names_a_dropped_view() {
    schema_findings("DROP VIEW v_statements", &["view v_statements is missing"]);
}

#[test]
fn check_names_a_dropped_index() {
    schema_findings("DROP INDEX events_key", &["index events_key is missing"]);
}

#[test]
fn check_names_an_added_column() {
    schema_findings(
        "ALTER TABLE events ADD COLUMN reviewed INTEGER",
        &["table events differs from the one the migrations build (column reviewed added)"],
    );
}

#[test]
fn check_names_an_altered_view_and_an_added_index() {
    schema_findings(
        "DROP VIEW v_events; CREATE VIEW v_events AS SELECT * FROM events;
         CREATE INDEX events_title ON events (title)",
        &[
            "view v_events differs from the one the migrations build",
            "index events_title is not one the migrations build",
        ],
    );
}

#[test]
fn check_reports_a_dropped_table_and_still_runs_the_other_rules() {
    let env = Env::new();
    env.seed_minimal();
    tamper(&env, "DROP TABLE casualties");
    let (code, out, err) = env.run(&["check"]);
    assert_eq!(code, 1);
    assert_eq!(
        out,
        check_output(&[
            ("schema", "index casualties_event is missing"),
            ("schema", "index casualties_key is missing"),
            ("schema", "index casualties_part_of is missing"),
            ("schema", "index casualties_side is missing"),
            ("schema", "table casualties is missing"),
            // The triggers on the table go with it: the edit marks (V13), the fatality log's.
            ("schema", "trigger casualties_edit_delete is missing"),
            ("schema", "trigger casualties_edit_insert is missing"),
            ("schema", "trigger casualties_edit_update is missing"),
            ("schema", "trigger casualty_figures_changed is missing"),
            (
                "every casualty claim has a source",
                "could not finish: no such table: casualties"
            ),
            (
                "casualty figures in order (low <= best <= high)",
                "could not finish: no such table: casualties"
            ),
        ])
    );
    assert_eq!(err, "conflictdb: check found 11 problems\n");
}

#[test]
fn seed_refuses_a_database_whose_index_was_dropped_and_leaves_it_as_it_was() {
    let env = Env::new();
    let dir = env.seed_minimal();
    tamper(&env, "DROP INDEX events_key");
    let before = fs::read(env.db()).unwrap();
    let err = env.fails(&["seed", dir.to_str().unwrap()]);
    assert_eq!(
        err,
        "conflictdb: conflict.db: index events_key is missing: run `conflictdb check`\n"
    );
    assert_eq!(fs::read(env.db()).unwrap(), before);
}

// Point 12: a --db that is not a regular file.

/// Every command that opens the database, with the rest of its arguments.
const OPENING_COMMANDS: &[&[&str]] = &[
    &["check"],
    &["report", "timeline"],
    &["query", "SELECT 1"],
    &["export", "--out", "exported"],
    &["export", "--seed", "--out", "exported-seed"],
    &["seed"],
    &["migrate"],
    &["migrate", "--status"],
];

/// Runs every command that opens the database on `db` at once, and asserts that each is refused
/// with `message` within 10 s (a command that hangs is killed and fails the test).
fn refused_by_every_command(env: &Env, db: &str, message: &str) {
    let started = Instant::now();
    let mut children: Vec<_> = OPENING_COMMANDS
        .iter()
        .map(|args| {
            let child = env
                .spawnable()
                .args(["--db", db])
                .args(*args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            (args, Some(child))
        })
        .collect();
    for (args, child) in &mut children {
        let mut child = child.take().unwrap();
        while child.try_wait().unwrap().is_none() {
            if started.elapsed() > Duration::from_secs(10) {
                let _ = child.kill();
                let _ = child.wait();
                panic!("conflictdb --db {db} {args:?} was still running after 10 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(1), "--db {db} {args:?}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            message,
            "--db {db} {args:?}"
        );
        assert!(out.stdout.is_empty(), "--db {db} {args:?}");
    }
}

#[test]
fn an_sqlite_file_with_a_smashed_or_cut_header_is_called_damaged_by_every_command() {
    let env = Env::new();
    env.seed_minimal();
    let mut bytes = fs::read(env.db()).unwrap();
    // The magic string stays; the page size and the rest of the header are garbage.
    bytes[16..100].fill(0xee);
    fs::write(env.db(), &bytes).unwrap();
    refused_by_every_command(
        &env,
        "conflict.db",
        "conflictdb: conflict.db is damaged: it starts as an SQLite database does, but SQLite cannot read its header\n",
    );
    fs::write(env.db(), &bytes[..50]).unwrap();
    refused_by_every_command(
        &env,
        "conflict.db",
        "conflictdb: conflict.db is damaged: it starts as an SQLite database does but is only 50 bytes long\n",
    );
}

#[test]
fn a_fifo_as_db_is_refused_at_once_by_every_command() {
    let env = Env::new();
    let fifo = env.path("pipe");
    // SAFETY: a NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c_path(&fifo).as_ptr(), 0o644) }, 0);
    refused_by_every_command(
        &env,
        "pipe",
        "conflictdb: pipe is a FIFO (named pipe), not a database file; pass --db to choose another file\n",
    );
    assert_eq!(listing(env.dir.path()), ["pipe"]);
}

#[test]
fn a_device_or_a_directory_as_db_is_refused_by_every_command() {
    let env = Env::new();
    refused_by_every_command(
        &env,
        "/dev/null",
        "conflictdb: /dev/null is a character device, not a database file; pass --db to choose another file\n",
    );
    fs::create_dir(env.path("data")).unwrap();
    refused_by_every_command(
        &env,
        "data",
        "conflictdb: data is a directory, not a database file; pass --db to choose another file\n",
    );
    assert_eq!(listing(env.dir.path()), ["data"]);
    assert!(listing(&env.path("data")).is_empty());
}

#[test]
fn migrate_status_on_an_empty_file_lists_everything_pending_and_writes_nothing() {
    let env = Env::new();
    fs::write(env.db(), "").unwrap();
    let out = env.ok(&["migrate", "--status"]);
    let pending: String = crate::common::migrations()
        .iter()
        .map(|(version, name)| format!("{version}\t{name}\tpending\t\n"))
        .collect();
    assert_eq!(out, format!("version\tname\tstate\tapplied_on\n{pending}"));
    assert_eq!(fs::metadata(env.db()).unwrap().len(), 0);
    assert_eq!(listing(env.dir.path()), ["conflict.db"]);
}

// Point 13: writing where it cannot be done says so, naming the file.

#[test]
fn output_into_a_read_only_file_system_says_so_without_a_temporary_name() {
    let env = Env::new();
    env.seed_minimal();
    let ro = env.path("ro");
    let _mount = Mount::read_only_with(&ro, &[]);
    let place = fs::canonicalize(&ro).unwrap();
    let err = env.fails(&["report", "timeline", "--output", "ro/timeline.csv"]);
    assert_eq!(
        err,
        format!(
            "conflictdb: cannot write ro/timeline.csv: directory {} is on a read-only file system\n",
            place.display()
        )
    );
    let err = env.fails(&["export", "--seed", "--out", "ro/seed"]);
    assert_eq!(
        err,
        "conflictdb: cannot write ro/seed: directory ro is on a read-only file system\n"
    );
}

#[test]
fn a_full_standard_output_is_named_by_every_command_that_writes_there() {
    let env = Env::new();
    env.seed_minimal();
    for args in [&["check"][..], &["reports"], &["migrate", "--status"]] {
        let out = env
            .spawnable()
            .args(args)
            .stdout(fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        assert_eq!(
            (out.status.code(), String::from_utf8_lossy(&out.stderr)),
            (
                Some(1),
                "conflictdb: disk full while writing standard output\n".into()
            ),
            "{args:?}"
        );
    }
}

#[test]
fn seed_and_migrate_on_a_read_only_file_system_say_so() {
    let env = Env::new();
    let dir = env.seed_minimal();
    let ro = env.path("ro");
    let _mount = Mount::read_only_with(&ro, &[(&env.db(), "conflict.db")]);
    let before = fs::read(ro.join("conflict.db")).unwrap();
    for args in [&["seed", dir.to_str().unwrap()][..], &["migrate"]] {
        let err = env.fails(&[&["--db", "ro/conflict.db"][..], args].concat());
        assert_eq!(
            err, "conflictdb: ro/conflict.db is on a read-only file system: cannot write to it\n",
            "{args:?}"
        );
    }
    assert_eq!(fs::read(ro.join("conflict.db")).unwrap(), before);
    // A first seed cannot make its new file there either, and says why, not which temporary
    // name it tried.
    let err = env.fails(&["--db", "ro/new.db", "seed", dir.to_str().unwrap()]);
    assert_eq!(
        err,
        "conflictdb: cannot create ro/new.db: directory ro is on a read-only file system\n"
    );
    assert_eq!(listing(&ro), ["conflict.db"]);
}

#[test]
fn seed_into_a_read_only_file_or_directory_says_so() {
    let env = Env::new();
    let data = env.seed_minimal();
    fs::set_permissions(&data, fs::Permissions::from_mode(0o755)).unwrap();
    let owned_by_runner = |path: &Path, mode: u32| {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } == 0 {
            std::os::unix::fs::chown(path, Some(NOBODY), Some(NOBODY)).unwrap();
        }
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
    };
    // A file the runner may not write, in a directory it may.
    let open = env.path("open");
    fs::create_dir(&open).unwrap();
    fs::copy(env.db(), open.join("conflict.db")).unwrap();
    owned_by_runner(&open, 0o755);
    owned_by_runner(&open.join("conflict.db"), 0o444);
    // A file the runner may write, in a directory it may not.
    let closed = env.path("closed");
    fs::create_dir(&closed).unwrap();
    fs::copy(env.db(), closed.join("conflict.db")).unwrap();
    owned_by_runner(&closed.join("conflict.db"), 0o644);
    fs::set_permissions(&closed, fs::Permissions::from_mode(0o555)).unwrap();
    for (db, message) in [
        (
            "open/conflict.db",
            "conflictdb: open/conflict.db is read-only: cannot write to it\n",
        ),
        (
            "closed/conflict.db",
            "conflictdb: cannot open closed/conflict.db: SQLite needs to create closed/conflict.db-wal and closed/conflict.db-shm beside it, and directory closed is not writable\n",
        ),
    ] {
        let before = fs::read(env.path(db)).unwrap();
        let (code, _, err) = as_unprivileged(&env, &["--db", db, "seed", "minimal"]);
        assert_eq!((code, err.as_str()), (1, message));
        assert_eq!(fs::read(env.path(db)).unwrap(), before);
    }
    assert_eq!(listing(&open), ["conflict.db"]);
    assert_eq!(listing(&closed), ["conflict.db"]);
}

#[test]
fn migrate_on_a_full_disk_says_the_disk_is_full() {
    let env = Env::new();
    let full = env.path("full");
    let _mount = Mount::tmpfs(&full, "size=64k");
    let err = env.fails(&["--db", "full/conflict.db", "migrate"]);
    assert_eq!(
        err,
        "conflictdb: migrating full/conflict.db failed; it is unchanged, at schema version 0: disk full while writing full/conflict.db\n"
    );
    assert!(listing(&full).is_empty());
}
