//! `conflictdb import`: files of another data set loaded as a dataset (src/import.rs), and what
//! the import did, on stderr.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::cli::ImportArgs;
use crate::import::actor_links::ActorLinks;
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
            links: links(db_path, args.link_actors.as_deref(), !args.no_default_links)?,
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
            "  the files are the ones last imported, byte for byte, with the same actor links: nothing was written"
        )?;
    } else {
        for table in [
            "actors",
            "places",
            "sources",
            "casualties",
            "event_attributes",
            "statements",
            "statement_attributes",
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

/// The built-in links whose actors the database has (a new database gets the built-in data
/// first, so all of them), and those of `--link-actors`.
fn links(db_path: &Path, file: Option<&Path>, defaults: bool) -> Result<ActorLinks> {
    let mut links = match defaults {
        true => ActorLinks::built_in(),
        false => ActorLinks::none(),
    };
    if let Some(file) = file {
        links.read_file(file)?;
    }
    let mut known = std::collections::HashSet::new();
    if db_path.exists() {
        let conn = crate::db::open_read_only(db_path)?;
        let mut stmt = conn.prepare("SELECT 1 FROM actors WHERE key = ?1")?;
        for key in links.targets() {
            if stmt.exists([key])? {
                known.insert(key.to_string());
            }
        }
    } else {
        // A new database gets the built-in data first.
        let actors = crate::seed::BUILT_IN
            .get_file("actors.csv")
            .map_or(&[][..], |f| f.contents());
        let mut reader = csv::Reader::from_reader(actors);
        for record in reader.records() {
            known.insert(record?[0].to_string());
        }
    }
    links.keep_existing(|key| known.contains(key))?;
    Ok(links)
}
