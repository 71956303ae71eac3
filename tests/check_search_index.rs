//! `check` finds a full-text index out of step with its table's rows: rows written by the stock
//! `sqlite3` shell, which does not update the indexes (they have no triggers, migrations/V10),
//! named one line per index with the command that rebuilds it; on a read-only file too, which it
//! leaves exactly as it was.

use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::common::Env;

const RULE: &str = "search indexes match their tables";

/// `check`'s exit code, its lines other than `ok`, and its standard error.
fn check(env: &Env) -> (i32, Vec<String>, String) {
    let (code, out, err) = env.run(&["check"]);
    let findings = out
        .lines()
        .filter(|line| !line.starts_with("ok "))
        .map(String::from)
        .collect();
    (code, findings, err)
}

/// `check` exits 0, its rule among the `ok` lines.
fn passes(env: &Env) {
    let (code, out, err) = env.run(&["check"]);
    assert_eq!((code, err.as_str()), (0, ""), "{out}");
    assert!(
        out.lines().any(|line| line == format!("ok    {RULE}")),
        "{out}"
    );
}

fn rebuild_advice(index: &str) -> String {
    format!("rebuild it with `sqlite3 conflict.db \"INSERT INTO {index} ({index}) VALUES ('rebuild')\"`")
}

/// How many events `query` (FTS5 syntax) matches.
fn matches(env: &Env, query: &str) -> String {
    env.query(&format!(
        "SELECT count(*) FROM events_fts WHERE events_fts MATCH '{query}'"
    ))[0][0]
        .clone()
}

#[test]
fn a_database_in_step_passes() {
    let env = Env::new();
    env.seed_minimal();
    passes(&env);
    // And one of every index's tables, seeded from synthetic files.
    let env = Env::new();
    let synth = env.synth(300, 7, "synth");
    env.ok(&["seed", &synth]);
    passes(&env);
}

#[test]
fn a_title_changed_in_the_sqlite3_shell_is_found_and_the_advised_rebuild_mends_it() {
    let env = Env::new();
    env.seed_minimal();
    // As many words as before: the index's word counts still match, its words do not.
    env.sqlite3(
        "UPDATE events SET title = 'Strike on Nowhere' WHERE key = '2020-10-04-ganja-strike'",
    );
    // A search finds the row by its old title and not by its new one.
    let titles = || (matches(&env, "title:ganja"), matches(&env, "title:nowhere"));
    assert_eq!(titles(), ("1".into(), "0".into()));
    let (code, findings, err) = check(&env);
    assert_eq!(
        (code, findings, err.as_str()),
        (
            1,
            vec![format!(
                "FAIL  {RULE}: events_fts is out of step with events in 1 row (event 2020-10-04-ganja-strike): {}",
                rebuild_advice("events_fts")
            )],
            "conflictdb: check found 1 problem\n"
        )
    );
    // The command the line gives, as given.
    env.sqlite3("INSERT INTO events_fts (events_fts) VALUES ('rebuild')");
    assert_eq!(titles(), ("0".into(), "1".into()));
    let (code, findings, err) = check(&env);
    assert_eq!((code, findings, err.as_str()), (0, vec![], ""));
}

#[test]
fn each_index_out_of_step_gets_one_line_naming_its_first_row() {
    let env = Env::new();
    env.seed_minimal();
    // A statement deleted (the lowest id) and another changed; a source's title changed.
    env.sqlite3(
        "PRAGMA foreign_keys = ON;
         DELETE FROM statements WHERE key = 'st-lavrov';
         UPDATE statements SET summary = 'Turkey said nothing.' WHERE key = 'st-turkey';
         UPDATE sources SET title = 'Report Z' WHERE key = 'src-a';",
    );
    let (code, findings, err) = check(&env);
    assert_eq!(
        (code, findings, err.as_str()),
        (
            1,
            vec![
                format!(
                    "FAIL  {RULE}: statements_fts is out of step with statements in 2 rows (the first: id 1, no longer in statements): {}",
                    rebuild_advice("statements_fts")
                ),
                format!(
                    "FAIL  {RULE}: sources_fts is out of step with sources in 1 row (source src-a): {}",
                    rebuild_advice("sources_fts")
                ),
            ],
            "conflictdb: check found 2 problems\n"
        )
    );
}

#[test]
fn a_read_only_file_is_checked_and_left_as_it_was() {
    let env = Env::new();
    env.seed_minimal();
    env.sqlite3(
        "UPDATE events SET title = 'Strike on Nowhere' WHERE key = '2020-10-04-ganja-strike'",
    );
    // The shell, as the last to close the file, removed the side files any reader leaves.
    assert_eq!(env.database_files(), ["conflict.db"]);
    fs::set_permissions(env.db(), fs::Permissions::from_mode(0o444)).unwrap();
    let before = fs::read(env.db()).unwrap();
    let (code, findings, err) = check(&env);
    assert_eq!(
        (code, findings, err.as_str()),
        (
            1,
            vec![format!(
                "FAIL  {RULE}: events_fts is out of step with events in 1 row (event 2020-10-04-ganja-strike): {}",
                rebuild_advice("events_fts")
            )],
            "conflictdb: check found 1 problem\n"
        )
    );
    assert!(fs::read(env.db()).unwrap() == before, "the file changed");
    assert_eq!(env.database_files(), ["conflict.db"]);
}

#[test]
fn a_read_only_file_in_step_is_read_without_leaving_side_files() {
    let env = Env::new();
    env.seed_minimal();
    // The shell, as the last to close the file, removes the side files any reader leaves.
    env.sqlite3("SELECT count(*) FROM events");
    assert_eq!(env.database_files(), ["conflict.db"]);
    fs::set_permissions(env.db(), fs::Permissions::from_mode(0o444)).unwrap();
    let before = fs::read(env.db()).unwrap();
    passes(&env);
    assert_eq!(env.database_files(), ["conflict.db"]);
    assert!(fs::read(env.db()).unwrap() == before, "the file changed");
}

#[test]
fn seeding_again_after_a_row_was_written_outside_a_load_builds_every_search_index_again() {
    let env = Env::new();
    let dir = env.seed_minimal();
    // The same title given by the shell and by the file: seeding again changes no row.
    let title = "Strike on Nowhere";
    env.sqlite3(&format!(
        "UPDATE events SET title = '{title}' WHERE key = '2020-10-04-ganja-strike'"
    ));
    let events = dir.join("events.csv");
    let (header, mut records) = crate::common::read_csv(&events);
    let (key, column) = (
        header.iter().position(|c| c == "key").unwrap(),
        header.iter().position(|c| c == "title").unwrap(),
    );
    let row = records
        .iter_mut()
        .find(|r| r[key] == "2020-10-04-ganja-strike")
        .unwrap();
    row[column] = title.to_string();
    crate::common::write_csv(&events, &header, &records);
    let (code, _, err) = env.run(&["seed", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("  events                       0          0          0"),
        "{err}"
    );
    // The index was built again although its table's rows did not change.
    assert_eq!(
        (matches(&env, "title:ganja"), matches(&env, "title:nowhere")),
        ("0".into(), "1".into())
    );
    let (code, findings, err) = check(&env);
    assert_eq!((code, findings, err.as_str()), (0, vec![], ""));
}
