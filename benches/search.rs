//! The search benchmark. It prints figures; it asserts nothing.
//!
//! ```sh
//! cargo bench --bench search -- --events 1000000 --runs 5
//! ```
//!
//! Builds a database of `--events` synthetic events (`conflictdb synth` + `conflictdb seed`,
//! about two statements per event; `--db PATH` reuses one already built), then times:
//!
//! - the full-text indexes rebuilt from their tables, as every seed does at its end, in a
//!   transaction rolled back (after the terms FTS5 still holds in memory are written out, as a
//!   commit would);
//! - `conflictdb search WORDS --limit 20 --format csv` (the whole process, start to exit) for a
//!   rare word, a word in most statements, a word in every event summary and a two-letter prefix,
//!   against two baselines: the one would write without the index, `conflictdb query` with a
//!   `LIKE '%word%'` scan of the same columns (the first 20 matches by date); and the FTS5 query
//!   its documentation gives, `... MATCH ? ORDER BY rank LIMIT 20` with a snippet, on each index,
//!   run by the `sqlite3` command-line program if there is one.
//!
//! Each figure is the median and the best of `--runs`. Cargo builds the binary it runs
//! (`CARGO_BIN_EXE_conflictdb`, optimised like `--release`); `--binary PATH` times another build
//! instead (an older one, on the same database, for a before and after).

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use rusqlite::Connection;

const USAGE: &str = "usage: cargo bench --bench search -- [--events N (1000000)] [--runs R (5)] \
[--db PATH] [--binary PATH]";

/// The conflictdb that is timed: `--binary`, else the one cargo built.
static BINARY: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

fn main() -> ExitCode {
    if !std::env::args().any(|arg| arg == "--bench") {
        eprintln!("search benchmark: skipped (not run by `cargo bench`)\n{USAGE}");
        return ExitCode::SUCCESS;
    }
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("search benchmark: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let (mut events, mut runs, mut db) = (1_000_000u64, 5usize, None::<PathBuf>);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .with_context(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--events" => events = value()?.parse()?,
            "--runs" => runs = value()?.parse()?,
            "--db" => db = Some(PathBuf::from(value()?)),
            "--binary" => {
                let _ = BINARY.set(PathBuf::from(value()?));
            }
            "--bench" => {}
            other => bail!("unknown option {other}\n{USAGE}"),
        }
    }
    let scratch = tempfile::tempdir()?;
    let db = match db {
        Some(db) if db.exists() => db,
        given => {
            let db = given.unwrap_or_else(|| scratch.path().join("search.db"));
            let dir = scratch.path().join("synth");
            eprintln!("writing {events} synthetic events…");
            conflictdb(&[
                "synth",
                "--events",
                &events.to_string(),
                "--out",
                dir.to_str().unwrap(),
            ])?;
            eprintln!("seeding {}…", db.display());
            let started = Instant::now();
            conflictdb(&["--db", db.to_str().unwrap(), "seed", dir.to_str().unwrap()])?;
            println!(
                "seed of {events} events (with the index builds): {:.1} s",
                started.elapsed().as_secs_f64()
            );
            db
        }
    };
    let conn = Connection::open(&db)?;
    let count = |sql: &str| -> Result<i64> { Ok(conn.query_row(sql, [], |r| r.get(0))?) };
    println!(
        "database: {} events, {} statements, {} sources",
        count("SELECT count(*) FROM events")?,
        count("SELECT count(*) FROM statements")?,
        count("SELECT count(*) FROM sources")?
    );
    let mut rebuilds = Vec::new();
    for _ in 0..runs.min(3) {
        let started = Instant::now();
        conn.execute_batch(
            "BEGIN;
             INSERT INTO events_fts (events_fts) VALUES ('rebuild');
             INSERT INTO statements_fts (statements_fts) VALUES ('rebuild');
             INSERT INTO sources_fts (sources_fts) VALUES ('rebuild');
             SAVEPOINT flush; RELEASE flush;",
        )?;
        rebuilds.push(started.elapsed());
        conn.execute_batch("ROLLBACK")?;
    }
    println!(
        "rebuilding the three indexes (as a seed does at its end): median {:.2} s, best {:.2} s",
        median(&rebuilds),
        best(&rebuilds)
    );
    // A rare word (one place's name), one in most statements, one in every event summary.
    let rare: String = conn.query_row(
        "SELECT name FROM places WHERE name NOT LIKE '% %' ORDER BY id LIMIT 1 OFFSET 7",
        [],
        |r| r.get(0),
    )?;
    let sqlite3 = Command::new("sqlite3").arg("--version").output().is_ok();
    println!(
        "\n{:<32} {:>22} {:>22} {:>14} {:>22} {:>14}",
        "words",
        "search median / best",
        "LIKE median / best",
        "ratio (median)",
        "sqlite3 rank med/best",
        "ratio (median)"
    );
    for word in [rare.as_str(), "ceasefire", "reported", "re*"] {
        let fts = match word.strip_suffix('*') {
            Some(stem) => format!("\"{stem}\"*"),
            None => format!("\"{word}\""),
        };
        let matches = count(&format!(
            "SELECT (SELECT count(*) FROM events_fts WHERE events_fts MATCH '{fts}')
                  + (SELECT count(*) FROM statements_fts WHERE statements_fts MATCH '{fts}')
                  + (SELECT count(*) FROM sources_fts WHERE sources_fts MATCH '{fts}')"
        ))?;
        let search = time(
            runs,
            &[
                "--db",
                db.to_str().unwrap(),
                "search",
                word,
                "--limit",
                "20",
                "--format",
                "csv",
            ],
        )?;
        let stem = word.trim_end_matches('*');
        let like = format!(
            "SELECT * FROM (
               SELECT 'event', key, title FROM events WHERE title LIKE '%{stem}%' OR summary LIKE '%{stem}%'
               UNION ALL
               SELECT 'statement', key, summary FROM statements WHERE summary LIKE '%{stem}%' OR quote LIKE '%{stem}%'
               UNION ALL
               SELECT 'source', key, title FROM sources WHERE title LIKE '%{stem}%')
             ORDER BY 3 LIMIT 20"
        );
        let scan = time(
            runs,
            &[
                "--db",
                db.to_str().unwrap(),
                "query",
                &like,
                "--format",
                "csv",
            ],
        )?;
        let ranked = if sqlite3 {
            let by_rank: Vec<String> = ["events_fts", "statements_fts", "sources_fts"]
                .iter()
                .map(|index| {
                    format!(
                        "SELECT rowid, snippet({index}, -1, '**', '**', '…', 16), rank FROM {index}
                         WHERE {index} MATCH '{fts}' ORDER BY rank LIMIT 20;"
                    )
                })
                .collect();
            let mut times = Vec::new();
            for _ in 0..runs {
                let started = Instant::now();
                let status = Command::new("sqlite3")
                    .args(["-readonly", db.to_str().unwrap(), &by_rank.concat()])
                    .stdout(std::process::Stdio::null())
                    .status()?;
                if !status.success() {
                    bail!("sqlite3 failed on {word}");
                }
                times.push(started.elapsed());
            }
            format!(
                "{:>10.3} / {:<9.3} {:>12.1}×",
                median(&times),
                best(&times),
                median(&times) / median(&search)
            )
        } else {
            "(no sqlite3 program)".to_string()
        };
        println!(
            "{:<32} {:>10.3} / {:<9.3} {:>10.3} / {:<9.3} {:>12.1}× {ranked}",
            format!("{word} ({matches} matches)"),
            median(&search),
            best(&search),
            median(&scan),
            best(&scan),
            median(&scan) / median(&search)
        );
    }
    Ok(())
}

fn conflictdb(args: &[&str]) -> Result<()> {
    // What search says on stderr (how many matched, how many were ranked) is left out too.
    let binary = BINARY.get_or_init(|| PathBuf::from(env!("CARGO_BIN_EXE_conflictdb")));
    let status = Command::new(binary)
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(if args.contains(&"search") {
            std::process::Stdio::null()
        } else {
            std::process::Stdio::inherit()
        })
        .status()?;
    if !status.success() {
        bail!("conflictdb {args:?} failed");
    }
    Ok(())
}

fn time(runs: usize, args: &[&str]) -> Result<Vec<Duration>> {
    (0..runs)
        .map(|_| {
            let started = Instant::now();
            conflictdb(args)?;
            Ok(started.elapsed())
        })
        .collect()
}

fn median(times: &[Duration]) -> f64 {
    let mut seconds: Vec<f64> = times.iter().map(Duration::as_secs_f64).collect();
    seconds.sort_by(f64::total_cmp);
    seconds[seconds.len() / 2]
}

fn best(times: &[Duration]) -> f64 {
    times
        .iter()
        .map(Duration::as_secs_f64)
        .fold(f64::INFINITY, f64::min)
}
