//! A CSV file read strictly: [`CsvRows`] gives a seed file's records to the loader, each at the
//! line it starts on, through [`Strict`], which holds the file to RFC 4180's quoting where the
//! CSV parser is lenient, and refuses a record too long to hold.

use std::io::Read;

use super::diagnose::SeedError;
use super::input::{Peeked, Rows};

/// A CSV file read record by record: its bytes pass through [`Strict`] into a buffer of our
/// own, where `csv_core` parses them as the `csv` crate's reader would, and each record is given
/// at the byte and line it starts on, with its bytes as the file holds them ([`Rows::raw`]).
pub(super) struct CsvRows<'a> {
    strict: Strict<Box<dyn Read + Send + 'a>>,
    parser: csv_core::Reader,
    /// The bytes read and not yet let go: `buffer[..filled]`, the file's bytes from `base`;
    /// the parser has reached `buffer[at]`.
    buffer: Vec<u8>,
    base: u64,
    filled: usize,
    at: usize,
    /// Whether the file has been read to its end.
    end: bool,
    /// The parser's output: the fields' bytes, and where each ends.
    fields: Vec<u8>,
    ends: Vec<usize>,
    /// The last record given, as it lies in `buffer`: from its first byte to its line break;
    /// None for a record longer than [`KEPT`], whose bytes are not kept.
    last: Option<std::ops::Range<usize>>,
    /// A failure to read met while looking ahead ([`Rows::peek`]), given when the parser
    /// reaches it.
    failed: Option<std::io::Error>,
    /// The file as messages name it.
    file: String,
}

/// How many bytes are read from the file at a time.
const READ: usize = 256 * 1024;

/// The room the parser's output starts with, and the most room the buffers keep once a longer
/// record has passed (a record may hold up to [`MAX_RECORD`]).
const FIELDS: usize = 4096;
const KEPT: usize = 4 * READ;

/// The most bytes looked at ahead of the parser ([`Rows::peek`]).
const AHEAD: usize = 8 * KEPT;

impl<'a> CsvRows<'a> {
    pub(super) fn new(bytes: Box<dyn Read + Send + 'a>, file: String) -> CsvRows<'a> {
        CsvRows::with_limit(bytes, file, MAX_RECORD)
    }

    fn with_limit(bytes: Box<dyn Read + Send + 'a>, file: String, limit: u64) -> CsvRows<'a> {
        CsvRows {
            strict: Strict::new(bytes, limit),
            parser: csv_core::Reader::new(),
            buffer: Vec::new(),
            base: 0,
            filled: 0,
            at: 0,
            end: false,
            fields: vec![0; FIELDS],
            ends: vec![0; 64],
            last: None,
            failed: None,
            file,
        }
    }

    /// Reads more of the file into the buffer, first letting go of the bytes before `keep`
    /// (which becomes 0).
    fn fill(&mut self, keep: usize) -> std::io::Result<()> {
        if let Some(failed) = self.failed.take() {
            return Err(failed);
        }
        if keep > 0 {
            self.buffer.copy_within(keep..self.filled, 0);
            self.filled -= keep;
            self.at -= keep;
            self.base += keep as u64;
        }
        if self.buffer.len() < self.filled + READ {
            self.buffer.resize(self.filled + READ, 0);
        } else if self.buffer.len() > KEPT && self.filled + READ <= KEPT {
            // A long record passed: its room is let go.
            self.buffer.truncate(self.filled + READ);
            self.buffer.shrink_to_fit();
        }
        let read = self.strict.read(&mut self.buffer[self.filled..])?;
        self.end = read == 0;
        self.filled += read;
        Ok(())
    }

    /// Reads the next record; false at the end of the file.
    fn read(&mut self, record: &mut csv::ByteRecord) -> std::io::Result<bool> {
        use csv_core::ReadRecordResult;
        let mut began = Some(self.at);
        let resumed = self.base + self.at as u64;
        let (mut out, mut ends) = (0, 0);
        loop {
            if self.at == self.filled && !self.end {
                // A long record's bytes are not kept beside its fields: it has no `raw`.
                let keep = match began {
                    Some(began) if self.at - began <= KEPT => began,
                    _ => {
                        began = None;
                        self.at
                    }
                };
                self.fill(keep)?;
                began = began.map(|_| 0);
                continue;
            }
            let (result, read, written, ended) = self.parser.read_record(
                &self.buffer[self.at..self.filled],
                &mut self.fields[out..],
                &mut self.ends[ends..],
            );
            self.at += read;
            out += written;
            ends += ended;
            match result {
                ReadRecordResult::InputEmpty => {}
                ReadRecordResult::OutputFull => {
                    let size = self.fields.len() * 2;
                    self.fields.resize(size, 0);
                }
                ReadRecordResult::OutputEndsFull => {
                    let size = self.ends.len() * 2;
                    self.ends.resize(size, 0);
                }
                ReadRecordResult::Record => break,
                ReadRecordResult::End => return Ok(false),
            }
        }
        record.clear();
        let mut start = 0;
        for &end in &self.ends[..ends] {
            record.push_field(&self.fields[start..end]);
            start = end;
        }
        if self.fields.len() > KEPT {
            self.fields = vec![0; FIELDS];
        }
        let mut position = csv::Position::new();
        let (byte, line) = self
            .strict
            .record_start(resumed)
            .unwrap_or((resumed, self.parser.line()));
        position.set_byte(byte).set_line(line);
        record.set_position(Some(position));
        // Its bytes: from its first one to its line break, which the parser has passed; none
        // for a record longer than `KEPT`, whichever way it was read.
        self.last = began
            .map(|began| {
                let first = usize::try_from(byte.saturating_sub(self.base))
                    .unwrap_or(usize::MAX)
                    .clamp(began, self.at);
                let mut end = self.at;
                while end > first && matches!(self.buffer[end - 1], b'\r' | b'\n') {
                    end -= 1;
                }
                first..end
            })
            .filter(|bytes| bytes.len() <= KEPT);
        Ok(true)
    }

    /// Lets go of the starts of the records the parser has passed: `strict.starts` then begins
    /// with the next record's.
    fn forget_passed(&mut self) {
        let at = self.base + self.at as u64;
        while self
            .strict
            .starts
            .front()
            .is_some_and(|&(start, _)| start < at)
        {
            self.strict.starts.pop_front();
        }
    }

    /// The refusal for a record that could not be read: too long, or the file unreadable (a
    /// failing disk, a directory), which no line of the file is to blame for.
    fn failure(&self, io: std::io::Error) -> SeedError {
        let file = &self.file;
        if let Some(long) = io.get_ref().and_then(|e| e.downcast_ref::<RecordTooLong>()) {
            // A quoting error on an earlier line is the likelier cause: name it.
            let (line, message) = match &self.strict.error {
                Some((at, message)) if *at < long.line => (*at, message.clone()),
                _ => (long.line, long.to_string()),
            };
            return SeedError::Row {
                file: file.to_string(),
                line,
                message,
            };
        }
        SeedError::File {
            file: file.to_string(),
            message: format!("cannot read the file: {io}"),
        }
    }
}

impl Rows for CsvRows<'_> {
    /// The next record, the header first; a quoting error on a line before the record is
    /// refused first, before the rows it garbled.
    fn next(&mut self, record: &mut csv::ByteRecord) -> Result<bool, SeedError> {
        if !self.read(record).map_err(|e| self.failure(e))? {
            return Ok(false);
        }
        let line = record.position().map_or(1, |p| p.line());
        if let Some((at, message)) = self.strict.error.as_ref() {
            if *at < line {
                return Err(SeedError::Row {
                    file: self.file.clone(),
                    line: *at,
                    message: message.clone(),
                });
            }
        }
        Ok(true)
    }

    fn raw(&self) -> Option<&[u8]> {
        Some(&self.buffer[self.last.clone()?])
    }

    fn can_peek(&self) -> bool {
        true
    }

    fn peek(&mut self, ahead: usize) -> Peeked<'_> {
        // Only bytes the quoting rules were followed over without a fault: a record after one
        // is given by the parser, which refuses it there.
        loop {
            if self.strict.error.is_some() || self.failed.is_some() {
                return Peeked::Unknown;
            }
            self.forget_passed();
            let first = ahead;
            if first + 1 < self.strict.starts.len()
                || (self.end && first < self.strict.starts.len())
            {
                break;
            }
            if self.end {
                return Peeked::End;
            }
            // A record this far ahead is a long one: the parser reads it, without keeping its
            // bytes.
            if self.filled - self.at > AHEAD {
                return Peeked::Unknown;
            }
            if let Err(failed) = self.fill(self.at) {
                self.failed = Some(failed);
                return Peeked::Unknown;
            }
        }
        let first = ahead;
        let (byte, line) = self.strict.starts[first];
        let end = match self.strict.starts.get(first + 1) {
            Some(&(next, _)) => (next - self.base) as usize,
            None => self.filled,
        };
        let start = (byte - self.base) as usize;
        let mut bytes = &self.buffer[start..end];
        while let [rest @ .., b'\r' | b'\n'] = bytes {
            bytes = rest;
        }
        // A long record's bytes are not given when it is parsed (see `read`): its hash is its
        // fields', so it is never passed by its bytes.
        if bytes.len() > KEPT {
            return Peeked::Unknown;
        }
        Peeked::Record(byte, line, bytes)
    }

    fn pass(&mut self, records: usize) {
        self.forget_passed();
        let next = records;
        self.at = match self.strict.starts.get(next) {
            Some(&(start, _)) => (start - self.base) as usize,
            None => self.filled,
        };
    }

    fn error_at_end(&mut self) -> Option<(u64, String)> {
        self.strict.error_at_end()
    }

    fn hash(&self) -> Option<String> {
        Some(self.strict.hash.finish())
    }
}

/// Follows the bytes the CSV parser reads with RFC 4180's quoting rules, which the parser itself
/// applies leniently: it keeps a quote inside an unquoted field (`12" guns`) and text after a
/// closing quote as part of the value, and at the end of the file it closes a quote that was
/// never closed. Each of those can silently swallow rows, so each is refused, at its line.
///
/// It also notes the line each record starts on: the parser's own count is taken where it resumed
/// reading, which lies a line early after a CRLF (it stops at the CR) or a blank line. And it
/// refuses a record longer than [`MAX_RECORD`], which the parser would otherwise hold in memory
/// whole, however large.
struct Strict<R> {
    inner: R,
    /// The longest record allowed, in bytes: [`MAX_RECORD`] but in tests.
    max_record: u64,
    state: QuoteState,
    line: u64,
    quote_opened_on: u64,
    error: Option<(u64, String)>,
    /// Bytes followed so far.
    offset: u64,
    /// Whether the next byte that is not a line break starts a record.
    at_record_start: bool,
    /// (byte offset, line) of each record start followed but not yet asked for.
    starts: std::collections::VecDeque<(u64, u64)>,
    /// Where the record being followed starts, as (byte offset, line).
    record: (u64, u64),
    /// Whether the last byte followed was a carriage return: a line feed right after one ends
    /// the same line (CRLF), while a carriage return alone ends a line too (old Mac files).
    after_cr: bool,
    /// The hash of the bytes read.
    hash: super::file_hash::FileHash,
}

/// The longest record the loader reads, in bytes. A row of the shipped data set is under 4 KB
/// and the longest field a user is likely to paste (a whole speech as a statement's quote) is
/// well under a megabyte, so 32 MiB leaves room to spare, while a file with no line breaks (or a
/// quote that is never closed) is refused before the parser has buffered more than that.
const MAX_RECORD: u64 = 32 << 20;

/// The error [`Strict`] raises through the parser for a record over its limit.
#[derive(Debug)]
struct RecordTooLong {
    line: u64,
    limit: u64,
}

impl std::fmt::Display for RecordTooLong {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the row starting here is longer than {} MiB, the most a row may hold (a quote left open, or not a CSV file?)",
            self.limit >> 20
        )
    }
}

impl std::error::Error for RecordTooLong {}

#[derive(Clone, Copy, PartialEq, Eq)]
enum QuoteState {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: doubled (`""`) or the field's end.
    QuoteInQuoted,
}

impl<R> Strict<R> {
    fn new(inner: R, max_record: u64) -> Strict<R> {
        Strict {
            inner,
            max_record,
            state: QuoteState::FieldStart,
            line: 1,
            quote_opened_on: 0,
            error: None,
            offset: 0,
            at_record_start: true,
            starts: std::collections::VecDeque::new(),
            record: (0, 1),
            after_cr: false,
            hash: Default::default(),
        }
    }

    fn fail(&mut self, line: u64, message: String) {
        if self.error.is_none() {
            self.error = Some((line, message));
        }
    }

    /// The first quoting error, once the input has been read to its end.
    fn error_at_end(&mut self) -> Option<(u64, String)> {
        if self.state == QuoteState::Quoted {
            self.fail(
                self.quote_opened_on,
                "a double quote opened here is never closed, so the rest of the file would read as one field".into(),
            );
        }
        self.error.clone()
    }

    /// Where the record that the parser began reading at byte `resumed` starts: the first
    /// record start at or after it, as (byte offset, line).
    fn record_start(&mut self, resumed: u64) -> Option<(u64, u64)> {
        while self.starts.front().is_some_and(|&(at, _)| at < resumed) {
            self.starts.pop_front();
        }
        self.starts.front().copied()
    }
}

impl<R: Read> Read for Strict<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.follow(&buf[..n]);
        self.hash.update(&buf[..n]);
        if !self.at_record_start && self.offset - self.record.0 > self.max_record {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                RecordTooLong {
                    line: self.record.1,
                    limit: self.max_record,
                },
            ));
        }
        Ok(n)
    }
}

impl<R> Strict<R> {
    /// Moves the quoting state over `bytes`, jumping from quote to quote: only a quote and the
    /// byte around it decide anything; line breaks between them are counted for line numbers
    /// and mark where records start.
    fn follow(&mut self, bytes: &[u8]) {
        let mut at = 0;
        while at < bytes.len() {
            match self.state {
                QuoteState::QuoteInQuoted => {
                    self.state = match bytes[at] {
                        b'"' => QuoteState::Quoted,
                        b',' => QuoteState::FieldStart,
                        b'\r' | b'\n' => {
                            self.at_record_start = true;
                            QuoteState::FieldStart
                        }
                        _ => {
                            let message = if self.line == self.quote_opened_on {
                                "text follows the closing quote of a field: a double quote inside a quoted field must be doubled (\"\")".to_string()
                            } else {
                                format!(
                                    "a double quote opened here is not closed before line {}, where text follows a quote: a quote was left open, or one inside the field was not doubled (\"\")",
                                    self.line
                                )
                            };
                            self.fail(self.quote_opened_on, message);
                            QuoteState::Unquoted
                        }
                    };
                    self.line += u64::from(ends_line(bytes, at, self.after_cr));
                    at += 1;
                }
                QuoteState::Quoted => match memchr::memchr(b'"', &bytes[at..]) {
                    None => {
                        self.line += line_ends(bytes, at, bytes.len(), self.after_cr);
                        at = bytes.len();
                    }
                    Some(offset) => {
                        self.line += line_ends(bytes, at, at + offset, self.after_cr);
                        self.state = QuoteState::QuoteInQuoted;
                        at += offset + 1;
                    }
                },
                QuoteState::FieldStart | QuoteState::Unquoted => {
                    match memchr::memchr(b'"', &bytes[at..]) {
                        None => {
                            let rest = &bytes[at..];
                            self.unquoted(bytes, at, bytes.len());
                            if let Some(&last) = rest.last() {
                                self.state = if matches!(last, b',' | b'\r' | b'\n') {
                                    QuoteState::FieldStart
                                } else {
                                    QuoteState::Unquoted
                                };
                            }
                            at = bytes.len();
                        }
                        Some(offset) => {
                            let before = &bytes[at..at + offset];
                            // The quote itself may be the first byte of a record.
                            self.unquoted(bytes, at, at + offset + 1);
                            let at_field_start = match before.last() {
                                Some(&previous) => matches!(previous, b',' | b'\r' | b'\n'),
                                None => self.state == QuoteState::FieldStart,
                            };
                            if at_field_start {
                                self.quote_opened_on = self.line;
                                self.state = QuoteState::Quoted;
                            } else {
                                self.fail(
                                self.line,
                                "a double quote inside an unquoted field: quote the whole field and double the quote (\"12\"\" guns\")".into(),
                            );
                                self.state = QuoteState::Unquoted;
                            }
                            at += offset + 1;
                        }
                    }
                }
            }
        }
        self.offset += bytes.len() as u64;
        if let Some(&last) = bytes.last() {
            self.after_cr = last == b'\r';
        }
    }

    /// Follows bytes outside quotes, which begin `at` bytes into the current read: counts their
    /// line breaks and notes where each record starts (the first byte after a line break, or
    /// several, that is not one itself: the parser skips blank lines).
    fn unquoted(&mut self, bytes: &[u8], at: usize, end: usize) {
        let region = &bytes[at..end];
        let mut i = 0;
        while i < region.len() {
            if self.at_record_start {
                match region[i] {
                    b'\n' | b'\r' => {
                        self.line += u64::from(ends_line(bytes, at + i, self.after_cr));
                    }
                    _ => {
                        self.at_record_start = false;
                        self.record = (self.offset + (at + i) as u64, self.line);
                        self.starts.push_back(self.record);
                    }
                }
                if self.at_record_start {
                    i += 1;
                }
                continue;
            }
            match memchr::memchr2(b'\n', b'\r', &region[i..]) {
                None => return,
                Some(offset) => {
                    i += offset;
                    self.at_record_start = true;
                }
            }
        }
    }
}

/// Whether `bytes[at]` ends a line: a line feed not right after a carriage return, or a carriage
/// return (so CRLF is one line end, and a lone CR or LF is one). `after_cr` says whether the byte
/// before `bytes[0]`, read earlier, was a carriage return.
fn ends_line(bytes: &[u8], at: usize, after_cr: bool) -> bool {
    match bytes[at] {
        b'\r' => true,
        b'\n' => {
            !(if at == 0 {
                after_cr
            } else {
                bytes[at - 1] == b'\r'
            })
        }
        _ => false,
    }
}

/// How many lines end in `bytes[from..to]`, as [`ends_line`] counts them.
fn line_ends(bytes: &[u8], from: usize, to: usize, after_cr: bool) -> u64 {
    memchr::memchr2_iter(b'\n', b'\r', &bytes[from..to])
        .filter(|&i| ends_line(bytes, from + i, after_cr))
        .count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record of `bytes` as (line, fields), then the refusal that stopped the reading or
    /// the one found at the end, as its message would read.
    fn read(bytes: &'static [u8], limit: u64) -> (Vec<(u64, Vec<String>)>, Option<String>) {
        let mut rows = CsvRows::with_limit(Box::new(bytes), "f.csv".into(), limit);
        let mut record = csv::ByteRecord::new();
        let mut records = Vec::new();
        loop {
            match rows.next(&mut record) {
                Ok(true) => records.push((
                    record.position().unwrap().line(),
                    record
                        .iter()
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect(),
                )),
                Ok(false) => {
                    let at_end = rows
                        .error_at_end()
                        .map(|(line, message)| format!("f.csv:{line}: {message}"));
                    return (records, at_end);
                }
                Err(error) => return (records, Some(error.to_string())),
            }
        }
    }

    fn lines(records: &[(u64, Vec<String>)]) -> Vec<u64> {
        records.iter().map(|(line, _)| *line).collect()
    }

    #[test]
    fn a_bare_quote_in_an_unquoted_field_is_refused_at_its_line_before_the_next_record() {
        let (records, error) = read(b"a,b\n1,12\" guns\n2,x\n", MAX_RECORD);
        // The parser keeps the quote as part of the value; the record after it is not given.
        assert_eq!(
            records,
            [
                (1, vec!["a".into(), "b".into()]),
                (2, vec!["1".into(), "12\" guns".into()])
            ]
        );
        assert_eq!(
            error.unwrap(),
            "f.csv:2: a double quote inside an unquoted field: quote the whole field and double the quote (\"12\"\" guns\")"
        );
    }

    #[test]
    fn text_after_a_closing_quote_is_refused_at_the_line_the_quote_opened() {
        let (_, error) = read(b"a,b\n1,\"x\"y\n2,z\n", MAX_RECORD);
        assert_eq!(
            error.unwrap(),
            "f.csv:2: text follows the closing quote of a field: a double quote inside a quoted field must be doubled (\"\")"
        );
    }

    #[test]
    fn a_quote_never_closed_is_refused_at_the_end_naming_the_line_it_opened() {
        let (records, error) = read(b"a,b\n1,ok\n2,\"open\n3,x\n4,y\n", MAX_RECORD);
        // The parser reads the rest of the file as one field: the refusal comes at the end.
        assert_eq!(lines(&records), [1, 2, 3]);
        assert_eq!(
            error.unwrap(),
            "f.csv:3: a double quote opened here is never closed, so the rest of the file would read as one field"
        );
    }

    #[test]
    fn lines_are_counted_across_crlf_lone_cr_blank_lines_and_quoted_line_breaks() {
        // Line 3 is blank; the quoted field of line 4 runs on to line 5 across a CRLF, and line
        // 5 ends with a lone CR.
        let (records, error) = read(b"a,b\r\n1,x\r\n\r\n2,\"y\r\nz\"\r3,w\n4,v", MAX_RECORD);
        assert_eq!(error, None);
        assert_eq!(lines(&records), [1, 2, 4, 6, 7]);
        assert_eq!(records[2].1, ["2", "y\r\nz"]);
        assert_eq!(records[4].1, ["4", "v"]);
    }

    #[test]
    fn each_record_starts_at_the_byte_of_its_first_field() {
        let bytes: &'static [u8] = b"a,b\r\n\r\n1,x\r\n2,y\n";
        let mut rows = CsvRows::new(Box::new(bytes), "f.csv".into());
        let mut record = csv::ByteRecord::new();
        let mut starts = Vec::new();
        while rows.next(&mut record).unwrap() {
            starts.push(record.position().unwrap().byte());
        }
        assert_eq!(starts, [0, 7, 12]);
    }

    /// A file with every way a record can end: CRLF, a lone CR, a blank line, a line break
    /// inside quotes, no line break at the end.
    const TRICKY: &[u8] = b"a,b\r\n1,x\r\n\r\n2,\"y\r\nz\"\r3,\"w\"\"\"\n\n\n4,v";

    #[test]
    fn a_record_looked_at_ahead_has_the_bytes_and_line_it_is_parsed_from() {
        let mut parsed = Vec::new();
        let mut rows = CsvRows::new(Box::new(TRICKY), "f.csv".into());
        let mut record = csv::ByteRecord::new();
        while rows.next(&mut record).unwrap() {
            let line = record.position().unwrap().line();
            parsed.push((line, rows.raw().unwrap().to_vec()));
        }
        let mut rows = CsvRows::new(Box::new(TRICKY), "f.csv".into());
        let mut ahead = Vec::new();
        loop {
            match rows.peek(ahead.len()) {
                Peeked::Record(_, line, bytes) => ahead.push((line, bytes.to_vec())),
                Peeked::End => break,
                Peeked::Unknown => panic!("the file is read ahead"),
            }
        }
        assert_eq!(ahead, parsed);
        assert_eq!(
            parsed.iter().map(|(line, _)| *line).collect::<Vec<_>>(),
            [1, 2, 4, 6, 9]
        );
        assert_eq!(parsed[2].1, b"2,\"y\r\nz\"");
        assert_eq!(parsed[3].1, b"3,\"w\"\"\"");
    }

    #[test]
    fn records_passed_unparsed_leave_the_parser_at_the_next() {
        let mut rows = CsvRows::new(Box::new(TRICKY), "f.csv".into());
        let mut record = csv::ByteRecord::new();
        assert!(rows.next(&mut record).unwrap());
        assert!(matches!(rows.peek(1), Peeked::Record(_, 4, _)));
        rows.pass(2);
        assert!(rows.next(&mut record).unwrap());
        assert_eq!(record.position().unwrap().line(), 6);
        assert_eq!(&record[1], b"w\"");
        rows.pass(1);
        assert!(matches!(rows.peek(0), Peeked::End));
        assert!(!rows.next(&mut record).unwrap());
        assert_eq!(rows.error_at_end(), None);
    }

    #[test]
    fn nothing_is_looked_at_ahead_past_a_quoting_fault() {
        let mut rows = CsvRows::new(
            Box::new(&b"a,b\n1,x\n2,12\" guns\n3,y\n"[..]),
            "f.csv".into(),
        );
        let mut record = csv::ByteRecord::new();
        assert!(rows.next(&mut record).unwrap());
        // The fault is found as the bytes are read: the parser, not the planner, reaches it.
        assert!(matches!(rows.peek(0), Peeked::Unknown));
        assert!(rows.next(&mut record).unwrap());
        assert!(rows.next(&mut record).unwrap());
        assert_eq!(
            rows.next(&mut record).unwrap_err().to_string(),
            "f.csv:3: a double quote inside an unquoted field: quote the whole field and double the quote (\"12\"\" guns\")"
        );
    }

    #[test]
    fn a_long_record_takes_no_room_beyond_its_fields_once_it_has_passed() {
        let mut bytes = b"a,b\n1,".to_vec();
        bytes.resize(bytes.len() + (3 << 20), b'y');
        bytes.extend_from_slice(b"\n");
        for n in 0..(1 << 16) {
            bytes.extend_from_slice(format!("{n},z\n").as_bytes());
        }
        let bytes: &'static [u8] = bytes.leak();
        let mut rows = CsvRows::new(Box::new(bytes), "f.csv".into());
        let mut record = csv::ByteRecord::new();
        assert!(rows.next(&mut record).unwrap());
        assert!(rows.next(&mut record).unwrap());
        assert_eq!(record[1].len(), 3 << 20);
        // Its bytes were not kept beside its fields, and its fields' room is let go.
        assert_eq!(rows.raw(), None);
        assert!(
            rows.buffer.len() <= KEPT + 2 * READ,
            "{}",
            rows.buffer.len()
        );
        assert_eq!(rows.fields.len(), FIELDS);
        let mut read = 0;
        while rows.next(&mut record).unwrap() {
            read += 1;
        }
        assert_eq!(read, 1 << 16);
        assert!(rows.buffer.capacity() <= KEPT, "{}", rows.buffer.capacity());
    }

    #[test]
    fn a_long_record_is_parsed_without_its_bytes_and_never_looked_at_ahead() {
        let mut bytes = b"a,b\n0,x\n1,".to_vec();
        bytes.resize(bytes.len() + (2 << 20), b'y');
        bytes.extend_from_slice(b"\n2,z\n");
        let bytes: &'static [u8] = bytes.leak();
        let mut rows = CsvRows::new(Box::new(bytes), "f.csv".into());
        let mut record = csv::ByteRecord::new();
        assert!(rows.next(&mut record).unwrap());
        assert!(matches!(rows.peek(0), Peeked::Record(_, 2, b"0,x")));
        assert!(matches!(rows.peek(1), Peeked::Unknown));
        assert!(rows.next(&mut record).unwrap());
        assert_eq!(rows.raw(), Some(&b"0,x"[..]));
        assert!(rows.next(&mut record).unwrap());
        assert_eq!(
            (record.position().unwrap().line(), record[1].len()),
            (3, 2 << 20)
        );
        assert_eq!(rows.raw(), None);
        assert!(rows.next(&mut record).unwrap());
        assert_eq!(rows.raw(), Some(&b"2,z"[..]));
    }

    #[test]
    fn a_record_over_the_size_limit_is_refused_at_the_line_it_starts() {
        static LONG: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        let long = LONG.get_or_init(|| {
            let mut bytes = b"a,b\n1,x\n2,".to_vec();
            bytes.resize(bytes.len() + (3 << 20), b'y');
            bytes.extend_from_slice(b"\n3,z\n");
            bytes
        });
        let mut rows = CsvRows::with_limit(Box::new(long.as_slice()), "f.csv".into(), 1 << 20);
        let mut record = csv::ByteRecord::new();
        assert!(rows.next(&mut record).unwrap());
        assert!(rows.next(&mut record).unwrap());
        assert_eq!(
            rows.next(&mut record).unwrap_err().to_string(),
            "f.csv:3: the row starting here is longer than 1 MiB, the most a row may hold (a quote left open, or not a CSV file?)"
        );
    }

    #[test]
    fn a_record_over_the_limit_after_a_quoting_error_names_the_quoting_error() {
        static LONG: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
        // Text after a closing quote on line 2, then a record of line 3 over the limit.
        let long = LONG.get_or_init(|| {
            let mut bytes = b"a,b\n1,\"x\"y\n2,".to_vec();
            bytes.resize(bytes.len() + (3 << 20), b'y');
            bytes
        });
        let mut rows = CsvRows::with_limit(Box::new(long.as_slice()), "f.csv".into(), 1 << 20);
        let mut record = csv::ByteRecord::new();
        // The header, and line 2 itself, which the parser reads whole.
        assert!(rows.next(&mut record).unwrap());
        assert!(rows.next(&mut record).unwrap());
        assert_eq!(
            rows.next(&mut record).unwrap_err().to_string(),
            "f.csv:2: text follows the closing quote of a field: a double quote inside a quoted field must be doubled (\"\")"
        );
    }
}
