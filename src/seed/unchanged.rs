//! Seeding a dataset again, a file whose bytes are the ones last loaded: its rows are read and
//! checked as any file's (every message the same), but not compared with the stored rows, which
//! are the ones that load stored, and nothing of it is written.
//!
//! Only when that is safe: the dataset was last loaded by this version of the program, in the same
//! format, and nothing wrote to its rows since (`datasets.edited_since_load`, kept by the
//! triggers of migrations/V13__edits_since_load.sql, is 0). Then the stored rows are exactly what
//! the file gave: every reference in them resolves as it did (a referenced row's id and key are
//! only changed or deleted by a load that refuses it while rows refer to it, or by a hand edit,
//! which the triggers mark on every dataset). A vocabulary file is always compared (it is small,
//! and has no triggers).
//!
//! The file's hash must be known before its rows reach the writing thread, which otherwise
//! compares them as they come: a third thread hashes each such file ahead of the reading one
//! ([`hash_ahead`]), several times faster than rows are parsed. The hash taken as the rows are
//! read is compared with it at the end of the file: a file written to in between is refused.

use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, Receiver};

use rusqlite::{Connection, OptionalExtension};

use super::diagnose::SeedError;
use super::input::{Dataset, Source};
use crate::schema::{Table, TABLES};

/// What the last load of a dataset left, read before this load registers it.
#[derive(Default)]
pub(super) struct Previous {
    /// Each table's file hash as last loaded, for the tables whose rows may be trusted.
    files: HashMap<&'static str, String>,
    /// Whether any dataset's rows were written outside a load since it was loaded: then a loop
    /// of references or a stale root may run through rows no file of this load changed.
    pub(super) edits_anywhere: bool,
}

impl Previous {
    /// What the database says of `dataset`'s last load.
    pub(super) fn read(conn: &Connection, dataset: &Dataset) -> Result<Previous, SeedError> {
        let edits_anywhere = conn.query_row(
            "SELECT coalesce(max(edited_since_load), 0) FROM datasets",
            [],
            |row| row.get::<_, i64>(0),
        )? != 0;
        let last: Option<(i64, Option<String>, Option<String>, i64)> = conn
            .query_row(
                "SELECT id, program_version, format, edited_since_load FROM datasets WHERE name = ?1",
                [&dataset.name],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?;
        let mut previous = Previous {
            files: HashMap::new(),
            edits_anywhere,
        };
        let Some((id, version, format, edited)) = last else {
            return Ok(previous);
        };
        let same_program =
            version.as_deref() == Some(concat!("conflictdb ", env!("CARGO_PKG_VERSION")));
        if !same_program || format.as_deref() != Some(dataset.format) || edited != 0 {
            return Ok(previous);
        }
        let mut stmt = conn.prepare(
            "SELECT file, hash FROM dataset_files WHERE dataset_id = ?1 AND hash IS NOT NULL",
        )?;
        let mut rows = stmt.query([id])?;
        while let Some(row) = rows.next()? {
            let (file, hash): (String, String) = (row.get(0)?, row.get(1)?);
            if let Some(table) = TABLES.iter().find(|t| t.file_name() == file) {
                previous.files.insert(table.name, hash);
            }
        }
        Ok(previous)
    }
}

/// The writing thread's side: which files are the ones last loaded.
pub(super) struct Unchanged {
    files: HashMap<&'static str, String>,
    /// Each trusted table's file hash, taken ahead of the reading thread, in load order.
    ahead: Option<Receiver<(&'static str, Option<String>)>>,
    pub(super) edits_anywhere: bool,
}

impl Unchanged {
    /// The hash of `table`'s file if its bytes are the ones last loaded (waiting for the
    /// hashing thread to reach it).
    pub(super) fn check(&mut self, table: &Table) -> Option<String> {
        // A vocabulary is always compared: it has no triggers to mark an edit (see V13).
        if table.is_vocabulary {
            return None;
        }
        let stored = self.files.get(table.name)?;
        let ahead = self.ahead.as_ref()?;
        while let Ok((name, hash)) = ahead.recv() {
            if name == table.name {
                return (hash.as_deref() == Some(stored.as_str())).then(|| stored.clone());
            }
        }
        None
    }
}

/// Starts hashing, on a thread of `scope`, the files of `previous` in load order; gives what the
/// writing thread asks.
pub(super) fn hash_ahead<'scope, 'env>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    source: &'env dyn Source,
    previous: Previous,
) -> Unchanged {
    if previous.files.is_empty() {
        return Unchanged {
            files: HashMap::new(),
            ahead: None,
            edits_anywhere: previous.edits_anywhere,
        };
    }
    // One hash ahead: once the writing thread stops asking, the thread stops.
    let (send, ahead) = sync_channel(1);
    let tables: Vec<&'static Table> = TABLES
        .iter()
        .filter(|t| !t.is_vocabulary && previous.files.contains_key(t.name))
        .collect();
    scope.spawn(move || {
        for table in tables {
            if send.send((table.name, source.hash_of(table))).is_err() {
                return;
            }
        }
    });
    Unchanged {
        files: previous.files,
        ahead: Some(ahead),
        edits_anywhere: previous.edits_anywhere,
    }
}

/// The refusal of a file whose bytes changed while it was read.
pub(super) fn changed_while_read(file: &str) -> SeedError {
    SeedError::File {
        file: file.to_string(),
        message: "the file changed while it was being read (its bytes are not the ones hashed before): nothing was loaded; seed again once it is written".into(),
    }
}
