//! `conflictdb export`: every table and view as CSV, or the seed layout that `seed` loads back.

use std::path::Path;

use anyhow::Result;

use crate::cli::ExportArgs;
use crate::{db, export, seed};

pub fn run(db_path: &Path, args: &ExportArgs) -> Result<()> {
    let conn = db::open_read_only(db_path)?;
    if args.seed {
        for (name, rows) in seed::write_seed_layout(&conn, &args.out, args.bom)? {
            eprintln!(
                "  {}  {rows} rows",
                args.out.join(format!("{name}.csv")).display()
            );
        }
        eprintln!(
            "conflictdb: exported the seed layout to {}; `conflictdb seed {}` loads it",
            args.out.display(),
            args.out.display()
        );
        return Ok(());
    }
    let tables = export::write_tables(&conn, &args.out, args.bom, args.excel, db_path)?;
    eprintln!(
        "conflictdb: exported {tables} tables and views to {}",
        args.out.display()
    );
    Ok(())
}
