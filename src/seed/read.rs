//! The reading thread: each table's records read from the source in batches, checked for shape
//! (width, UTF-8, no NUL), handed to what the mode does on this thread ([`OnRead`]), then to the
//! writing thread.

use std::sync::mpsc::{Receiver, SyncSender};

use super::convert::Converted;
use super::diagnose::{DeferredError, SeedError};
use super::input::{Origin, Rows, Source};
use super::layout::Layout;
use crate::schema::{Table, TABLES};

/// What the reading thread hands to the writing one, in order.
pub(super) enum Message<'s> {
    /// The next file, as its header lays it out.
    Table(Layout<'s>),
    Rows(Batch),
    /// The end of the file, and the hash of its bytes.
    End(FileEnd, Option<String>),
    /// The end of a file whose bytes are the ones last loaded (with this hash, and this many
    /// rows), read no further: its rows are stored as they are (see fingerprint.rs).
    Same(String, u64),
    Failed(DeferredError),
}

/// What the reading thread found of a file once it is read.
#[derive(Default)]
pub(super) struct FileEnd {
    /// In a fresh load, its references further down the file resolved to (row id, id referred
    /// to).
    pub(super) resolved: Vec<(i64, i64)>,
    /// In an update matched against the last load's fingerprints: the rows of that load that may
    /// be gone (see [`super::fingerprint::Matcher::maybe_gone`]), and how many rows it had.
    pub(super) maybe_gone: Option<(Vec<i64>, u64)>,
}

/// Records handed over together, and recycled, so that records are not reallocated.
#[derive(Default)]
pub(super) struct Batch {
    pub(super) records: Vec<csv::StringRecord>,
    pub(super) filled: usize,
    /// In a fresh load, each record's values (`Layout::values_per_row` per record).
    pub(super) values: Vec<Converted>,
    pub(super) arena: String,
    /// In an update, each record's id: given by the reading thread to a row with a key other
    /// files refer to, 0 for any other row.
    pub(super) ids: Vec<i64>,
    /// Bytes of the file read up to the last record.
    pub(super) read: u64,
    /// In a fresh load of a link table, the first record that does not follow the order of the
    /// table's primary key: it and every record after it are staged (see fresh.rs).
    pub(super) unsorted_from: Option<usize>,
    /// In an update, the records that runs of the last load hold, in order: neither checked nor
    /// compared (their values are NULL), their ids in `ids` (see fingerprint.rs).
    pub(super) skips: Vec<super::fingerprint::Skip>,
    /// In an update, each record's hashes where the file has fingerprints, for the next ones.
    pub(super) hashes: Vec<super::fingerprint::RowHashes>,
    /// Whether the parsing thread decided which rows a run of the last load holds, passing them
    /// unparsed (`skips`, with their ids in `skip_ids`; see read_ahead.rs).
    pub(super) planned: bool,
    pub(super) skip_ids: Vec<i64>,
    /// Read ahead of the parser, for each record of a table with a key, the id of the stored
    /// row it most likely is (the row at its place in the last load's run that began with the
    /// same key), which the writing thread seeks to; 0 if none. (The id the reading thread gives
    /// a row is the stored row's only where it kept the table's keys, which it does only for the
    /// tables other files of the load refer to; else a new one.)
    pub(super) hints: Vec<i64>,
    /// Each record's hash of the bytes the file gives it in (see `fingerprint::raw_hash`),
    /// where the rows are read from a file's bytes.
    pub(super) raws: Vec<Option<u64>>,
}

pub(super) const BATCH: usize = 512;

/// The bytes of records a batch holds at most, and the size above which a record's buffer is
/// not kept for reuse: with records of up to 32 MiB (see strict_csv.rs), a batch of 512 could
/// otherwise hold gigabytes, and every buffer that once held a long record would stay that large.
pub(super) const BATCH_BYTES: usize = 16 << 20;
const KEPT_RECORD: usize = 1 << 20;

/// What the reading thread does with each batch it has parsed, before handing it over: in a
/// fresh load it checks and converts every row (fresh.rs); in an update, nothing (the writing
/// thread checks, with ids from the database).
pub(super) trait OnRead: Send {
    /// The next file begins (before the writing thread hears of it: what this attaches to
    /// `layout` reaches it too).
    fn start(&mut self, _layout: &mut Layout) {}

    /// Works on the records of `batch`; on a refusal, `batch.filled` is cut to the rows before it,
    /// which are handed over first.
    fn batch(&mut self, _layout: &Layout, _batch: &mut Batch) -> Result<(), DeferredError> {
        Ok(())
    }

    /// Whether the records are parsed on a thread of their own, ahead of this one (an update,
    /// where the writing thread has little to do; a fresh load's writing thread is busy, and a
    /// third thread made it slower, issue 11).
    fn pipelined(&self) -> bool {
        false
    }

    /// The hash of the file's bytes and its rows, if they are the ones last loaded and its rows
    /// are stored as that load stored them: it is then read no further (an update, see
    /// fingerprint.rs). Asked before [`OnRead::start`].
    fn same_file(&mut self, _layout: &Layout, _source: &dyn Source) -> Option<(String, u64)> {
        None
    }

    /// The matcher of a file with the last load's runs, which the parsing thread then uses to
    /// read ahead of the parser (read_ahead.rs), and gives back before [`OnRead::end`].
    fn read_ahead(&mut self, _layout: &Layout) -> Option<super::fingerprint::Matcher> {
        None
    }

    /// The matcher [`OnRead::read_ahead`] gave, once the file is parsed.
    fn read_ahead_done(&mut self, _matcher: super::fingerprint::Matcher) {}

    /// The file is read: what was found of it.
    fn end(&mut self, _layout: &Layout) -> Result<FileEnd, DeferredError> {
        Ok(FileEnd::default())
    }
}

/// Nothing done on the reading thread (an update).
impl OnRead for () {}

/// The reading thread: every file in load order, until the first refusal (handed over too) or
/// until the writing thread stops listening.
pub(super) fn read_all<'s>(
    source: &'s dyn Source,
    on_read: &mut impl OnRead,
    sender: &SyncSender<Message<'s>>,
    recycled: &Receiver<Batch>,
) {
    for table in TABLES {
        match read_table(source, table, on_read, sender, recycled) {
            Ok(true) => {}
            Ok(false) => return,
            Err(failure) => {
                let _ = sender.send(Message::Failed(failure));
                return;
            }
        }
    }
}

/// Reads one file; false if the writing thread has stopped listening.
fn read_table<'s>(
    source: &'s dyn Source,
    table: &'static Table,
    on_read: &mut impl OnRead,
    sender: &SyncSender<Message<'s>>,
    recycled: &Receiver<Batch>,
) -> Result<bool, DeferredError> {
    let origin = Origin::new(source, table);
    let mut rows = origin.rows()?;
    // The header names the columns; they may come in any order.
    let mut header = csv::ByteRecord::new();
    if !rows.next(&mut header)? {
        return Err(SeedError::File {
            file: origin.name().to_string(),
            message: format!(
                "file is empty: it needs a header row ({})",
                table
                    .columns
                    .iter()
                    .map(|c| c.name)
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        }
        .into());
    }
    let mut layout = Layout::new(&header, origin)?;
    let same = on_read.same_file(&layout, source);
    on_read.start(&mut layout);
    if sender.send(Message::Table(layout.clone())).is_err() {
        return Ok(false);
    }
    if let Some((hash, rows)) = same {
        return Ok(sender.send(Message::Same(hash, rows)).is_ok());
    }
    if on_read.pipelined() {
        return super::read_pipelined::read_rows(rows, &layout, on_read, sender, recycled);
    }
    let fresh_batch = || reset(recycled.try_recv().unwrap_or_default());
    let mut batch = fresh_batch();
    let read = (|| -> Result<FileEnd, DeferredError> {
        loop {
            // Parse a batch of records, then work on them: a fresh load converts them with the
            // next records already parsed, so that their key lookups start early.
            let parsed = parse_batch(&mut *rows, &layout, &mut batch);
            on_read.batch(&layout, &mut batch)?;
            if let Some(last) = batch.records[..batch.filled].last() {
                batch.read = last.position().map_or(0, |p| p.byte());
            }
            if !parsed? {
                break;
            }
            let full = std::mem::replace(&mut batch, fresh_batch());
            if sender.send(Message::Rows(full)).is_err() {
                return Ok(FileEnd::default());
            }
        }
        if let Some((line, message)) = rows.error_at_end() {
            return Err(layout.row_error(line, message).into());
        }
        on_read.end(&layout)
    })();
    // The rows before a refusal are handed over first: one of them may be refused earlier.
    if batch.filled > 0 && sender.send(Message::Rows(batch)).is_err() {
        return Ok(false);
    }
    let hash = rows.hash();
    Ok(sender.send(Message::End(read?, hash)).is_ok())
}

/// A batch made ready to be filled again.
pub(super) fn reset(mut batch: Batch) -> Batch {
    for record in &mut batch.records {
        if record.as_byte_record().as_slice().len() > KEPT_RECORD {
            *record = csv::StringRecord::new();
        }
    }
    batch.records.resize_with(BATCH, csv::StringRecord::new);
    batch.filled = 0;
    batch.values.clear();
    batch.arena.clear();
    batch.ids.clear();
    batch.unsorted_from = None;
    batch.skips.clear();
    batch.hashes.clear();
    batch.raws.clear();
    batch.planned = false;
    batch.skip_ids.clear();
    batch.hints.clear();
    batch
}

/// Parses records into `batch` until it is full (`BATCH` records, or `BATCH_BYTES`); false at
/// the end of the rows.
pub(super) fn parse_batch(
    rows: &mut dyn Rows,
    layout: &Layout,
    batch: &mut Batch,
) -> Result<bool, DeferredError> {
    let mut bytes = 0;
    while batch.filled < BATCH && bytes < BATCH_BYTES {
        if !read_record(rows, layout, &mut batch.records[batch.filled])? {
            return Ok(false);
        }
        batch
            .raws
            .push(rows.raw().map(super::fingerprint::raw_hash));
        bytes += batch.records[batch.filled]
            .as_byte_record()
            .as_slice()
            .len();
        batch.filled += 1;
    }
    Ok(true)
}

/// Reads the next record into `slot`, refusing a row of the wrong width, and text that is not
/// UTF-8 or holds a NUL (the source refuses what it must itself: a CSV file, its quoting). False
/// at the end of the rows.
pub(super) fn read_record(
    rows: &mut dyn Rows,
    layout: &Layout,
    slot: &mut csv::StringRecord,
) -> Result<bool, DeferredError> {
    let mut bytes = std::mem::take(slot).into_byte_record();
    if !rows.next(&mut bytes)? {
        return Ok(false);
    }
    let line = bytes.position().map_or(1, |p| p.line());
    if bytes.len() != layout.width {
        return Err(layout
            .row_error(
                line,
                format!(
                    "row has {} fields but the header has {} (a stray comma or an unbalanced quote?)",
                    bytes.len(),
                    layout.width
                ),
            )
            .into());
    }
    *slot = layout.text(bytes, line)?;
    Ok(true)
}
