//! Seeding a dataset again by the fingerprints of its last load (issue 13, point 7;
//! src/seed/fingerprint.rs): rows a run of the last load holds are neither checked nor compared,
//! and a file whose bytes are the ones last loaded is not read past its header. What the database
//! holds afterwards, and every refusal, must be what a load that compares every row gives.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::Connection;

use crate::common::{exported, read_csv, seed_summary, write_csv, Env};

/// A small deterministic generator (the tests must give the same edits every run).
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

/// The tables whose fingerprints `dataset`'s last load recorded.
fn fingerprinted(db: &Path, dataset: &str) -> Vec<String> {
    let conn = Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT table_name FROM row_fingerprints JOIN datasets ON datasets.id = dataset_id
             WHERE datasets.name = ?1 ORDER BY table_name",
        )
        .unwrap();
    stmt.query_map([dataset], |row| row.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn by_hand(db: &Path, sql: &str) {
    Connection::open(db).unwrap().execute_batch(sql).unwrap();
}

/// Edits the files of `dir` as a user might between two seeds: titles, summaries and quotes
/// edited, an event added in the middle, one moved, link rows and unreferenced rows removed.
fn edit(dir: &Path, rng: &mut Lcg, round: usize) {
    let (header, mut events) = read_csv(&dir.join("events.csv"));
    for _ in 0..3 {
        let at = rng.below(events.len());
        events[at][1].push_str(" (edited)");
    }
    // A column the search index does not hold: the row's entry stays as it is.
    let notes = header.iter().position(|c| c == "notes").unwrap();
    let at = rng.below(events.len());
    events[at][notes].push_str(" (a note)");
    let mut new = events[rng.below(events.len())].clone();
    new[0] = format!("new-event-{round}");
    new[8] = String::new();
    events.insert(rng.below(events.len()), new);
    let moved = events.remove(rng.below(events.len()));
    events.insert(rng.below(events.len()), moved);
    write_csv(&dir.join("events.csv"), &header, &events);

    let (header, mut actors) = read_csv(&dir.join("event_actors.csv"));
    for _ in 0..2 {
        actors.remove(rng.below(actors.len()));
    }
    write_csv(&dir.join("event_actors.csv"), &header, &actors);

    let (header, mut statements) = read_csv(&dir.join("statements.csv"));
    for _ in 0..3 {
        let at = rng.below(statements.len());
        statements[at][9].push_str(" (edited)");
    }
    statements.remove(rng.below(statements.len()));
    write_csv(&dir.join("statements.csv"), &header, &statements);

    // A casualty no other refers to (as the one it is part of) may go.
    let (header, mut casualties) = read_csv(&dir.join("casualties.csv"));
    let part_of = header.iter().position(|c| c == "part_of").unwrap();
    let referred: Vec<String> = casualties.iter().map(|c| c[part_of].clone()).collect();
    let at = rng.below(casualties.len());
    if !referred.contains(&casualties[at][0]) {
        casualties.remove(at);
    }
    let at = rng.below(casualties.len());
    casualties[at][13].push_str(" (edited)");
    write_csv(&dir.join("casualties.csv"), &header, &casualties);
}

#[test]
fn seeding_again_round_after_round_of_edits_stores_what_a_fresh_seed_of_the_files_does() {
    let env = Env::new();
    let dir = env.synth(400, 3, "s");
    let dir = Path::new(&dir);
    let seed = |db: &str| {
        let (code, _, err) = env.run(&["--db", db, "seed", dir.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        err
    };
    seed("old.db");
    let tables = fingerprinted(&env.path("old.db"), "s");
    for table in [
        "events",
        "event_actors",
        "statements",
        "casualties",
        "actors",
    ] {
        assert!(tables.iter().any(|t| t == table), "{table}: {tables:?}");
    }
    let mut rng = Lcg(7);
    for round in 0..4 {
        edit(dir, &mut rng, round);
        let err = seed("old.db");
        let did: BTreeMap<String, Vec<u64>> = seed_summary(&err).into_iter().collect();
        // [added, changed, removed, unchanged]
        assert_eq!(did["events"][0], 1, "round {round}: {err}");
        assert!(did["events"][1] >= 1, "round {round}: {err}");
        assert_eq!(did["event_actors"][2], 2, "round {round}: {err}");
        assert_eq!(did["statements"][2], 1, "round {round}: {err}");
        assert!(did["statements"][3] > 500, "round {round}: {err}");
        let fresh = format!("new-{round}.db");
        seed(&fresh);
        assert_eq!(
            exported(&env, "old.db", &format!("old-{round}")),
            exported(&env, &fresh, &format!("new-{round}")),
            "round {round}"
        );
        assert!(!fingerprinted(&env.path("old.db"), "s").is_empty());
        // The search indexes, kept in step row by row, hold what the rows say (a rule of
        // `check`, which compares each index with its table; another rule fails, since the new
        // event has no source).
        let (_, out, err) = env.run(&["--db", "old.db", "check"]);
        assert!(
            out.contains("\nok    search indexes match their tables\n"),
            "round {round}: {out}{err}"
        );
    }
    // The same files again: every row as it was.
    let err = seed("old.db");
    for (table, counts) in seed_summary(&err) {
        assert_eq!(counts[..3], [0, 0, 0], "{table}: {err}");
    }
}

/// The refusal of seeding `dir` again into a copy of `db`, with the last load's fingerprints
/// and without them (every row then compared); both are asserted to leave the copy as it was.
fn refused_both_ways(env: &Env, db: &str, dir: &Path) -> (String, String) {
    let mut messages = Vec::new();
    for (copy, forget) in [("with.db", false), ("without.db", true)] {
        std::fs::copy(env.path(db), env.path(copy)).unwrap();
        if forget {
            by_hand(&env.path(copy), "DELETE FROM row_fingerprints");
        }
        let before = std::fs::read(env.path(copy)).unwrap();
        let (code, out, err) = env.run(&["--db", copy, "seed", dir.to_str().unwrap()]);
        assert_eq!((code, out.as_str()), (1, ""), "{err}");
        assert_eq!(
            std::fs::read(env.path(copy)).unwrap(),
            before,
            "{copy} changed"
        );
        messages.push(err);
    }
    let without = messages.pop().unwrap();
    (messages.pop().unwrap(), without)
}

#[test]
fn a_row_given_twice_is_refused_alike_whether_the_other_line_is_skipped_or_checked() {
    for (file, first) in [
        ("events.csv", true),
        ("events.csv", false),
        ("event_actors.csv", true),
        ("event_actors.csv", false),
    ] {
        let env = Env::new();
        let dir = env.synth(300, 5, "s");
        let dir = Path::new(&dir);
        env.ok(&["--db", "base.db", "seed", dir.to_str().unwrap()]);
        // A row of the middle of the file given again: at the start (checked, before the run
        // that holds the other line is skipped) or at the end (after it).
        let (header, mut rows) = read_csv(&dir.join(file));
        let mut again = rows[rows.len() / 2].clone();
        if file == "events.csv" {
            again[1].push_str(" (again)");
        }
        match first {
            true => rows.insert(0, again),
            false => rows.push(again),
        }
        write_csv(&dir.join(file), &header, &rows);
        let (with, without) = refused_both_ways(&env, "base.db", dir);
        assert_eq!(with, without, "{file}");
        assert!(with.contains(file) && with.contains("duplicate"), "{with}");
    }
}

#[test]
fn removing_an_event_that_rows_of_unchanged_files_refer_to_is_refused_naming_them() {
    let env = Env::new();
    let dir = env.synth(300, 9, "s");
    let dir = Path::new(&dir);
    env.ok(&["--db", "base.db", "seed", dir.to_str().unwrap()]);
    // An event statements and casualties refer to; only events.csv changes.
    let (_, statements) = read_csv(&dir.join("statements.csv"));
    let event = statements
        .iter()
        .map(|s| s[5].clone())
        .find(|e| !e.is_empty())
        .unwrap();
    let (header, mut events) = read_csv(&dir.join("events.csv"));
    events.retain(|e| e[0] != event);
    write_csv(&dir.join("events.csv"), &header, &events);
    let (with, without) = refused_both_ways(&env, "base.db", dir);
    assert_eq!(with, without);
    assert!(
        with.contains("cannot remove") && with.contains("refer"),
        "{with}"
    );
}

#[test]
fn a_damaged_fingerprint_or_a_file_whose_groups_are_scattered_is_compared_row_by_row() {
    let env = Env::new();
    let dir = env.synth(300, 11, "s");
    let dir = Path::new(&dir);
    env.ok(&["--db", "old.db", "seed", dir.to_str().unwrap()]);
    // Bytes that are no fingerprint: the next seed compares every row.
    by_hand(
        &env.path("old.db"),
        "UPDATE row_fingerprints SET runs = X'00112233'",
    );
    let mut rng = Lcg(3);
    edit(dir, &mut rng, 0);
    env.ok(&["--db", "old.db", "seed", dir.to_str().unwrap()]);
    assert!(fingerprinted(&env.path("old.db"), "s").contains(&"events".to_string()));
    // An event's link rows in two places: the file gets no fingerprint, and is compared again.
    let (header, mut actors) = read_csv(&dir.join("event_actors.csv"));
    let second = (1..actors.len())
        .rev()
        .find(|&i| actors[i][0] == actors[i - 1][0])
        .unwrap();
    let moved = actors.remove(second);
    actors.insert(0, moved);
    write_csv(&dir.join("event_actors.csv"), &header, &actors);
    env.ok(&["--db", "old.db", "seed", dir.to_str().unwrap()]);
    let tables = fingerprinted(&env.path("old.db"), "s");
    assert!(!tables.contains(&"event_actors".to_string()), "{tables:?}");
    assert!(tables.contains(&"event_sources".to_string()), "{tables:?}");
    edit(dir, &mut rng, 1);
    env.ok(&["--db", "old.db", "seed", dir.to_str().unwrap()]);
    env.ok(&["--db", "new.db", "seed", dir.to_str().unwrap()]);
    assert_eq!(
        exported(&env, "old.db", "old-export"),
        exported(&env, "new.db", "new-export")
    );
}

#[test]
fn a_file_edited_without_changing_its_size_is_read_again() {
    // A file of another size than last loaded is known changed without hashing it; one of the
    // same size is told by its hash.
    let env = Env::new();
    let dir = env.synth(200, 5, "s");
    let dir = Path::new(&dir);
    env.ok(&["--db", "base.db", "seed", dir.to_str().unwrap()]);
    let path = dir.join("events.csv");
    let size = std::fs::metadata(&path).unwrap().len();
    let (header, mut events) = read_csv(&path);
    let title: String = events[100][1].chars().rev().collect();
    assert_ne!(title, events[100][1]);
    events[100][1] = title.clone();
    write_csv(&path, &header, &events);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), size);
    let (code, _, err) = env.run(&["--db", "base.db", "seed", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let did: BTreeMap<String, Vec<u64>> = seed_summary(&err).into_iter().collect();
    // [added, changed, removed, unchanged]
    assert_eq!(did["events"], vec![0, 1, 0, 199], "{err}");
    let stored: String = Connection::open(env.path("base.db"))
        .unwrap()
        .query_row(
            "SELECT title FROM events WHERE key = ?1",
            [&events[100][0]],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(stored, title);
}

/// One random change of `bytes`, as a careless edit or a damaged copy makes: a letter put in, a
/// byte that matters to CSV (a quote, a comma, a line break, a NUL, a byte that is not UTF-8) put
/// in or replacing another, or a byte or a line taken out or given twice.
fn damage(bytes: &mut Vec<u8>, rng: &mut Lcg) {
    const BYTES: &[u8] = b"\",\n\r\0x1 ";
    let special = |rng: &mut Lcg| match rng.below(10) {
        9 => 0xff,
        n => BYTES[n % BYTES.len()],
    };
    let at = rng.below(bytes.len());
    match rng.below(7) {
        5 | 6 => bytes.insert(at, b'x'),
        0 => bytes[at] = special(rng),
        1 => bytes.insert(at, special(rng)),
        2 => {
            bytes.remove(at);
        }
        kind => {
            // The line holding `at`: removed, or given again after itself.
            let start = bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |i| i + 1);
            let end = bytes[at..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |i| at + i + 1);
            match kind {
                3 => {
                    bytes.drain(start..end);
                }
                _ => {
                    let line = bytes[start..end].to_vec();
                    bytes.splice(end..end, line);
                }
            }
        }
    }
}

#[test]
fn damaged_files_seeded_again_give_what_a_load_comparing_every_row_gives() {
    let env = Env::new();
    let dir = env.synth(200, 11, "s");
    let dir = Path::new(&dir);
    env.ok(&["--db", "base.db", "seed", dir.to_str().unwrap()]);
    let files = [
        "events.csv",
        "statements.csv",
        "casualties.csv",
        "event_actors.csv",
        "event_places.csv",
        "actors.csv",
    ];
    let originals: Vec<Vec<u8>> = files
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect();
    let mut rng = Lcg(2026);
    let (mut refused, mut loaded) = (0, 0);
    for round in 0..40 {
        let pick = rng.below(files.len());
        let mut bytes = originals[pick].clone();
        for _ in 0..1 + rng.below(3) {
            damage(&mut bytes, &mut rng);
        }
        std::fs::write(dir.join(files[pick]), &bytes).unwrap();
        let mut outcomes = Vec::new();
        for (copy, forget) in [("with.db", false), ("without.db", true)] {
            std::fs::copy(env.path("base.db"), env.path(copy)).unwrap();
            if forget {
                by_hand(&env.path(copy), "DELETE FROM row_fingerprints");
            }
            let (code, out, err) = env.run(&["--db", copy, "seed", dir.to_str().unwrap()]);
            let err = err.replace(copy, "DB");
            outcomes.push((code, out, err));
        }
        assert_eq!(outcomes[0], outcomes[1], "round {round}, {}", files[pick]);
        match outcomes[0].0 {
            0 => {
                loaded += 1;
                assert_eq!(
                    exported(&env, "with.db", &format!("with-{round}")),
                    exported(&env, "without.db", &format!("without-{round}")),
                    "round {round}, {}",
                    files[pick]
                );
            }
            _ => refused += 1,
        }
        std::fs::write(dir.join(files[pick]), &originals[pick]).unwrap();
    }
    // Both kinds of outcome were met.
    assert!(
        refused >= 5 && loaded >= 5,
        "refused {refused}, loaded {loaded}"
    );
}
