//! The seed benchmark. It prints figures; it asserts nothing.
//!
//! ```sh
//! cargo bench --bench seed -- --events 100000            # the quick run
//! cargo bench --bench seed -- --events 1000000 --runs 3  # the full run
//! ```
//!
//! On one synthetic seed directory (`conflictdb synth`) it times:
//!
//! - (a) `conflictdb seed DIR` into a fresh database: validation, key resolution, the real schema
//!   with its indexes and constraints, with the peak RSS of that process;
//! - (b) the stock `sqlite3` CLI running `.import --csv` of the same files into plain tables;
//! - (c) a minimal rusqlite loader: one prepared INSERT per table, one transaction, plain tables
//!   with the same column names, text as read, 16 KiB pages and a rollback journal. No checks and
//!   no keys to resolve: SQLite's practical limit for these rows;
//!
//! then, to show where (a)'s time goes, the index builds on their own: every index of the
//! database (a) built, dropped and built again on a copy with the settings `conflictdb seed` uses;
//! then re-seeding, each into a copy of the database (a) built in the same run, with the peak RSS
//! of that process:
//!
//! - (d) the same, unchanged files;
//! - (e) the files with 1% of their rows changed (a free-text field edited) and 0.1% removed (rows
//!   nothing refers to, taken out of the CSVs), written once before the runs, the same rows every
//!   time (see [`edit_files`]);
//!
//! against the issue's targets ((d) at most 0.3× and (e) at most 0.4× the time of (a));
//! and then each shipped report through `conflictdb report NAME --format csv` against `sqlite3
//! -csv` running the same SQL on the database (a) built. Each figure is the median of `--runs`.
//! Cargo builds the binary it runs (`CARGO_BIN_EXE_conflictdb`, optimised like `--release`).
//! Progress goes to stderr, figures to stdout.

use std::fs::{self, File};
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use conflictdb::long_value::thousands;
use rusqlite::Connection;

const BINARY: &str = env!("CARGO_BIN_EXE_conflictdb");
const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");
const USAGE: &str =
    "usage: cargo bench --bench seed -- [--events N (100000)] [--runs R (3)] [--rng-seed S (1)]";

struct Options {
    events: u64,
    runs: usize,
    rng_seed: u64,
}

fn main() -> ExitCode {
    match parse_options().and_then(|options| run(&options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seed benchmark: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn parse_options() -> Result<Options> {
    let mut options = Options {
        events: 100_000,
        runs: 3,
        rng_seed: 1,
    };
    let mut args = std::env::args().skip(1);
    // `cargo bench` passes --bench; `cargo test --all-targets` runs this binary without it, and
    // a test run should not spend minutes loading data.
    if !std::env::args().any(|arg| arg == "--bench") {
        eprintln!("seed benchmark: skipped (not run by `cargo bench`)\n{USAGE}");
        std::process::exit(0);
    }
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .with_context(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            // Cargo passes --bench to every benchmark binary.
            "--bench" => {}
            "--events" => options.events = value("--events")?.parse().context("--events")?,
            "--runs" => options.runs = value("--runs")?.parse().context("--runs")?,
            "--rng-seed" => {
                options.rng_seed = value("--rng-seed")?.parse().context("--rng-seed")?
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if options.events == 0 || options.runs == 0 {
        bail!("--events and --runs must be at least 1");
    }
    Ok(options)
}

/// A seed file: its table, its columns and how many data rows it holds.
struct SeedFile {
    table: String,
    path: PathBuf,
    columns: Vec<String>,
    rows: u64,
    bytes: u64,
}

/// One timed child process.
struct Measured {
    time: Duration,
    /// Peak resident set size of the child, in bytes.
    peak_rss: u64,
}

fn run(options: &Options) -> Result<()> {
    // The index builds below run in this process, with the sorter settings of conflictdb's own.
    conflictdb::db::configure();
    let sqlite3 = Command::new("sqlite3")
        .arg("--version")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .context(
            "the sqlite3 command-line shell is not on PATH; install it (Debian/Ubuntu: \
             apt-get install sqlite3) to compare against it",
        )?;
    let sqlite3_version = String::from_utf8_lossy(&sqlite3.stdout)
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_string();
    if !Path::new(BINARY).exists() {
        bail!("{BINARY} does not exist: run `cargo build --release` first");
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(MANIFEST_DIR).join("target"));
    let work = target.join("bench-seed").join(format!(
        "events-{}-seed-{}",
        options.events, options.rng_seed
    ));
    let seed_dir = work.join("seed");
    fs::create_dir_all(&work).with_context(|| format!("cannot create {}", work.display()))?;
    eprintln!("conflictdb:  {BINARY}");
    eprintln!("sqlite3:     {sqlite3_version}");
    eprintln!("work dir:    {}", work.display());

    // 1. The data.
    eprintln!(
        "generating {} events with conflictdb synth ...",
        options.events
    );
    let started = Instant::now();
    check_status(
        Command::new(BINARY)
            .args(["synth", "--events", &options.events.to_string(), "--out"])
            .arg(&seed_dir)
            .args(["--rng-seed", &options.rng_seed.to_string()])
            .stderr(Stdio::null())
            .status()?,
        "conflictdb synth",
    )?;
    let synth_time = started.elapsed();
    let files = scan(&seed_dir)?;
    let rows: u64 = files.iter().map(|f| f.rows).sum();
    let bytes: u64 = files.iter().map(|f| f.bytes).sum();
    let edited_dir = work.join("seed-edited");
    let edits = edit_files(&files, &edited_dir, rows)?;

    // 2. The loads, interleaved so that each run sees the same machine state.
    let mut times: [Vec<Duration>; 3] = Default::default();
    let mut index_times: Vec<Duration> = Vec::new();
    let mut index_count = 0;
    let mut rss: [Vec<u64>; 2] = Default::default();
    let mut db_sizes = [0u64; 3];
    let databases = [
        work.join("a-conflictdb.db"),
        work.join("b-sqlite3.db"),
        work.join("c-rusqlite.db"),
    ];
    // (d) and (e): times and peak RSS of each re-seed.
    let mut reseeds: [Vec<Measured>; 2] = Default::default();
    let reseed_databases = [work.join("d-unchanged.db"), work.join("e-edited.db")];
    let reseed_dirs = [&seed_dir, &edited_dir];
    // Rows of the files' tables in the database after (e).
    let mut stored = 0;
    for run in 1..=options.runs {
        let label = format!("run {run}/{}", options.runs);
        for db in databases.iter().chain(&reseed_databases) {
            remove_database(db)?;
        }

        settle();
        eprintln!("{label}: (a) conflictdb seed ...");
        let log = work.join("a-seed.log");
        let a = measure(
            Command::new(BINARY)
                .arg("--db")
                .arg(&databases[0])
                .arg("seed")
                .arg(&seed_dir)
                .stdout(Stdio::null())
                .stderr(File::create(&log)?),
            None,
        )
        .with_context(|| format!("conflictdb seed failed; see {}", log.display()))?;
        eprintln!("{label}: (a) {:.2}s", a.time.as_secs_f64());

        settle();
        eprintln!("{label}: (b) sqlite3 .import --csv ...");
        let mut script = String::from(".bail on\n");
        for file in &files {
            script.push_str(&format!(
                ".import --csv '{}' {}\n",
                file.path.display(),
                file.table
            ));
        }
        let b = measure(
            Command::new("sqlite3")
                .arg(&databases[1])
                .stdin(Stdio::piped())
                .stdout(Stdio::null()),
            Some(script.as_bytes()),
        )
        .context("sqlite3 .import failed")?;
        eprintln!("{label}: (b) {:.2}s", b.time.as_secs_f64());

        settle();
        eprintln!("{label}: (c) rusqlite, plain tables ...");
        let started = Instant::now();
        let loaded = load_plain(&databases[2], &files)?;
        let c = started.elapsed();
        if loaded != rows {
            bail!("the rusqlite loader read {loaded} rows, not {rows}");
        }
        eprintln!("{label}: (c) {:.2}s", c.as_secs_f64());

        settle();
        eprintln!("{label}: (a)'s index builds alone ...");
        let (count, built) = index_builds(&databases[0], &work.join("a-indexes.db"))?;
        index_count = count;
        index_times.push(built);
        eprintln!("{label}: index builds {:.2}s", built.as_secs_f64());

        for (i, (db, dir)) in reseed_databases.iter().zip(reseed_dirs).enumerate() {
            let name = ["(d) re-seed, unchanged", "(e) re-seed, edited"][i];
            // A copy, so that every re-seed starts from the same database and (a)'s stays as
            // built for the reports.
            fs::copy(&databases[0], db).with_context(|| {
                format!("cannot copy {} to {}", databases[0].display(), db.display())
            })?;
            settle();
            eprintln!("{label}: {name} ...");
            let log = work.join(format!("{}-seed.log", ["d", "e"][i]));
            let measured = measure(
                Command::new(BINARY)
                    .arg("--db")
                    .arg(db)
                    .arg("seed")
                    .arg(dir)
                    // The edited files are the same dataset as (a)'s, seeded again.
                    .arg("--dataset")
                    .arg("seed")
                    .stdout(Stdio::null())
                    .stderr(File::create(&log)?),
                None,
            )
            .with_context(|| format!("{name} failed; see {}", log.display()))?;
            eprintln!("{label}: {name} {:.2}s", measured.time.as_secs_f64());
            reseeds[i].push(measured);
            if i == 1 {
                stored = rows_stored(db, &files)?;
            }
            // Done with: at a million events each copy is a gigabyte.
            remove_database(db)?;
        }

        times[0].push(a.time);
        times[1].push(b.time);
        times[2].push(c);
        rss[0].push(a.peak_rss);
        rss[1].push(b.peak_rss);
        for (size, db) in db_sizes.iter_mut().zip(&databases) {
            *size = database_size(db);
        }
    }

    // 3. The figures.
    let medians: Vec<f64> = times.iter().map(|t| median_seconds(t)).collect();
    let rss_median: Vec<u64> = rss
        .iter()
        .map(|r| {
            let mut sorted = r.clone();
            sorted.sort_unstable();
            sorted[sorted.len() / 2]
        })
        .collect();
    let mb = |b: u64| b as f64 / 1e6;
    println!();
    println!(
        "seed benchmark: {} events (--rng-seed {}), median of {} run{}",
        options.events,
        options.rng_seed,
        options.runs,
        if options.runs == 1 { "" } else { "s" }
    );
    println!(
        "data: {} files, {} rows, {:.1} MB of CSV (conflictdb synth wrote them in {:.1}s)",
        files.len(),
        thousands(rows),
        mb(bytes),
        synth_time.as_secs_f64()
    );
    println!();
    println!(
        "{:<48} {:>9} {:>12} {:>10} {:>10} {:>9}",
        "load", "time s", "rows/s", "time/(a)", "peak RSS", "db MB"
    );
    let names = [
        "(a) conflictdb seed".to_string(),
        format!("(b) sqlite3 {sqlite3_version} .import --csv, plain tables"),
        "(c) rusqlite, 1 stmt/table, 1 tx, 16 KiB pages".to_string(),
    ];
    for (i, name) in names.iter().enumerate() {
        let peak = match i {
            0 | 1 => format!("{:.1} MB", mb(rss_median[i])),
            _ => "-".to_string(),
        };
        println!(
            "{:<48} {:>9.2} {:>12} {:>10.2} {:>10} {:>9.1}",
            name,
            medians[i],
            thousands((rows as f64 / medians[i]) as u64),
            medians[i] / medians[0],
            peak,
            mb(db_sizes[i])
        );
    }
    println!();
    let best = |t: &[Duration]| t.iter().min().map_or(0.0, Duration::as_secs_f64);
    let bests: Vec<f64> = times.iter().map(|t| best(t)).collect();
    println!(
        "(a)/(b) = {:.2}× the time of sqlite3 .import (best against best {:.2}×); \
         (a)/(c) = {:.2}× the time of the minimal loader (best against best {:.2}×)",
        medians[0] / medians[1],
        bests[0] / bests[1],
        medians[0] / medians[2],
        bests[0] / bests[2]
    );
    let indexes = median_seconds(&index_times);
    println!(
        "of (a): its {index_count} index builds alone took {indexes:.2}s (rebuilt on a copy of its database); \
         (a) less those = {:.2}× the time of (c)",
        (medians[0] - indexes) / medians[2]
    );
    println!(
        "peak RSS of conflictdb seed: {:.1} MB ({:.0} bytes per row loaded)",
        mb(rss_median[0]),
        rss_median[0] as f64 / rows as f64
    );
    std::io::stdout().flush()?;

    // 4. The re-seeds, against the fresh seed of the same run.
    println!();
    println!(
        "re-seeding, each into a copy of the database (a) built in the same run ({} run{})",
        options.runs,
        if options.runs == 1 { "" } else { "s" }
    );
    println!(
        "(e)'s files: {} rows changed ({:.2}%: {}), {} removed ({:.2}%: {})",
        thousands(edits.changed),
        edits.changed as f64 * 100.0 / rows as f64,
        edits.changed_in,
        thousands(edits.removed),
        edits.removed as f64 * 100.0 / rows as f64,
        edits.removed_in
    );
    println!();
    println!(
        "{:<40} {:>9} {:>9} {:>11} {:>9} {:>9} {:>8} {:>10}",
        "load", "median s", "best s", "median/(a)", "best/(a)", "target", "met", "peak RSS"
    );
    println!(
        "{:<40} {:>9.2} {:>9.2} {:>11} {:>9} {:>9} {:>8} {:>10}",
        "(a) fresh seed",
        medians[0],
        bests[0],
        "1.00",
        "1.00",
        "-",
        "-",
        format!("{:.1} MB", mb(rss_median[0]))
    );
    let reseed_names = [
        "(d) re-seed, unchanged files",
        "(e) re-seed, 1% changed, 0.1% removed",
    ];
    for (i, (name, target)) in reseed_names.iter().zip([0.3, 0.4]).enumerate() {
        let time: Vec<Duration> = reseeds[i].iter().map(|m| m.time).collect();
        let peak = reseeds[i].iter().map(|m| m.peak_rss).max().unwrap_or(0);
        let ratio = median_seconds(&time) / medians[0];
        println!(
            "{:<40} {:>9.2} {:>9.2} {:>11} {:>9} {:>9} {:>8} {:>10}",
            name,
            median_seconds(&time),
            best(&time),
            format!("{ratio:.2}×"),
            format!("{:.2}×", best(&time) / bests[0]),
            format!("≤ {target}×"),
            if ratio <= target { "yes" } else { "no" },
            format!("{:.1} MB", mb(peak))
        );
    }
    println!(
        "(peak RSS: the median of the runs for (a), the highest for (d) and (e); target < 100 MB)"
    );
    // Each run's re-seeds against the fresh seed of the same run, which shared its moment of
    // the machine: steadier than the ratio of medians on a noisy machine.
    for (name, reseeds) in ["(d)", "(e)"].iter().zip(&reseeds) {
        let ratios: Vec<String> = reseeds
            .iter()
            .zip(&times[0])
            .map(|(m, a)| format!("{:.2}×", m.time.as_secs_f64() / a.as_secs_f64()))
            .collect();
        println!(
            "{name} against the (a) of its own run: {}",
            ratios.join(", ")
        );
    }
    let kept = rows - edits.removed;
    if stored == kept {
        println!(
            "removal is mirrored: after (e) the database holds the edited files' {} rows",
            thousands(kept)
        );
    } else {
        println!(
            "removal is not mirrored yet: after (e) the database holds {} rows of the files' \
             tables, the edited files {} ({} more)",
            thousands(stored),
            thousands(kept),
            thousands(stored.saturating_sub(kept))
        );
    }
    std::io::stdout().flush()?;

    // 5. The reports, on the database (a) built.
    reports(&databases[0], options)
}

/// What [`edit_files`] did to the seed files.
struct Edits {
    changed: u64,
    removed: u64,
    /// Per file, e.g. "events.title 1,000, statements.summary 2,200".
    changed_in: String,
    removed_in: String,
}

/// Writes the seed files into `out` with 1% of all `rows` changed and 0.1% removed, spread evenly
/// over the rows that can take that change, the same rows every time:
/// - changed: rows with a key, in their first free-text column (" (edited)" appended), which
///   changes the row and nothing that refers to it;
/// - removed: rows of tables nothing refers to (statements, the link tables), so that the edited
///   files still check whether the loader mirrors the removal or not.
fn edit_files(files: &[SeedFile], out: &Path, rows: u64) -> Result<Edits> {
    use conflictdb::schema::{self, Identity, Value};
    // The column edited in each file that has one, as (header position, name).
    let edited_column = |file: &SeedFile| -> Option<(usize, &'static str)> {
        let table = schema::table(&file.table)?;
        if table.is_vocabulary || table.identity != Identity::Key {
            return None;
        }
        let column = table.columns.iter().find(|c| c.value == Value::Text)?;
        let position = file.columns.iter().position(|c| c == column.name)?;
        Some((position, column.name))
    };
    let removable = |file: &SeedFile| {
        schema::table(&file.table).is_some_and(|t| !t.referenced && !t.is_vocabulary)
    };
    let changeable: u64 = files
        .iter()
        .filter(|f| edited_column(f).is_some())
        .map(|f| f.rows)
        .sum();
    let removable_rows: u64 = files.iter().filter(|f| removable(f)).map(|f| f.rows).sum();
    let (to_change, to_remove) = (rows / 100, rows / 1000);
    if to_change > changeable || to_remove > removable_rows {
        bail!("the synthetic files have too few rows to change 1% and remove 0.1%");
    }
    // Row i of n is picked when (i + 1) * k / n passes a whole number: exactly k of n, evenly.
    let picked = |i: u64, k: u64, n: u64| (i + 1) * k / n > i * k / n;

    if out.exists() {
        fs::remove_dir_all(out).with_context(|| format!("cannot remove {}", out.display()))?;
    }
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    // Each row's place among the rows that could change, and among those that could go.
    let (mut changeable_at, mut removable_at) = (0u64, 0u64);
    let (mut changed_in, mut removed_in) = (Vec::new(), Vec::new());
    for file in files {
        let edit = edited_column(file);
        let remove = removable(file);
        let mut reader =
            csv::Reader::from_reader(BufReader::with_capacity(1 << 20, File::open(&file.path)?));
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_path(out.join(file.path.file_name().unwrap()))?;
        writer.write_byte_record(reader.byte_headers()?)?;
        let mut record = csv::ByteRecord::new();
        let mut edited = csv::ByteRecord::new();
        let (mut changed, mut removed) = (0u64, 0u64);
        while reader.read_byte_record(&mut record)? {
            let change = edit.is_some() && picked(changeable_at, to_change, changeable);
            let drop = remove && picked(removable_at, to_remove, removable_rows);
            changeable_at += u64::from(edit.is_some());
            removable_at += u64::from(remove);
            if drop {
                removed += 1;
            } else if let (true, Some((position, _))) = (change, edit) {
                changed += 1;
                edited.clear();
                for (at, field) in record.iter().enumerate() {
                    if at == position {
                        edited.push_field(&[field, b" (edited)"].concat());
                    } else {
                        edited.push_field(field);
                    }
                }
                writer.write_byte_record(&edited)?;
            } else {
                writer.write_byte_record(&record)?;
            }
        }
        writer.flush()?;
        if let Some((_, column)) = edit {
            changed_in.push((format!("{}.{column}", file.table), changed));
        }
        if remove {
            removed_in.push((file.table.clone(), removed));
        }
    }
    let list = |counts: &[(String, u64)]| {
        counts
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(name, n)| format!("{name} {}", thousands(*n)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(Edits {
        changed: changed_in.iter().map(|(_, n)| n).sum(),
        removed: removed_in.iter().map(|(_, n)| n).sum(),
        changed_in: list(&changed_in),
        removed_in: list(&removed_in),
    })
}

/// How many rows the tables of `files` hold in `db`.
fn rows_stored(db: &Path, files: &[SeedFile]) -> Result<u64> {
    let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let mut total = 0u64;
    for file in files {
        let count: i64 = conn.query_row(
            &format!(
                "SELECT count(*) FROM \"{}\"",
                file.table.replace('"', "\"\"")
            ),
            [],
            |row| row.get(0),
        )?;
        total += count as u64;
    }
    Ok(total)
}

/// The seed files of `dir` with their columns, rows and sizes.
fn scan(dir: &Path) -> Result<Vec<SeedFile>> {
    let mut files = Vec::new();
    let mut paths: Vec<PathBuf> = fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<std::io::Result<_>>()?;
    paths.retain(|p| p.extension().is_some_and(|e| e == "csv"));
    paths.sort();
    for path in paths {
        let mut reader =
            csv::Reader::from_reader(BufReader::with_capacity(1 << 20, File::open(&path)?));
        let columns = reader
            .headers()
            .with_context(|| path.display().to_string())?
            .iter()
            .map(String::from)
            .collect();
        let mut record = csv::ByteRecord::new();
        let mut rows = 0;
        while reader.read_byte_record(&mut record)? {
            rows += 1;
        }
        files.push(SeedFile {
            table: path.file_stem().unwrap().to_string_lossy().into_owned(),
            bytes: fs::metadata(&path)?.len(),
            path,
            columns,
            rows,
        });
    }
    if files.is_empty() {
        bail!("{} holds no CSV files", dir.display());
    }
    Ok(files)
}

/// (c): every file into a plain table of the same columns, one prepared statement per table, one
/// transaction, values bound as the text read. Returns the rows loaded.
fn load_plain(db: &Path, files: &[SeedFile]) -> Result<u64> {
    let mut conn = Connection::open(db)?;
    conn.pragma_update(None, "page_size", 16384)?;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    let tx = conn.transaction()?;
    let mut rows = 0u64;
    for file in files {
        let quoted = |name: &str| format!("\"{}\"", name.replace('"', "\"\""));
        let columns: Vec<String> = file.columns.iter().map(|c| quoted(c)).collect();
        tx.execute_batch(&format!(
            "CREATE TABLE {} ({})",
            quoted(&file.table),
            columns
                .iter()
                .map(|c| format!("{c} TEXT"))
                .collect::<Vec<_>>()
                .join(", ")
        ))?;
        let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let mut insert = tx.prepare(&format!(
            "INSERT INTO {} ({}) VALUES ({})",
            quoted(&file.table),
            columns.join(", "),
            placeholders.join(", ")
        ))?;
        let mut reader =
            csv::Reader::from_reader(BufReader::with_capacity(1 << 20, File::open(&file.path)?));
        let mut record = csv::ByteRecord::new();
        while reader.read_byte_record(&mut record)? {
            for (index, field) in record.iter().enumerate() {
                let text = std::str::from_utf8(field)
                    .with_context(|| format!("{}: not UTF-8", file.path.display()))?;
                insert.raw_bind_parameter(index + 1, text)?;
            }
            insert.raw_execute()?;
            rows += 1;
        }
    }
    tx.commit()?;
    Ok(rows)
}

/// Each shipped report through conflictdb and through sqlite3, output to /dev/null.
fn reports(db: &Path, options: &Options) -> Result<()> {
    let conn = Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    // The actor with the most statements under it (a state, usually): the heaviest use of
    // actor-statements' walk down the parent chain.
    let (actor, actor_statements): (String, i64) = conn.query_row(
        "SELECT root.key, count(*) FROM statements
         JOIN v_actor_roots AS roots ON roots.actor_id = statements.speaker_id
         JOIN actors AS root ON root.id = roots.root_id
         GROUP BY root.id ORDER BY count(*) DESC, root.key LIMIT 1",
        [],
        |row| Ok((row.get(0)?, row.get(1)?)),
    )?;
    drop(conn);
    eprintln!("actor-statements runs with actor={actor} ({actor_statements} statements under it)");

    let queries = Path::new(MANIFEST_DIR).join("queries");
    let mut names: Vec<String> = fs::read_dir(&queries)?
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "sql").then(|| path.file_stem().unwrap().to_string_lossy().into())
        })
        .collect();
    names.sort();

    println!();
    println!(
        "{:<22} {:>16} {:>16} {:>8}",
        "report (--format csv)", "conflictdb s", "sqlite3 -csv s", "ratio"
    );
    for name in &names {
        let sql: String = fs::read_to_string(queries.join(format!("{name}.sql")))?
            .lines()
            .filter(|line| !line.contains("-- if:"))
            .map(|line| format!("{line}\n"))
            .collect();
        let needs_actor = sql.contains(":actor");
        let mut script = String::new();
        if needs_actor {
            script.push_str(&format!(".parameter set :actor '{actor}'\n"));
        }
        script.push_str(&sql);

        let mut ours = Vec::new();
        let mut theirs = Vec::new();
        for run in 1..=options.runs {
            eprintln!("report {name}, run {run}/{}", options.runs);
            let mut command = Command::new(BINARY);
            command
                .arg("--db")
                .arg(db)
                .args(["report", name, "--format", "csv"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped());
            if needs_actor {
                command.args(["--param", &format!("actor={actor}")]);
            }
            ours.push(
                measure(&mut command, None)
                    .with_context(|| format!("conflictdb report {name} failed"))?
                    .time,
            );
            theirs.push(
                measure(
                    Command::new("sqlite3")
                        .args(["-csv", "-header", "-bail", "-readonly"])
                        .arg(db)
                        .stdin(Stdio::piped())
                        .stdout(Stdio::null())
                        .stderr(Stdio::piped()),
                    Some(script.as_bytes()),
                )
                .with_context(|| format!("sqlite3 running queries/{name}.sql failed"))?
                .time,
            );
        }
        let (ours, theirs) = (median_seconds(&ours), median_seconds(&theirs));
        println!(
            "{:<22} {:>16.3} {:>16.3} {:>8.2}",
            name,
            ours,
            theirs,
            ours / theirs
        );
    }
    println!("(ratio = conflictdb time / sqlite3 time; each includes process start-up)");
    Ok(())
}

/// Runs `command` to completion, feeding it `input`, and measures its wall time and its peak RSS
/// (from `wait4`, which reports the resources of that one child).
fn measure(command: &mut Command, input: Option<&[u8]>) -> Result<Measured> {
    if input.is_some() {
        command.stdin(Stdio::piped());
    }
    let started = Instant::now();
    let mut child = command.spawn().context("cannot start the process")?;
    if let Some(input) = input {
        let mut stdin = child.stdin.take().expect("stdin is piped");
        stdin.write_all(input)?;
        // Dropping stdin closes it, so the child sees the end of its script.
    }
    // Read stderr (if piped) before reaping, so a chatty child cannot block on a full pipe.
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
    Ok(Measured {
        time,
        // Linux reports ru_maxrss in kibibytes.
        peak_rss: usage.ru_maxrss as u64 * 1024,
    })
}

fn check_status(status: std::process::ExitStatus, what: &str) -> Result<()> {
    if !status.success() {
        bail!("{what} failed ({status})");
    }
    Ok(())
}

/// Writes every dirty page to disk before a timed load, so that no load pays for writing out the
/// one before it (the operating system would otherwise do that during the next load).
fn settle() {
    let _ = Command::new("sync").status();
}

/// Times building every index of `db` again, on a copy at `copy` (removed afterwards), with the
/// settings `conflictdb seed` builds them with. Returns how many indexes and the time.
fn index_builds(db: &Path, copy: &Path) -> Result<(usize, Duration)> {
    remove_database(copy)?;
    fs::copy(db, copy)
        .with_context(|| format!("cannot copy {} to {}", db.display(), copy.display()))?;
    let built = (|| -> Result<(usize, Duration)> {
        let conn = Connection::open(copy)?;
        conn.execute_batch("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; BEGIN")?;
        let indexes = conflictdb::seed::drop_indexes(&conn)?;
        conflictdb::seed::prepare_index_builds(&conn)?;
        let started = Instant::now();
        for (_, _, sql) in &indexes {
            conn.execute_batch(sql)?;
        }
        conn.execute_batch("COMMIT")?;
        Ok((indexes.len(), started.elapsed()))
    })();
    remove_database(copy)?;
    built
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

fn database_size(db: &Path) -> u64 {
    ["", "-wal"]
        .iter()
        .filter_map(|suffix| {
            let mut name = db.as_os_str().to_os_string();
            name.push(suffix);
            fs::metadata(name).ok().map(|m| m.len())
        })
        .sum()
}

fn median_seconds(times: &[Duration]) -> f64 {
    let mut seconds: Vec<f64> = times.iter().map(Duration::as_secs_f64).collect();
    seconds.sort_by(f64::total_cmp);
    let middle = seconds.len() / 2;
    if seconds.len().is_multiple_of(2) {
        (seconds[middle - 1] + seconds[middle]) / 2.0
    } else {
        seconds[middle]
    }
}
