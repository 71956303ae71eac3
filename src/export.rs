//! Every table and view of a database written out as `NAME.csv` files, for spreadsheets and
//! other engines (the seed layout that `seed` loads back is seed/write.rs).

pub mod columns;
pub mod geojson;
pub mod parquet;
pub mod provenance;
pub mod xlsx;

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use rusqlite::Connection;

use crate::output::{self, Format, Sink};

/// Writes every table and view of the database to `NAME.csv` in `out`, all read in one
/// transaction so that they show one state even while a seed commits. Returns how many. `excel`
/// writes CSV for spreadsheets ([`output::write_excel_rows`]), which starts with its own mark.
pub fn write_tables(
    conn: &Connection,
    out: &Path,
    bom: bool,
    excel: bool,
    database: &Path,
) -> Result<usize> {
    let snapshot = conn.unchecked_transaction()?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let names = columns::exported_tables(conn)?;
    let credits = provenance::all(conn)?;
    let bar = output::progress_bar(
        names.len() as u64,
        "{msg:>24} [{bar:40}] {pos}/{len} tables",
    );
    for name in &names {
        if let Some(bar) = &bar {
            bar.set_message(name.clone());
        }
        let path = out.join(format!("{name}.csv"));
        let mut sink = Sink::file(&path, &path, Some(database))?;
        if bom && !excel {
            sink.write_all("\u{feff}".as_bytes())?;
        }
        let mut stmt = conn.prepare(&provenance::select_with_required_credit(
            conn, &credits, name,
        )?)?;
        let rows = if excel {
            output::write_excel_rows(&mut stmt, &mut sink)?
        } else {
            output::write_rows(&mut stmt, Format::Csv, &mut sink, false)?
        };
        sink.finish()?;
        match &bar {
            Some(bar) => {
                bar.inc(1);
                bar.println(format!("  {}  {rows} rows", path.display()));
            }
            None => eprintln!("  {}  {rows} rows", path.display()),
        }
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let path = out.join(provenance::CSV_NAME);
    let mut sink = Sink::file(&path, &path, Some(database))?;
    if bom {
        sink.write_all("\u{feff}".as_bytes())?;
    }
    let rows = provenance::write_csv(&provenance::with_rows(conn, &credits)?, &mut sink)?;
    sink.finish()?;
    eprintln!("  {}  {rows} rows", path.display());
    snapshot.finish()?;
    Ok(names.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{db, seed};

    /// A read-only connection to a database holding the built-in data, on which, once the first
    /// statement has begun, another connection deletes every casualty and commits. A process
    /// cannot place a commit between two tables of an export; this hook can.
    fn reader_with_a_commit_in_between(dir: &Path) -> Connection {
        let path = dir.join("c.db");
        let mut conn = db::open_for_write(&path).unwrap();
        seed::load(&mut conn, &seed::Input::BuiltIn).unwrap();
        drop(conn);
        let mut reader = db::open_read_only(&path).unwrap();
        let mut writer = Some(Connection::open(&path).unwrap());
        let mut steps = 0;
        // Every virtual-machine step calls the hook; by the 20th the first statement has opened
        // its read transaction, and the casualties are read hundreds of steps later.
        reader
            .progress_handler(
                1,
                Some(move || {
                    steps += 1;
                    if steps == 20 {
                        let writer = writer.take().unwrap();
                        writer.execute("DELETE FROM casualties", []).unwrap();
                    }
                    false
                }),
            )
            .unwrap();
        reader
    }

    /// How many casualty claims the built-in data holds: all of them are exported, though
    /// another connection deletes them while the export runs.
    fn built_in_casualties() -> usize {
        let file = seed::BUILT_IN.get_file("casualties.csv").unwrap();
        csv::Reader::from_reader(file.contents()).records().count()
    }

    fn rows(path: &Path) -> usize {
        csv::Reader::from_path(path).unwrap().records().count()
    }

    #[test]
    fn an_export_reads_every_table_from_one_state() {
        let dir = tempfile::tempdir().unwrap();
        let reader = reader_with_a_commit_in_between(dir.path());
        let out = dir.path().join("out");
        write_tables(&reader, &out, false, false, &dir.path().join("c.db")).unwrap();
        assert_eq!(rows(&out.join("casualties.csv")), built_in_casualties());
    }

    #[test]
    fn a_seed_layout_export_reads_every_table_from_one_state() {
        let dir = tempfile::tempdir().unwrap();
        let reader = reader_with_a_commit_in_between(dir.path());
        let out = dir.path().join("out");
        seed::write_seed_layout(&reader, &out, false).unwrap();
        assert_eq!(rows(&out.join("casualties.csv")), built_in_casualties());
    }
}
