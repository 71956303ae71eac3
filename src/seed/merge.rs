//! Seeding a dataset again, at the cost of what changed: the dataset's stored rows of a table,
//! read in order beside its file ([`StoredRows`]), so that a row of the file that is stored as
//! given is recognised by comparing values, and costs no statement at all.
//!
//! Rows with a key are read in id order: a fresh load gives rows their place in the file as
//! their id, and a new row gets the next id, so the file and the stored rows mostly advance
//! together. Link rows are read in the order of their primary key, which is the order their
//! files follow (see fresh.rs). A row that is not where the merge expects it is looked up by its
//! identity instead (update.rs): order is only what makes the common case cheap, never what
//! decides which row is which.
//!
//! The rows are read a chunk at a time, each chunk a new query from where the last one stopped,
//! so that no statement stays open over a table the load writes to, and memory holds one chunk.

use std::cmp::Ordering;

use rusqlite::types::ValueRef;
use rusqlite::Connection;

use super::convert::Converted;
use super::diagnose::SeedError;

/// Rows read per query, merging the whole table; and seeking, where the last load's fingerprints
/// say which rows to skip (most of them): the rows of a run or two.
pub(super) const CHUNK: usize = 1024;
pub(super) const SEEKING: usize = 32;

/// A value of a stored row, its text kept in the chunk's buffer.
#[derive(Clone, Copy)]
enum Cell {
    Null,
    Int(i64),
    Real(f64),
    Text(u32, u32),
    Blob(u32, u32),
}

/// Rows copied out of a chunk: a link file's rows of one first column (one event's actors), which
/// its file may give in any order.
#[derive(Default)]
pub(super) struct Group {
    /// The first column's value the group holds, once one is read.
    first: Option<rusqlite::types::Value>,
    cells: Vec<Cell>,
    bytes: Vec<u8>,
    width: usize,
    /// Whether a row of the file has been found among the group's.
    matched: Vec<bool>,
}

impl Group {
    /// Where `first` falls against the group's first column (None before the first group).
    pub(super) fn order(&self, first: ValueRef) -> Option<Ordering> {
        self.first
            .as_ref()
            .map(|own| compare(ValueRef::from(own), first))
    }

    /// Adds the rows no row of the file was found for to `passed`.
    fn unmatched(&self, passed: &mut Vec<Vec<rusqlite::types::Value>>) {
        for (row, _) in self.matched.iter().enumerate().filter(|(_, m)| !**m) {
            let cells = &self.cells[row * self.width..(row + 1) * self.width];
            passed.push(
                cells
                    .iter()
                    .map(|&c| owned(cell_value(c, &self.bytes)))
                    .collect(),
            );
        }
    }

    /// Finds the row whose columns are `given` among the group's rows not found before; true if
    /// found (it is then taken).
    pub(super) fn take<'v>(&mut self, given: impl Fn(usize) -> ValueRef<'v>) -> bool {
        let rows = self.matched.len();
        for row in 0..rows {
            if self.matched[row] {
                continue;
            }
            let cells = &self.cells[row * self.width..(row + 1) * self.width];
            if (0..self.width).all(|c| same(cell_value(cells[c], &self.bytes), given(c))) {
                self.matched[row] = true;
                return true;
            }
        }
        false
    }
}

/// The dataset's rows of one table, in the order of `order` (their first columns), read a chunk
/// at a time.
pub(super) struct StoredRows {
    /// The query of the first chunk, of every later one (from after the last row read), and of
    /// a chunk from a row on ([`StoredRows::seek`]).
    first: String,
    next: String,
    from: String,
    /// Rows read per query.
    limit: usize,
    /// Columns read per row; the first `order` of them give the order.
    width: usize,
    order: usize,
    dataset: i64,
    cells: Vec<Cell>,
    bytes: Vec<u8>,
    /// Rows in the chunk, and the one the merge has reached.
    rows: usize,
    at: usize,
    /// Whether the last chunk has been read.
    done: bool,
    /// The order columns of the last row read, where the next chunk starts.
    after: Vec<rusqlite::types::Value>,
    /// The order columns of the rows passed without a row of the file found for them: removed,
    /// unless the file gives them further on, out of turn.
    passed: Vec<Vec<rusqlite::types::Value>>,
    /// Rows read.
    read: usize,
}

impl StoredRows {
    /// The rows of dataset `dataset` in `table`, reading `columns`, the first `order` of which
    /// give the order (`id`, or a link table's primary key).
    /// `limit` rows are read per query.
    pub(super) fn new(
        table: &str,
        columns: &[&str],
        order: usize,
        dataset: i64,
        limit: usize,
    ) -> StoredRows {
        let select = columns.join(", ");
        let order_by = columns[..order].join(", ");
        let after: Vec<String> = (2..order + 2).map(|n| format!("?{n}")).collect();
        StoredRows {
            first: format!(
                "SELECT {select} FROM {table} WHERE dataset_id = ?1 ORDER BY {order_by} LIMIT {limit}"
            ),
            next: format!(
                "SELECT {select} FROM {table} WHERE dataset_id = ?1 AND ({order_by}) > ({}) ORDER BY {order_by} LIMIT {limit}",
                after.join(", ")
            ),
            from: format!(
                "SELECT {select} FROM {table} WHERE dataset_id = ?1 AND {} >= ?2 ORDER BY {order_by} LIMIT ?3",
                columns[0]
            ),
            limit,
            width: columns.len(),
            order,
            dataset,
            cells: Vec::new(),
            bytes: Vec::new(),
            rows: 0,
            at: 0,
            done: false,
            after: Vec::new(),
            passed: Vec::new(),
            read: 0,
        }
    }

    /// Passes the row the merge has reached without a row of the file found for it.
    pub(super) fn pass(&mut self) {
        let row = self.at;
        let key = (0..self.order).map(|c| owned(self.value(row, c))).collect();
        self.passed.push(key);
        self.advance();
    }

    /// Passes every row left (and the rows of `group` not found); gives the order columns of
    /// every row passed without a row of the file found for it, and how many rows there are.
    pub(super) fn finish(
        &mut self,
        conn: &Connection,
        group: &Group,
    ) -> Result<(Vec<Vec<rusqlite::types::Value>>, usize), SeedError> {
        while self.peek(conn)?.is_some() {
            self.pass();
        }
        group.unmatched(&mut self.passed);
        Ok((std::mem::take(&mut self.passed), self.read))
    }

    /// The row the merge has reached (an index for [`StoredRows::value`]), reading the next chunk
    /// when this one is used up; None once every row has been passed.
    pub(super) fn peek(&mut self, conn: &Connection) -> Result<Option<usize>, SeedError> {
        if self.at == self.rows {
            if self.done {
                return Ok(None);
            }
            self.read_chunk(conn)?;
            if self.rows == 0 {
                return Ok(None);
            }
        }
        Ok(Some(self.at))
    }

    /// Brings the merge to the first row whose first column is `first` or after it, without
    /// reading the rows between: within the chunk read, or by reading `rows` rows from there.
    /// Rows passed so are not noted as passed: where the last load's fingerprints are, the rows
    /// that may be gone come from them (fingerprint.rs), and most rows are skipped.
    pub(super) fn seek(
        &mut self,
        conn: &Connection,
        first: ValueRef,
        rows: usize,
    ) -> Result<(), SeedError> {
        if self.at < self.rows {
            let head = self.value(self.at, 0);
            let last = self.value(self.rows - 1, 0);
            if compare(head, first).is_eq() {
                return Ok(());
            }
            // Within the chunk (a row before it out of order reads again from it).
            if compare(head, first).is_lt() && compare(last, first).is_ge() {
                while compare(self.value(self.at, 0), first).is_lt() {
                    self.at += 1;
                }
                return Ok(());
            }
        }
        let mut stmt = conn.prepare_cached(&self.from)?;
        stmt.raw_bind_parameter(1, self.dataset)?;
        stmt.raw_bind_parameter(2, rusqlite::types::ToSqlOutput::Borrowed(first))?;
        let limit = rows.clamp(1, self.limit);
        stmt.raw_bind_parameter(3, limit as i64)?;
        self.fill(stmt.raw_query(), limit)
    }

    /// Passes the row the merge has reached.
    pub(super) fn advance(&mut self) {
        self.at += 1;
    }

    /// Column `column` of row `row` of the chunk.
    pub(super) fn value(&self, row: usize, column: usize) -> ValueRef<'_> {
        cell_value(self.cells[row * self.width + column], &self.bytes)
    }

    /// Fills `group` with the rows whose first column is `first`, passing those before them.
    pub(super) fn group(
        &mut self,
        conn: &Connection,
        first: ValueRef,
        group: &mut Group,
    ) -> Result<(), SeedError> {
        group.unmatched(&mut self.passed);
        group.first = Some(owned(first));
        group.cells.clear();
        group.bytes.clear();
        group.matched.clear();
        group.width = self.width;
        while let Some(row) = self.peek(conn)? {
            match compare(self.value(row, 0), first) {
                Ordering::Less => {
                    self.pass();
                    continue;
                }
                Ordering::Equal => {
                    for column in 0..self.width {
                        let cell = match self.cells[row * self.width + column] {
                            Cell::Text(start, end) | Cell::Blob(start, end) => {
                                let at = group.bytes.len() as u32;
                                group
                                    .bytes
                                    .extend_from_slice(&self.bytes[start as usize..end as usize]);
                                Cell::Text(at, at + end - start)
                            }
                            cell => cell,
                        };
                        group.cells.push(cell);
                    }
                    group.matched.push(false);
                }
                Ordering::Greater => break,
            }
            self.advance();
        }
        Ok(())
    }

    fn read_chunk(&mut self, conn: &Connection) -> Result<(), SeedError> {
        let sql = match self.after.is_empty() {
            true => &self.first,
            false => &self.next,
        };
        let mut stmt = conn.prepare_cached(sql)?;
        stmt.raw_bind_parameter(1, self.dataset)?;
        for (n, value) in (2..).zip(&self.after) {
            stmt.raw_bind_parameter(n, value)?;
        }
        self.fill(stmt.raw_query(), self.limit)
    }

    /// Reads the rows of a chunk's query, which asked for `limit` rows.
    fn fill(&mut self, mut rows: rusqlite::Rows, limit: usize) -> Result<(), SeedError> {
        self.cells.clear();
        self.bytes.clear();
        self.rows = 0;
        self.at = 0;
        while let Some(row) = rows.next()? {
            for column in 0..self.width {
                let mut text = |bytes: &[u8]| {
                    let start = self.bytes.len() as u32;
                    self.bytes.extend_from_slice(bytes);
                    (start, self.bytes.len() as u32)
                };
                self.cells.push(match row.get_ref(column)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(n) => Cell::Int(n),
                    ValueRef::Real(x) => Cell::Real(x),
                    ValueRef::Text(t) => {
                        let (start, end) = text(t);
                        Cell::Text(start, end)
                    }
                    ValueRef::Blob(b) => {
                        let (start, end) = text(b);
                        Cell::Blob(start, end)
                    }
                });
            }
            self.rows += 1;
        }
        self.read += self.rows;
        self.done = self.rows < limit;
        if self.rows > 0 {
            let last = self.rows - 1;
            self.after = (0..self.order)
                .map(|column| owned(self.value(last, column)))
                .collect();
        }
        Ok(())
    }
}

fn cell_value(cell: Cell, bytes: &[u8]) -> ValueRef<'_> {
    match cell {
        Cell::Null => ValueRef::Null,
        Cell::Int(n) => ValueRef::Integer(n),
        Cell::Real(x) => ValueRef::Real(x),
        Cell::Text(start, end) => ValueRef::Text(&bytes[start as usize..end as usize]),
        Cell::Blob(start, end) => ValueRef::Blob(&bytes[start as usize..end as usize]),
    }
}

/// A value read, as a value to bind.
pub(super) fn owned(value: ValueRef) -> rusqlite::types::Value {
    use rusqlite::types::Value;
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Integer(n),
        ValueRef::Real(x) => Value::Real(x),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// The columns whose value differs between a row's converted values and a stored row's (one
/// bit per column, from `values`' first), `skip` left out.
pub(super) fn differing<'s>(
    values: &[Converted],
    (record, arena): (&csv::StringRecord, &str),
    stored: impl Fn(usize) -> ValueRef<'s>,
    skip: Option<usize>,
) -> u64 {
    let mut differ = 0;
    for (column, value) in values.iter().enumerate() {
        if Some(column) != skip && !same(value.value(record, arena), stored(column)) {
            differ |= 1 << column;
        }
    }
    differ
}

/// Whether two values are the same as SQLite's `IS` would say, but for an integer and a real
/// of equal value, which count as different: the update that follows compares them as SQLite
/// does, and writes nothing if they are equal.
pub(super) fn same(a: ValueRef, b: ValueRef) -> bool {
    match (a, b) {
        (ValueRef::Null, ValueRef::Null) => true,
        (ValueRef::Integer(x), ValueRef::Integer(y)) => x == y,
        (ValueRef::Real(x), ValueRef::Real(y)) => x == y,
        (ValueRef::Text(x), ValueRef::Text(y)) | (ValueRef::Blob(x), ValueRef::Blob(y)) => x == y,
        _ => false,
    }
}

/// Two values in SQLite's order for columns of the BINARY collation: NULL, then numbers, then
/// text, then blobs.
pub(super) fn compare(a: ValueRef, b: ValueRef) -> Ordering {
    fn class(v: &ValueRef) -> u8 {
        match v {
            ValueRef::Null => 0,
            ValueRef::Integer(_) | ValueRef::Real(_) => 1,
            ValueRef::Text(_) => 2,
            ValueRef::Blob(_) => 3,
        }
    }
    match (a, b) {
        (ValueRef::Integer(x), ValueRef::Integer(y)) => x.cmp(&y),
        (ValueRef::Integer(x), ValueRef::Real(y)) => (x as f64).total_cmp(&y),
        (ValueRef::Real(x), ValueRef::Integer(y)) => x.total_cmp(&(y as f64)),
        (ValueRef::Real(x), ValueRef::Real(y)) => x.total_cmp(&y),
        (ValueRef::Text(x), ValueRef::Text(y)) | (ValueRef::Blob(x), ValueRef::Blob(y)) => x.cmp(y),
        (a, b) => class(&a).cmp(&class(&b)),
    }
}
