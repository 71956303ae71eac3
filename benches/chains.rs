//! The parent-chain benchmark. It prints figures; it asserts nothing.
//!
//! ```sh
//! cargo bench --bench chains -- --actors 200000 --runs 5
//! ```
//!
//! Three seed directories, each the minimal test fixture with `--actors` more actors: flat (no
//! parents), one chain as deep as there are actors with each parent before its child in the file
//! (every reference backward), and the same chain with each child first (every reference forward,
//! so that the loader's cycle search walks every row). For each it times, through the binary
//! Cargo builds (`CARGO_BIN_EXE_conflictdb`, optimised like `--release`): `seed DIR` into a new
//! database, `seed DIR` again into that database (every row updated in place) and `check`. The
//! three directories take turns within each run so that they share the machine's conditions, and
//! each figure is given as the median and the best of `--runs`, with the chain's median over the
//! flat one's. Progress goes to stderr, figures to stdout.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

const BINARY: &str = env!("CARGO_BIN_EXE_conflictdb");
const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");
const USAGE: &str = "usage: cargo bench --bench chains -- [--actors N (200000)] [--runs R (5)]";

/// The three shapes of the added actors.
const SHAPES: [&str; 3] = ["flat", "chain, parents first", "chain, children first"];
/// What is timed for each shape.
const STEPS: [&str; 3] = ["seed, new file", "seed, existing db", "check"];

fn main() -> ExitCode {
    match parse_options().and_then(|(actors, runs)| run(actors, runs)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chains benchmark: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn parse_options() -> Result<(usize, usize)> {
    // `cargo test --all-targets` runs this binary without --bench: it should not spend minutes.
    if !std::env::args().any(|arg| arg == "--bench") {
        eprintln!("chains benchmark: skipped (not run by `cargo bench`)\n{USAGE}");
        std::process::exit(0);
    }
    let (mut actors, mut runs) = (200_000, 5);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> Result<usize> {
            args.next()
                .with_context(|| format!("{name} needs a value\n{USAGE}"))?
                .parse()
                .with_context(|| name.to_string())
        };
        match arg.as_str() {
            "--bench" => {}
            "--actors" => actors = value("--actors")?,
            "--runs" => runs = value("--runs")?,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if actors == 0 || runs == 0 {
        bail!("--actors and --runs must be at least 1");
    }
    Ok((actors, runs))
}

/// The added actors of one shape, as CSV rows without a header.
fn actor_rows(shape: &str, actors: usize) -> String {
    let mut rows = String::with_capacity(actors * 48);
    let parent = |i: usize| {
        if i == 0 {
            String::new()
        } else {
            format!("a{}", i - 1)
        }
    };
    for n in 0..actors {
        let (i, parent) = match shape {
            "flat" => (n, String::new()),
            "chain, parents first" => (n, parent(n)),
            _ => (actors - 1 - n, parent(actors - 1 - n)),
        };
        writeln!(rows, "a{i},Body {i},government_body,{parent},TUR,0,").unwrap();
    }
    rows
}

/// A seed directory: the shipped vocabularies, the minimal fixture, and the added actors.
fn write_seed(dir: &Path, shape: &str, actors: usize) -> Result<()> {
    fs::create_dir_all(dir)?;
    for entry in fs::read_dir(Path::new(MANIFEST_DIR).join("seed"))? {
        let path = entry?.path();
        if fs::read_to_string(&path).is_ok_and(|text| text.starts_with("code,")) {
            fs::copy(&path, dir.join(path.file_name().unwrap()))?;
        }
    }
    let fixture = Path::new(MANIFEST_DIR).join("tests/fixtures/minimal");
    for entry in fs::read_dir(&fixture)? {
        let path = entry?.path();
        fs::copy(&path, dir.join(path.file_name().unwrap()))?;
    }
    let mut text = fs::read_to_string(fixture.join("actors.csv"))?;
    text.push_str(&actor_rows(shape, actors));
    fs::write(dir.join("actors.csv"), text)?;
    Ok(())
}

/// Runs the binary; fails unless it succeeds. Returns the time it took.
fn timed(args: &[&str]) -> Result<Duration> {
    let start = Instant::now();
    let out = Command::new(BINARY).args(args).output()?;
    let time = start.elapsed();
    if !out.status.success() {
        bail!(
            "conflictdb {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(time)
}

fn run(actors: usize, runs: usize) -> Result<()> {
    let work = tempfile::tempdir()?;
    let mut dirs = Vec::new();
    for (n, shape) in SHAPES.iter().enumerate() {
        let dir = work.path().join(format!("seed-{n}"));
        write_seed(&dir, shape, actors)?;
        dirs.push(dir);
    }
    // times[shape][step][run]
    let mut times = vec![vec![Vec::new(); STEPS.len()]; SHAPES.len()];
    for run in 1..=runs {
        for (n, shape) in SHAPES.iter().enumerate() {
            eprintln!("run {run}/{runs}: {shape}");
            let db = work.path().join(format!("conflict-{n}.db"));
            for suffix in ["", "-wal", "-shm"] {
                let _ = fs::remove_file(format!("{}{suffix}", db.display()));
            }
            let (db, dir) = (db.to_str().unwrap(), dirs[n].to_str().unwrap());
            times[n][0].push(timed(&["--db", db, "seed", dir])?);
            times[n][1].push(timed(&["--db", db, "seed", dir])?);
            times[n][2].push(timed(&["--db", db, "check"])?);
        }
    }
    let seconds = |d: Duration| d.as_secs_f64();
    let median = |runs: &mut Vec<Duration>| {
        runs.sort();
        runs[runs.len() / 2]
    };
    println!("{actors} added actors, {runs} runs; seconds as median (best)");
    println!(
        "{:<20}{:>20}{:>24}{:>24}{:>10}{:>10}",
        "", SHAPES[0], SHAPES[1], SHAPES[2], "ratio 1", "ratio 2"
    );
    for (s, step) in STEPS.iter().enumerate() {
        let mut line = format!("{step:<20}");
        let mut medians = Vec::new();
        for (n, shape_times) in times.iter_mut().enumerate() {
            let runs = &mut shape_times[s];
            let m = median(runs);
            medians.push(m);
            let cell = format!("{:.3} ({:.3})", seconds(m), seconds(runs[0]));
            let width = if n == 0 { 20 } else { 24 };
            write!(line, "{cell:>width$}")?;
        }
        for chain in &medians[1..] {
            write!(line, "{:>10.2}", seconds(*chain) / seconds(medians[0]))?;
        }
        println!("{line}");
    }
    println!("ratio 1, 2: the median of each chain over the flat one's");
    Ok(())
}
