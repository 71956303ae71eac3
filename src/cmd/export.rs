use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use crate::cli::{ExportArgs, Format};
use crate::db;
use crate::output::{self, Sink};

pub fn run(db_path: &Path, args: &ExportArgs) -> Result<()> {
    let conn = db::open_read_only(db_path)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')
             AND name NOT LIKE 'sqlite_%' AND name <> 'refinery_schema_history' ORDER BY type, name",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for name in &names {
        let path = args.out.join(format!("{name}.csv"));
        let mut sink = Sink::file(&path)?;
        if args.bom {
            sink.write_all("\u{feff}".as_bytes())?;
        }
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{}\"", name.replace('"', "\"\"")))?;
        let rows = output::write_rows(&mut stmt, Format::Csv, &mut sink, false)?;
        sink.finish()?;
        eprintln!("  {}  {rows} rows", path.display());
    }
    eprintln!(
        "conflictdb: exported {} tables and views to {}",
        names.len(),
        args.out.display()
    );
    Ok(())
}
