//! Writing query results: an aligned table, CSV, JSON or Markdown (CSV and JSON stream row by
//! row), or a file format of its own (an .xlsx workbook, GeoJSON, Parquet) through src/export/.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use clap::ValueEnum;
use rusqlite::types::ValueRef;
use rusqlite::Statement;
use serde::ser::{Error as _, Serialize, SerializeMap, Serializer};

use crate::export::provenance::{self, Credit};
use crate::export::{geojson, parquet, xlsx};
use crate::outfile;

/// How query results are written. `--format` takes these (clap reads the variants' names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Markdown,
    /// An Excel workbook: to a file only.
    Xlsx,
    /// Points, for rows with latitude and longitude columns.
    Geojson,
    /// A Parquet file: to a file only.
    Parquet,
}

/// Where and how [`write_query`] writes: a format (None: from the file's extension, else a
/// table), a file (None or `-` for standard output), and whether CSV is for spreadsheets.
#[derive(Clone, Copy, Debug)]
pub struct Options<'a> {
    pub format: Option<Format>,
    pub file: Option<&'a Path>,
    pub excel: bool,
}

/// What a command writes: rows as text in a [`Format`], or a file format of its own. The one
/// place where `-o FILE.ext` and `--format` are turned into a writer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Chosen {
    Rows(Format),
    /// CSV for spreadsheets ([`write_excel_rows`]).
    Excel,
    Xlsx,
    GeoJson,
    Parquet,
}

/// The extensions `-o FILE` knows, and what each writes.
pub const EXTENSIONS: &[(&str, Chosen)] = &[
    ("csv", Chosen::Rows(Format::Csv)),
    ("json", Chosen::Rows(Format::Json)),
    ("md", Chosen::Rows(Format::Markdown)),
    ("xlsx", Chosen::Xlsx),
    ("geojson", Chosen::GeoJson),
    ("parquet", Chosen::Parquet),
];

impl Options<'_> {
    /// The file named, if output goes to one.
    fn named_file(&self) -> Option<&Path> {
        self.file.filter(|f| *f != Path::new("-"))
    }

    /// What to write: `--format` if given, else the extension of the file named, else a table.
    /// An extension nobody knows, with no `--format`, is refused naming the file and those known.
    pub fn chosen(&self) -> Result<Chosen> {
        let by_extension = || -> Result<Option<Chosen>> {
            let Some(file) = self.named_file() else {
                return Ok(None);
            };
            let extension = file
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .unwrap_or_default();
            match EXTENSIONS.iter().find(|(known, _)| *known == extension) {
                Some((_, chosen)) => Ok(Some(*chosen)),
                None if self.excel || self.format.is_some() => Ok(None),
                None => {
                    let known: Vec<String> =
                        EXTENSIONS.iter().map(|(e, _)| format!(".{e}")).collect();
                    bail!(
                        "cannot tell which format to write {} in from its extension; known: {}; \
                         or pass --format",
                        file.display(),
                        known.join(", ")
                    )
                }
            }
        };
        if self.excel {
            let named = |format: Format| {
                format
                    .to_possible_value()
                    .map_or(String::new(), |v| v.get_name().to_string())
            };
            if let Some(format) = self.format.filter(|f| *f != Format::Csv) {
                bail!(
                    "--excel writes CSV for spreadsheets; it does not go with --format {}",
                    named(format)
                );
            }
            if self.format.is_none() {
                if let Some(other) = by_extension()?.filter(|c| *c != Chosen::Rows(Format::Csv)) {
                    bail!(
                        "--excel writes CSV for spreadsheets, but {} names another format ({other:?})",
                        self.named_file().unwrap_or(Path::new("-")).display()
                    );
                }
            }
            return Ok(Chosen::Excel);
        }
        if let Some(format) = self.format {
            return Ok(match format {
                Format::Xlsx => Chosen::Xlsx,
                Format::Geojson => Chosen::GeoJson,
                Format::Parquet => Chosen::Parquet,
                rows => Chosen::Rows(rows),
            });
        }
        Ok(by_extension()?.unwrap_or(Chosen::Rows(Format::Table)))
    }
}

/// Where data goes: standard output, or a file written under a temporary name and put in place
/// when complete (see outfile.rs), so an interrupted run never leaves a truncated file that looks
/// whole. Write errors name the destination, and say when the disk is full.
pub enum Sink {
    Stdout(BufWriter<io::StdoutLock<'static>>),
    File {
        writer: BufWriter<File>,
        pending: outfile::Pending,
        shown: PathBuf,
    },
}

impl Sink {
    /// `database` is the database in use, which output never overwrites.
    pub fn new(output: Option<&Path>, database: Option<&Path>) -> Result<Sink> {
        match output {
            Some(path) if path != Path::new("-") => Sink::file(path, path, database),
            _ => {
                outfile::refuse_stdout(database)?;
                Ok(Sink::stdout())
            }
        }
    }

    pub fn stdout() -> Sink {
        Sink::Stdout(BufWriter::with_capacity(64 * 1024, io::stdout().lock()))
    }

    /// The file `path`, named `shown` in messages.
    pub fn file(path: &Path, shown: &Path, database: Option<&Path>) -> Result<Sink> {
        let (file, pending) = outfile::create(path, shown, database)?;
        Ok(Sink::File {
            writer: BufWriter::with_capacity(256 * 1024, file),
            pending,
            shown: shown.to_path_buf(),
        })
    }

    pub fn finish(self) -> Result<()> {
        match self {
            Sink::Stdout(mut writer) => writer.flush().map_err(|e| stdout_error(e).into()),
            Sink::File {
                writer,
                pending,
                shown,
            } => {
                let file = writer
                    .into_inner()
                    .map_err(|e| outfile::write_error(e.into_error(), &shown))?;
                pending.finish(file)
            }
        }
    }
}

/// A broken pipe stays one (the reader has all it wanted); anything else names standard output.
pub fn stdout_error(error: io::Error) -> io::Error {
    if error.kind() == io::ErrorKind::BrokenPipe {
        return error;
    }
    let message = outfile::io_message(&error, Path::new("standard output"));
    io::Error::new(error.kind(), message)
}

impl Write for Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Sink::Stdout(writer) => writer.write(buf).map_err(stdout_error),
            Sink::File { writer, shown, .. } => writer
                .write(buf)
                .map_err(|e| io::Error::new(e.kind(), outfile::io_message(&e, shown))),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Sink::Stdout(writer) => writer.flush().map_err(stdout_error),
            Sink::File { writer, shown, .. } => writer
                .flush()
                .map_err(|e| io::Error::new(e.kind(), outfile::io_message(&e, shown))),
        }
    }
}

/// Runs `stmt` and writes its rows as `options` say; `database` is the database in use.
pub fn write_query(stmt: &mut Statement, options: Options, database: &Path) -> Result<u64> {
    write_named(stmt, "query", "the query", options, database)
}

/// [`write_query`] for rows that have a name: `name` names the workbook's sheet and the Parquet
/// file's table, `what` names the rows in a refusal (`report timeline`).
pub fn write_named(
    stmt: &mut Statement,
    name: &str,
    what: &str,
    options: Options,
    database: &Path,
) -> Result<u64> {
    // The formats of their own come first: the whole file is written by its own writer (through
    // outfile.rs, which refuses the database as the sink does), and a refusal creates nothing.
    match options.chosen() {
        Ok(chosen @ (Chosen::Xlsx | Chosen::Parquet)) => {
            return write_binary(stmt, name, chosen, options, database)
        }
        Ok(Chosen::GeoJson) => return write_geojson(stmt, what, options, database),
        _ => {}
    }
    // A file that must never be written (the database, any SQLite file) is refused for that,
    // whatever its extension says; the sink, dropped on a refusal, leaves no file behind.
    let mut sink = Sink::new(options.file, Some(database))?;
    let chosen = options.chosen()?;
    let to_terminal = options.file.is_none() && io::stdout().is_terminal();
    let rows = match chosen {
        Chosen::Excel => write_excel_rows(stmt, &mut sink)?,
        Chosen::Rows(format) => write_rows(stmt, format, &mut sink, to_terminal)?,
        Chosen::Xlsx | Chosen::GeoJson | Chosen::Parquet => unreachable!("written above"),
    };
    sink.finish()?;
    Ok(rows)
}

/// The datasets the rows may come from, as the exports of views credit them: every dataset
/// that has rows. Read on a connection of its own, as a reader of the same file.
fn credits(database: &Path) -> Result<Vec<Credit>> {
    let conn = crate::db::open_read_only(database)?;
    provenance::with_rows(&conn, &provenance::all(&conn)?)
}

/// Writes the rows as a workbook (the sheet `name` and `attribution`) or a Parquet file.
fn write_binary(
    stmt: &mut Statement,
    name: &str,
    chosen: Chosen,
    options: Options,
    database: &Path,
) -> Result<u64> {
    let (what, extension) = match chosen {
        Chosen::Xlsx => ("an .xlsx workbook", "xlsx"),
        _ => ("a Parquet file", "parquet"),
    };
    let Some(file) = options.named_file() else {
        outfile::refuse_stdout(Some(database))?;
        bail!("{what} is not written to standard output; name a file: -o FILE.{extension}");
    };
    let credits = credits(database)?;
    match chosen {
        Chosen::Xlsx => xlsx::write_report(stmt, name, &credits, file, database),
        _ => parquet::write_report(stmt, name, &credits, file, database),
    }
}

/// Writes the rows as GeoJSON points, or refuses rows without coordinates, naming `what` and
/// the views that have them.
fn write_geojson(
    stmt: &mut Statement,
    what: &str,
    options: Options,
    database: &Path,
) -> Result<u64> {
    let has = |wanted: &str| stmt.column_names().any(|n| n.eq_ignore_ascii_case(wanted));
    if !(has("latitude") && has("longitude")) {
        let shown = options.named_file().unwrap_or(Path::new("standard output"));
        let conn = crate::db::open_read_only(database)?;
        let views: Vec<String> = conn
            .prepare(
                "SELECT m.name FROM sqlite_master AS m WHERE m.type = 'view'
                 AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE lower(name) = 'latitude')
                 AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE lower(name) = 'longitude')
                 ORDER BY m.name",
            )?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        match views.first() {
            Some(first) => bail!(
                "cannot write {}: {what} has no latitude and longitude columns to map; the views \
                 with coordinates are {} (conflictdb query \"SELECT * FROM {first}\" -o FILE.geojson)",
                shown.display(),
                views.join(", ")
            ),
            None => bail!(
                "cannot write {}: {what} has no latitude and longitude columns to map, and no view \
                 of this database has them",
                shown.display()
            ),
        }
    }
    let credits = credits(database)?;
    let mut sink = Sink::new(options.file, Some(database))?;
    let (points, left_out) = geojson::write_rows(stmt, &credits, &mut sink)?;
    sink.finish()?;
    if left_out > 0 {
        // A row without a place has no point; say so rather than drop it unseen.
        eprintln!("conflictdb: {left_out} rows without latitude and longitude are not on the map");
    }
    Ok(points)
}

/// Writes the rows of `stmt` as CSV for spreadsheets: a UTF-8 byte-order mark (Excel reads the
/// file as Latin-1 without it), CRLF line ends, every field quoted that holds a character some
/// spreadsheet guesses as a separator (`,` `;` tab) or a line break or a quote, and every text
/// cell that starts with `=` `+` `-` `@` tab or CR prefixed with `'`, so that it opens as text and
/// never runs as a formula (OWASP, "CSV Injection"). Numbers stored as numbers are written as
/// they are: a negative number is no formula.
pub fn write_excel_rows(stmt: &mut Statement, out: &mut dyn Write) -> Result<u64> {
    let names: Vec<String> = stmt.column_names().map(String::from).collect();
    let mut rows = stmt.raw_query();
    let mut line = String::new();
    out.write_all("\u{feff}".as_bytes())?;
    for (i, name) in names.iter().enumerate() {
        excel_field(&mut line, i, name, true);
    }
    line.push_str("\r\n");
    out.write_all(line.as_bytes())?;
    let mut count = 0u64;
    while let Some(row) = rows.next()? {
        line.clear();
        for i in 0..names.len() {
            let value = row.get_ref(i)?;
            let is_text = matches!(value, ValueRef::Text(_) | ValueRef::Blob(_));
            excel_field(&mut line, i, &text(value), is_text);
        }
        line.push_str("\r\n");
        out.write_all(line.as_bytes())?;
        count += 1;
    }
    Ok(count)
}

/// Appends one field of a spreadsheet CSV line (see [`write_excel_rows`]).
fn excel_field(line: &mut String, index: usize, value: &str, is_text: bool) {
    if index > 0 {
        line.push(',');
    }
    let formula_like = is_text && value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = value.contains([',', ';', '\t', '\n', '\r', '"']);
    if quoted {
        line.push('"');
    }
    if formula_like {
        line.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            line.push('"');
        }
        line.push(c);
    }
    if quoted {
        line.push('"');
    }
}

/// Writes the rows of `stmt`, whose parameters are already bound.
pub fn write_rows(
    stmt: &mut Statement,
    format: Format,
    out: &mut dyn Write,
    to_terminal: bool,
) -> Result<u64> {
    let names: Vec<String> = stmt.column_names().map(String::from).collect();
    let mut rows = stmt.raw_query();
    let mut count = 0u64;
    match format {
        Format::Csv => {
            let mut writer = csv::Writer::from_writer(out);
            writer.write_record(&names)?;
            let mut record = Vec::with_capacity(names.len());
            while let Some(row) = rows.next()? {
                record.clear();
                for i in 0..names.len() {
                    record.push(text(row.get_ref(i)?));
                }
                writer.write_record(&record)?;
                count += 1;
            }
            writer.flush()?;
        }
        Format::Json => {
            let members = json_members(&names);
            out.write_all(b"[")?;
            while let Some(row) = rows.next()? {
                out.write_all(if count == 0 { b"\n  " } else { b",\n  " })?;
                serde_json::to_writer(
                    &mut *out,
                    &JsonRow {
                        members: &members,
                        row,
                    },
                )?;
                count += 1;
            }
            out.write_all(if count == 0 { b"]\n" } else { b"\n]\n" })?;
        }
        Format::Markdown => {
            let escape = |s: String| {
                s.replace('|', "\\|")
                    .replace("\r\n", "<br>")
                    .replace('\n', "<br>")
            };
            writeln!(
                out,
                "| {} |",
                names
                    .iter()
                    .map(|n| escape(n.clone()))
                    .collect::<Vec<_>>()
                    .join(" | ")
            )?;
            writeln!(
                out,
                "|{}|",
                names.iter().map(|_| "---").collect::<Vec<_>>().join("|")
            )?;
            while let Some(row) = rows.next()? {
                let mut cells = Vec::with_capacity(names.len());
                for i in 0..names.len() {
                    cells.push(escape(text(row.get_ref(i)?)));
                }
                writeln!(out, "| {} |", cells.join(" | "))?;
                count += 1;
            }
        }
        Format::Xlsx | Format::Geojson | Format::Parquet => {
            bail!("{format:?} is written by write_named, not as rows of text")
        }
        Format::Table => {
            let mut table = new_table(to_terminal);
            table.set_header(&names);
            while let Some(row) = rows.next()? {
                let mut cells = Vec::with_capacity(names.len());
                for i in 0..names.len() {
                    cells.push(text(row.get_ref(i)?));
                }
                table.add_row(cells);
                count += 1;
            }
            writeln!(out, "{table}")?;
        }
    }
    Ok(count)
}

/// A table for people: long cells wrap to the terminal, or to $COLUMNS (default 120) when the
/// output goes elsewhere. CSV and JSON are for programs.
pub fn new_table(to_terminal: bool) -> comfy_table::Table {
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    if !to_terminal {
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(120);
        table.set_width(width);
    }
    table
}

/// A progress bar on stderr, or None when stderr is not a terminal (bars are for people).
pub fn progress_bar(length: u64, template: &str) -> Option<indicatif::ProgressBar> {
    if !io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(length);
    bar.set_style(
        indicatif::ProgressStyle::with_template(template)
            .expect("a valid template")
            .progress_chars("=> "),
    );
    Some(bar)
}

/// A value as text: NULL is empty.
pub fn text(value: ValueRef) -> String {
    match value {
        ValueRef::Null => String::new(),
        ValueRef::Integer(i) => i.to_string(),
        ValueRef::Real(f) => f.to_string(),
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        ValueRef::Blob(b) => b.iter().map(|byte| format!("{byte:02x}")).collect(),
    }
}

/// The members of each row's JSON object, as (name, column index), in column order. A name
/// that several columns share (`SELECT 1 AS a, 2 AS a`) is one member, where the first of them
/// is, holding the last one's value.
fn json_members(names: &[String]) -> Vec<(&str, usize)> {
    let mut members: Vec<(&str, usize)> = Vec::with_capacity(names.len());
    for (index, name) in names.iter().enumerate() {
        match members.iter_mut().find(|(seen, _)| *seen == name) {
            Some(member) => member.1 = index,
            None => members.push((name, index)),
        }
    }
    members
}

/// A row as a JSON object, serialized straight from SQLite's values: no map, no key and no
/// string is built per row.
struct JsonRow<'a> {
    members: &'a [(&'a str, usize)],
    row: &'a rusqlite::Row<'a>,
}

impl Serialize for JsonRow<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut object = serializer.serialize_map(Some(self.members.len()))?;
        for &(name, index) in self.members {
            let value = self.row.get_ref(index).map_err(S::Error::custom)?;
            object.serialize_entry(name, &JsonValue(value))?;
        }
        object.end()
    }
}

/// A value in JSON: NULL is null, numbers are numbers (a non-finite real is null), text is a
/// string, a blob is its bytes in hex.
struct JsonValue<'a>(ValueRef<'a>);

impl Serialize for JsonValue<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            ValueRef::Null => serializer.serialize_unit(),
            ValueRef::Integer(i) => serializer.serialize_i64(i),
            ValueRef::Real(f) => serializer.serialize_f64(f),
            ValueRef::Text(t) => serializer.serialize_str(&String::from_utf8_lossy(t)),
            blob @ ValueRef::Blob(_) => serializer.serialize_str(&text(blob)),
        }
    }
}
