//! `synth`: the directory it writes loads, passes `check`, has the promised proportions and
//! shapes, and depends only on the seed.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::common::{Env, REPO};

const EVENTS: u64 = 2000;

/// Every file of a directory, by name.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            (
                path.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&path).unwrap(),
            )
        })
        .collect()
}

fn count(env: &Env, sql: &str) -> u64 {
    env.query(sql)[0][0].parse().unwrap()
}

#[test]
fn a_synthetic_directory_seeds_passes_check_and_has_the_promised_proportions() {
    let env = Env::new();
    let events = EVENTS.to_string();
    let (code, out, err) = env.run(&["synth", "--events", &events, "--out", "synthetic"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "");
    assert!(
        err.starts_with("conflictdb: wrote synthetic: 31 files, "),
        "{err}"
    );

    env.ok(&["seed", "synthetic"]);
    let check = env.ok(&["check"]);
    assert!(check.lines().all(|l| l.starts_with("ok ")), "{check}");
    assert_eq!(check.lines().count(), 13, "{check}");

    // What synth says it wrote is what seed loaded.
    for line in err.lines().skip(1) {
        let [table, rows] = line.split_whitespace().collect::<Vec<_>>()[..] else {
            panic!("unexpected line {line:?} in\n{err}");
        };
        assert_eq!(
            count(&env, &format!("SELECT count(*) FROM {table}")),
            rows.parse::<u64>().unwrap(),
            "{table}"
        );
    }

    // The fixed proportions: per event two statements and one claim; an actor per 20 events
    // (at least 50), a place per 50 (at least 20), a source per 100 (at least 20).
    for (table, expected) in [
        ("events", EVENTS),
        ("statements", 2 * EVENTS),
        ("casualties", EVENTS),
        ("actors", 100),
        ("places", 40),
        ("sources", 20),
    ] {
        assert_eq!(
            count(&env, &format!("SELECT count(*) FROM {table}")),
            expected,
            "{table}"
        );
    }
    // Link tables: every event has a place or two, two sides and a source or more.
    for (table, low, high) in [
        ("event_places", 1.0, 1.5),
        ("event_actors", 1.5, 2.5),
        ("event_sources", 1.2, 1.8),
    ] {
        let per_event = count(&env, &format!("SELECT count(*) FROM {table}")) as f64 / 2000.0;
        assert!(
            (low..=high).contains(&per_event),
            "{table}: {per_event} per event"
        );
    }
    for (table, of) in [("actor_aliases", "actors"), ("place_aliases", "places")] {
        let aliases = count(&env, &format!("SELECT count(*) FROM {table}"));
        let rows = count(&env, &format!("SELECT count(*) FROM {of}"));
        assert!(
            aliases > rows / 10 && aliases < rows,
            "{aliases} {table} for {rows} {of}"
        );
    }
}

#[test]
fn synthetic_data_has_the_shapes_of_real_data() {
    let env = Env::new();
    env.ok(&[
        "synth",
        "--events",
        &EVENTS.to_string(),
        "--out",
        "synthetic",
    ]);
    env.ok(&["seed", "synthetic"]);

    // Parent chains: state → government → ministry → person (depth 3), and only a share of
    // actors are parties.
    let chains = count(
        &env,
        "SELECT count(*) FROM actors AS person
             JOIN actors AS ministry ON ministry.id = person.parent_id
             JOIN actors AS government ON government.id = ministry.parent_id
             JOIN actors AS state ON state.id = government.parent_id
             WHERE person.kind = 'person' AND ministry.kind = 'government_body'
               AND government.kind = 'government_body' AND state.kind IN ('state', 'de_facto_state')
               AND state.parent_id IS NULL",
    );
    assert!(
        chains > 10,
        "{chains} persons under a ministry under a government under a state"
    );
    let parties = count(&env, "SELECT sum(is_party) FROM actors");
    assert!(
        (1..50).contains(&parties),
        "{parties} of 100 actors are parties"
    );

    // A few actors make most statements.
    let top_tenth = count(
        &env,
        "SELECT sum(n) FROM (SELECT count(*) AS n FROM statements GROUP BY speaker_id
         ORDER BY n DESC LIMIT 10)",
    );
    assert!(
        top_tenth > 2 * EVENTS / 2,
        "top 10 of 100 speakers: {top_tenth} statements"
    );

    // Events: nested, some parents further down the file, dates over decades at every
    // precision, some spans.
    assert!(count(&env, "SELECT count(*) FROM events WHERE parent_id < id") > EVENTS / 2);
    assert!(count(&env, "SELECT count(*) FROM events WHERE parent_id > id") > 10);
    assert!(
        count(
            &env,
            "SELECT count(*) FROM events AS child JOIN events AS parent ON parent.id = child.parent_id
             WHERE parent.parent_id IS NOT NULL"
        ) > EVENTS / 2
    );
    for precision in ["day", "month", "year"] {
        let rows = count(
            &env,
            &format!("SELECT count(*) FROM events WHERE date_precision = '{precision}'"),
        );
        assert!(rows > EVENTS / 50, "{rows} events at {precision} precision");
    }
    let spans = count(
        &env,
        "SELECT count(*) FROM events WHERE date_precision = 'day' AND end_date > start_date",
    );
    assert!(spans > EVENTS / 50, "{spans} day-precision spans");
    let decades = count(
        &env,
        "SELECT count(DISTINCT substr(start_date, 1, 3)) FROM events",
    );
    assert!(decades >= 5, "events in {decades} decades");

    // Sources cite one another; places have other names.
    assert!(
        count(
            &env,
            "SELECT count(*) FROM sources WHERE cited_in IS NOT NULL"
        ) > 0
    );

    // Casualty figures: low <= best <= high, some left empty, some contested.
    assert_eq!(
        count(
            &env,
            "SELECT count(*) FROM casualties WHERE count_low > count_best OR count_best > count_high
             OR count_low > count_high"
        ),
        0
    );
    for column in ["count_low", "count_best", "count_high"] {
        let empty = count(
            &env,
            &format!("SELECT count(*) FROM casualties WHERE {column} IS NULL"),
        );
        assert!(empty > 0 && empty < EVENTS, "{column}: {empty} empty");
    }
    let contested = env.ok(&["report", "contested-casualties", "--format", "csv"]);
    assert!(contested.lines().count() > 10, "{contested}");

    // Keys are lowercase slugs.
    for table in [
        "actors",
        "places",
        "sources",
        "events",
        "statements",
        "casualties",
    ] {
        assert_eq!(
            count(
                &env,
                &format!(
                    "SELECT count(*) FROM {table} WHERE key <> lower(key) OR key GLOB '*[^a-z0-9._:-]*'"
                )
            ),
            0,
            "{table}"
        );
    }
}

#[test]
fn the_same_rng_seed_writes_the_same_bytes_and_another_does_not() {
    let env = Env::new();
    for (dir, seed) in [("first", "7"), ("second", "7"), ("other", "8")] {
        env.ok(&["synth", "--events", "500", "--out", dir, "--rng-seed", seed]);
    }
    let first = files(&env.path("first"));
    assert_eq!(first.len(), 31);
    assert!(first == files(&env.path("second")));
    let other = files(&env.path("other"));
    assert_ne!(first["statements.csv"], other["statements.csv"]);
    assert_ne!(first["events.csv"], other["events.csv"]);

    // The vocabularies are the built-in ones, byte for byte.
    for (name, bytes) in &first {
        if bytes.starts_with(b"code,") {
            assert_eq!(
                bytes,
                &fs::read(Path::new(REPO).join("seed").join(name)).unwrap(),
                "{name}"
            );
        }
    }
    assert_eq!(
        first.values().filter(|b| b.starts_with(b"code,")).count(),
        16
    );
}

#[test]
fn synth_refuses_zero_events_as_a_usage_error() {
    let env = Env::new();
    let (code, _, err) = env.run(&["synth", "--events", "0", "--out", "x"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--events"), "{err}");
    assert!(!env.path("x").exists());
}
