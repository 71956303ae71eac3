//! Seeding again, the parsing thread of a file with the last load's runs (fingerprint.rs) reads
//! each run of rows ahead of the parser, as the file's bytes (`Rows::peek`): a run whose bytes
//! hash as a run of the last load's is passed unparsed, and so is a row of a changed run whose
//! bytes are a row's of the run that began with the same key. Only the other rows are parsed,
//! checked and compared. The decisions are the ones the checking thread takes of parsed rows
//! where the rows cannot be read ahead (`Matcher::plan`, `Matcher::take`), taken here a whole
//! run at a time, which is what lets them be taken before parsing: a run is parsed after all
//! when it was met before (a run given twice), and in a link file when it holds a group a row
//! parsed before gave (a link row given twice), both known here.
//!
//! A row passed unparsed reaches the other threads as a record holding only its key (a link
//! row: its group), at its line: enough for the writing thread to name it if it was given twice.
//! Where the bytes ahead cannot be read so (a fault of the file's quoting found ahead, a failure
//! to read, a run of over [`LONGEST_RUN`] rows), the rest of the file is parsed row by row.

use std::collections::VecDeque;

use super::diagnose::DeferredError;
use super::fingerprint::{Matcher, RowHashes, Skip};
use super::input::{Peeked, Rows};
use super::layout::Layout;
use super::read::{read_record, Batch, BATCH, BATCH_BYTES};

/// The parsing thread's matcher (see the module's comment).
pub(super) struct Planner {
    pub(super) matcher: Matcher,
    /// Decisions for the next records, in the file's order.
    queue: VecDeque<Planned>,
    /// Records read ahead whose run has not ended yet: their hashes, where they start, and
    /// their keys (in `keys`).
    pending: Vec<Ahead>,
    keys: String,
    /// Whether the file is a link table's.
    link: bool,
    /// The rows of a run, by their hashes, and for each what `Matcher::decide` gave: its id if
    /// it is passed, and the id it most likely has if it is parsed.
    hashes: Vec<RowHashes>,
    decided: Vec<Option<(i64, u32, u32, bool)>>,
    hints: Vec<i64>,
    /// Whether the rest of the file is parsed row by row: the bytes ahead could not be read so.
    parse_all: bool,
}

/// A record read ahead of the parser.
struct Ahead {
    hashes: RowHashes,
    byte: u64,
    line: u64,
    key: std::ops::Range<usize>,
}

/// What becomes of a record read ahead.
enum Planned {
    /// Parsed, with the id of the stored row it most likely is (0 if none).
    Parse(RowHashes, i64),
    /// Passed unparsed: the row `id`, at `offset` in run `run` of the last load (`whole`: a
    /// whole run passed, else the one row).
    Pass {
        ahead: Ahead,
        id: i64,
        run: u32,
        offset: u32,
        whole: bool,
    },
}

impl Planner {
    pub(super) fn new(matcher: Matcher, layout: &Layout) -> Planner {
        Planner {
            link: matches!(layout.table.identity, crate::schema::Identity::Columns(_)),
            matcher,
            queue: VecDeque::new(),
            pending: Vec::new(),
            keys: String::new(),
            hashes: Vec::new(),
            decided: Vec::new(),
            hints: Vec::new(),
            parse_all: false,
        }
    }

    /// Reads ahead to the end of the next run, and decides for its rows.
    fn read_run(&mut self, rows: &mut dyn Rows) {
        loop {
            let ahead = self.queue.len() + self.pending.len();
            // A run this long (a link file's one group, say) would hold the file in memory: the
            // rest is parsed.
            if self.pending.len() >= LONGEST_RUN {
                self.parse_rest();
                return;
            }
            let (byte, line, bytes) = match rows.peek(ahead) {
                Peeked::Record(byte, line, bytes) => (byte, line, bytes),
                Peeked::End => {
                    if let Some(run) = self.matcher.finish() {
                        self.decide(run, self.pending.len());
                    }
                    return;
                }
                Peeked::Unknown => {
                    self.parse_rest();
                    return;
                }
            };
            let Some(key) = field(bytes, self.matcher.group_field()) else {
                self.parse_rest();
                return;
            };
            let hashes = self.matcher.hashes_of(&key, bytes);
            let start = self.keys.len();
            self.keys.push_str(&key);
            self.pending.push(Ahead {
                hashes,
                byte,
                line,
                key: start..self.keys.len(),
            });
            if let Some(run) = self.matcher.feed(hashes) {
                // The run is the rows before this one.
                self.decide(run, self.pending.len() - 1);
                return;
            }
        }
    }

    /// The rows read ahead are parsed, and all after them.
    fn parse_rest(&mut self) {
        self.queue
            .extend(self.pending.drain(..).map(|a| Planned::Parse(a.hashes, 0)));
        self.parse_all = true;
    }

    /// Decides for the first `rows` rows read ahead, the run `run`.
    fn decide(&mut self, run: super::fingerprint::Run, rows: usize) {
        self.hashes.clear();
        self.hashes
            .extend(self.pending[..rows].iter().map(|a| a.hashes));
        let link = self.link;
        self.matcher
            .decide(run, &self.hashes, link, &mut self.decided, &mut self.hints);
        let decisions = self.decided.iter().zip(&self.hints);
        for (ahead, (decided, &hint)) in self.pending.drain(..rows).zip(decisions) {
            self.queue.push_back(match *decided {
                Some((id, run, offset, whole)) => Planned::Pass {
                    ahead,
                    id,
                    run,
                    offset,
                    whole,
                },
                None => Planned::Parse(ahead.hashes, hint),
            });
        }
    }

    /// Lets go of the keys of rows handed over: only the rows read ahead keep theirs.
    fn compact_keys(&mut self) {
        if !self.queue.is_empty() || self.keys.len() < KEYS {
            return;
        }
        let mut keys = String::with_capacity(KEYS);
        for ahead in &mut self.pending {
            let start = keys.len();
            keys.push_str(&self.keys[ahead.key.clone()]);
            ahead.key = start..keys.len();
        }
        self.keys = keys;
    }
}

/// The most rows read ahead for one run.
const LONGEST_RUN: usize = 4096;

/// The bytes of keys the planner holds before it lets go of those handed over.
const KEYS: usize = 64 << 10;

/// Field `index` of a record's bytes (without its line break), as the parser gives it; None if
/// the record has fewer fields, or the field is not UTF-8 (the parser refuses the row).
fn field(bytes: &[u8], index: usize) -> Option<std::borrow::Cow<'_, str>> {
    let mut start = 0;
    let mut field = 0;
    loop {
        let end = match memchr::memchr2(b',', b'"', &bytes[start..]) {
            // A quote before the field's end: the record parsed on its own.
            Some(offset) if bytes[start + offset] == b'"' => {
                let mut record = csv::ByteRecord::new();
                let mut parser = csv::ReaderBuilder::new()
                    .has_headers(false)
                    .flexible(true)
                    .from_reader(bytes);
                parser.read_byte_record(&mut record).ok()?;
                let field = record.get(index)?;
                return std::str::from_utf8(field)
                    .ok()
                    .map(|field| field.to_string().into());
            }
            Some(offset) => start + offset,
            None => bytes.len(),
        };
        if field == index {
            return std::str::from_utf8(&bytes[start..end]).ok().map(Into::into);
        }
        if end == bytes.len() {
            // Fewer fields than `index`: the parser refuses the row.
            return None;
        }
        field += 1;
        start = end + 1;
    }
}

/// Fills `batch` as `read::parse_batch` does, passing unparsed the rows the last load's runs hold
/// (see the module's comment); false at the end of the rows.
pub(super) fn plan_batch(
    rows: &mut dyn Rows,
    layout: &Layout,
    planner: &mut Planner,
    batch: &mut Batch,
) -> Result<bool, DeferredError> {
    batch.planned = true;
    let mut bytes = 0;
    let key_field = planner.matcher.group_field();
    while batch.filled < BATCH && bytes < BATCH_BYTES {
        if planner.queue.is_empty() && !planner.parse_all {
            planner.compact_keys();
            planner.read_run(rows);
        }
        let row = batch.filled;
        let record = &mut batch.records[row];
        match planner.queue.pop_front() {
            Some(Planned::Pass {
                ahead,
                id,
                run,
                offset,
                whole,
            }) => {
                rows.pass(1);
                // Its key, and empty fields before it (text already, so not checked as UTF-8
                // again).
                record.clear();
                for _ in 0..key_field {
                    record.push_field("");
                }
                record.push_field(&planner.keys[ahead.key.clone()]);
                let mut position = csv::Position::new();
                position.set_byte(ahead.byte).set_line(ahead.line);
                record.set_position(Some(position));
                batch.raws.push(Some(ahead.hashes.row));
                batch.hashes.push(ahead.hashes);
                batch.skip_ids.push(id);
                batch.hints.push(0);
                match batch.skips.last_mut() {
                    Some(last)
                        if last.rows.end == row
                            && whole
                            && last.whole
                            && last.run == run
                            && last.offset + last.rows.len() as u32 == offset =>
                    {
                        last.rows.end += 1
                    }
                    _ => batch.skips.push(Skip {
                        rows: row..row + 1,
                        run,
                        offset,
                        whole,
                    }),
                }
            }
            planned => {
                if !read_record(rows, layout, record)? {
                    return Ok(false);
                }
                let raw = rows.raw().map(super::fingerprint::raw_hash);
                let (hashes, hint) = match planned {
                    Some(Planned::Parse(hashes, hint)) => (hashes, hint),
                    _ => (planner.matcher.record_hashes(&batch.records[row], raw), 0),
                };
                batch.hints.push(hint);
                batch.raws.push(raw);
                batch.hashes.push(hashes);
            }
        }
        bytes += batch.records[row].as_byte_record().as_slice().len();
        batch.filled += 1;
    }
    Ok(true)
}
