//! `conflictdb export`: every table and view as CSV, or the seed layout that `seed` loads back,
//! or a workbook, a GeoJSON map of the events, or Parquet files (src/export/).

use std::path::Path;

use anyhow::Result;

use crate::cli::ExportArgs;
use crate::output::Sink;
use crate::{db, export, seed};

pub fn run(db_path: &Path, args: &ExportArgs) -> Result<()> {
    let conn = db::open_read_only(db_path)?;
    if let Some(file) = &args.xlsx {
        let sheets = export::xlsx::write_tables(&conn, file, db_path)?;
        for (name, rows) in &sheets {
            eprintln!("  {name}  {rows} rows");
        }
        eprintln!(
            "conflictdb: exported {} tables and views to {} (sheet `attribution` credits their datasets)",
            sheets.len(),
            file.display()
        );
        return Ok(());
    }
    if let Some(dir) = &args.parquet {
        let files = export::parquet::write_tables(&conn, dir, db_path)?;
        for (name, rows) in &files {
            eprintln!(
                "  {}  {rows} rows",
                dir.join(format!("{name}.parquet")).display()
            );
        }
        eprintln!(
            "conflictdb: exported {} tables and views to {} as Parquet",
            files.len(),
            dir.display()
        );
        return Ok(());
    }
    if let Some(file) = &args.geojson {
        let snapshot = conn.unchecked_transaction()?;
        let mut sink = Sink::file(file, file, Some(db_path))?;
        let features = export::geojson::write_events(&conn, &mut sink)?;
        sink.finish()?;
        snapshot.finish()?;
        eprintln!(
            "conflictdb: exported {features} event places to {}",
            file.display()
        );
        return Ok(());
    }
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
