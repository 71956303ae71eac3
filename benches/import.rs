//! The import benchmark. It prints figures; it asserts nothing.
//!
//! ```sh
//! cargo bench --bench import -- --events 100000 --runs 3
//! ```
//!
//! On one synthetic file in ACLED's 2023+ layout (`conflictdb synth --format acled`) it times, each
//! into a new database, `--runs` times in turn:
//!
//! - (a) `conflictdb import FILE`: every row mapped into our tables (events, actors, places,
//!   sources, claims, attributes), checked and loaded in one transaction, with the peak RSS;
//! - (b) the stock `sqlite3` CLI, `.import --csv FILE t`: the file as one plain table;
//! - (c) `sqlite-utils insert DB t FILE --csv`, the tool such users pick today (installed with
//!   `pip install sqlite-utils` if missing: the benchmark says so);
//!
//! then, into a copy of (a)'s database each time:
//!
//! - (d) the same file imported again (recognised by its SHA-256: nothing is written);
//! - (e) a newer export: 1% of the rows with a new fatality figure and timestamp, 0.1% gone
//!   (retracted), written once before the runs.
//!
//! With `--baseline BINARY` (another build of conflictdb, say main's), (a0) times that build's
//! import of the same file right after each (a), so that a change is measured against the build
//! before it in the same run. `--skip-sqlite-utils` leaves (c) out (about a minute a run at
//! 100k rows).
//!
//! Targets (issue 14): (a) at most 1.5× (b); (d) at most 0.3× (a); peak RSS under 150 MB. Each
//! figure is the median and the best of the runs, wall and CPU (user + system) time, since the
//! wall time of a shared machine is noise. Progress goes to stderr, figures to stdout.

use std::fs;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

const BINARY: &str = env!("CARGO_BIN_EXE_conflictdb");
const USAGE: &str = "usage: cargo bench --bench import -- [--events N (100000)] [--runs R (3)] [--rng-seed S (1)] [--baseline BINARY] [--skip-sqlite-utils]";

struct Options {
    events: u64,
    runs: usize,
    rng_seed: u64,
    /// Another build of conflictdb, timed beside this one.
    baseline: Option<std::path::PathBuf>,
    skip_sqlite_utils: bool,
}

fn main() -> ExitCode {
    match parse_options().and_then(|options| run(&options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("import benchmark: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn parse_options() -> Result<Options> {
    let mut options = Options {
        events: 100_000,
        runs: 3,
        rng_seed: 1,
        baseline: None,
        skip_sqlite_utils: false,
    };
    // `cargo test --all-targets` runs this binary without --bench: a test run skips it.
    if !std::env::args().any(|arg| arg == "--bench") {
        eprintln!("import benchmark: skipped (not run by `cargo bench`)\n{USAGE}");
        std::process::exit(0);
    }
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .with_context(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--bench" => {}
            "--events" => options.events = value("--events")?.parse()?,
            "--runs" => options.runs = value("--runs")?.parse()?,
            "--rng-seed" => options.rng_seed = value("--rng-seed")?.parse()?,
            "--baseline" => options.baseline = Some(value("--baseline")?.into()),
            "--skip-sqlite-utils" => options.skip_sqlite_utils = true,
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    Ok(options)
}

/// A process's wall time, CPU time (user and system) and peak RSS.
struct Measured {
    time: Duration,
    cpu: Duration,
    peak_rss: u64,
}

fn run(options: &Options) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let file = dir.path().join("acled.csv");
    let events = options.events.to_string();
    let seed = options.rng_seed.to_string();
    eprintln!(
        "import benchmark: writing {} synthetic ACLED rows",
        options.events
    );
    let mut synth = Command::new(BINARY);
    synth.args([
        "synth",
        "--format",
        "acled",
        "--events",
        &events,
        "--rng-seed",
        &seed,
        "--out",
    ]);
    synth.arg(&file).stderr(Stdio::null());
    measure(&mut synth)?;
    let newer = dir.path().join("acled-newer.csv");
    let (changed, gone) = newer_export(&file, &newer)?;
    let sqlite_utils = match options.skip_sqlite_utils {
        true => None,
        false => sqlite_utils()?,
    };

    let db = dir.path().join("import.db");
    let copy = dir.path().join("copy.db");
    let plain = dir.path().join("plain.db");
    let (mut a, mut b, mut c, mut d, mut e) = (vec![], vec![], vec![], vec![], vec![]);
    let mut a0 = vec![];
    for run in 1..=options.runs {
        eprintln!("import benchmark: run {run} of {}", options.runs);
        remove_database(&db)?;
        a.push(measure(
            Command::new(BINARY)
                .arg("import")
                .arg(&file)
                .arg("--db")
                .arg(&db),
        )?);
        if let Some(baseline) = &options.baseline {
            remove_database(&plain)?;
            a0.push(measure(
                Command::new(baseline)
                    .arg("import")
                    .arg(&file)
                    .arg("--db")
                    .arg(&plain),
            )?);
        }
        remove_database(&plain)?;
        b.push(measure(
            Command::new("sqlite3")
                .arg(&plain)
                .arg(format!(".import --csv {} t", file.display())),
        )?);
        if let Some(tool) = &sqlite_utils {
            remove_database(&plain)?;
            c.push(measure(
                Command::new(tool)
                    .args(["insert"])
                    .arg(&plain)
                    .arg("t")
                    .arg(&file)
                    .arg("--csv"),
            )?);
        }
        remove_database(&plain)?;
        for (times, input) in [(&mut d, &file), (&mut e, &newer)] {
            remove_database(&copy)?;
            fs::copy(&db, &copy)?;
            times.push(measure(
                Command::new(BINARY)
                    .arg("import")
                    .arg(input)
                    .arg("--db")
                    .arg(&copy)
                    .arg("--dataset")
                    .arg("acled"),
            )?);
        }
        remove_database(&copy)?;
    }
    let bytes = fs::metadata(&file)?.len();
    println!(
        "import benchmark: {} ACLED rows (2023+ layout, {:.1} MB), {} runs each, median / best",
        options.events,
        bytes as f64 / 1e6,
        options.runs
    );
    let line = |name: &str, runs: &[Measured]| {
        if runs.is_empty() {
            println!("  {name:<58} (not run)");
            return;
        }
        let times: Vec<Duration> = runs.iter().map(|m| m.time).collect();
        let cpu: Vec<Duration> = runs.iter().map(|m| m.cpu).collect();
        let rss = runs.iter().map(|m| m.peak_rss).max().unwrap_or(0);
        println!(
            "  {name:<58} {:>8.2} s {:>8.2} s   CPU {:>7.2} s {:>7.2} s   peak RSS {:>6.1} MB",
            median(&times),
            best(&times),
            median(&cpu),
            best(&cpu),
            rss as f64 / 1e6
        );
    };
    println!(
        "  {:<58} {:>10} {:>10}   {:>13} {:>9}",
        "", "median", "best", "CPU median", "best"
    );
    line("(a) conflictdb import", &a);
    if let Some(baseline) = &options.baseline {
        line(&format!("(a0) {} import", baseline.display()), &a0);
    }
    line("(b) sqlite3 .import --csv (one plain table)", &b);
    line("(c) sqlite-utils insert --csv (one plain table)", &c);
    line("(d) conflictdb import, the same file again", &d);
    line(
        &format!("(e) conflictdb import, a newer export ({changed} changed, {gone} gone)"),
        &e,
    );
    let ratio = |name: &str, x: &[Measured], y: &[Measured], target: &str| {
        if x.is_empty() || y.is_empty() {
            return;
        }
        let tx: Vec<Duration> = x.iter().map(|m| m.time).collect();
        let ty: Vec<Duration> = y.iter().map(|m| m.time).collect();
        let cx: Vec<Duration> = x.iter().map(|m| m.cpu).collect();
        let cy: Vec<Duration> = y.iter().map(|m| m.cpu).collect();
        println!(
            "  {name:<58} {:>8.2}× {:>8.2}×   CPU {:>6.2}× {:>6.2}×   {target}",
            median(&tx) / median(&ty),
            best(&tx) / best(&ty),
            median(&cx) / median(&cy),
            best(&cx) / best(&cy)
        );
    };
    ratio("(a)/(b)", &a, &b, "target ≤ 1.5×");
    ratio("(a)/(a0)", &a, &a0, "");
    ratio("(a0)/(b)", &a0, &b, "");
    ratio("(a)/(c)", &a, &c, "");
    ratio("(d)/(a)", &d, &a, "target ≤ 0.3×");
    ratio("(e)/(a)", &e, &a, "");
    Ok(())
}

/// A newer export of `file`: every 100th row with one more death and a new timestamp, every
/// 1000th (offset by 500) gone. Returns how many rows changed and went.
fn newer_export(file: &Path, out: &Path) -> Result<(u64, u64)> {
    let mut reader = csv::Reader::from_path(file)?;
    let mut writer = csv::Writer::from_path(out)?;
    writer.write_record(reader.headers()?)?;
    let headers = reader.headers()?.clone();
    let at = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .expect("a 2023+ column")
    };
    let (fatalities, timestamp) = (at("fatalities"), at("timestamp"));
    let (mut changed, mut gone) = (0, 0);
    for (n, record) in reader.records().enumerate() {
        let mut record: Vec<String> = record?.iter().map(str::to_string).collect();
        if n % 1000 == 500 {
            gone += 1;
            continue;
        }
        if n % 100 == 0 {
            let figure: u64 = record[fatalities].parse().unwrap_or(0);
            record[fatalities] = (figure + 1).to_string();
            record[timestamp] = format!("{}9", record[timestamp]);
            changed += 1;
        }
        writer.write_record(&record)?;
    }
    writer.flush()?;
    Ok((changed, gone))
}

/// The `sqlite-utils` command, installed with pip if missing (the benchmark says so); None if
/// it cannot be had.
fn sqlite_utils() -> Result<Option<String>> {
    let works = |tool: &str| {
        Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if works("sqlite-utils") {
        return Ok(Some("sqlite-utils".into()));
    }
    eprintln!("import benchmark: sqlite-utils is not installed: pip install --user sqlite-utils");
    let installed = Command::new("pip")
        .args(["install", "--user", "--quiet", "sqlite-utils"])
        .status()
        .is_ok_and(|s| s.success())
        || Command::new("pip")
            .args([
                "install",
                "--user",
                "--quiet",
                "--break-system-packages",
                "sqlite-utils",
            ])
            .status()
            .is_ok_and(|s| s.success());
    let local = std::env::var("HOME").map(|home| format!("{home}/.local/bin/sqlite-utils"));
    for tool in ["sqlite-utils".to_string()].into_iter().chain(local) {
        if installed && works(&tool) {
            return Ok(Some(tool));
        }
    }
    eprintln!("import benchmark: sqlite-utils could not be installed; (c) is not run");
    Ok(None)
}

/// Runs `command` to completion; its wall time and peak RSS.
fn measure(command: &mut Command) -> Result<Measured> {
    command.stdout(Stdio::null()).stderr(Stdio::piped());
    let started = Instant::now();
    let mut child = command.spawn().context("cannot start the process")?;
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        std::io::Read::read_to_string(&mut pipe, &mut stderr)?;
    }
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; wait4 fills it in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our own child, not yet reaped (std's Child is never waited on here).
    let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let time = started.elapsed();
    if reaped != pid {
        bail!("wait4: {}", std::io::Error::last_os_error());
    }
    if !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
        bail!("exit status {status:#x}: {}", stderr.trim());
    }
    let seconds = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    Ok(Measured {
        time,
        cpu: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        // Linux reports ru_maxrss in kibibytes.
        peak_rss: usage.ru_maxrss as u64 * 1024,
    })
}

fn remove_database(db: &Path) -> Result<()> {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_os_string();
        name.push(suffix);
        match fs::remove_file(&name) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("cannot remove {name:?}")),
        }
    }
    Ok(())
}

fn median(times: &[Duration]) -> f64 {
    let mut seconds: Vec<f64> = times.iter().map(Duration::as_secs_f64).collect();
    seconds.sort_by(f64::total_cmp);
    let middle = seconds.len() / 2;
    if seconds.len().is_multiple_of(2) {
        (seconds[middle - 1] + seconds[middle]) / 2.0
    } else {
        seconds[middle]
    }
}

fn best(times: &[Duration]) -> f64 {
    times
        .iter()
        .map(Duration::as_secs_f64)
        .fold(f64::INFINITY, f64::min)
}
