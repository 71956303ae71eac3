//! What the last load of a dataset left, read before this load registers it: whether any
//! dataset's rows were written outside a load since, and the fingerprints of the rows the last
//! load stored (fingerprint.rs), when they may be trusted.
//!
//! They may be only when the dataset was last loaded by this version of the program, in the same
//! format, and nothing wrote to any dataset's rows since but loads (`datasets.edited_since_load`,
//! kept by the triggers of migrations/V13__edits_since_load.sql, is 0 for every dataset). Then
//! the stored rows are exactly what the files gave: every reference in them resolves as it did (a
//! referenced row's id and key are only changed or deleted by a load that refuses it while rows
//! refer to it, or by a hand edit, which the triggers mark on every dataset).

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};

use super::diagnose::SeedError;
use super::input::Dataset;

/// What the database says of a dataset's last load.
#[derive(Default)]
pub(super) struct Previous {
    /// The dataset's id, if the fingerprints of the rows its last load stored may be trusted
    /// (fingerprint.rs); and then what that load read of each file, by name.
    pub(super) trusted: Option<i64>,
    pub(super) files: HashMap<String, LastFile>,
    /// Whether any dataset's rows were written outside a load since it was loaded: then a loop
    /// of references or a stale root may run through rows no file of this load changed.
    pub(super) edits_anywhere: bool,
}

/// A file as the last load read it.
pub(super) struct LastFile {
    /// The hash of its bytes (file_hash.rs).
    pub(super) hash: String,
    pub(super) bytes: u64,
    pub(super) rows: u64,
}

impl Previous {
    /// What the database says of `dataset`'s last load.
    pub(super) fn read(conn: &Connection, dataset: &Dataset) -> Result<Previous, SeedError> {
        let edits_anywhere = conn.query_row(
            "SELECT coalesce(max(edited_since_load), 0) FROM datasets",
            [],
            |row| row.get::<_, i64>(0),
        )? != 0;
        let mut previous = Previous {
            trusted: None,
            files: HashMap::new(),
            edits_anywhere,
        };
        if edits_anywhere {
            return Ok(previous);
        }
        let last: Option<(i64, Option<String>, Option<String>)> = conn
            .query_row(
                "SELECT id, program_version, format FROM datasets WHERE name = ?1",
                [&dataset.name],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        let Some((id, version, format)) = last else {
            return Ok(previous);
        };
        let same_program =
            version.as_deref() == Some(concat!("conflictdb ", env!("CARGO_PKG_VERSION")));
        if !same_program || format.as_deref() != Some(dataset.format) {
            return Ok(previous);
        }
        previous.trusted = Some(id);
        let mut stmt = conn.prepare(
            "SELECT file, hash, bytes, rows FROM dataset_files WHERE dataset_id = ?1 AND hash IS NOT NULL",
        )?;
        let mut rows = stmt.query([id])?;
        while let Some(row) = rows.next()? {
            let count = |column| row.get::<_, i64>(column).map(|n| n as u64);
            let file = LastFile {
                hash: row.get(1)?,
                bytes: count(2)?,
                rows: count(3)?,
            };
            previous.files.insert(row.get(0)?, file);
        }
        Ok(previous)
    }
}
