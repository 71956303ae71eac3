//! The bad-input corpus: each directory under tests/bad_input holds a seed directory's files with
//! one defect (on top of tests/fixtures/minimal) and `error`, the exact message expected. Each is
//! refused with exit code 1 and that one line, and the database is left byte for byte as it was.
//! Each directory under tests/good_input is an unusual but valid input that must load.

use std::fs;
use std::path::Path;

use crate::common::{Env, REPO};

fn cases(kind: &str) -> Vec<std::path::PathBuf> {
    let mut cases: Vec<_> = fs::read_dir(Path::new(REPO).join("tests").join(kind))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

#[test]
fn the_corpus_has_at_least_thirty_cases() {
    assert!(
        cases("bad_input").len() >= 30,
        "only {} cases",
        cases("bad_input").len()
    );
}

#[test]
fn every_bad_input_is_refused_with_its_message_and_the_database_is_unchanged() {
    let env = Env::new();
    env.seed_minimal();
    let before = fs::read(env.db()).unwrap();
    let mut failures = Vec::new();
    for case in cases("bad_input") {
        let name = case.file_name().unwrap().to_str().unwrap().to_string();
        let seed = env.seed_dir(&format!("case-{name}"), Some(&case));
        let expected = fs::read_to_string(case.join("error"))
            .unwrap_or_else(|_| panic!("{name}: no `error` file"))
            .replace("{seed}", seed.to_str().unwrap());
        // The minimal dataset, its files edited.
        let (code, out, err) = env.run(&["seed", seed.to_str().unwrap(), "--dataset", "minimal"]);
        if code != 1 {
            failures.push(format!("{name}: exit code {code}, expected 1"));
        }
        if err != expected {
            failures.push(format!(
                "{name}: stderr\n  got:      {err:?}\n  expected: {expected:?}"
            ));
        }
        if !out.is_empty() {
            failures.push(format!("{name}: wrote to stdout: {out:?}"));
        }
        if fs::read(env.db()).unwrap() != before {
            failures.push(format!("{name}: the database file changed"));
        }
        // A first seed builds a new file by another path (see `seed`): same refusal, no file.
        let (code, _, err) = env.run(&["--db", "fresh.db", "seed", seed.to_str().unwrap()]);
        if code != 1 || err != expected {
            failures.push(format!("{name} into a new file: exit {code}\n  got:      {err:?}\n  expected: {expected:?}"));
        }
        let leftovers: Vec<_> = fs::read_dir(env.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.contains("fresh.db"))
            .collect();
        if !leftovers.is_empty() {
            failures.push(format!("{name}: a refused first seed left {leftovers:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_refused_first_seed_leaves_no_database_behind() {
    let env = Env::new();
    let seed = env.seed_dir(
        "bad",
        Some(&Path::new(REPO).join("tests/bad_input/impossible-date")),
    );
    let (code, _, err) = env.run(&["seed", seed.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        !env.db().exists(),
        "a failed seed left {}",
        env.db().display()
    );
    assert!(!env.path("conflict.db-wal").exists());
}

#[test]
fn every_good_input_loads() {
    for case in cases("good_input") {
        let env = Env::new();
        let name = case.file_name().unwrap().to_str().unwrap().to_string();
        let seed = env.seed_dir("good", Some(&case));
        let (code, _, err) = env.run(&["seed", seed.to_str().unwrap()]);
        assert_eq!(code, 0, "{name} was refused: {err}");
        let events = env.query("SELECT count(*) FROM events");
        assert_eq!(events, vec![vec!["3".to_string()]], "{name}");
    }
}

#[test]
fn embedded_newlines_and_commas_survive_as_written() {
    let env = Env::new();
    let seed = env.seed_dir(
        "good",
        Some(&Path::new(REPO).join("tests/good_input/embedded-newlines-and-commas")),
    );
    env.ok(&["seed", seed.to_str().unwrap()]);
    let summary = env.query("SELECT summary FROM events WHERE key = '2020-war'");
    assert_eq!(
        summary[0][0],
        "Six weeks of fighting,\nwith \"drones\", and artillery."
    );
}

#[test]
fn a_byte_order_mark_does_not_become_part_of_the_first_column() {
    let env = Env::new();
    let seed = env.seed_dir(
        "good",
        Some(&Path::new(REPO).join("tests/good_input/byte-order-mark")),
    );
    env.ok(&["seed", seed.to_str().unwrap()]);
    assert_eq!(
        env.query("SELECT key FROM events WHERE key = '2020-war'")
            .len(),
        1
    );
}
