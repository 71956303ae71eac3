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

/// What the reading thread hands over: records with the line each starts on, then the end
/// (the file's size and SHA-256) or why the file cannot be read further.
enum Parsed {
    Records(Vec<(csv::StringRecord, u64)>),
    End { bytes: u64, hash: String },
    Failed(anyhow::Error),
}

/// Records handed over at once.
const BATCH: usize = 256;

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
    let reader = builder.from_reader(Lines::new(file));
    let display = path.display().to_string();
    // A second thread splits the file into records (and hashes it) while this one maps them.
    std::thread::scope(|scope| {
        let (sender, received) = std::sync::mpsc::sync_channel::<Parsed>(4);
        let (recycle, recycled) = std::sync::mpsc::channel();
        let has_header = detected.layout.has_header;
        let display = &display;
        scope.spawn(move || parse(reader, has_header, display, &sender, &recycled));
        map_records(
            at, display, detected, options, sink, keep_going, refused, read, &received, &recycle,
        )
    })
}

/// The reading thread: the file's records after its header, in batches, until the end, a record
/// that cannot be read, or the mapping thread no longer listening.
fn parse(
    mut reader: csv::Reader<Lines<std::fs::File>>,
    has_header: bool,
    display: &str,
    sender: &std::sync::mpsc::SyncSender<Parsed>,
    recycled: &std::sync::mpsc::Receiver<Vec<(csv::StringRecord, u64)>>,
) {
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
    let mut record = csv::StringRecord::new();
    if has_header {
        if let Err(e) = reader.read_record(&mut record) {
            let _ = sender.send(Parsed::Failed(fail(e)));
            return;
        }
    }
    loop {
        let mut batch = recycled.try_recv().unwrap_or_default();
        let mut filled = 0;
        let mut end = None;
        while filled < BATCH {
            if filled == batch.len() {
                batch.push((csv::StringRecord::new(), 0));
            }
            let (record, line) = &mut batch[filled];
            match reader.read_record(record) {
                Ok(true) => {
                    *line = reader
                        .get_mut()
                        .line_at(record.position().map_or(0, |p| p.byte()));
                    filled += 1;
                }
                Ok(false) => {
                    end = Some(None);
                    break;
                }
                Err(e) => {
                    end = Some(Some(fail(e)));
                    break;
                }
            }
        }
        batch.truncate(filled);
        if !batch.is_empty() && sender.send(Parsed::Records(batch)).is_err() {
            return;
        }
        match end {
            None => {}
            Some(Some(failure)) => {
                let _ = sender.send(Parsed::Failed(failure));
                return;
            }
            Some(None) => {
                let lines = reader.into_inner();
                let bytes = lines.read;
                let _ = sender.send(Parsed::End {
                    bytes,
                    hash: lines.hash(),
                });
                return;
            }
        }
    }
}

/// Maps the records the reading thread hands over. A record is mapped once the next one is read:
/// a file that cannot be read further is refused before the record before it is mapped.
#[allow(clippy::too_many_arguments)]
fn map_records(
    at: usize,
    display: &str,
    detected: Detected,
    options: &format::Options,
    sink: &mut Sink,
    keep_going: bool,
    refused: &BTreeMap<(usize, u64), String>,
    read: &mut Read,
    received: &std::sync::mpsc::Receiver<Parsed>,
    recycle: &std::sync::mpsc::Sender<Vec<(csv::StringRecord, u64)>>,
) -> Result<()> {
    let format = detected.format;
    let home = Columns::new(detected.layout);
    let mut others: HashMap<usize, Columns> = HashMap::new();
    let (first, rejects_before) = (read.records, read.rejects.len());
    let next = || {
        received
            .recv()
            .map_err(|_| anyhow::anyhow!("{display}: the reading thread stopped"))
    };
    let mut coming = next()?;
    let (bytes, hash) = loop {
        let batch = match coming {
            Parsed::Records(batch) => batch,
            Parsed::End { bytes, hash } => break (bytes, hash),
            Parsed::Failed(error) => return Err(error),
        };
        // What follows the batch: its last record is the file's last if the file ends there.
        coming = next()?;
        let count = batch.len();
        for (n, (record, line)) in batch.iter().enumerate() {
            // The record before one that cannot be read is not mapped: the file is refused first.
            if n + 1 == count && matches!(coming, Parsed::Failed(_)) {
                break;
            }
            let last = n + 1 == count && matches!(coming, Parsed::End { .. });
            map_record(
                at,
                display,
                format,
                &home,
                &mut others,
                options,
                sink,
                keep_going,
                refused,
                read,
                record,
                *line,
                last,
            )?;
        }
        let _ = recycle.send(batch);
    };
    read.files.push(SourceFile {
        file: display.to_string(),
        hash: Some(hash),
        bytes,
        rows: read.records - first,
        rejected: Some((read.rejects.len() - rejects_before) as u64),
        format: format.name(),
        layout: Some(detected.layout.name),
    });
    Ok(())
}

/// Maps one record into `sink`, or sets it aside as refused (`--keep-going`), or refuses it.
#[allow(clippy::too_many_arguments)]
fn map_record(
    at: usize,
    display: &str,
    format: &dyn format::Format,
    home: &Columns,
    others: &mut HashMap<usize, Columns>,
    options: &format::Options,
    sink: &mut Sink,
    keep_going: bool,
    refused: &BTreeMap<(usize, u64), String>,
    read: &mut Read,
    record: &csv::StringRecord,
    line: u64,
    last: bool,
) -> Result<()> {
    read.records += 1;
    if let Some(reason) = refused.get(&(at, line)) {
        read.rejects
            .push(Reject::new(at, line, record, reason.clone()));
        return Ok(());
    }
    let columns = if record.len() == home.layout.columns.len() {
        Some(home)
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
                fields: record,
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
            let mut message = describe(display, line, &error, columns.unwrap_or(home));
            if last {
                if let Some(cut) = cut_short(record, home.layout.columns.len()) {
                    message.push_str(&format!("; it is the file's last row, and {cut}"));
                }
            }
            if !keep_going {
                bail!("{message}; nothing was imported (--keep-going loads the other rows)");
            }
            read.rejects.push(Reject::new(at, line, record, message));
        }
    }
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
