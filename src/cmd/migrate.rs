//! `migrate`: applies the pending schema migrations to the database, or with `--status` lists
//! every migration and the snapshots earlier migrations left.

use std::path::Path;

use anyhow::Result;

use crate::cli::MigrateArgs;
use crate::db;

pub fn run(db_path: &Path, args: &MigrateArgs) -> Result<()> {
    if args.status {
        return status(db_path);
    }
    let applied = db::migrate_file(db_path)?;
    if applied.is_empty() {
        eprintln!(
            "conflictdb: {} is up to date (schema version {})",
            db_path.display(),
            db::latest_version()
        );
    }
    for migration in applied {
        eprintln!(
            "conflictdb: applied V{}__{}",
            migration.version(),
            migration.name()
        );
    }
    Ok(())
}

fn status(db_path: &Path) -> Result<()> {
    let mut out = String::from("version\tname\tstate\tapplied_on\n");
    for row in &db::status_of_file(db_path)? {
        let (state, on) = match &row.applied_on {
            Some(on) => ("applied", on.as_str()),
            None => ("pending", ""),
        };
        out.push_str(&format!("{}\t{}\t{state}\t{on}\n", row.version, row.name));
    }
    std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes())
        .map_err(crate::output::stdout_error)?;
    let snapshots = db::snapshots(db_path);
    if !snapshots.is_empty() {
        eprintln!("conflictdb: snapshots taken before earlier migrations (restore one by copying it over {} while nothing else uses it):", db_path.display());
        for snapshot in snapshots {
            eprintln!("  {}", snapshot.display());
        }
    }
    Ok(())
}
