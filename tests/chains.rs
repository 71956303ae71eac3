//! Parent chains (actors.parent_id, events.parent_id, sources.cited_in) at any depth: a cycle of
//! any length is refused by `seed` and found by `check`, and an actor's root (whom it represents)
//! is right however deep it lies, after every seed and after a migration.

use std::fs;
use std::path::{Path, PathBuf};

use crate::common::{csv_rows, Env, REPO};

/// Rows in the long cycles: one more than the depth the recursive queries used to stop at.
const LONG: usize = 10_001;

/// A seed directory `name`: the minimal fixture with `rows` appended to its file `file`.
fn seed_with(env: &Env, name: &str, file: &str, rows: &str) -> PathBuf {
    let dir = env.seed_dir(name, None);
    let mut text =
        fs::read_to_string(Path::new(REPO).join("tests/fixtures/minimal").join(file)).unwrap();
    text.push_str(rows);
    fs::write(dir.join(file), text).unwrap();
    dir
}

/// Actors c0 ... c{n-1}, each under the one before; c0 is under `top` (empty: top-level).
fn actor_chain(n: usize, top: &str) -> String {
    (0..n)
        .map(|i| {
            let parent = if i == 0 {
                top.to_string()
            } else {
                format!("c{}", i - 1)
            };
            format!("c{i},Body {i},government_body,{parent},TUR,0,\n")
        })
        .collect()
}

/// Events e0 ... e{n-1}, each part of the one before; e0 part of `top` (empty: none).
fn event_chain(n: usize, top: &str) -> String {
    (0..n)
        .map(|i| {
            let parent = if i == 0 {
                top.to_string()
            } else {
                format!("e{}", i - 1)
            };
            format!("e{i},Event {i},clash,2020-10-01,,,{parent},Fighting.,\n")
        })
        .collect()
}

fn tamper(env: &Env, sql: &str) {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(sql).unwrap();
}

/// Seeds `dir` into a new database and into one already seeded from the minimal fixture; each
/// time it must be refused with `expected` (`{seed}` standing for the directory) and leave the
/// database as it was.
fn refused_in_both_modes(dir: &Path, expected: &str, env: &Env) {
    let expected = expected.replace("{seed}", dir.to_str().unwrap());
    let err = env.fails(&["seed", dir.to_str().unwrap()]);
    assert_eq!(err, expected, "into a new database");
    assert!(
        !env.db().exists(),
        "a refused first seed leaves no database"
    );
    env.seed_minimal();
    let before = fs::read(env.db()).unwrap();
    // The same dataset, its files changed.
    let err = env.fails(&["seed", dir.to_str().unwrap(), "--dataset", "minimal"]);
    assert_eq!(err, expected, "into an existing database");
    assert_eq!(fs::read(env.db()).unwrap(), before);
}

#[test]
fn seed_refuses_an_actor_cycle_of_ten_thousand_and_one_rows() {
    let env = Env::new();
    // c0 (line 9, after the fixture's seven actors) is under c10000, the last of the chain.
    let dir = seed_with(&env, "cycle", "actors.csv", &actor_chain(LONG, "c10000"));
    refused_in_both_modes(
        &dir,
        "conflictdb: {seed}/actors.csv:9:4: parent \"c10000\": closes a cycle: following parent from \"c0\" leads back to it\n",
        &env,
    );
}

#[test]
fn seed_refuses_an_event_cycle_of_ten_thousand_and_one_rows() {
    let env = Env::new();
    // e0 (line 5, after the fixture's three events) is part of e10000.
    let dir = seed_with(&env, "cycle", "events.csv", &event_chain(LONG, "e10000"));
    refused_in_both_modes(
        &dir,
        "conflictdb: {seed}/events.csv:5:7: parent \"e10000\": closes a cycle: following parent from \"e0\" leads back to it\n",
        &env,
    );
}

#[test]
fn check_finds_cycles_of_ten_thousand_and_one_rows_made_by_hand() {
    let env = Env::new();
    let dir = seed_with(&env, "chain", "actors.csv", &actor_chain(LONG, ""));
    let mut events =
        fs::read_to_string(Path::new(REPO).join("tests/fixtures/minimal/events.csv")).unwrap();
    events.push_str(&event_chain(LONG, ""));
    fs::write(dir.join("events.csv"), events).unwrap();
    env.ok(&["seed", dir.to_str().unwrap()]);
    tamper(
        &env,
        "UPDATE actors SET parent_id = (SELECT id FROM actors WHERE key = 'c10000') WHERE key = 'c0';
         UPDATE events SET parent_id = (SELECT id FROM events WHERE key = 'e10000') WHERE key = 'e0';",
    );
    let (code, out, err) = env.run(&["check"]);
    assert_eq!(code, 1, "{out}");
    for finding in [
        "FAIL  no cycle in actors.parent_id: c0 -> c10000 leads back to c0\n",
        "FAIL  no cycle in events.parent_id: e0 -> e10000 leads back to e0\n",
    ] {
        assert!(out.contains(finding), "{finding} not in:\n{out}");
    }
    assert!(
        out.contains("ok    no cycle in sources.cited_in\n"),
        "{out}"
    );
    // The edit also left every actor of the loop with a root it no longer has.
    let stale = out
        .lines()
        .filter(|l| l.starts_with("FAIL  actor roots match their parents: "))
        .count();
    assert_eq!(stale, LONG);
    assert!(err.starts_with("conflictdb: check found "), "{err}");
}

/// The minimal fixture with d1 ... d40 under Turkey, each under the one before, and a statement
/// by d40.
fn deep_seed(env: &Env) -> PathBuf {
    let actors: String = (1..=40)
        .map(|i| {
            let parent = if i == 1 {
                "turkey".to_string()
            } else {
                format!("d{}", i - 1)
            };
            format!("d{i},Deep {i},government_body,{parent},TUR,0,\n")
        })
        .collect();
    let dir = seed_with(env, "deep", "actors.csv", &actors);
    let mut statements =
        fs::read_to_string(Path::new(REPO).join("tests/fixtures/minimal/statements.csv")).unwrap();
    statements.push_str(
        "st-deep,d40,2020-10-01,2020-war,support,pro_azerbaijan,,Deep in Turkey's state.,,src-a,\n",
    );
    fs::write(dir.join("statements.csv"), statements).unwrap();
    dir
}

#[test]
fn a_statement_forty_levels_under_a_state_keeps_whom_it_represents() {
    for existing in [false, true] {
        let env = Env::new();
        if existing {
            env.seed_minimal();
        }
        let dir = deep_seed(&env);
        env.ok(&["seed", dir.to_str().unwrap(), "--dataset", "minimal"]);
        let mode = if existing { "update" } else { "fresh" };
        assert_eq!(
            env.query("SELECT represents FROM v_statements WHERE key = 'st-deep'"),
            [["Turkey"]],
            "{mode}"
        );
        assert_eq!(
            env.query("SELECT represents FROM v_actors WHERE key = 'd40'"),
            [["Turkey"]],
            "{mode}"
        );
        let reactions = env.ok(&["report", "reactions-by-stance", "--format", "csv"]);
        assert_eq!(
            csv_rows(&reactions)[1][..4],
            ["pro_azerbaijan", "2", "1", "Turkey"],
            "{mode}: {reactions}"
        );
        let by_turkey = env.ok(&[
            "report",
            "actor-statements",
            "--param",
            "actor=turkey",
            "--format",
            "csv",
        ]);
        let speakers: Vec<String> = csv_rows(&by_turkey)
            .into_iter()
            .map(|r| r[4].clone())
            .collect();
        assert_eq!(speakers, ["Turkey", "Deep 40"], "{mode}");
        env.ok(&["check"]);
    }
}

#[test]
fn check_reports_a_root_made_stale_by_hand_and_the_next_seed_mends_it() {
    let env = Env::new();
    env.seed_minimal();
    tamper(
        &env,
        "UPDATE actors SET parent_id = (SELECT id FROM actors WHERE key = 'turkey') WHERE key = 'russia-mfa'",
    );
    let (code, out, _) = env.run(&["check"]);
    assert_eq!(code, 1);
    let stale: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("FAIL  actor roots"))
        .collect();
    assert_eq!(
        stale,
        [
            "FAIL  actor roots match their parents: russia-mfa has root russia stored, but its parents lead to turkey",
            "FAIL  actor roots match their parents: lavrov has root russia stored, but its parents lead to turkey",
        ]
    );
    // A seed that moves the ministry under Turkey in the file stores the new roots.
    let mut actors =
        fs::read_to_string(Path::new(REPO).join("tests/fixtures/minimal/actors.csv")).unwrap();
    actors = actors.replace("government_body,russia,", "government_body,turkey,");
    let dir = env.seed_dir("moved", None);
    fs::write(dir.join("actors.csv"), actors).unwrap();
    env.ok(&["seed", dir.to_str().unwrap(), "--dataset", "minimal"]);
    assert!(env
        .ok(&["check"])
        .contains("ok    actor roots match their parents\n"));
    assert_eq!(
        env.query("SELECT represents FROM v_actors WHERE key = 'lavrov'"),
        [["Turkey"]]
    );
}

#[test]
fn migrating_stores_the_root_of_every_existing_actor_at_any_depth() {
    let env = Env::new();
    {
        // A database at schema version 2, as the conflictdb before roots were stored left it,
        // holding a chain 40 deep and a cycle.
        let mut conn = conflictdb::db::open_unmigrated(&env.db()).unwrap();
        conflictdb::db::migrate_with(&mut conn, &env.db(), &conflictdb::db::migrations()[..2])
            .unwrap();
        conn.execute_batch(
            "INSERT INTO actor_kinds (code, label, description) VALUES ('state', 'State', '');
             INSERT INTO actors (id, key, name, kind, parent_id) VALUES (1, 'top', 'Top', 'state', NULL);
             WITH RECURSIVE n (id) AS (SELECT 2 UNION ALL SELECT id + 1 FROM n WHERE id < 41)
             INSERT INTO actors (id, key, name, kind, parent_id)
                 SELECT id, 'a' || id, 'A' || id, 'state', id - 1 FROM n;
             PRAGMA foreign_keys = OFF;
             INSERT INTO actors (id, key, name, kind, parent_id) VALUES
                 (100, 'x', 'X', 'state', 101), (101, 'y', 'Y', 'state', 100);",
        )
        .unwrap();
    }
    env.ok(&["migrate"]);
    assert_eq!(
        env.query(
            "SELECT key, coalesce(represents, '-') FROM v_actors
             WHERE key IN ('top', 'a2', 'a41', 'x') ORDER BY key"
        ),
        [["a2", "Top"], ["a41", "Top"], ["top", "Top"], ["x", "-"]]
    );
    let (_, out, _) = env.run(&["check"]);
    assert!(
        out.contains("ok    actor roots match their parents\n"),
        "{out}"
    );
}

#[test]
fn a_cycle_in_a_crlf_file_is_named_at_the_line_its_row_starts_on() {
    let env = Env::new();
    let case = Path::new(REPO).join("tests/bad_input/cycle-in-parent-actors");
    let dir = env.seed_dir("crlf", Some(&case));
    let actors = fs::read_to_string(dir.join("actors.csv")).unwrap();
    fs::write(dir.join("actors.csv"), actors.replace('\n', "\r\n")).unwrap();
    let expected = fs::read_to_string(case.join("error"))
        .unwrap()
        .replace("{seed}", dir.to_str().unwrap());
    refused_in_both_modes(&dir, &expected, &env);
}

#[test]
fn a_cycle_among_rows_no_longer_in_the_files_is_named_without_a_line() {
    let env = Env::new();
    let with_extra = seed_with(
        &env,
        "extra",
        "actors.csv",
        "x1,Body 1,government_body,,TUR,0,\nx2,Body 2,government_body,x1,TUR,0,\n",
    );
    env.ok(&["seed", with_extra.to_str().unwrap()]);
    tamper(
        &env,
        "UPDATE actors SET parent_id = (SELECT id FROM actors WHERE key = 'x2') WHERE key = 'x1'",
    );
    let before = fs::read(env.db()).unwrap();
    let minimal = env.seed_dir("minimal", None);
    let err = env.fails(&["seed", minimal.to_str().unwrap(), "--dataset", "extra"]);
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/actors.csv: parent \"x2\" of \"x1\" in the database closes a cycle: following parent from \"x1\" leads back to it\n",
            minimal.display()
        )
    );
    assert_eq!(fs::read(env.db()).unwrap(), before);
}
