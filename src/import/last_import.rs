//! Whether an import's files are the ones its dataset was last imported from, byte for byte and
//! with the same actor links: importing them again would write nothing.

use std::path::{Path, PathBuf};

use anyhow::Result;

use super::detect::Detected;
use super::read;
use crate::seed;

/// A row of `dataset_files`: file, hash, bytes, rows, format, layout.
type StoredFile = (String, String, i64, i64, String, String);

/// The records read and the dataset's events not retracted, if `files` are the ones it was last
/// imported from, every record loaded (the same names, SHA-256, sizes, formats and layouts, none
/// refused), with the same actor links (`links`), by this version of conflictdb, which maps the
/// same bytes to the same rows: importing them again would change nothing.
pub(super) fn as_last_imported(
    db_path: &Path,
    dataset: &str,
    files: &[(PathBuf, Detected)],
    links: Option<&seed::SourceFile>,
) -> Result<Option<(u64, u64)>> {
    let stored = || -> Option<(i64, Vec<StoredFile>)> {
        let conn = crate::db::open_read_only(db_path).ok()?;
        let (id, version): (i64, Option<String>) = conn
            .query_row(
                "SELECT id, program_version FROM datasets WHERE name = ?1 AND kind = 'import'",
                [dataset],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .ok()?;
        if version.as_deref() != Some(concat!("conflictdb ", env!("CARGO_PKG_VERSION"))) {
            return None;
        }
        let mut stmt = conn
            .prepare(
                "SELECT file, hash, bytes, rows, format, layout FROM dataset_files
                 WHERE dataset_id = ?1 AND rejected = 0 AND hash IS NOT NULL ORDER BY file",
            )
            .ok()?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .ok()?
            .collect::<rusqlite::Result<_>>()
            .ok()?;
        let events = conn
            .query_row(
                "SELECT count(*) FROM events WHERE dataset_id = ?1 AND retracted = 0",
                [id],
                |r| r.get(0),
            )
            .ok()?;
        Some((events, rows))
    };
    if !db_path.exists() {
        return Ok(None);
    }
    let Some((events, stored)) = stored() else {
        return Ok(None);
    };
    if stored.len() != files.len() + usize::from(links.is_some()) {
        return Ok(None);
    }
    if let Some(links) = links {
        let given = (
            links.file.clone(),
            links.hash.clone().unwrap_or_default(),
            links.bytes as i64,
            links.rows as i64,
            links.format.to_string(),
            links.layout.unwrap_or_default().to_string(),
        );
        if !stored.contains(&given) {
            return Ok(None);
        }
    }
    let mut records = 0;
    for (path, detected) in files {
        let name = path.display().to_string();
        let Some(row) = stored.iter().find(|row| row.0 == name) else {
            return Ok(None);
        };
        let (hash, bytes) = read::fingerprint(path)?;
        let given = (
            name,
            hash,
            bytes as i64,
            row.3,
            detected.format.name().to_string(),
            detected.layout.name.to_string(),
        );
        if *row != given {
            return Ok(None);
        }
        records += row.3 as u64;
    }
    Ok(Some((records, events as u64)))
}
