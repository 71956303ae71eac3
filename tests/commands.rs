//! Each command through the real binary: exit codes, output and error text.

use std::fs;

use crate::common::{csv_rows, latest, migrations, Env};

#[test]
fn seed_loads_the_built_in_data_and_prints_counts_to_stderr() {
    let env = Env::new();
    let (code, out, err) = env.run(&["seed"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "");
    assert!(err.starts_with("conflictdb: seeded conflict.db\n"), "{err}");
    let events = env.query("SELECT count(*) FROM events")[0][0].clone();
    assert!(
        err.lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["events", events.as_str()]),
        "{err}"
    );
    assert!(events.parse::<u32>().unwrap() > 0);
}

#[test]
fn seeding_twice_leaves_the_same_database() {
    let env = Env::new();
    env.ok(&["seed"]);
    env.ok(&["export", "--out", "first"]);
    env.ok(&["seed"]);
    env.ok(&["export", "--out", "second"]);
    let mut compared = 0;
    for entry in fs::read_dir(env.path("first")).unwrap() {
        let path = entry.unwrap().path();
        // When each dataset was loaded differs, by design.
        if path.ends_with("datasets.csv") {
            continue;
        }
        let again = env.path("second").join(path.file_name().unwrap());
        assert_eq!(
            fs::read(&path).unwrap(),
            fs::read(&again).unwrap(),
            "{} differs",
            path.display()
        );
        compared += 1;
    }
    assert!(compared > 20, "only {compared} files exported");
}

#[test]
fn an_edited_row_updates_its_row_instead_of_adding_one() {
    let env = Env::new();
    let seed = env.seed_minimal();
    let events = seed.join("events.csv");
    let text = fs::read_to_string(&events)
        .unwrap()
        .replace("The 2020 war,war", "The second war,war");
    fs::write(&events, text).unwrap();
    env.ok(&["seed", seed.to_str().unwrap()]);
    assert_eq!(
        env.query("SELECT key, title FROM events ORDER BY id"),
        vec![
            vec!["2020-war".to_string(), "The second war".to_string()],
            vec!["2020-10-04-ganja-strike".into(), "Strike on Ganja".into()],
            vec!["2020-10-ceasefire".into(), "October ceasefire".into()],
        ]
    );
}

#[test]
fn partial_dates_are_stored_as_their_first_and_last_day_with_the_precision() {
    let env = Env::new();
    env.seed_minimal();
    assert_eq!(
        env.query("SELECT key, start_date, end_date, date_precision FROM events ORDER BY id"),
        vec![
            vec!["2020-war", "2020-09-27", "2020-11-10", "day"],
            vec!["2020-10-04-ganja-strike", "2020-10-04", "2020-10-04", "day"],
            vec!["2020-10-ceasefire", "2020-10-01", "2020-10-31", "month"],
        ]
        .into_iter()
        .map(|r| r.into_iter().map(String::from).collect::<Vec<_>>())
        .collect::<Vec<_>>()
    );
}

#[test]
fn the_db_option_and_the_environment_variable_choose_the_file() {
    let env = Env::new();
    let seed = env.seed_dir("minimal", None);
    env.ok(&["--db", "by-flag.db", "seed", seed.to_str().unwrap()]);
    assert!(env.path("by-flag.db").exists());
    let out = env
        .cmd()
        .env("CONFLICTDB_DB", "by-env.db")
        .args(["seed", seed.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(env.path("by-env.db").exists());
    assert!(!env.db().exists());
}

#[test]
fn commands_that_read_refuse_a_missing_database() {
    let env = Env::new();
    let err = env.fails(&["report", "timeline"]);
    assert_eq!(err, "conflictdb: no database at conflict.db: run `conflictdb seed` to create it, or pass --db\n");
    assert!(!env.db().exists());
}

#[test]
fn migrate_creates_the_schema_and_status_lists_each_migration() {
    let env = Env::new();
    let before = env.ok(&["migrate", "--status"]);
    let known = migrations();
    let mut expected = "version\tname\tstate\tapplied_on\n".to_string();
    for (version, name) in &known {
        expected.push_str(&format!("{version}\t{name}\tpending\t\n"));
    }
    assert_eq!(before, expected);
    assert!(!env.db().exists(), "--status must not create the file");
    let (code, _, err) = env.run(&["migrate"]);
    assert_eq!(code, 0);
    let applied: String = known
        .iter()
        .map(|(version, name)| format!("conflictdb: applied V{version}__{name}\n"))
        .collect();
    assert_eq!(err, applied);
    let after = env.ok(&["migrate", "--status"]);
    for (line, (version, name)) in after.lines().skip(1).zip(&known) {
        let fields: Vec<&str> = line.split('\t').collect();
        assert_eq!(
            &fields[..3],
            [version.to_string().as_str(), name.as_str(), "applied"]
        );
        assert!(
            fields[3].starts_with("20") && fields[3].contains('T'),
            "applied_on {:?}",
            fields[3]
        );
    }
    assert_eq!(after.lines().count(), known.len() + 1);
    let (_, _, again) = env.run(&["migrate"]);
    assert_eq!(
        again,
        format!(
            "conflictdb: conflict.db is up to date (schema version {})\n",
            latest()
        )
    );
}

#[test]
fn the_file_identifies_itself_and_uses_wal() {
    let env = Env::new();
    env.ok(&["migrate"]);
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let application_id: i64 = conn
        .query_row("PRAGMA application_id", [], |r| r.get(0))
        .unwrap();
    let user_version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    let journal: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(application_id, 0x4346_4442);
    assert_eq!(user_version, i64::from(latest()));
    assert_eq!(journal, "wal");
}

fn tamper(env: &Env, sql: &str) {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(sql).unwrap();
}

#[test]
fn a_database_from_a_newer_conflictdb_is_refused() {
    let env = Env::new();
    env.seed_minimal();
    let newer = latest() + 2;
    tamper(&env, &format!("PRAGMA user_version = {newer}"));
    let before = fs::read(env.db()).unwrap();
    for args in [
        &["seed"][..],
        &["migrate"],
        &["report", "timeline"],
        &["query", "SELECT 1"],
    ] {
        let err = env.fails(args);
        assert_eq!(
            err,
            format!(
                "conflictdb: database conflict.db was made by a newer conflictdb (schema version {newer}; this one knows up to {}): upgrade conflictdb\n",
                latest()
            ),
            "{args:?}"
        );
    }
    assert_eq!(fs::read(env.db()).unwrap(), before);
}

#[test]
fn a_migration_this_binary_does_not_know_is_refused() {
    let env = Env::new();
    env.seed_minimal();
    let future = latest() + 1;
    tamper(
        &env,
        &format!("INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES ({future}, 'future', '2030-01-01T00:00:00Z', '1')"),
    );
    let err = env.fails(&["migrate"]);
    assert_eq!(
        err,
        format!("conflictdb: the database holds migration V{future}__future that this conflictdb does not know: it was made by a newer conflictdb; upgrade conflictdb\n")
    );
}

#[test]
fn an_applied_migration_whose_checksum_differs_is_refused() {
    let env = Env::new();
    env.seed_minimal();
    tamper(
        &env,
        "UPDATE refinery_schema_history SET checksum = '42' WHERE version = 1",
    );
    let err = env.fails(&["migrate", "--status"]);
    assert!(
        err.starts_with("conflictdb: migration V1__initial_schema applied to this database differs from the one built into this conflictdb (checksum "),
        "{err}"
    );
    assert!(
        err.ends_with(
            "restore the database from a snapshot or rebuild it with `conflictdb seed`\n"
        ),
        "{err}"
    );
}

#[test]
fn a_file_that_is_not_ours_is_refused() {
    let env = Env::new();
    tamper(
        &env,
        "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine')",
    );
    let err = env.fails(&["seed"]);
    assert_eq!(err, "conflictdb: conflict.db is not a conflictdb database (application_id 0x0); pass --db to choose another file\n");
}

#[test]
fn query_runs_read_only_sql_and_refuses_writes() {
    let env = Env::new();
    env.seed_minimal();
    let out = env.ok(&[
        "query",
        "SELECT key, name FROM actors WHERE country = 'RUS' ORDER BY id",
        "--format",
        "csv",
    ]);
    assert_eq!(out, "key,name\nrussia,Russia\nrussia-mfa,Ministry of Foreign Affairs of Russia\nlavrov,Sergey Lavrov\n");
    let before = fs::read(env.db()).unwrap();
    let err = env.fails(&["query", "DELETE FROM events"]);
    assert_eq!(
        err,
        "conflictdb: query is read-only: it runs SELECT statements, not \"DELETE\"\n"
    );
    let err = env.fails(&["query", "SELECT 1; SELECT 2"]);
    assert_eq!(err, "conflictdb: query runs one SQL statement at a time\n");
    let err = env.fails(&["query", "SELEC 1"]);
    assert!(
        err.starts_with("conflictdb: the query does not compile: near \"SELEC\": syntax error"),
        "{err}"
    );
    assert_eq!(fs::read(env.db()).unwrap(), before);
}

#[test]
fn export_writes_every_table_and_view() {
    let env = Env::new();
    env.seed_minimal();
    let (code, _, err) = env.run(&["export"]);
    assert_eq!(code, 0, "{err}");
    for name in [
        "events",
        "actors",
        "statements",
        "casualties",
        "stances",
        "v_events",
        "v_statements",
        "v_casualties",
    ] {
        assert!(
            env.path("export").join(format!("{name}.csv")).exists(),
            "{name}.csv missing"
        );
    }
    let leftovers: Vec<_> = fs::read_dir(env.path("export"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| !n.ends_with(".csv") || n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let statements = fs::read_to_string(env.path("export/v_statements.csv")).unwrap();
    let rows = csv_rows(&statements);
    let lavrov = rows.iter().find(|r| r[0] == "st-lavrov").unwrap();
    assert_eq!(
        &lavrov[..4],
        ["st-lavrov", "2020-10-10", "Sergey Lavrov", "Russia"]
    );
}

#[test]
fn export_bom_starts_each_file_with_a_byte_order_mark() {
    let env = Env::new();
    env.seed_minimal();
    env.ok(&["export", "--out", "excel", "--bom"]);
    let text = fs::read(env.path("excel/actor_aliases.csv")).unwrap();
    assert!(
        text.starts_with("\u{feff}actor_id,alias,dataset_id\n".as_bytes()),
        "{:?}",
        String::from_utf8_lossy(&text)
    );
    assert!(String::from_utf8(text).unwrap().contains("Türkiye"));
}

#[test]
fn check_passes_on_good_data_and_reports_each_finding() {
    let env = Env::new();
    env.seed_minimal();
    let out = env.ok(&["check"]);
    assert!(out.lines().all(|l| l.starts_with("ok    ")), "{out}");
    assert!(out.contains("ok    every event has a source\n"));
    // An event with no source, added behind the loader's back.
    tamper(&env, "INSERT INTO events (key, title, kind, start_date, end_date, date_precision, summary) VALUES ('orphan', 'Orphan', 'clash', '2020-01-01', '2020-01-01', 'day', 'x')");
    let (code, out, err) = env.run(&["check"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("FAIL  every event has a source: event orphan has no source\n"),
        "{out}"
    );
    // Nor is it in the search index, which only the loader keeps in step.
    assert!(
        out.contains("FAIL  search indexes match their tables: events_fts is out of step with events in 1 row (event orphan): "),
        "{out}"
    );
    assert_eq!(err, "conflictdb: check found 2 problems\n");
}

/// `seed` does not look for statements and casualty claims without a source: no load leaves one
/// (integrity.rs). `check` still finds them, and seeding the files again mends them.
#[test]
fn a_source_removed_behind_the_loaders_back_is_found_by_check_and_restored_by_seed() {
    let env = Env::new();
    let dir = env.seed_minimal();
    tamper(
        &env,
        "PRAGMA foreign_keys = OFF; DELETE FROM sources WHERE key = 'src-b'",
    );
    let (code, out, _) = env.run(&["check"]);
    assert_eq!(code, 1);
    for finding in [
        "FAIL  every statement has a source: statement st-un has no source\n",
        "FAIL  every casualty claim has a source: casualty claim cas-ganja-az has no source\n",
    ] {
        assert!(out.contains(finding), "{finding}\n{out}");
    }
    let (code, _, err) = env.run(&["seed", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(err.starts_with("conflictdb: seeded conflict.db\n"), "{err}");
    assert!(!err.contains("has no source"), "{err}");
    let out = env.ok(&["check"]);
    assert!(out.lines().all(|l| l.starts_with("ok    ")), "{out}");
}

/// A row that refers to a missing row is named: a link row by its columns (the missing one by its
/// table and id), a row with a key by its key.
#[test]
fn check_names_a_row_that_refers_to_a_missing_row() {
    let env = Env::new();
    env.seed_minimal();
    tamper(&env, "PRAGMA foreign_keys = OFF; INSERT INTO event_actors (event_id, actor_id, role) SELECT min(id), 999999, 'side_a' FROM events");
    let (code, out, _) = env.run(&["check"]);
    assert_eq!(code, 1);
    let event = env.query("SELECT key FROM events ORDER BY id LIMIT 1")[0][0].clone();
    let broken: Vec<&str> = out.lines().filter(|l| l.starts_with("FAIL")).collect();
    assert_eq!(
        broken,
        [
            format!("FAIL  foreign_key_check: event_actors ({event}, missing actors 999999, side_a) refers to a missing row of roles"),
            format!("FAIL  foreign_key_check: event_actors ({event}, missing actors 999999, side_a) refers to a missing row of actors"),
        ]
    );
    tamper(&env, "PRAGMA foreign_keys = OFF; DELETE FROM event_actors WHERE actor_id = 999999; DELETE FROM sources WHERE key = 'src-b'");
    let (code, out, _) = env.run(&["check"]);
    assert_eq!(code, 1);
    assert!(
        out.contains(
            "FAIL  foreign_key_check: statements 'st-un' refers to a missing row of sources\n"
        ),
        "{out}"
    );
}

#[test]
fn check_finds_a_cycle_made_behind_the_loaders_back() {
    let env = Env::new();
    env.seed_minimal();
    tamper(&env, "UPDATE actors SET parent_id = (SELECT id FROM actors WHERE key = 'lavrov') WHERE key = 'russia'");
    let (code, out, _) = env.run(&["check"]);
    assert_eq!(code, 1);
    assert!(
        out.contains("FAIL  no cycle in actors.parent_id: "),
        "{out}"
    );
}

#[test]
fn usage_errors_exit_with_two() {
    let env = Env::new();
    let (code, _, err) = env.run(&["frobnicate"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unrecognized subcommand 'frobnicate'"),
        "{err}"
    );
}

#[test]
fn a_database_in_a_missing_directory_is_refused_by_name() {
    let env = Env::new();
    let err = env.fails(&["--db", "no-such-dir/x.db", "seed"]);
    assert_eq!(err, "conflictdb: cannot create database no-such-dir/x.db: directory no-such-dir does not exist\n");
}

#[test]
fn a_missing_seed_directory_is_named() {
    let env = Env::new();
    let err = env.fails(&["seed", "no-such-dir"]);
    assert_eq!(
        err,
        "conflictdb: seed directory no-such-dir does not exist or is not a directory\n"
    );
    assert!(!env.db().exists());
}

#[test]
fn a_first_seed_and_a_seed_into_an_existing_file_give_the_same_contents() {
    let env = Env::new();
    env.ok(&["--db", "fresh.db", "seed"]);
    env.ok(&["--db", "existing.db", "migrate"]);
    env.ok(&["--db", "existing.db", "seed"]);
    env.ok(&["--db", "fresh.db", "export", "--out", "fresh"]);
    env.ok(&["--db", "existing.db", "export", "--out", "existing"]);
    for entry in fs::read_dir(env.path("fresh")).unwrap() {
        let path = entry.unwrap().path();
        // When each dataset was loaded differs, by design.
        if path.ends_with("datasets.csv") {
            continue;
        }
        let other = env.path("existing").join(path.file_name().unwrap());
        assert_eq!(
            fs::read(&path).unwrap(),
            fs::read(other).unwrap(),
            "{} differs",
            path.display()
        );
    }
    let leftovers: Vec<_> = fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains("seeding"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn query_cannot_write_attach_or_tamper_with_the_schema() {
    let env = Env::new();
    env.seed_minimal();
    let before = fs::read(env.db()).unwrap();
    let refused: &[(&str, &str)] = &[
        (
            "DELETE FROM events",
            "query is read-only: it runs SELECT statements, not \"DELETE\"",
        ),
        (
            "DROP TABLE events",
            "query is read-only: it runs SELECT statements, not \"DROP\"",
        ),
        (
            "UPDATE actors SET name = 'x'",
            "query is read-only: it runs SELECT statements, not \"UPDATE\"",
        ),
        (
            "PRAGMA journal_mode = DELETE",
            "query is read-only: it runs SELECT statements, not \"PRAGMA\"",
        ),
        (
            "VACUUM INTO 'copy.db'",
            "query is read-only: it runs SELECT statements, not \"VACUUM\"",
        ),
        (
            "ATTACH 'other.db' AS other",
            "query is read-only: it runs SELECT statements, not \"ATTACH\"",
        ),
        ("SELECT load_extension('libevil')", "not authorized"),
    ];
    for (sql, message) in refused {
        let err = env.fails(&["query", sql]);
        assert!(
            err.starts_with("conflictdb: ") && err.contains(message),
            "{sql}: {err}"
        );
    }
    // writable_schema is accepted as a statement but has no effect on a read-only, defensive
    // connection: the schema cannot be edited through it.
    let (code, _, _) = env.run(&["query", "PRAGMA writable_schema = ON"]);
    assert!(code == 0 || code == 1);
    let err = env.fails(&["query", "SELECT 1; UPDATE sqlite_master SET sql = ''"]);
    assert!(
        err.contains("may not be modified") || err.contains("one SQL statement at a time"),
        "{err}"
    );
    assert!(!env.path("copy.db").exists() && !env.path("other.db").exists());
    assert_eq!(fs::read(env.db()).unwrap(), before);
    assert_eq!(
        env.query("SELECT count(*) FROM events"),
        vec![vec!["3".to_string()]]
    );
}
