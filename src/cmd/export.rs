//! `export`: writes every table and view to DIR/NAME.csv, or with `--seed` the seed layout that
//! `seed` loads back.

use std::io::Write;
use std::path::Path;

use std::os::unix::fs::PermissionsExt;

use anyhow::{bail, Context, Result};
use rusqlite::Connection;

use crate::cli::{ExportArgs, Format};
use crate::output::{self, Sink};
use crate::schema::{Identity, Value, TABLES};
use crate::{date, db, interrupt, outfile};

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
    let tables = write_tables(&conn, &args.out, args.bom, db_path)?;
    eprintln!(
        "conflictdb: exported {tables} tables and views to {}",
        args.out.display()
    );
    Ok(())
}

/// Writes every table and view of the database to `NAME.csv` in `out`, all read in one
/// transaction so that they show one state even while a seed commits. Returns how many.
fn write_tables(conn: &Connection, out: &Path, bom: bool, database: &Path) -> Result<usize> {
    let snapshot = conn.unchecked_transaction()?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
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
        let path = out.join(format!("{name}.csv"));
        let mut sink = Sink::file(&path, &path, Some(database))?;
        if bom {
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
    snapshot.finish()?;
    Ok(names.len())
}

/// Writes the database in the seed layout: one CSV per seed table, rows referring to each other
/// by key and dates written as the seed files write them, so that `conflictdb seed DIR` loads it
/// back into the same contents. Returns the rows written per table.
///
/// The directory is replaced as a whole: the files are written into a new directory beside it,
/// from one read transaction, and the two are swapped only when all are complete, so `dir` holds
/// the complete old export or the complete new one whatever happens, never a mix that `seed`
/// would load without complaint. A directory holding files of its own is refused, not replaced.
pub fn write_seed_layout(
    conn: &Connection,
    dir: &Path,
    bom: bool,
) -> Result<Vec<(&'static str, u64)>> {
    let existing = std::fs::metadata(dir).ok();
    if let Some(meta) = &existing {
        if !meta.is_dir() {
            bail!("cannot export to {}: it is not a directory", dir.display());
        }
        refuse_other_files(dir)?;
    }
    let target = match &existing {
        Some(_) => std::fs::canonicalize(dir)?,
        None => dir.to_path_buf(),
    };
    let parent = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(parent)
        .with_context(|| format!("cannot create {}", parent.display()))?;
    let name = target.file_name().unwrap_or_default().to_string_lossy();
    // 0777 less the umask, as mkdir gives. A replacement is open to its owner alone while it is
    // written, then gets the old directory's mode and each file the mode of the one it replaces
    // (a private file never becomes readable by others).
    let mode = existing
        .as_ref()
        .map_or(0o777, |m| m.permissions().mode() & 0o700);
    let make = || {
        tempfile::Builder::new()
            .prefix(&format!(".{name}.export-"))
            .permissions(std::fs::Permissions::from_mode(mode))
            .tempdir_in(parent)
    };
    let (temp, _registered) =
        interrupt::create(interrupt::Kind::Dir, make, |t| t.path()).map_err(|e| {
            anyhow::anyhow!(
                "cannot write {}: {}",
                dir.display(),
                db::why_not_created(&target, &e)
            )
        })?;
    // Bound again, after the registration: on an error the directory is removed before an
    // interrupt stops looking for it (bindings are dropped last first), never after.
    let temp = temp;
    if existing.is_some() {
        std::fs::set_permissions(temp.path(), std::fs::Permissions::from_mode(mode))?;
    }
    let snapshot = conn.unchecked_transaction()?;
    let counts = write_seed_files(conn, temp.path(), dir, bom)?;
    snapshot.finish()?;
    if let Some(old) = &existing {
        keep_modes(&target, temp.path())?;
        std::fs::set_permissions(temp.path(), old.permissions())?;
    }
    {
        // An interrupt now would remove the files from under the swap, whichever side they end
        // up on: it waits until the swap is done, and then removes what `temp` names.
        let _swapping = interrupt::hold();
        if existing.is_some() {
            exchange(temp.path(), &target)
                .with_context(|| format!("cannot replace {}", dir.display()))?;
        } else {
            std::fs::rename(temp.path(), &target)
                .with_context(|| format!("cannot create {}", dir.display()))?;
        }
    }
    // `temp` now names the old export (or nothing), which its drop removes.
    drop(temp);
    Ok(counts)
}

/// Gives each file in `new` the mode, and where this process may, the owner of the file of the
/// same name in `old`.
fn keep_modes(old: &Path, new: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    for entry in std::fs::read_dir(new)? {
        let path = entry?.path();
        let Some(name) = path.file_name() else {
            continue;
        };
        let Ok(meta) = std::fs::metadata(old.join(name)) else {
            continue;
        };
        let _ = std::os::unix::fs::chown(&path, Some(meta.uid()), Some(meta.gid()));
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(meta.mode() & 0o7777))?;
    }
    Ok(())
}

/// Refuses a directory holding anything besides the files `export --seed` writes: replacing it
/// would delete them.
fn refuse_other_files(dir: &Path) -> Result<()> {
    let ours: Vec<String> = TABLES.iter().map(|t| t.file_name()).collect();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        // A file of one of our names may still be the user's own: a directory, or a database.
        let ours = ours.iter().any(|o| name == o.as_str())
            && entry.file_type().is_ok_and(|t| t.is_file())
            && !outfile::is_sqlite(&entry.path());
        if !ours {
            bail!(
                "refusing to export the seed layout to {}: it holds {}, which the export would delete; use an empty or new directory",
                dir.display(),
                name.to_string_lossy()
            );
        }
    }
    Ok(())
}

/// Swaps two directories in one step, so that no moment shows neither or a mix.
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    match crate::rename::exchange(a, b) {
        // A filesystem that cannot exchange gets the two renames below.
        Err(e) if e.kind() == std::io::ErrorKind::Unsupported => {}
        done => return done,
    }
    // Two renames: a kill between them leaves no `b`, and the old export under a hidden name
    // beside it, never a mix.
    let mut aside = a.as_os_str().to_os_string();
    aside.push(".old");
    std::fs::rename(b, &aside)?;
    if let Err(error) = std::fs::rename(a, b) {
        // The old export goes back, so that a failure leaves it where it was.
        let _ = std::fs::rename(&aside, b);
        return Err(error);
    }
    std::fs::rename(&aside, a)
}

/// The seed files into `dir`, named as in `shown` in messages.
fn write_seed_files(
    conn: &Connection,
    dir: &Path,
    shown: &Path,
    bom: bool,
) -> Result<Vec<(&'static str, u64)>> {
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
        let mut sink = Sink::file(
            &dir.join(table.file_name()),
            &shown.join(table.file_name()),
            None,
        )?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed;

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

    fn rows(path: &Path) -> usize {
        csv::Reader::from_path(path).unwrap().records().count()
    }

    #[test]
    fn an_export_reads_every_table_from_one_state() {
        let dir = tempfile::tempdir().unwrap();
        let reader = reader_with_a_commit_in_between(dir.path());
        let out = dir.path().join("out");
        write_tables(&reader, &out, false, &dir.path().join("c.db")).unwrap();
        assert_eq!(rows(&out.join("casualties.csv")), 33);
    }

    #[test]
    fn a_seed_layout_export_reads_every_table_from_one_state() {
        let dir = tempfile::tempdir().unwrap();
        let reader = reader_with_a_commit_in_between(dir.path());
        let out = dir.path().join("out");
        write_seed_layout(&reader, &out, false).unwrap();
        assert_eq!(rows(&out.join("casualties.csv")), 33);
    }
}
