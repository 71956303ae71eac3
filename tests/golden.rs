//! Golden files: what each report of `queries/` prints on the built-in data, byte for byte.
//! `tests/golden/NAME.csv` holds the output of `conflictdb report NAME --format csv` on a database
//! seeded with `conflictdb seed` (a report with a required parameter gets the one in
//! `PARAMETERS`). A report without its golden file fails, as does a golden file without its report.
//!
//! When a report or the built-in data changes on purpose, regenerate the files and read the diff:
//!
//! ```sh
//! UPDATE_GOLDEN=1 cargo test --test tests golden::
//! ```
//!
//! writes every file whose output changed (it names each one on stderr) and passes.

use std::fs;
use std::io::Write;
use std::path::Path;

use crate::common::{Env, REPO};

/// The environment variable that writes the golden files instead of comparing against them.
pub const UPDATE: &str = "UPDATE_GOLDEN";

/// The parameters a report cannot run without.
const PARAMETERS: &[(&str, &str)] = &[("actor-statements", "actor=russia")];

pub fn updating() -> bool {
    std::env::var_os(UPDATE).is_some_and(|value| !value.is_empty() && value != "0")
}

/// Tells the person regenerating what was written. Straight to stderr, because the test harness
/// captures `eprintln!` and shows it only for a failing test.
pub fn announce(message: &str) {
    let _ = writeln!(std::io::stderr(), "{message}");
}

/// The names of the files in `dir` ending in `.extension`, without it, sorted.
fn names(dir: &Path, extension: &str) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .filter_map(|entry| {
            let name = entry.unwrap().file_name().into_string().unwrap();
            name.strip_suffix(&format!(".{extension}"))
                .map(String::from)
        })
        .collect();
    names.sort();
    names
}

/// The first line where `expected` and `actual` differ, to show instead of two whole files.
fn first_difference(expected: &str, actual: &str) -> String {
    let mut expected_lines = expected.lines();
    let mut actual_lines = actual.lines();
    let mut line = 1;
    loop {
        match (expected_lines.next(), actual_lines.next()) {
            (Some(e), Some(a)) if e == a => line += 1,
            (None, None) => return "a line end".to_string(),
            (e, a) => {
                return format!(
                    "line {line}\n  golden:  {}\n  printed: {}",
                    e.unwrap_or("(end of file)"),
                    a.unwrap_or("(end of output)")
                )
            }
        }
    }
}

#[test]
fn every_report_prints_its_golden_file_on_the_built_in_data() {
    let golden = Path::new(REPO).join("tests/golden");
    let reports = names(&Path::new(REPO).join("queries"), "sql");
    assert_eq!(reports.len(), 8, "reports in queries/: {reports:?}");
    let env = Env::new();
    env.ok(&["seed"]);

    let mut failures = Vec::new();
    for report in &reports {
        let mut args = vec!["report", report, "--format", "csv"];
        if let Some((_, parameter)) = PARAMETERS.iter().find(|(name, _)| name == report) {
            args.extend(["--param", parameter]);
        }
        let printed = env.ok(&args);
        let path = golden.join(format!("{report}.csv"));
        let file = format!("tests/golden/{report}.csv");
        match fs::read_to_string(&path) {
            Ok(expected) if expected == printed => {}
            found if updating() => {
                fs::create_dir_all(&golden).unwrap();
                fs::write(&path, &printed).unwrap();
                let what = if found.is_ok() { "updated" } else { "created" };
                announce(&format!("{what} {file}"));
            }
            Ok(expected) => failures.push(format!(
                "conflictdb {} differs from {file} at {}",
                args.join(" "),
                first_difference(&expected, &printed)
            )),
            Err(error) => failures.push(format!("{file}: {error}")),
        }
    }
    let golden_files = if golden.is_dir() {
        names(&golden, "csv")
    } else {
        Vec::new()
    };
    for stale in golden_files {
        if !reports.contains(&stale) {
            failures.push(format!(
                "tests/golden/{stale}.csv has no report queries/{stale}.sql: delete it"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\nIf the change is meant, run `{UPDATE}=1 cargo test --test tests golden::` and read the diff.",
        failures.join("\n")
    );
}
