//! `conflictdb import`: files of another data set loaded as a dataset (src/import.rs), and what
//! the import did, on stderr.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::cli::ImportArgs;
use crate::import::{self, format, Options};

pub fn run(db_path: &Path, args: &ImportArgs) -> Result<()> {
    let options = Options {
        files: args.files.clone(),
        format: args.format.clone(),
        dataset: args.dataset.clone(),
        keep_going: args.keep_going,
        remove_missing: args.remove_missing,
        map: format::Options {
            century: args.two_digit_years,
        },
    };
    let report = import::import(db_path, &options, &mut ())?;
    let mut err = std::io::stderr().lock();
    let files: Vec<String> = report
        .files
        .iter()
        .map(|(path, layout)| format!("{} ({} {layout})", path.display(), report.format))
        .collect();
    writeln!(
        err,
        "conflictdb: imported {} into {} as dataset {:?}: {} rows read",
        files.join(", "),
        db_path.display(),
        report.dataset,
        report.records
    )?;
    let events = report.changes_of("events");
    let loaded = |table: &str| {
        report
            .counts
            .iter()
            .find(|(t, _)| *t == table)
            .map_or(0, |(_, n)| *n)
    };
    let (added, changed, unchanged, removed) = match events {
        Some(c) => (c.added, c.changed, c.unchanged, c.removed),
        None => (loaded("events"), 0, 0, 0),
    };
    write!(
        err,
        "  events: {added} added, {changed} changed, {} retracted, {unchanged} unchanged",
        report.retracted
    )?;
    match args.remove_missing {
        true => writeln!(err, ", {removed} removed")?,
        false => writeln!(err)?,
    }
    if report.unchanged_files {
        writeln!(
            err,
            "  the files are the ones last imported, byte for byte: nothing was written"
        )?;
    } else {
        for table in [
            "actors",
            "places",
            "sources",
            "casualties",
            "event_attributes",
        ] {
            writeln!(err, "  {table}: {}", loaded(table))?;
        }
    }
    if let Some(path) = &report.rejects_file {
        anyhow::bail!(
            "{} of the {} rows were refused and not imported; they are in {}, each with its reason",
            report.rejected,
            report.records,
            path.display()
        );
    }
    Ok(())
}
