use std::io::{IsTerminal, Write};
use std::path::Path;

use anyhow::Result;

use crate::cli::SeedArgs;
use crate::db;
use crate::seed::{self, Input};

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
    let existed = db_path.exists();
    let loaded =
        db::open_for_write(db_path).and_then(|mut conn| Ok(seed::load(&mut conn, &input)?));
    let counts = match loaded {
        Ok(counts) => counts,
        Err(e) => {
            // A database this command created is removed again: the file is exactly as it was.
            if !existed {
                db::remove(db_path);
            }
            return Err(e);
        }
    };
    let mut err = std::io::stderr().lock();
    let width = counts.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    writeln!(err, "conflictdb: seeded {}", db_path.display())?;
    for (name, rows) in counts {
        if std::io::stderr().is_terminal() || !name.is_empty() {
            writeln!(err, "  {name:<width$}  {rows:>9}")?;
        }
    }
    Ok(())
}
