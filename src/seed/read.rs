//! The reading thread: records parsed in batches and handed to the writing thread.

#[allow(unused_imports)]
use super::*;

/// Whether the rows of a link file arrive grouped in the order of the first column of the table's
/// primary key (rows of one event together, events in the order of their file), in which case
/// each row lands beside the one before it, at the end of the table or near it.
#[derive(Default)]
pub(super) struct KeyOrder {
    pub(super) last: Option<(i64, Vec<u8>)>,
    pub(super) unsorted: bool,
}

impl KeyOrder {
    /// Takes the next row's values; true if it sorts before the previous row by the first column
    /// of the key (from then on the file counts as unsorted).
    pub(super) fn breaks(
        &mut self,
        layout: &Layout,
        values: &[Converted],
        record: &csv::StringRecord,
        arena: &str,
    ) -> bool {
        let Some(&first) = layout.identity_values.first() else {
            return false;
        };
        use rusqlite::types::ValueRef;
        let (n, text): (i64, &[u8]) = match values[first].value(record, arena) {
            ValueRef::Integer(n) => (n, b""),
            ValueRef::Text(text) => (0, text),
            // Not found in identity columns, which the loader fills with integers or text.
            ValueRef::Null | ValueRef::Real(_) | ValueRef::Blob(_) => (i64::MIN, b""),
        };
        match &mut self.last {
            // Integer keys (every link table's first) compare without touching the text.
            Some((last_n, _)) if n < *last_n => self.unsorted = true,
            Some((last_n, last_text))
                if n == *last_n && !text.is_empty() && text < last_text.as_slice() =>
            {
                self.unsorted = true;
            }
            Some((last_n, last_text)) => {
                *last_n = n;
                if !(text.is_empty() && last_text.is_empty()) && last_text != text {
                    last_text.clear();
                    last_text.extend_from_slice(text);
                }
            }
            None => self.last = Some((n, text.to_vec())),
        }
        self.unsorted
    }
}

/// What the reading thread hands to the storing one, in order.
pub(super) enum Message {
    /// The next file, as its header lays it out.
    Table(Layout),
    Rows(Batch),
    /// The end of the file; in a fresh load, with its references further down the file resolved
    /// to (row id, id referred to).
    End(Vec<(i64, i64)>),
    Failed(DeferredError),
}

/// Records handed over together, and recycled, so that records are not reallocated.
#[derive(Default)]
pub(super) struct Batch {
    pub(super) records: Vec<csv::StringRecord>,
    pub(super) filled: usize,
    /// In a fresh load, each record's values (`Layout::values_per_row` per record).
    pub(super) values: Vec<Converted>,
    pub(super) arena: String,
    /// Bytes of the file read up to the last record.
    pub(super) read: u64,
    /// In a fresh load of a link table, the first record that does not follow the order of the
    /// table's primary key: it and every record after it are staged (see `Storing::stage`).
    pub(super) unsorted_from: Option<usize>,
}

pub(super) const BATCH: usize = 512;

/// The bytes of records a batch holds at most, and the size above which a record's buffer is
/// not kept for reuse: with records of up to [`MAX_RECORD`], a batch of 512 could otherwise hold
/// gigabytes, and every buffer that once held a long record would stay that large.
pub(super) const BATCH_BYTES: usize = 16 << 20;
pub(super) const KEPT_RECORD: usize = 1 << 20;

/// The reading thread: every file in load order, until the first refusal (handed over too) or
/// until the storing thread stops listening. With `state` (a fresh load) it also checks and
/// converts every row.
pub(super) fn read_all(
    input: &Input,
    mut state: Option<&mut KnownKeys>,
    sender: &std::sync::mpsc::SyncSender<Message>,
    recycled: &std::sync::mpsc::Receiver<Batch>,
) {
    for table in TABLES {
        match read_table(input, table, state.as_deref_mut(), sender, recycled) {
            Ok(true) => {}
            Ok(false) => return,
            Err(failure) => {
                let _ = sender.send(Message::Failed(failure));
                return;
            }
        }
    }
}

/// Reads one file; false if the storing thread has stopped listening.
pub(super) fn read_table(
    input: &Input,
    table: &'static Table,
    mut state: Option<&mut KnownKeys>,
    sender: &std::sync::mpsc::SyncSender<Message>,
    recycled: &std::sync::mpsc::Receiver<Batch>,
) -> Result<bool, DeferredError> {
    let file_name = table.file_name();
    let file = input.display(&file_name);
    let mut reader = Records::open(input, &file_name)?;
    // The header names the columns; they may come in any order.
    let mut header = csv::ByteRecord::new();
    if !reader
        .read(&mut header)
        .map_err(|e| reader.failure(&file, e))?
    {
        return Err(SeedError::File {
            file,
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
    let layout = Layout::new(table, &header, file.clone(), input.size(&file_name))?;
    if sender.send(Message::Table(layout.clone())).is_err() {
        return Ok(false);
    }
    let fresh_batch = || {
        let mut batch: Batch = recycled.try_recv().unwrap_or_default();
        for record in &mut batch.records {
            if record.as_byte_record().as_slice().len() > KEPT_RECORD {
                *record = csv::StringRecord::new();
            }
        }
        batch.records.resize_with(BATCH, csv::StringRecord::new);
        batch.filled = 0;
        batch.values.clear();
        batch.arena.clear();
        batch.unsorted_from = None;
        batch
    };
    let mut batch = fresh_batch();
    let mut scratch = FileCheck::new(table);
    let mut order = KeyOrder::default();
    let mut rows = 0u64;
    let read = (|| -> Result<Vec<(i64, i64)>, DeferredError> {
        loop {
            // Parse a batch of records, then check and convert them: converting with the next
            // records already parsed lets their key lookups start early (see Layout::prefetch).
            let mut parsed = Ok(true);
            let mut bytes = 0;
            while batch.filled < BATCH && bytes < BATCH_BYTES {
                match read_record(&mut reader, &layout, &mut batch.records[batch.filled]) {
                    Ok(true) => {
                        bytes += batch.records[batch.filled]
                            .as_byte_record()
                            .as_slice()
                            .len();
                        batch.filled += 1;
                    }
                    end => {
                        parsed = end;
                        break;
                    }
                }
            }
            if let Some(state) = state.as_deref_mut() {
                for row in 0..batch.filled {
                    if let Some(ahead) = batch.records[..batch.filled].get(row + PREFETCH_AHEAD) {
                        layout.prefetch(state, ahead);
                    }
                    let record = &batch.records[row];
                    let line = record.position().map_or(0, |p| p.line());
                    let converted = layout
                        .convert(
                            state,
                            record,
                            line,
                            &mut scratch,
                            &mut batch.values,
                            &mut batch.arena,
                        )
                        .and_then(|key| {
                            rows += 1;
                            let id = rows as i64;
                            let byte = record.position().map_or(0, |p| p.byte());
                            if !layout.identity.is_empty() && !order.unsorted {
                                let values =
                                    &batch.values[batch.values.len() - layout.values_per_row..];
                                if order.breaks(&layout, values, record, &batch.arena) {
                                    batch.unsorted_from = Some(row);
                                }
                            }
                            reserve_keys(state, &layout, rows, byte);
                            layout.remember(
                                input,
                                state,
                                &mut scratch,
                                record,
                                key,
                                id,
                                line,
                                |other| layout.key_of_row(input, other),
                            )?;
                            Ok(())
                        });
                    if let Err(failure) = converted {
                        // The rows before it are handed over.
                        batch.filled = row;
                        return Err(failure);
                    }
                }
            }
            if let Some(last) = batch.records[..batch.filled].last() {
                batch.read = last.position().map_or(0, |p| p.byte());
            }
            if !parsed? {
                break;
            }
            let full = std::mem::replace(&mut batch, fresh_batch());
            if sender.send(Message::Rows(full)).is_err() {
                return Ok(Vec::new());
            }
        }
        if let Some((line, message)) = reader.strict_mut().error_at_end() {
            return Err(layout.row_error(line, message).into());
        }
        match state.as_deref() {
            Some(state) => resolve_forwards(state, &layout, &scratch.forwards),
            None => Ok(Vec::new()),
        }
    })();
    // The rows before a refusal are handed over first: one of them may be refused earlier.
    if batch.filled > 0 && sender.send(Message::Rows(batch)).is_err() {
        return Ok(false);
    }
    Ok(sender.send(Message::End(read?)).is_ok())
}

/// How many records ahead of the one being converted the key lookups start.
pub(super) const PREFETCH_AHEAD: usize = 4;

/// Reads the next record into `slot`, refusing a quoting error on an earlier line, a row of the
/// wrong width, and text that is not UTF-8 or holds a NUL. False at the end of the file.
pub(super) fn read_record(
    reader: &mut Records,
    layout: &Layout,
    slot: &mut csv::StringRecord,
) -> Result<bool, DeferredError> {
    let mut bytes = std::mem::take(slot).into_byte_record();
    let more = reader
        .read(&mut bytes)
        .map_err(|e| reader.failure(&layout.file, e))?;
    if !more {
        return Ok(false);
    }
    let line = bytes.position().map_or(1, |p| p.line());
    // A quoting error on an earlier line is reported before the rows it garbled.
    if let Some((at, message)) = reader.strict().error.as_ref().filter(|(at, _)| *at < line) {
        return Err(layout.row_error(*at, message.clone()).into());
    }
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
