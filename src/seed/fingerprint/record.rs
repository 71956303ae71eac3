//! Recording a file's runs as a load stores its rows, and keeping them in `row_fingerprints`.

use rusqlite::Connection;

use super::{layout_hash, write_varint, zigzag, Chunker, RowHashes, Run, MAGIC, MAX_ID};
use crate::schema::Identity;
use crate::seed::key_map::IdSet;
use crate::seed::layout::Layout;

/// Records one file's runs as a load stores its rows, each run written out as it ends: its hash,
/// its first row's group, its rows, each row's id (the first as is, then as deltas, zigzag
/// varints), and a keyed table's row hashes.
pub(in crate::seed) struct Builder {
    chunker: Chunker,
    table: &'static str,
    /// The runs written out and not yet stored, and the parts stored (`row_fingerprints.part`).
    out: Vec<u8>,
    parts: i64,
    /// Whether rows are link rows, whose id is their group's (each group must lie in one run).
    link: bool,
    /// The run being filled: its rows' ids and (a keyed table's) hashes.
    ids: Vec<i64>,
    hashes: Vec<u64>,
    /// The groups of the runs before it.
    closed: IdSet,
    valid: bool,
}

impl Builder {
    pub(in crate::seed) fn new(layout: &Layout) -> Option<Builder> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&layout_hash(layout).to_le_bytes());
        Some(Builder {
            chunker: Chunker::new(layout)?,
            table: layout.table.name,
            out,
            parts: 0,
            link: matches!(layout.table.identity, Identity::Columns(_)),
            ids: Vec::new(),
            hashes: Vec::new(),
            closed: IdSet::default(),
            valid: true,
        })
    }

    /// The next row of the file, stored with `id` (a link row: its group's id; None if it has
    /// none, which leaves the file without a fingerprint).
    /// `hashes`: the record's, if the reading thread took them; `raw`: the hash of its bytes
    /// in the file, if it was read from them.
    pub(in crate::seed) fn push(
        &mut self,
        record: &csv::StringRecord,
        hashes: Option<RowHashes>,
        raw: Option<u64>,
        id: Option<i64>,
    ) {
        if !self.valid {
            return;
        }
        let hashes = hashes.unwrap_or_else(|| self.chunker.hashes(record, raw));
        if let Some(run) = self.chunker.feed_hashed(hashes) {
            self.close(run);
        }
        let Some(id) = id.filter(|id| (1..MAX_ID).contains(id)) else {
            self.valid = false;
            return;
        };
        // A group met again after its run ended: the file's groups are scattered.
        if self.link && self.closed.contains(id) {
            self.valid = false;
            return;
        }
        self.ids.push(id);
        if !self.link {
            self.hashes.push(hashes.row);
        }
    }

    fn close(&mut self, run: Run) {
        let out = &mut self.out;
        out.extend_from_slice(&run.hash.to_le_bytes());
        out.extend_from_slice(&run.first.to_le_bytes());
        write_varint(out, u64::from(run.rows));
        let mut last = 0;
        for &id in &self.ids {
            write_varint(out, zigzag(id - last));
            last = id;
        }
        for hash in &self.hashes {
            out.extend_from_slice(&hash.to_le_bytes());
        }
        if self.link {
            for &id in &self.ids {
                self.closed.insert(id);
            }
        }
        self.ids.clear();
        self.hashes.clear();
    }

    /// Stores the runs written out, once they make a part of [`PART`] bytes, for dataset
    /// `dataset` (the first part first forgets the last load's).
    pub(in crate::seed) fn flush(
        &mut self,
        conn: &Connection,
        dataset: i64,
    ) -> rusqlite::Result<()> {
        if self.valid && self.out.len() >= PART {
            self.store(conn, dataset)?;
        }
        Ok(())
    }

    fn store(&mut self, conn: &Connection, dataset: i64) -> rusqlite::Result<()> {
        if self.parts == 0 {
            forget(conn, dataset, self.table)?;
        }
        conn.prepare_cached(
            "INSERT INTO row_fingerprints (dataset_id, table_name, part, runs) VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(rusqlite::params![dataset, self.table, self.parts, self.out])?;
        self.parts += 1;
        self.out.clear();
        Ok(())
    }

    /// Stores the file's fingerprint, unless its rows could not have one (then none is left);
    /// gives its table if it did.
    pub(in crate::seed) fn finish(
        mut self,
        conn: &Connection,
        dataset: i64,
    ) -> rusqlite::Result<Option<&'static str>> {
        if let Some(run) = self.chunker.finish() {
            self.close(run);
        }
        if !self.valid {
            forget(conn, dataset, self.table)?;
            return Ok(None);
        }
        self.store(conn, dataset)?;
        Ok(Some(self.table))
    }
}

/// Bytes of a part of a fingerprint (`row_fingerprints.part`).
const PART: usize = 1 << 20;

/// Forgets the fingerprint of `dataset`'s `table`.
fn forget(conn: &Connection, dataset: i64, table: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("DELETE FROM row_fingerprints WHERE dataset_id = ?1 AND table_name = ?2")?
        .execute(rusqlite::params![dataset, table])?;
    Ok(())
}

/// Forgets the fingerprints of `dataset`'s tables but `kept` (those this load recorded or left as
/// they were).
pub(in crate::seed) fn forget_others(
    conn: &Connection,
    dataset: i64,
    kept: &[&str],
) -> rusqlite::Result<()> {
    let mut stmt =
        conn.prepare("SELECT DISTINCT table_name FROM row_fingerprints WHERE dataset_id = ?1")?;
    let stored: Vec<String> = stmt
        .query_map([dataset], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for table in stored.iter().filter(|t| !kept.contains(&t.as_str())) {
        forget(conn, dataset, table)?;
    }
    Ok(())
}
