//! `datasets`: lists the datasets of the database, or removes one.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::cli::{DatasetsAction, DatasetsArgs};
use crate::{datasets, db, output};

pub fn run(db_path: &Path, args: &DatasetsArgs) -> Result<()> {
    match &args.action {
        None => {
            let conn = db::open_read_only(db_path)?;
            let mut stmt = conn.prepare(&datasets::list_sql())?;
            output::write_query(&mut stmt, args.output.options(), db_path).map(|_| ())
        }
        Some(DatasetsAction::Remove { name }) => {
            // Removing changes rows, not the schema: a missing database is not created, nor an
            // older one migrated, by a removal that may yet be refused.
            drop(db::open_read_only(db_path)?);
            let mut conn = db::open_for_write(db_path)?;
            let removed = datasets::remove(&mut conn, name)?;
            let mut err = std::io::stderr().lock();
            writeln!(
                err,
                "conflictdb: removed dataset {name:?} from {}",
                db_path.display()
            )?;
            let removed: Vec<_> = removed.into_iter().filter(|(_, rows)| *rows > 0).collect();
            let width = removed.iter().map(|(t, _)| t.len()).max().unwrap_or(0);
            for (table, rows) in removed {
                writeln!(err, "  {table:<width$}  {rows:>9}")?;
            }
            Ok(())
        }
    }
}
