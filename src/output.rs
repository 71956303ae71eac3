//! Writing query results: an aligned table, CSV, JSON or Markdown. CSV and JSON stream row by row.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Result;
use rusqlite::types::ValueRef;
use rusqlite::Statement;
use serde::ser::{Error as _, Serialize, SerializeMap, Serializer};

use crate::outfile;

/// How query results are written. `--format` takes these (clap reads the variants' names).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
    Markdown,
}

/// Where and how [`write_query`] writes: a format, and a file (None or `-` for standard output).
#[derive(Clone, Copy, Debug)]
pub struct Options<'a> {
    pub format: Format,
    pub file: Option<&'a Path>,
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
    let mut sink = Sink::new(options.file, Some(database))?;
    let to_terminal = options.file.is_none() && io::stdout().is_terminal();
    let rows = write_rows(stmt, options.format, &mut sink, to_terminal)?;
    sink.finish()?;
    Ok(rows)
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
