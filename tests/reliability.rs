//! Nothing lost under crashes and concurrent use: processes killed at random moments, readers
//! running beside writers, two writers at once. These tests pick their kill moments at random
//! (the seed is printed) from the duration of an undisturbed run; they assert outcomes, never
//! times.

use std::fs;
use std::path::Path;
use std::process::{Child, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::Connection;

use crate::common::Env;

/// A small deterministic random source (xorshift), seeded from the clock and printed.
struct Random(u64);

impl Random {
    fn new(test: &str) -> Random {
        let seed = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
            | 1;
        eprintln!("{test}: random seed {seed}");
        Random(seed)
    }

    fn below(&mut self, limit: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % limit.max(1)
    }
}

/// Row counts of the main tables, after asserting the file is sound.
fn state(db: &Path) -> Vec<i64> {
    let conn = Connection::open(db).unwrap();
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(integrity, "ok", "{}", db.display());
    let broken: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(broken, 0, "{}: foreign keys broken", db.display());
    [
        "sources",
        "actors",
        "places",
        "events",
        "event_sources",
        "statements",
        "casualties",
    ]
    .iter()
    .map(|t| {
        conn.query_row(&format!("SELECT count(*) FROM {t}"), [], |r| r.get(0))
            .unwrap()
    })
    .collect()
}

fn spawn(env: &Env, args: &[&str]) -> Child {
    env.spawnable()
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn kill_after(mut child: Child, delay: Duration) {
    sleep(delay);
    let _ = child.kill(); // SIGKILL on Unix
    let _ = child.wait();
}

fn remove_db(env: &Env, name: &str) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = fs::remove_file(env.path(&format!("{name}{suffix}")));
    }
}

#[test]
fn a_first_seed_killed_at_any_moment_leaves_no_file_or_the_whole_load() {
    let env = Env::new();
    let big = env.synth(3000, 7, "big");
    let started = Instant::now();
    env.ok(&["--db", "full.db", "seed", &big]);
    let window = started.elapsed().as_millis() as u64 * 5 / 4;
    let full = state(&env.path("full.db"));
    let mut random = Random::new("first seed");
    let (mut absent, mut complete) = (0, 0);
    for _ in 0..12 {
        remove_db(&env, "killed.db");
        let child = spawn(&env, &["--db", "killed.db", "seed", &big]);
        kill_after(child, Duration::from_millis(random.below(window)));
        if env.path("killed.db").exists() {
            assert_eq!(state(&env.path("killed.db")), full);
            complete += 1;
        } else {
            absent += 1;
        }
    }
    eprintln!("first seed killed 12 times: {absent} left no file, {complete} the whole load");
    // The next seed of that file clears the builds the killed ones left behind.
    remove_db(&env, "killed.db");
    env.ok(&["--db", "killed.db", "seed", &big]);
    let leftovers: Vec<_> = fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.contains(".seeding-"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_seed_into_an_existing_file_killed_at_any_moment_leaves_the_old_or_the_new_state() {
    let env = Env::new();
    let small = env.synth(500, 1, "small");
    let big = env.synth(3000, 2, "big");
    env.ok(&["--db", "base.db", "seed", &small]);
    let old = state(&env.path("base.db"));
    fs::copy(env.path("base.db"), env.path("new.db")).unwrap();
    let started = Instant::now();
    env.ok(&[
        "--db",
        "new.db",
        "seed",
        &big,
        "--dataset",
        "small",
        "--allow-removals",
    ]);
    let window = started.elapsed().as_millis() as u64 * 5 / 4;
    let new = state(&env.path("new.db"));
    assert_ne!(old, new);
    let mut random = Random::new("update seed");
    let (mut kept, mut replaced) = (0, 0);
    for _ in 0..12 {
        remove_db(&env, "killed.db");
        fs::copy(env.path("base.db"), env.path("killed.db")).unwrap();
        let child = spawn(
            &env,
            &[
                "--db",
                "killed.db",
                "seed",
                &big,
                "--dataset",
                "small",
                "--allow-removals",
            ],
        );
        kill_after(child, Duration::from_millis(random.below(window)));
        let now = state(&env.path("killed.db"));
        if now == old {
            kept += 1;
        } else {
            assert_eq!(now, new, "neither the old nor the new state");
            replaced += 1;
        }
    }
    eprintln!("update seed killed 12 times: {kept} old state, {replaced} new state");
}

#[test]
fn a_migration_killed_at_any_moment_can_be_finished() {
    let env = Env::new();
    let mut random = Random::new("migrate");
    for _ in 0..12 {
        remove_db(&env, "m.db");
        let child = spawn(&env, &["--db", "m.db", "migrate"]);
        kill_after(child, Duration::from_micros(random.below(30_000)));
        env.ok(&["--db", "m.db", "migrate"]);
        let out = env.ok(&["--db", "m.db", "check"]);
        assert!(out.lines().all(|l| l.starts_with("ok")), "{out}");
    }
}

#[test]
fn reports_keep_working_while_a_seed_writes() {
    let env = Env::new();
    let small = env.synth(500, 1, "small");
    let big = env.synth(3000, 2, "big");
    env.ok(&["seed", &small]);
    let mut writer = spawn(
        &env,
        &["seed", &big, "--dataset", "small", "--allow-removals"],
    );
    let mut reads = 0;
    while writer.try_wait().unwrap().is_none() {
        for args in [
            &["report", "timeline", "--format", "csv"][..],
            &["query", "SELECT count(*) FROM v_statements"],
        ] {
            let (code, _, err) = env.run(args);
            assert_eq!(code, 0, "{args:?} failed while a seed was writing: {err}");
            reads += 1;
        }
    }
    assert!(writer.wait().unwrap().success());
    eprintln!("{reads} reads ran while the seed wrote");
    state(&env.db());
}

#[test]
fn two_seeds_at_once_one_waits_and_nothing_is_corrupted() {
    let env = Env::new();
    let small = env.synth(500, 1, "small");
    let big = env.synth(3000, 2, "big");
    // Expected: the state after seeding big once into the small database.
    env.ok(&["--db", "expected.db", "seed", &small]);
    env.ok(&[
        "--db",
        "expected.db",
        "seed",
        &big,
        "--dataset",
        "small",
        "--allow-removals",
    ]);
    let expected = state(&env.path("expected.db"));
    // Into an existing file: the second waits for the first.
    env.ok(&["seed", &small]);
    let first = spawn(
        &env,
        &["seed", &big, "--dataset", "small", "--allow-removals"],
    );
    let second = spawn(
        &env,
        &["seed", &big, "--dataset", "small", "--allow-removals"],
    );
    for mut child in [first, second] {
        assert!(child.wait().unwrap().success());
    }
    assert_eq!(state(&env.db()), expected);
    // Into a file that does not exist yet: one creates it, the other loads into it.
    let first = spawn(&env, &["--db", "race.db", "seed", &big]);
    let second = spawn(&env, &["--db", "race.db", "seed", &big]);
    for mut child in [first, second] {
        assert!(child.wait().unwrap().success());
    }
    env.ok(&["--db", "alone.db", "seed", &big]);
    assert_eq!(state(&env.path("race.db")), state(&env.path("alone.db")));
}

#[test]
fn an_interrupted_export_never_leaves_a_truncated_csv() {
    let env = Env::new();
    let big = env.synth(3000, 3, "big");
    env.ok(&["seed", &big]);
    let started = Instant::now();
    env.ok(&["export", "--out", "whole"]);
    let window = started.elapsed().as_millis() as u64;
    let rows = |dir: &Path, name: &str| {
        csv::Reader::from_path(dir.join(name))
            .unwrap()
            .records()
            .count()
    };
    let mut random = Random::new("export");
    for attempt in 0..8 {
        let out = format!("cut-{attempt}");
        let child = spawn(&env, &["export", "--out", &out]);
        kill_after(child, Duration::from_millis(random.below(window)));
        let Ok(entries) = fs::read_dir(env.path(&out)) else {
            continue;
        };
        for entry in entries {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".csv") && !name.starts_with('.') {
                assert_eq!(
                    rows(&env.path(&out), &name),
                    rows(&env.path("whole"), &name),
                    "{out}/{name} is incomplete"
                );
            }
        }
    }
}
