//! `conflictdb seed`: loads a seed directory (or the built-in data) into the database.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::cli::SeedArgs;
use crate::output;
use crate::seed::{self, Input, Progress};

pub fn run(db_path: &Path, args: &SeedArgs) -> Result<()> {
    let input = match &args.dir {
        Some(dir) => {
            if !dir.is_dir() {
                anyhow::bail!(
                    "seed directory {} does not exist or is not a directory",
                    dir.display()
                );
            }
            check_file_names(dir)?;
            Input::Dir(dir.clone())
        }
        None => Input::BuiltIn,
    };
    let mut progress = Bar::new();
    let mut dataset = seed::Source::dataset(&input);
    if let Some(name) = &args.dataset {
        if args.dir.is_none() {
            anyhow::bail!(
                "--dataset names the dataset of a seed directory; the built-in data is always {:?}",
                seed::Dataset::BUILT_IN
            );
        }
        if name.is_empty() {
            anyhow::bail!("--dataset needs a name");
        }
        dataset.name = name.clone();
    }
    dataset.allow_removals = args.allow_removals;
    dataset.dry_run = args.dry_run;
    // The rules `check` runs are read beside the last writes of the load.
    let name = dataset.name.clone();
    let findings = || crate::integrity::findings_of_dataset(db_path, &name);
    let (counts, findings) =
        seed::seed_file_then(db_path, &input, &dataset, &mut progress, findings)?;
    progress.finish();
    let mut err = std::io::stderr().lock();
    let width = counts.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    match args.dry_run {
        true => writeln!(
            err,
            "conflictdb: dry run: {} is unchanged; seeding would load",
            db_path.display()
        )?,
        false => writeln!(err, "conflictdb: seeded {}", db_path.display())?,
    }
    for (name, rows) in counts {
        writeln!(err, "  {name:<width$}  {rows:>9}")?;
    }
    // Into an existing database: what the seed did to the dataset's rows.
    let changes: Vec<&seed::TableChanges> = progress
        .1
        .iter()
        .filter(|c| c.added + c.changed + c.removed + c.unchanged > 0)
        .collect();
    if !changes.is_empty() {
        let what = if args.dry_run { "would do" } else { "did" };
        writeln!(
            err,
            "conflictdb: what the seed {what} to dataset {:?}:",
            dataset.name
        )?;
        let width = changes.iter().map(|c| c.table.len()).max().unwrap_or(0);
        writeln!(
            err,
            "  {:<width$}  {:>9}  {:>9}  {:>9}  {:>9}",
            "table", "added", "changed", "removed", "unchanged"
        )?;
        for c in &changes {
            writeln!(
                err,
                "  {:<width$}  {:>9}  {:>9}  {:>9}  {:>9}",
                c.table, c.added, c.changed, c.removed, c.unchanged
            )?;
        }
        // A dry run names the first rows of each kind of change too.
        if args.dry_run {
            for c in changes.iter().filter(|c| !c.examples.is_empty()) {
                let named: Vec<String> = [
                    (seed::Change::Added, "added"),
                    (seed::Change::Changed, "changed"),
                    (seed::Change::Removed, "removed"),
                ]
                .iter()
                .filter_map(|(kind, word)| {
                    let rows: Vec<&str> = c
                        .examples
                        .iter()
                        .filter(|(k, _)| k == kind)
                        .map(|(_, label)| label.as_str())
                        .collect();
                    (!rows.is_empty()).then(|| format!("{word} {}", rows.join(", ")))
                })
                .collect();
                writeln!(err, "  {}: {}", c.table, named.join("; "))?;
            }
        }
    }
    if let Some(findings) = findings {
        warn_of_broken_rules(findings?, &dataset.name, &mut err)?;
    }
    Ok(())
}

/// How many rows a warning names before it says how many more there are.
const WARNED_ROWS: usize = 10;

/// Warns about the rules of `check` that the dataset's rows break (an event no source reports):
/// they are data rules, not refusals, so the rows are loaded, and the user learns it now rather
/// than at the next `check`.
fn warn_of_broken_rules(
    broken: Vec<(&str, Vec<String>)>,
    dataset: &str,
    err: &mut impl Write,
) -> Result<()> {
    let total: usize = broken.iter().map(|(_, findings)| findings.len()).sum();
    if total == 0 {
        return Ok(());
    }
    let rows = match total {
        1 => "1 row".to_string(),
        n => format!("{n} rows"),
    };
    let break_ = match (total, broken.len()) {
        (1, _) => "breaks a rule",
        (_, 1) => "break a rule",
        _ => "break rules",
    };
    writeln!(
        err,
        "conflictdb: warning: {rows} of dataset {dataset:?} {break_} that `conflictdb check` reports:"
    )?;
    let findings = broken
        .iter()
        .flat_map(|(rule, findings)| findings.iter().map(move |f| (rule, f)));
    for (rule, finding) in findings.take(WARNED_ROWS) {
        writeln!(err, "  {} ({rule})", crate::long_value::escaped(finding))?;
    }
    if total > WARNED_ROWS {
        writeln!(
            err,
            "  and {} more; `conflictdb check` lists them all",
            total - WARNED_ROWS
        )?;
    }
    Ok(())
}

/// Refuses a CSV file named after no table (`event.csv`): a directory may leave a table's file
/// out, which means no rows of it, so a misspelt name would otherwise load nothing unnoticed. A
/// directory without any seed file is refused too.
fn check_file_names(dir: &Path) -> Result<()> {
    let tables: Vec<String> = crate::schema::TABLES
        .iter()
        .map(|t| t.file_name())
        .collect();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in &names {
        if name.to_ascii_lowercase().ends_with(".csv") && !tables.contains(name) {
            let hint = crate::suggest::closest(name, tables.iter().cloned())
                .map_or_else(String::new, |t| format!(" (did you mean {t}?)"));
            anyhow::bail!(
                "{}: is the file of no table{hint}; a seed directory holds a CSV named after each table it has rows of",
                dir.join(name).display()
            );
        }
    }
    if !names.iter().any(|n| tables.contains(n)) {
        anyhow::bail!(
            "seed directory {} holds no seed file (such as events.csv)",
            dir.display()
        );
    }
    Ok(())
}

/// A progress bar on stderr, shown only when stderr is a terminal; and the rows the load removed.
struct Bar(Option<indicatif::ProgressBar>, Vec<seed::TableChanges>);

impl Bar {
    fn new() -> Bar {
        Bar(
            output::progress_bar(0, "{msg:>16} [{bar:40}] {bytes}/{total_bytes} ({eta})"),
            Vec::new(),
        )
    }

    fn finish(&self) {
        if let Some(bar) = &self.0 {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn table(&mut self, table: &str, bytes: Option<u64>) {
        if let Some(bar) = &self.0 {
            bar.set_message(table.to_string());
            bar.set_length(bytes.unwrap_or(0));
            bar.set_position(0);
        }
    }

    fn changes(&mut self, changes: &[seed::TableChanges]) {
        self.1 = changes.to_vec();
    }

    fn advance(&mut self, bytes: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(bytes);
        }
    }
}
