use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use rusqlite::Connection;

use crate::cli::{ExportArgs, Format};
use crate::output::{self, Sink};
use crate::schema::{Identity, Value, TABLES};
use crate::{date, db};

pub fn run(db_path: &Path, args: &ExportArgs) -> Result<()> {
    let conn = db::open_read_only(db_path)?;
    if args.seed {
        for (name, rows) in write_seed_layout(&conn, &args.out, args.bom)? {
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
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')
             AND name NOT LIKE 'sqlite_%' AND name <> 'refinery_schema_history' ORDER BY type, name",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let bar = output::progress_bar(
        names.len() as u64,
        "{msg:>24} [{bar:40}] {pos}/{len} tables",
    );
    for name in &names {
        if let Some(bar) = &bar {
            bar.set_message(name.clone());
        }
        let path = args.out.join(format!("{name}.csv"));
        let mut sink = Sink::file(&path)?;
        if args.bom {
            sink.write_all("\u{feff}".as_bytes())?;
        }
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{}\"", name.replace('"', "\"\"")))?;
        let rows = output::write_rows(&mut stmt, Format::Csv, &mut sink, false)?;
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
    eprintln!(
        "conflictdb: exported {} tables and views to {}",
        names.len(),
        args.out.display()
    );
    Ok(())
}

/// Writes the database in the seed layout: one CSV per seed table, rows referring to each other
/// by key and dates written as the seed files write them, so that `conflictdb seed DIR` loads it
/// back into the same contents. Returns the rows written per table.
pub fn write_seed_layout(
    conn: &Connection,
    dir: &Path,
    bom: bool,
) -> Result<Vec<(&'static str, u64)>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut counts = Vec::new();
    for table in TABLES {
        let selects: Vec<String> = table
            .columns
            .iter()
            .flat_map(|column| match column.value {
                Value::Ref(target) => vec![format!(
                    "(SELECT key FROM {target} WHERE id = t.{})",
                    column.db
                )],
                _ => column
                    .db_columns()
                    .into_iter()
                    .map(|db| format!("t.{db}"))
                    .collect(),
            })
            .collect();
        // Rows with a key in the order they were loaded; link rows (keyed by their columns, in
        // tables without a rowid) in the order of those columns.
        let order = match table.identity {
            Identity::Key => "t.rowid".to_string(),
            Identity::Columns(columns) => columns
                .iter()
                .map(|c| format!("t.{c}"))
                .collect::<Vec<_>>()
                .join(", "),
        };
        let sql = format!(
            "SELECT {} FROM {} AS t ORDER BY {order}",
            selects.join(", "),
            table.name
        );
        let mut stmt = conn.prepare(&sql)?;
        let mut sink = Sink::file(&dir.join(table.file_name()))?;
        if bom {
            sink.write_all("\u{feff}".as_bytes())?;
        }
        let mut writer = csv::Writer::from_writer(&mut sink);
        writer.write_record(table.columns.iter().map(|c| c.name))?;
        let mut rows = stmt.query([])?;
        let mut count = 0u64;
        let mut record: Vec<String> = Vec::with_capacity(table.columns.len());
        while let Some(row) = rows.next()? {
            record.clear();
            let mut index = 0;
            let mut end_text = None;
            for column in table.columns {
                match column.value {
                    Value::PeriodEnd => record.push(end_text.take().unwrap_or_default()),
                    Value::Period { end, .. } => {
                        let start: String = row.get(index)?;
                        let stop: String = row.get(index + 1)?;
                        let precision: String = row.get(index + 2)?;
                        index += 3;
                        let day = |text: &str| {
                            date::parse_day(text).with_context(|| {
                                format!("{}: bad stored date {text:?}", table.name)
                            })
                        };
                        let precision = precision.parse().map_err(anyhow::Error::msg)?;
                        let (start_text, stop_text) =
                            date::format_span(day(&start)?, day(&stop)?, precision);
                        record.push(start_text);
                        if end.is_some() {
                            end_text = Some(stop_text);
                        }
                    }
                    _ => {
                        record.push(output::text(row.get_ref(index)?));
                        index += 1;
                    }
                }
            }
            // The end column may come before its start column in the list; it never does in
            // TABLES, where each start precedes its end.
            writer.write_record(&record)?;
            count += 1;
        }
        writer.flush()?;
        drop(writer);
        sink.finish()?;
        counts.push((table.name, count));
    }
    Ok(counts)
}
