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
            Input::Dir(dir.clone())
        }
        None => Input::BuiltIn,
    };
    let mut progress = Bar::new();
    let counts = seed::seed_file(db_path, &input, &mut progress)?;
    progress.finish();
    let mut err = std::io::stderr().lock();
    let width = counts.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    writeln!(err, "conflictdb: seeded {}", db_path.display())?;
    for (name, rows) in counts {
        writeln!(err, "  {name:<width$}  {rows:>9}")?;
    }
    Ok(())
}

/// A progress bar on stderr, shown only when stderr is a terminal.
struct Bar(Option<indicatif::ProgressBar>);

impl Bar {
    fn new() -> Bar {
        Bar(output::progress_bar(
            0,
            "{msg:>16} [{bar:40}] {bytes}/{total_bytes} ({eta})",
        ))
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

    fn advance(&mut self, bytes: u64) {
        if let Some(bar) = &self.0 {
            bar.set_position(bytes);
        }
    }
}
