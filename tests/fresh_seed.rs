//! A first seed keeps a table's keys only while a later file with rows refers to them, and builds
//! each table's indexes as soon as its file is in (src/seed/kept_keys.rs, src/seed/indexes.rs):
//! what it refuses, and in which order, is as before.

use std::fs;
use std::path::Path;

use crate::common::Env;

fn append(dir: &Path, file: &str, lines: &str) {
    let path = dir.join(file);
    let mut text = fs::read_to_string(&path).unwrap_or_default();
    text.push_str(lines);
    fs::write(path, text).unwrap();
}

/// The line of `file` that begins with `start` (from 1).
fn line_of(dir: &Path, file: &str, start: &str) -> usize {
    let text = fs::read_to_string(dir.join(file)).unwrap();
    text.lines().position(|l| l.starts_with(start)).unwrap() + 1
}

/// A statement given twice, and a later file's bad value: the statement is named first, whether
/// or not a file of the load refers to statements (and so whether its keys are kept).
#[test]
fn a_statement_key_given_twice_is_reported_before_a_bad_value_in_a_later_file() {
    for attributes in [None, Some("statement,name,value\nst-turkey,tone,-2\n")] {
        let env = Env::new();
        let seed = env.seed_dir("data", None);
        let statements = fs::read_to_string(seed.join("statements.csv")).unwrap();
        let lavrov = statements.lines().nth(1).unwrap().to_string();
        append(&seed, "statements.csv", &format!("{lavrov}\n"));
        append(
            &seed,
            "casualties.csv",
            "cas-bad,2020-10-04-ganja-strike,azerbaijan,civilian,no_such_outcome,,1,,azerbaijan,src-b,,,,one_side\n",
        );
        if let Some(attributes) = attributes {
            fs::write(seed.join("statement_attributes.csv"), attributes).unwrap();
        }
        let lines = statements.lines().count() + 1;
        let err = env.fails(&["seed", seed.to_str().unwrap()]);
        assert_eq!(
            err,
            format!(
                "conflictdb: {}/statements.csv:{lines}:1: key \"st-lavrov\": is a duplicate: line 2 has the same key\n",
                seed.display()
            ),
            "{attributes:?}"
        );
        assert!(!env.db().exists());
    }
}

/// Allegations: no file refers to them, so their keys were never kept and a key given twice was
/// found by the unique index built after the last file, after a later file's error. The index is
/// now built once the allegations are in: the earlier file's error comes first.
#[test]
fn an_allegation_key_given_twice_is_reported_before_a_bad_value_in_event_links() {
    let env = Env::new();
    let seed = env.seed_dir("data", None);
    let allegations = fs::read_to_string(seed.join("allegations.csv")).unwrap();
    let ganja = allegations.lines().nth(1).unwrap().to_string();
    append(&seed, "allegations.csv", &format!("{ganja}\n"));
    append(
        &seed,
        "event_links.csv",
        "link-bad,2020-10-04-ganja-strike,no_such_kind,2020-10-ceasefire,src-b,,\n",
    );
    let lines = allegations.lines().count() + 1;
    let err = env.fails(&["seed", seed.to_str().unwrap()]);
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/allegations.csv:{lines}:1: key \"al-ganja\": is a duplicate: line 2 has the same key\n",
            seed.display()
        )
    );
}

/// With a row in statement_attributes the statements' keys are kept: a reference resolves, and
/// an unknown key is refused with the message it always had.
#[test]
fn a_statement_attribute_resolves_its_statement_and_an_unknown_one_is_refused() {
    let env = Env::new();
    let seed = env.seed_dir("data", None);
    fs::write(
        seed.join("statement_attributes.csv"),
        "statement,name,value\nst-turkey,tone,-2\n",
    )
    .unwrap();
    env.ok(&["seed", seed.to_str().unwrap()]);
    assert_eq!(
        env.query(
            "SELECT s.key, a.name, a.value FROM statement_attributes a
             JOIN statements s ON s.id = a.statement_id"
        ),
        [["st-turkey", "tone", "-2"]]
    );
    let env = Env::new();
    let seed = env.seed_dir("data", None);
    fs::write(
        seed.join("statement_attributes.csv"),
        "statement,name,value\nst-turkey,tone,-2\nst-nobody,tone,1\n",
    )
    .unwrap();
    let err = env.fails(&["seed", seed.to_str().unwrap()]);
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/statement_attributes.csv:3:1: statement \"st-nobody\": is not a key in statements\n",
            seed.display()
        )
    );
    assert_eq!(line_of(&seed, "statement_attributes.csv", "st-nobody"), 3);
}

/// Casualties refer only to their own rows (part_of): their keys are kept while their file is
/// read, for references up and down the file, and a missing one is refused as before.
#[test]
fn casualties_part_of_resolves_up_and_down_the_file_and_a_missing_one_is_refused() {
    let env = Env::new();
    let seed = env.seed_dir("data", None);
    let header = "key,event,side,category,outcome,count_low,count_best,count_high,claimed_by,source,quote,as_of,notes,scope,part_of\n";
    let row = |key: &str, part_of: &str| {
        format!("{key},2020-10-04-ganja-strike,azerbaijan,civilian,killed,,1,,azerbaijan,src-b,,,,one_side,{part_of}\n")
    };
    let good = format!(
        "{header}{}{}{}",
        row("cas-child-1", "cas-all"),
        row("cas-all", ""),
        row("cas-child-2", "cas-all")
    );
    fs::write(seed.join("casualties.csv"), &good).unwrap();
    env.ok(&["seed", seed.to_str().unwrap()]);
    assert_eq!(
        env.query(
            "SELECT c.key, p.key FROM casualties c JOIN casualties p ON p.id = c.part_of_id
             ORDER BY c.key"
        ),
        [["cas-child-1", "cas-all"], ["cas-child-2", "cas-all"]]
    );
    let env = Env::new();
    let seed = env.seed_dir("data", None);
    fs::write(
        seed.join("casualties.csv"),
        format!("{good}{}", row("cas-child-3", "cas-none")),
    )
    .unwrap();
    let err = env.fails(&["seed", seed.to_str().unwrap()]);
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/casualties.csv:5:15: part_of \"cas-none\": is not a key in casualties\n",
            seed.display()
        )
    );
}

/// A first seed builds its search indexes gathering less in memory at a time, and sets their own
/// setting (migrations/V12) back: the file holds it as a migrated one does, and each index is in
/// step with its table (FTS5's integrity check against the table's rows, which `conflictdb check`
/// does not run).
#[test]
fn a_first_seed_sets_the_search_indexes_setting_back_and_leaves_them_in_step() {
    let env = Env::new();
    let seed = env.seed_dir("data", None);
    env.ok(&["seed", seed.to_str().unwrap()]);
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    for index in ["events_fts", "statements_fts", "sources_fts"] {
        let setting: i64 = conn
            .query_row(
                &format!("SELECT v FROM {index}_config WHERE k = 'hashsize'"),
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(setting, 32 << 20, "{index}");
        conn.execute(
            &format!("INSERT INTO {index} ({index}, rank) VALUES ('integrity-check', 1)"),
            [],
        )
        .unwrap();
    }
    let found = env.ok(&["search", "ceasefire", "--format", "csv"]);
    assert!(found.contains("2020-10-ceasefire"), "{found}");
    // The check finds an index out of step.
    conn.execute(
        "UPDATE events SET title = 'changed behind the index' WHERE id = 1",
        [],
    )
    .unwrap();
    assert!(conn
        .execute(
            "INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 1)",
            []
        )
        .is_err());
}
