//! Shared test plumbing: a temporary directory with its own database, and seed directories built
//! from the shipped vocabularies plus the small fixture in tests/fixtures/minimal.

pub mod mount;

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

pub const REPO: &str = env!("CARGO_MANIFEST_DIR");

pub struct Env {
    pub dir: TempDir,
}

impl Env {
    /// Runs `sql` on the test's database in the stock `sqlite3` shell (`.ci/run` installs it), as
    /// a user would; its standard output. A failure fails the test, with the shell's message.
    pub fn sqlite3(&self, sql: &str) -> String {
        let out = std::process::Command::new("sqlite3")
            .arg(self.db())
            .arg(sql)
            .output()
            .expect("the sqlite3 shell: `apt-get install sqlite3` (.ci/run does)");
        assert!(
            out.status.success(),
            "{sql}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn db(&self) -> PathBuf {
        self.path("conflict.db")
    }

    /// The database's file and its side files (`-wal`, `-shm`, `-journal`), by name.
    pub fn database_files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.starts_with("conflict.db"))
            .collect();
        names.sort();
        names
    }

    /// The binary, run in this directory, with the default database `conflict.db` there.
    pub fn cmd(&self) -> Command {
        let mut cmd = Command::cargo_bin("conflictdb").unwrap();
        // Wide tables, so that assertions do not depend on where a cell wraps.
        cmd.current_dir(self.dir.path())
            .env_remove("CONFLICTDB_DB")
            .env("COLUMNS", "400");
        cmd
    }

    /// The binary as a plain std Command, for tests that spawn it and act while it runs.
    pub fn spawnable(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("conflictdb"));
        cmd.current_dir(self.dir.path())
            .env_remove("CONFLICTDB_DB")
            .env("COLUMNS", "400");
        cmd
    }

    /// Runs the binary with `args`; returns (exit code, stdout, stderr).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = self.cmd().args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs the binary and asserts it succeeded; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "conflictdb {args:?} failed:\n{err}");
        out
    }

    /// Runs the binary and asserts it failed with exit code 1; returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 1, "conflictdb {args:?} exited {code}:\n{out}\n{err}");
        err
    }

    /// A seed directory `name`: the shipped vocabularies, the minimal fixture, then the files of
    /// `overlay` (a directory) on top, less the files it lists in `remove`.
    pub fn seed_dir(&self, name: &str, overlay: Option<&Path>) -> PathBuf {
        let dir = self.path(name);
        fs::create_dir_all(&dir).unwrap();
        for entry in fs::read_dir(Path::new(REPO).join("seed")).unwrap() {
            let path = entry.unwrap().path();
            if is_vocabulary(&path) {
                fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
            }
        }
        copy_dir(&Path::new(REPO).join("tests/fixtures/minimal"), &dir);
        if let Some(overlay) = overlay {
            copy_dir(overlay, &dir);
            if let Ok(remove) = fs::read_to_string(overlay.join("remove")) {
                for file in remove.lines().filter(|l| !l.is_empty()) {
                    fs::remove_file(dir.join(file)).unwrap();
                }
                fs::remove_file(dir.join("remove")).unwrap();
            }
            let _ = fs::remove_file(dir.join("error"));
        }
        dir
    }

    /// Seeds the database from the minimal fixture.
    pub fn seed_minimal(&self) -> PathBuf {
        let dir = self.seed_dir("minimal", None);
        self.ok(&["seed", dir.to_str().unwrap()]);
        dir
    }

    /// A synthetic seed directory `out` of `events` events (see `conflictdb synth`); its path.
    pub fn synth(&self, events: u32, rng_seed: u32, out: &str) -> String {
        self.ok(&[
            "synth",
            "--events",
            &events.to_string(),
            "--rng-seed",
            &rng_seed.to_string(),
            "--out",
            out,
        ]);
        self.path(out).to_str().unwrap().to_string()
    }

    /// The rows of a read-only query, through the binary's CSV output.
    pub fn query(&self, sql: &str) -> Vec<Vec<String>> {
        csv_rows(&self.ok(&["query", sql, "--format", "csv"]))
    }
}

/// Every file of a directory, by name, as bytes (a seed directory held in memory).
pub fn read_files(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_str().unwrap().to_string();
            (name, fs::read(&path).unwrap())
        })
        .collect()
}

/// The data rows of CSV text (the header row left out).
pub fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

/// Vocabulary files are the shipped seed files with a `code` column.
fn is_vocabulary(path: &Path) -> bool {
    fs::read_to_string(path).is_ok_and(|text| text.starts_with("code,"))
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

/// The migrations in migrations/, as (version, name) in version order: what `migrate` must
/// apply and list, read from the folder so that a new migration needs no edit here.
pub fn migrations() -> Vec<(u32, String)> {
    let mut known: Vec<(u32, String)> = fs::read_dir(format!("{}/migrations", REPO))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter_map(|f| {
            let stem = f.strip_suffix(".sql")?.strip_prefix('V')?;
            let (version, name) = stem.split_once("__")?;
            Some((version.parse().ok()?, name.to_string()))
        })
        .collect();
    known.sort();
    known
}

pub fn latest() -> u32 {
    migrations().last().unwrap().0
}

/// Every code of `vocabulary` with its label, as messages list them: `code (Label), ...` in code
/// order, read from the database so that a new vocabulary row needs no edit of a test.
pub fn codes_with_labels(env: &Env, vocabulary: &str) -> String {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let codes: Vec<String> = conn
        .prepare(&format!(
            "SELECT code || ' (' || label || ')' FROM {vocabulary} ORDER BY code"
        ))
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    codes.join(", ")
}

/// The path of a file of `tests/fixtures/import/` (synthetic ACLED and GDELT files, the real
/// UCDP GED sample), as an argument.
pub fn import_fixture(name: &str) -> String {
    format!("{REPO}/tests/fixtures/import/{name}")
}

/// The rows of the summary a seed prints, as (table, [added, changed, removed, unchanged]).
pub fn seed_summary(err: &str) -> Vec<(String, Vec<u64>)> {
    err.lines()
        .skip_while(|line| !line.contains("what the seed did to dataset"))
        .skip(2)
        .map_while(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let counts: Option<Vec<u64>> =
                fields.get(1..5)?.iter().map(|f| f.parse().ok()).collect();
            Some((fields[0].to_string(), counts?))
        })
        .collect()
}

/// A CSV file's header and records.
pub fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_path(path).unwrap();
    let header = reader.headers().unwrap().iter().map(String::from).collect();
    let records = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (header, records)
}

pub fn write_csv(path: &Path, header: &[String], records: &[Vec<String>]) {
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer.write_record(header).unwrap();
    for record in records {
        writer.write_record(record).unwrap();
    }
    writer.flush().unwrap();
}

/// Every exported file's lines, sorted: the database's rows whatever their ids and order.
pub fn exported(env: &Env, db: &str, out: &str) -> BTreeMap<String, Vec<String>> {
    env.ok(&["--db", db, "export", "--seed", "--out", out]);
    fs::read_dir(env.path(out))
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let mut lines: Vec<String> = fs::read_to_string(&path)
                .unwrap()
                .lines()
                .map(String::from)
                .collect();
            lines.sort();
            (
                path.file_name().unwrap().to_str().unwrap().to_string(),
                lines,
            )
        })
        .collect()
}
