//! `check`: runs every rule of [`crate::integrity`] on the database, prints `ok` or `FAIL` for
//! each (and `NOTE` for data loaded as published that a reader should know of, such as figures
//! out of order), and fails if any found a problem.

use std::path::Path;

use anyhow::{bail, Result};

use crate::integrity;
use crate::long_value::escaped;

pub fn run(db_path: &Path) -> Result<()> {
    let mut findings = 0usize;
    let mut lines = String::new();
    for outcome in integrity::check(db_path)? {
        if outcome.problems.is_empty() && outcome.notes.is_empty() {
            lines.push_str(&format!("ok    {}\n", outcome.rule));
        }
        // One line each, whatever a name in it holds (a dataset's name may hold a line break).
        for problem in &outcome.problems {
            let problem = escaped(problem);
            lines.push_str(&format!("FAIL  {}: {problem}\n", outcome.rule));
        }
        // A note is data as published (figures out of order): listed, not a failure.
        for note in &outcome.notes {
            let note = escaped(note);
            lines.push_str(&format!("NOTE  {}: {note}\n", outcome.rule));
        }
        findings += outcome.problems.len();
    }
    std::io::Write::write_all(&mut std::io::stdout().lock(), lines.as_bytes())
        .map_err(crate::output::stdout_error)?;
    if findings > 0 {
        bail!(
            "check found {findings} problem{}",
            if findings == 1 { "" } else { "s" }
        );
    }
    Ok(())
}
