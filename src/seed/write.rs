//! The database written back as seed files: one CSV per table, rows referring to each other by
//! key, so that `conflictdb seed DIR` loads it again into the same contents (`export --seed`).

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use anyhow::{bail, Context, Result};
use rusqlite::Connection;

use crate::output::{self, Sink};
use crate::schema::{Identity, Value, TABLES};
use crate::{date, db, interrupt, outfile};

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

/// Whether a period written as `start` (and `end`) reads back at `precision`: where not (a
/// window of days, a week that is not seven days), the precision is written in its own column.
fn reads_as(start: &str, end: &str, precision: &str) -> bool {
    let read = date::parse(start).and_then(|period| match end {
        "" => Ok(period),
        end => period.through(date::parse(end)?),
    });
    read.is_ok_and(|period| period.precision.code() == precision)
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
            let mut precision_text = None;
            for column in table.columns {
                match column.value {
                    Value::PeriodEnd => record.push(end_text.take().unwrap_or_default()),
                    Value::PeriodPrecision => {
                        record.push(precision_text.take().unwrap_or_default())
                    }
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
                        // A precision the dates cannot say (a week, a window of days) is written
                        // in its own column, with both dates to the day.
                        let derived = match precision.parse() {
                            Ok(p) => {
                                let (a, b) = date::format_span(day(&start)?, day(&stop)?, p);
                                reads_as(&a, &b, &precision).then_some((a, b))
                            }
                            Err(_) => None,
                        };
                        let (start_text, stop_text) = match derived {
                            Some(texts) => texts,
                            None => {
                                precision_text = Some(precision);
                                (start, stop)
                            }
                        };
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
