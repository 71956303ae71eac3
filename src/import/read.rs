//! An imported file's records read in order (CSV, or GDELT's tabs without quoting), each given
//! to its format's `map`: a refused record stops the import, naming the file, line, column and
//! value, or with `--keep-going` is set aside, with its reason, for the rejects file.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};

use super::detect::Detected;
use super::format::{self, Dialect};
use super::record::{Columns, Record, RowError};
use super::rejects::Reject;
use super::sink::Sink;
use crate::seed::{QuotedValue, SourceFile};

/// What reading the files found.
pub(super) struct Read {
    /// Records read (the header not counted).
    pub(super) records: u64,
    pub(super) rejects: Vec<Reject>,
    /// Each file as `dataset_files` records it.
    pub(super) files: Vec<SourceFile>,
}

/// Maps every record of `files` into `sink`. `refused` holds the records the loader refused on
/// an earlier try, by file and line, which go to the rejects with their reasons.
pub(super) fn map_files(
    files: &[(PathBuf, Detected)],
    options: &format::Options,
    sink: &mut Sink,
    keep_going: bool,
    refused: &BTreeMap<(usize, u64), String>,
) -> Result<Read> {
    let mut read = Read {
        records: 0,
        rejects: Vec::new(),
        files: Vec::new(),
    };
    for (at, (path, detected)) in files.iter().enumerate() {
        map_file(
            at, path, *detected, options, sink, keep_going, refused, &mut read,
        )?;
    }
    if let Some((_, detected)) = files.first() {
        // What spans the files, named by the first file's first line in a message.
        sink.start(0, 1);
        detected.format.finish(sink);
        sink.commit()?;
    }
    Ok(read)
}

#[allow(clippy::too_many_arguments)]
fn map_file(
    at: usize,
    path: &std::path::Path,
    detected: Detected,
    options: &format::Options,
    sink: &mut Sink,
    keep_going: bool,
    refused: &BTreeMap<(usize, u64), String>,
    read: &mut Read,
) -> Result<()> {
    let format = detected.format;
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut builder = csv::ReaderBuilder::new();
    builder
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(256 * 1024);
    if format.dialect() == Dialect::TabsUnquoted {
        builder.delimiter(b'\t').quoting(false);
    }
    let mut reader = builder.from_reader(Lines::new(file));
    let home = Columns::new(detected.layout);
    let mut others: HashMap<usize, Columns> = HashMap::new();
    let mut record = csv::StringRecord::new();
    let mut next = csv::StringRecord::new();
    let display = path.display().to_string();
    let fail = |e: csv::Error| -> anyhow::Error {
        // Where the record starts, by the parser's count (see `Lines` for why it can be short).
        let line = e.position().map_or(0, |p| p.line());
        match e.kind() {
            csv::ErrorKind::Utf8 { .. } => anyhow::anyhow!(
                "{display}:{line}: is not UTF-8 text: save the file as UTF-8 and import it again"
            ),
            _ => anyhow::anyhow!("{display}:{line}: cannot be read: {e}"),
        }
    };
    let mut more = reader.read_record(&mut next).map_err(fail)?;
    if detected.layout.has_header && more {
        more = reader.read_record(&mut next).map_err(fail)?;
    }
    let (first, rejects_before) = (read.records, read.rejects.len());
    while more {
        std::mem::swap(&mut record, &mut next);
        more = reader.read_record(&mut next).map_err(fail)?;
        let last = !more;
        let line = reader
            .get_mut()
            .line_at(record.position().map_or(0, |p| p.byte()));
        read.records += 1;
        if let Some(reason) = refused.get(&(at, line)) {
            read.rejects
                .push(Reject::new(at, line, &record, reason.clone()));
            continue;
        }
        let columns = if record.len() == home.layout.columns.len() {
            Some(&home)
        } else {
            format.layout_of_width(record.len()).map(|layout| {
                &*others
                    .entry(record.len())
                    .or_insert_with(|| Columns::new(layout))
            })
        };
        sink.start(at, line);
        let mapped = match columns {
            Some(columns) => format.map(
                &Record {
                    fields: &record,
                    columns,
                    line,
                    na_is_empty: format.na_is_empty(),
                },
                options,
                sink,
            ),
            None => Err(RowError::row(format!(
                "has {} fields where the {} {} layout has {}",
                record.len(),
                format.name(),
                home.layout.name,
                home.layout.columns.len()
            ))),
        };
        match mapped {
            Ok(()) => sink.commit()?,
            Err(error) => {
                sink.discard();
                let mut message = describe(&display, line, &error, columns.unwrap_or(&home));
                if last {
                    if let Some(cut) = cut_short(&record, home.layout.columns.len()) {
                        message.push_str(&format!("; it is the file's last row, and {cut}"));
                    }
                }
                if !keep_going {
                    bail!("{message}; nothing was imported (--keep-going loads the other rows)");
                }
                read.rejects.push(Reject::new(at, line, &record, message));
            }
        }
    }
    let lines = reader.into_inner();
    let bytes = lines.read;
    read.files.push(SourceFile {
        file: display,
        hash: Some(lines.hash()),
        bytes,
        rows: read.records - first,
        rejected: Some((read.rejects.len() - rejects_before) as u64),
        format: format.name(),
        layout: Some(detected.layout.name),
    });
    Ok(())
}

/// A file's SHA-256 in hex, and its size: what `dataset_files` keeps of it.
pub(super) fn fingerprint(path: &std::path::Path) -> Result<(String, u64)> {
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut lines = Lines::new(file);
    let mut buffer = vec![0; 1 << 20];
    while std::io::Read::read(&mut lines, &mut buffer)
        .with_context(|| format!("cannot read {}", path.display()))?
        > 0
    {}
    let bytes = lines.read;
    Ok((lines.hash(), bytes))
}

/// A refused record's message: the file, line, column and value, and why.
fn describe(path: &str, line: u64, error: &RowError, columns: &Columns) -> String {
    match &error.column {
        Some(column) => {
            let position = columns.position(column).map_or(0, |p| p + 1);
            let value = QuotedValue::from(error.value.clone().unwrap_or_default());
            format!(
                "{path}:{line}:{position}: {column} {value}: {}",
                error.message
            )
        }
        None => format!("{path}:{line}: {}", error.message),
    }
}

/// How a last record looks cut short, if it does: fewer fields than the header, or its last
/// fields empty (a cut row padded with commas).
fn cut_short(record: &csv::StringRecord, width: usize) -> Option<String> {
    if record.len() < width {
        return Some(format!(
            "has {} of the header's {width} fields: the file looks cut short",
            record.len()
        ));
    }
    let empty = record.iter().rev().take_while(|f| f.is_empty()).count();
    (empty >= 2).then(|| {
        format!("its last {empty} fields are empty: the file looks cut short (a row cut mid-field and padded with commas)")
    })
}

/// The file's bytes, counting the lines they start: the CSV parser's own line numbers fall one
/// short after a CRLF line end (it counts the `\n` when the next record starts), and real files
/// have CRLF. A record's line is counted here from the line ends up to the byte the parser says
/// it starts at, kept only as far as the parser has read ahead.
struct Lines<R> {
    inner: R,
    /// Bytes read so far.
    read: u64,
    /// Where each `\n` read and not yet passed lies.
    ends: VecDeque<u64>,
    /// Line ends passed.
    passed: u64,
    hasher: sha2::Sha256,
}

impl<R> Lines<R> {
    fn new(inner: R) -> Lines<R> {
        Lines {
            inner,
            read: 0,
            ends: VecDeque::new(),
            passed: 0,
            hasher: sha2::Sha256::default(),
        }
    }

    /// The SHA-256 of the bytes read, in hex.
    fn hash(self) -> String {
        use sha2::Digest;
        self.hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The line (from 1) of the byte at `byte`, which never goes back.
    fn line_at(&mut self, byte: u64) -> u64 {
        // After a CRLF the parser gives the `\n` as the record's first byte: a record never
        // starts with a line end of its own (blank lines are skipped), so one there is passed.
        while self.ends.front().is_some_and(|end| *end <= byte) {
            self.ends.pop_front();
            self.passed += 1;
        }
        self.passed + 1
    }
}

impl<R: std::io::Read> std::io::Read for Lines<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        sha2::Digest::update(&mut self.hasher, &buf[..n]);
        for at in memchr::memchr_iter(b'\n', &buf[..n]) {
            self.ends.push_back(self.read + at as u64);
        }
        self.read += n as u64;
        Ok(n)
    }
}
