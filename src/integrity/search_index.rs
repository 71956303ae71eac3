//! The rule that every full-text index (src/search.rs) holds the words its table's rows have now.
//!
//! The indexes have no triggers (migrations/V10): a row written by another tool (the sqlite3
//! shell, a script) keeps the words it was indexed with until the index is rebuilt, and a search
//! finds it by its old words and not by its new ones. SQLite's `integrity_check` does not see this:
//! it asks FTS5 to check an index's own structure, never against the rows of an external-content
//! table. FTS5's `integrity-check` command does, but it is an INSERT, which `check`'s read-only
//! connection (and a read-only file) refuses. So this rule compares the two itself, reading only:
//!
//! - what the index holds: every word at every position of every row, through an `fts5vocab`
//!   table (made in the connection's own temporary schema, which is not the file), and each row's
//!   word count per column from the index's `_docsize` table;
//! - what the rows hold: each row's columns split into words by the index's own tokenizer, through
//!   an FTS5 auxiliary function called on every row of the index (which reads its table's rows).
//!
//! Each side is summed per row into a 64-bit hash of (column, position, word) and (column, word
//! count), as FTS5's own check sums one per index; a row whose sums differ, or that only one side
//! has, is out of step, and named. At 100k events (two indexes of 4.3 million words) this takes
//! about 1.6 s, as FTS5's own check does (README, `check`; docs/h-ftscheck.md).

use std::collections::HashMap;
use std::ffi::{c_char, c_int, c_void};
use std::hash::BuildHasher;
use std::path::Path;

use anyhow::{Context, Result};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{ffi, Connection, OptionalExtension};

use crate::search::INDEXES;

/// The auxiliary function that gives a row's sum as its index's tokenizer reads its columns.
const ROW_WORDS: &str = "conflictdb_row_words";

/// FTS5 keeps at most this many bytes of a word (FTS5_MAX_TOKEN_SIZE).
const LONGEST_WORD: usize = 32768;

/// One line for each index that is out of step with its table, saying how to rebuild it.
pub fn findings(conn: &mut Connection, db_path: &Path) -> Result<Vec<String>> {
    register_row_words(conn)?;
    let mut findings = Vec::new();
    for (index, table, _) in INDEXES {
        let out_of_step = rows_out_of_step(conn, index)
            .with_context(|| format!("comparing {index} with {table}"))?;
        let Some(&first) = out_of_step.iter().min() else {
            continue;
        };
        let key: Option<String> = conn
            .query_row(
                &format!("SELECT key FROM {table} WHERE id = ?1"),
                [first],
                |row| row.get(0),
            )
            .optional()?;
        let row = match key {
            Some(key) => format!("{} {key}", table.trim_end_matches('s')),
            None => format!("id {first}, no longer in {table}"),
        };
        let count = out_of_step.len();
        let rows = match count {
            1 => format!("1 row ({row})"),
            n => format!("{n} rows (the first: {row})"),
        };
        findings.push(format!(
            "{index} is out of step with {table} in {rows}: rebuild it with `sqlite3 {} \"INSERT INTO {index} ({index}) VALUES ('rebuild')\"`",
            shell_word(&db_path.display().to_string())
        ));
    }
    Ok(findings)
}

/// The ids of the rows whose words in `index` are not those of their table's row, or that one
/// of the two lacks.
fn rows_out_of_step(conn: &mut Connection, index: &str) -> Result<Vec<i64>> {
    let columns: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?
        .query_map([index], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let (first, last, count): (Option<i64>, Option<i64>, i64) = conn.query_row(
        &format!("SELECT min(id), max(id), count(*) FROM {index}_docsize"),
        [],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?;
    let mut sums = Sums::new(first.zip(last), count);

    // What the index holds: each row's word counts...
    let mut sizes = conn.prepare(&format!("SELECT id, sz FROM {index}_docsize"))?;
    let mut rows = sizes.query([])?;
    while let Some(row) = rows.next()? {
        let id: i64 = row.get(0)?;
        let sizes = match row.get_ref(1)? {
            ValueRef::Blob(bytes) => bytes,
            _ => &[],
        };
        for (column, size) in varints(sizes).enumerate() {
            sums.add(id, size_hash(column, size));
        }
    }
    drop(rows);
    drop(sizes);

    // ... and each of its words.
    let vocabulary = format!("temp.conflictdb_check_{index}");
    with_temporary_schema(conn, |conn| {
        conn.execute_batch(&format!(
            "DROP TABLE IF EXISTS {vocabulary};
             CREATE VIRTUAL TABLE {vocabulary} USING fts5vocab(main, {index}, instance);"
        ))
    })?;
    let read = read_words(conn, &vocabulary, &columns, &mut sums);
    let dropped = with_temporary_schema(conn, |conn| {
        conn.execute_batch(&format!("DROP TABLE {vocabulary}"))
    });
    read?;
    dropped?;

    // What the rows hold, the index's table read through the index, row by row.
    let mut out_of_step = Vec::new();
    let mut rows_words =
        conn.prepare(&format!("SELECT rowid, {ROW_WORDS}({index}) FROM {index}"))?;
    let mut rows = rows_words.query([])?;
    while let Some(row) = rows.next()? {
        let (id, words): (i64, i64) = (row.get(0)?, row.get(1)?);
        if sums.take(id) != words as u64 {
            out_of_step.push(id);
        }
    }
    // Rows the index holds that the table no longer has.
    out_of_step.extend(sums.left());
    Ok(out_of_step)
}

/// Adds every word of the `fts5vocab` table `vocabulary` to its row's sum.
fn read_words(
    conn: &Connection,
    vocabulary: &str,
    columns: &[String],
    sums: &mut Sums,
) -> Result<()> {
    let mut words = conn.prepare(&format!("SELECT term, doc, col, offset FROM {vocabulary}"))?;
    let mut rows = words.query([])?;
    // The words come in order: a word is hashed once for all the rows it is in.
    let (mut last, mut last_hash) = (Vec::new(), word_hash(&[]));
    while let Some(row) = rows.next()? {
        let word = row.get_ref(0)?.as_bytes()?;
        if word != last.as_slice() {
            last.clear();
            last.extend_from_slice(word);
            last_hash = word_hash(word);
        }
        let id: i64 = row.get(1)?;
        let column_name = row.get_ref(2)?.as_bytes()?;
        let column = columns
            .iter()
            .position(|name| name.as_bytes() == column_name)
            .unwrap_or(columns.len());
        let position: i64 = row.get(3)?;
        sums.add(id, entry_hash(last_hash, column, position as u64));
    }
    Ok(())
}

/// Runs `make` with the connection allowed to write: only to its temporary schema, since it
/// opened the file read-only. `check`'s connection is otherwise query-only, whatever happens.
fn with_temporary_schema(
    conn: &Connection,
    make: impl FnOnce(&Connection) -> rusqlite::Result<()>,
) -> rusqlite::Result<()> {
    conn.pragma_update(None, "query_only", false)?;
    let made = make(conn);
    conn.pragma_update(None, "query_only", true)?;
    made
}

/// Each row's sum, by row id: in a vector where the ids are dense, as the loader gives them, else
/// in a map.
struct Sums {
    first: i64,
    dense: Vec<u64>,
    sparse: HashMap<i64, u64>,
}

impl Sums {
    /// For the ids from `range` (lowest, highest) of `count` rows.
    fn new(range: Option<(i64, i64)>, count: i64) -> Sums {
        let (first, span) = match range {
            Some((first, last)) => (first, last.saturating_sub(first).saturating_add(1)),
            None => (0, 0),
        };
        let dense = if span <= count.saturating_mul(2).saturating_add(1024) {
            vec![0; usize::try_from(span).unwrap_or(0)]
        } else {
            Vec::new()
        };
        Sums {
            first,
            dense,
            sparse: HashMap::new(),
        }
    }

    fn slot(&mut self, id: i64) -> Option<&mut u64> {
        let at = usize::try_from(id.checked_sub(self.first)?).ok()?;
        self.dense.get_mut(at)
    }

    fn add(&mut self, id: i64, hash: u64) {
        let sum = match self.slot(id) {
            Some(sum) => sum,
            None => self.sparse.entry(id).or_insert(0),
        };
        *sum = sum.wrapping_add(hash);
    }

    /// The sum of row `id`, 0 if the index holds nothing of it; forgotten.
    fn take(&mut self, id: i64) -> u64 {
        match self.slot(id) {
            Some(sum) => std::mem::take(sum),
            None => self.sparse.remove(&id).unwrap_or(0),
        }
    }

    /// The rows not taken.
    fn left(&self) -> impl Iterator<Item = i64> + '_ {
        let dense = self.dense.iter().enumerate().filter(|(_, sum)| **sum != 0);
        dense.map(|(at, _)| self.first + at as i64).chain(
            self.sparse
                .iter()
                .filter(|(_, sum)| **sum != 0)
                .map(|(id, _)| *id),
        )
    }
}

fn word_hash(word: &[u8]) -> u64 {
    foldhash::quality::FixedState::with_seed(0x7365_6172_6368).hash_one(word)
}

/// One word at one position of one column.
fn entry_hash(word: u64, column: usize, position: u64) -> u64 {
    mix(word ^ mix(((column as u64) << 32) ^ position))
}

/// The number of words in one column.
fn size_hash(column: usize, size: u64) -> u64 {
    mix(0x5349_5a45_0000_0000 ^ mix(((column as u64) << 48) ^ size ^ 0x9e37_79b9))
}

/// A 64-bit finalizer (MurmurHash3's), so that sums of nearby values do not collide.
fn mix(mut x: u64) -> u64 {
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x = x.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    x ^ (x >> 33)
}

/// The SQLite varints of FTS5's `_docsize` blob: one word count per column.
fn varints(mut bytes: &[u8]) -> impl Iterator<Item = u64> + '_ {
    std::iter::from_fn(move || {
        let mut value = 0u64;
        for i in 0..9 {
            let (&byte, rest) = bytes.split_first()?;
            bytes = rest;
            if i == 8 {
                return Some((value << 8) | u64::from(byte));
            }
            value = (value << 7) | u64::from(byte & 0x7f);
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
        None
    })
}

/// A path as one shell word, quoted when it has to be.
fn shell_word(text: &str) -> String {
    let plain = !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+=:@%,".contains(&b));
    if plain {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// Registers [`ROW_WORDS`] on the connection, through the FTS5 API.
fn register_row_words(conn: &Connection) -> Result<()> {
    let mut api: *mut ffi::fts5_api = std::ptr::null_mut();
    let pointer = ToSqlOutput::Pointer((
        (&mut api as *mut *mut ffi::fts5_api).cast::<c_void>(),
        c"fts5_api_ptr",
        None,
    ));
    conn.query_row("SELECT fts5(?1)", [pointer], |_| Ok(()))?;
    let name = std::ffi::CString::new(ROW_WORDS)?;
    // SAFETY: `api` is the FTS5 API of this connection (null if FTS5 is missing, checked), which
    // lives as long as the connection; the name is copied by FTS5.
    let rc = unsafe {
        match api.as_ref().and_then(|a| a.xCreateFunction) {
            Some(create) => create(
                api,
                name.as_ptr(),
                std::ptr::null_mut(),
                Some(row_words),
                None,
            ),
            None => ffi::SQLITE_ERROR,
        }
    };
    if rc != ffi::SQLITE_OK {
        anyhow::bail!("cannot use FTS5 (error {rc})");
    }
    Ok(())
}

/// A column's words as the tokenizer gives them, summed.
struct Words {
    column: usize,
    count: u64,
    sum: u64,
}

/// The FTS5 auxiliary function [`ROW_WORDS`]: the sum of the current row, as [`read_words`] and
/// the `_docsize` table give it for what the index holds.
unsafe extern "C" fn row_words(
    api: *const ffi::Fts5ExtensionApi,
    fts: *mut ffi::Fts5Context,
    context: *mut ffi::sqlite3_context,
    _argc: c_int,
    _argv: *mut *mut ffi::sqlite3_value,
) {
    // SAFETY: FTS5 calls this with its API and the current row's context, valid during the call.
    unsafe {
        let api = &*api;
        let (Some(column_count), Some(column_text), Some(tokenize)) =
            (api.xColumnCount, api.xColumnText, api.xTokenize)
        else {
            ffi::sqlite3_result_error_code(context, ffi::SQLITE_MISUSE);
            return;
        };
        let mut sum = 0u64;
        for column in 0..column_count(fts) {
            let (mut text, mut length): (*const c_char, c_int) = (std::ptr::null(), 0);
            let mut rc = column_text(fts, column, &mut text, &mut length);
            let mut words = Words {
                column: column as usize,
                count: 0,
                sum: 0,
            };
            if rc == ffi::SQLITE_OK && length > 0 {
                let words = (&mut words as *mut Words).cast::<c_void>();
                rc = tokenize(fts, text, length, words, Some(word));
            }
            if rc != ffi::SQLITE_OK {
                ffi::sqlite3_result_error_code(context, rc);
                return;
            }
            sum = sum
                .wrapping_add(words.sum)
                .wrapping_add(size_hash(words.column, words.count));
        }
        ffi::sqlite3_result_int64(context, sum as i64);
    }
}

/// The tokenizer's callback: one word, at the next position unless it shares the last one (a
/// synonym), as FTS5 counts positions.
unsafe extern "C" fn word(
    words: *mut c_void,
    flags: c_int,
    word: *const c_char,
    length: c_int,
    _start: c_int,
    _end: c_int,
) -> c_int {
    // SAFETY: `words` is the `Words` that `row_words` passed to the tokenizer, and `word` points
    // to `length` bytes, both valid during the call.
    unsafe {
        let words = &mut *words.cast::<Words>();
        if flags & ffi::FTS5_TOKEN_COLOCATED == 0 || words.count == 0 {
            words.count += 1;
        }
        let length = usize::try_from(length).unwrap_or(0).min(LONGEST_WORD);
        let bytes = if length == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(word.cast::<u8>(), length)
        };
        words.sum =
            words
                .sum
                .wrapping_add(entry_hash(word_hash(bytes), words.column, words.count - 1));
    }
    ffi::SQLITE_OK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_read_as_sqlite_writes_them() {
        let bytes = [0x05, 0x81, 0x00, 0x7f, 0xff, 0xff, 0x7f];
        assert_eq!(
            varints(&bytes).collect::<Vec<_>>(),
            [5, 128, 127, 0x1f_ffff]
        );
    }

    #[test]
    fn a_path_is_quoted_only_when_the_shell_would_split_or_expand_it() {
        assert_eq!(shell_word("data/conflict.db"), "data/conflict.db");
        assert_eq!(shell_word("my data/it's.db"), r"'my data/it'\''s.db'");
    }
}
