//! One table's rows as the sink keeps them until the loader reads them back: an anonymous
//! temporary file (`tempfile::tempfile`: the system removes it however the run ends, Ctrl-C
//! included), so that a file of a million records costs disk, not memory.
//!
//! The rows are not CSV: each is the encoded line of the imported file it came from, then each
//! column's value as its length and bytes, or as "the same as the row before" (a 0 where the
//! length plus one would be). Nothing needs quoting or parsing, and the values a table repeats
//! from row to row (the quote of every source an event cites, the rule in every ACLED claim's
//! notes, the codes of a claim) are written once. With the sink's buffers used again, this took
//! an import of 10k ACLED rows from 2,888M to 2,436M instructions (callgrind, docs/h-impspeed.md).

use std::fs::File;
use std::io::{BufWriter, Read, Write};

use anyhow::{Context, Result};

/// A table's rows being written.
pub(super) struct SpoolWriter {
    writer: BufWriter<File>,
    /// The values of the row written last, by column.
    previous: Vec<Vec<u8>>,
    /// The row being encoded.
    row: Vec<u8>,
    pub(super) rows: u64,
}

impl SpoolWriter {
    pub(super) fn new(columns: usize) -> Result<SpoolWriter> {
        let file = tempfile::tempfile().context("cannot create a temporary file for the import")?;
        Ok(SpoolWriter {
            writer: BufWriter::with_capacity(256 * 1024, file),
            previous: vec![Vec::new(); columns],
            row: Vec::new(),
            rows: 0,
        })
    }

    /// Writes a row: the encoded line it came from, and its values in the table's column order.
    pub(super) fn write<'v>(
        &mut self,
        line: u64,
        values: impl IntoIterator<Item = &'v str>,
    ) -> Result<()> {
        let row = &mut self.row;
        row.clear();
        put_number(row, line);
        for (value, previous) in values.into_iter().zip(&mut self.previous) {
            let value = value.as_bytes();
            if value == previous.as_slice() {
                put_number(row, 0);
                continue;
            }
            put_number(row, value.len() as u64 + 1);
            row.extend_from_slice(value);
            previous.clear();
            previous.extend_from_slice(value);
        }
        self.writer
            .write_all(row)
            .context("cannot write the import's temporary file")?;
        self.rows += 1;
        Ok(())
    }

    /// The file, written out, and its size in bytes.
    pub(super) fn finish(self) -> Result<(File, u64)> {
        let file = self
            .writer
            .into_inner()
            .map_err(|e| e.into_error())
            .context("cannot write the import's temporary file")?;
        let size = file.metadata()?.len();
        Ok((file, size))
    }
}

/// A number in 7-bit groups, the lowest first, the high bit set on all but the last.
fn put_number(out: &mut Vec<u8>, mut n: u64) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// A table's rows read back from the start.
pub(super) struct SpoolReader<R> {
    inner: R,
    buffer: Vec<u8>,
    /// The unread bytes of `buffer`.
    at: usize,
    end: usize,
    /// Bytes taken from `buffer` so far.
    consumed: u64,
    previous: Vec<Vec<u8>>,
}

impl<R: Read> SpoolReader<R> {
    pub(super) fn new(inner: R, columns: usize) -> SpoolReader<R> {
        SpoolReader {
            inner,
            buffer: vec![0; 256 * 1024],
            at: 0,
            end: 0,
            consumed: 0,
            previous: vec![Vec::new(); columns],
        }
    }

    /// Bytes of the file read up to the end of the last row.
    pub(super) fn position(&self) -> u64 {
        self.consumed
    }

    /// Makes at least `n` unread bytes lie in the buffer; false at the end of the file.
    fn fill(&mut self, n: usize) -> std::io::Result<bool> {
        if self.end - self.at >= n {
            return Ok(true);
        }
        self.buffer.copy_within(self.at..self.end, 0);
        self.end -= self.at;
        self.at = 0;
        if self.buffer.len() < n {
            self.buffer.resize(n.next_power_of_two(), 0);
        }
        while self.end < n {
            let read = self.inner.read(&mut self.buffer[self.end..])?;
            if read == 0 {
                return Ok(false);
            }
            self.end += read;
        }
        Ok(true)
    }

    fn number(&mut self) -> std::io::Result<Option<u64>> {
        let (mut n, mut shift) = (0u64, 0);
        loop {
            if !self.fill(1)? {
                return match shift {
                    0 => Ok(None),
                    _ => Err(cut_short()),
                };
            }
            let byte = self.buffer[self.at];
            self.at += 1;
            self.consumed += 1;
            n |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(Some(n));
            }
            shift += 7;
        }
    }

    /// The next row into `record`, with its encoded line; None at the end.
    pub(super) fn next(&mut self, record: &mut csv::ByteRecord) -> std::io::Result<Option<u64>> {
        let Some(line) = self.number()? else {
            return Ok(None);
        };
        record.clear();
        for column in 0..self.previous.len() {
            let length = self.number()?.ok_or_else(cut_short)?;
            if length == 0 {
                record.push_field(&self.previous[column]);
                continue;
            }
            let length = (length - 1) as usize;
            if !self.fill(length)? {
                return Err(cut_short());
            }
            let value = &self.buffer[self.at..self.at + length];
            record.push_field(value);
            let previous = &mut self.previous[column];
            previous.clear();
            previous.extend_from_slice(value);
            self.at += length;
            self.consumed += length as u64;
        }
        Ok(Some(line))
    }
}

fn cut_short() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::UnexpectedEof,
        "the import's temporary file ends within a row",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Seek, SeekFrom};

    #[test]
    fn rows_read_back_as_written_repeated_values_and_all() {
        let rows: Vec<(u64, [&str; 3])> = vec![
            (2, ["a", "", "same"]),
            (3, ["a", "ü, \"quoted\"\nline", "same"]),
            ((1 << 40) | 7, ["", "", "other"]),
            (300, ["x".repeat(300_000).leak(), "", "other"]),
        ];
        let mut writer = SpoolWriter::new(3).unwrap();
        for (line, values) in &rows {
            writer.write(*line, values.iter().copied()).unwrap();
        }
        let (mut file, size) = writer.finish().unwrap();
        // The repeated values are written once.
        assert!(size < 300_100, "{size}");
        file.seek(SeekFrom::Start(0)).unwrap();
        let mut reader = SpoolReader::new(file, 3);
        let mut record = csv::ByteRecord::new();
        for (line, values) in &rows {
            assert_eq!(reader.next(&mut record).unwrap(), Some(*line));
            let read: Vec<&[u8]> = record.iter().collect();
            let given: Vec<&[u8]> = values.iter().map(|v| v.as_bytes()).collect();
            assert_eq!(read, given);
        }
        assert_eq!(reader.next(&mut record).unwrap(), None);
        assert_eq!(reader.position(), size);
    }
}
