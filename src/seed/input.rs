//! Where rows come from: the seam every source of rows plugs into ([`Source`], [`Rows`]), the
//! seed files that fill it today (built in, a directory, or files in memory), and [`Origin`], the
//! one context a table's rows carry so that a message can name their file and line.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;

use include_dir::{include_dir, Dir};

use super::diagnose::SeedError;
use super::strict_csv::CsvRows;
use crate::schema::Table;

/// The shipped data set, compiled in so that `conflictdb seed` works from any directory.
pub static BUILT_IN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/seed");

/// Where the loader's rows come from: for each table, a stream of records, the header first,
/// whatever produced them (a CSV file, or an importer that turns another data set into rows of
/// these tables). The loader checks every record as it checks a seed file's.
pub trait Source: Sync {
    /// What messages call the table's rows, as they would name a file.
    fn name(&self, table: &Table) -> String;

    /// How many bytes the table's rows take, where known: for the progress bar, and to size the
    /// key maps before they fill up.
    fn size(&self, _table: &Table) -> Option<u64> {
        None
    }

    /// The table's rows from the start, the header first. Opened again, after a refusal, to find
    /// the lines a message names, so the same call must give the same rows.
    fn rows(&self, table: &Table) -> Result<Box<dyn Rows + '_>, SeedError>;

    /// The hash of the bytes [`Source::rows`] reads for the table, as [`Rows::hash`] gives it
    /// once they are read, but read ahead of them (see unchanged.rs); None where there are no
    /// such bytes, or they cannot be read (reading the rows then says why).
    fn hash_of(&self, _table: &Table) -> Option<String> {
        None
    }

    /// Whether figures that must not decrease (count_low <= count_best <= count_high) load as
    /// given, for `check` to list, rather than being refused: true for an import, whose figures
    /// are another dataset's published data and are never altered; a seed file's are refused,
    /// where they are a slip of the hand.
    fn figures_as_published(&self) -> bool {
        self.dataset().kind == "import"
    }

    /// The files the rows were read from, as `dataset_files` records them, when they are not one
    /// seed file per table (an import of another data set's files); None records each table's
    /// rows as its seed file.
    fn files(&self) -> Option<Vec<SourceFile>> {
        None
    }

    /// The dataset the rows belong to, unless the caller names another: by default `import`.
    fn dataset(&self) -> Dataset {
        Dataset {
            name: "import".to_string(),
            kind: "import",
            loaded_from: None,
            allow_removals: false,
            dry_run: false,
            format: "seed",
            keep_missing: false,
        }
    }
}

/// A file a dataset was loaded from, as `dataset_files` records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceFile {
    pub file: String,
    /// A hash of the file's bytes, by which a later load can tell an unchanged file.
    pub hash: Option<String>,
    pub bytes: u64,
    /// The records it held.
    pub rows: u64,
    /// The records an import set aside as refused (`--keep-going`).
    pub rejected: Option<u64>,
    /// Its format (as `datasets.format`) and the layout of that format it was read as.
    pub format: &'static str,
    pub layout: Option<&'static str>,
}

/// A dataset as a load records it: its name, its kind, and where it was loaded from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dataset {
    pub name: String,
    /// `built-in`, `directory` or `import` (see migrations/V5__datasets.sql).
    pub kind: &'static str,
    pub loaded_from: Option<String>,
    /// Whether this load may remove more than half of a table's rows of the dataset.
    pub allow_removals: bool,
    /// Whether the load only says what it would change, and writes nothing.
    pub dry_run: bool,
    /// The format of its files, as `datasets.format` stores it (src/attribution.rs): `seed` for
    /// conflictdb's own layout.
    pub format: &'static str,
    /// Whether the dataset's rows its files no longer hold are kept rather than removed, events
    /// among them flagged `retracted` (an import of a newer export: the publisher deleted them).
    pub keep_missing: bool,
}

impl Dataset {
    /// The name of the shipped data's dataset, always id 1.
    pub const BUILT_IN: &'static str = "built-in";

    pub fn built_in() -> Dataset {
        Dataset {
            name: Dataset::BUILT_IN.to_string(),
            kind: "built-in",
            loaded_from: None,
            allow_removals: false,
            dry_run: false,
            format: "seed",
            keep_missing: false,
        }
    }
}

/// One table's records in order, the header first.
pub trait Rows: Send {
    /// Reads the next record into `record`, its position giving the line that messages name and
    /// the byte reached (for progress); false after the last. An error is the source's own
    /// refusal, naming its file and line.
    fn next(&mut self, record: &mut csv::ByteRecord) -> Result<bool, SeedError>;

    /// The bytes the last record was read from, as the file holds them (without its line
    /// break); None where the rows are not read from a file's bytes.
    fn raw(&self) -> Option<&[u8]> {
        None
    }

    /// Whether records can be looked at ahead of the parser and passed unparsed ([`Rows::peek`]).
    fn can_peek(&self) -> bool {
        false
    }

    /// The record `ahead` records after the next one (0: the next), without parsing it.
    fn peek(&mut self, _ahead: usize) -> Peeked<'_> {
        Peeked::Unknown
    }

    /// Passes the next `records` records unparsed (each was [`Rows::peek`]ed).
    fn pass(&mut self, _records: usize) {}

    /// A refusal that only the end of the rows shows (a quote never closed), as (line, message).
    fn error_at_end(&mut self) -> Option<(u64, String)> {
        None
    }

    /// A hash of the bytes the rows were read from, once read to the end, as 16 hex digits
    /// (see file_hash.rs), recorded in `dataset_files.hash`; None where there are no such bytes.
    fn hash(&self) -> Option<String> {
        None
    }
}

/// A record looked at ahead of the parser ([`Rows::peek`]).
pub enum Peeked<'a> {
    /// Where it starts (byte, line), and its bytes without its line break.
    Record(u64, u64, &'a [u8]),
    /// There are no more records.
    End,
    /// Not known: the rows cannot be looked at so, or a fault of the file's quoting or a
    /// failure to read was met ahead (the parser refuses the file where it reaches it).
    Unknown,
}

/// Where the seed files come from.
#[derive(Clone, Debug)]
pub enum Input {
    BuiltIn,
    Dir(PathBuf),
    /// Files held in memory, by file name (for tests and fuzzing); a missing file falls back to
    /// the built-in one, so a caller can replace just the files it cares about.
    Files(std::collections::BTreeMap<String, Vec<u8>>),
}

impl Source for Input {
    fn name(&self, table: &Table) -> String {
        self.display(&table.file_name())
    }

    fn size(&self, table: &Table) -> Option<u64> {
        self.file_size(&table.file_name())
    }

    fn rows(&self, table: &Table) -> Result<Box<dyn Rows + '_>, SeedError> {
        let file = table.file_name();
        Ok(Box::new(CsvRows::new(
            self.bytes(table)?,
            self.display(&file),
        )))
    }

    fn hash_of(&self, table: &Table) -> Option<String> {
        let mut bytes = self.bytes(table).ok()?;
        let mut hash = super::file_hash::FileHash::default();
        let mut buffer = vec![0; 256 * 1024];
        loop {
            match bytes.read(&mut buffer) {
                Ok(0) => return Some(hash.finish()),
                Ok(n) => hash.update(&buffer[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => return None,
            }
        }
    }

    /// The built-in data; a directory's dataset is named after the directory (`seed .` after
    /// the directory it stands for); files in memory are the dataset `files`.
    fn dataset(&self) -> Dataset {
        match self {
            Input::BuiltIn => Dataset::built_in(),
            Input::Dir(dir) => {
                let path = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.clone());
                Dataset {
                    name: path.file_name().map_or_else(
                        || path.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    ),
                    kind: "directory",
                    loaded_from: Some(path.display().to_string()),
                    allow_removals: false,
                    dry_run: false,
                    format: "seed",
                    keep_missing: false,
                }
            }
            Input::Files(_) => Dataset {
                name: "files".to_string(),
                kind: "directory",
                loaded_from: None,
                allow_removals: false,
                dry_run: false,
                format: "seed",
                keep_missing: false,
            },
        }
    }
}

impl Input {
    fn display(&self, file: &str) -> String {
        match self {
            Input::BuiltIn => format!("seed/{file}"),
            Input::Dir(dir) => dir.join(file).display().to_string(),
            Input::Files(_) => file.to_string(),
        }
    }

    /// The bytes of the table's file: a directory holds only the tables its dataset has rows
    /// of, and a missing file is a table without rows, its header alone.
    fn bytes(&self, table: &Table) -> Result<Box<dyn Read + Send + '_>, SeedError> {
        let file = table.file_name();
        if let Input::Dir(dir) = self {
            if !dir.join(&file).exists() && std::fs::symlink_metadata(dir.join(&file)).is_err() {
                let header: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
                let header = format!("{}\n", header.join(","));
                return Ok(Box::new(std::io::Cursor::new(header.into_bytes())));
            }
        }
        self.open(&file)
    }

    /// The size of a file in bytes, where known.
    fn file_size(&self, file: &str) -> Option<u64> {
        match self {
            Input::BuiltIn => BUILT_IN.get_file(file).map(|f| f.contents().len() as u64),
            // A missing file, a table without rows, is empty.
            Input::Dir(dir) => Some(std::fs::metadata(dir.join(file)).map_or(0, |m| m.len())),
            Input::Files(files) => files
                .get(file)
                .map(|f| f.len() as u64)
                .or_else(|| Input::BuiltIn.file_size(file)),
        }
    }

    fn open(&self, file: &str) -> Result<Box<dyn Read + Send + '_>, SeedError> {
        let missing = || SeedError::File {
            file: self.display(file),
            message: "file not found: every seed directory holds one CSV per table".into(),
        };
        match self {
            Input::BuiltIn => Ok(Box::new(
                BUILT_IN.get_file(file).ok_or_else(missing)?.contents(),
            )),
            Input::Dir(dir) => {
                let path = dir.join(file);
                match File::open(&path) {
                    Ok(f) => Ok(Box::new(BufReader::with_capacity(256 * 1024, f))),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(missing()),
                    Err(e) => Err(SeedError::File {
                        file: self.display(file),
                        message: e.to_string(),
                    }),
                }
            }
            Input::Files(files) => match files.get(file) {
                Some(bytes) => Ok(Box::new(bytes.as_slice())),
                None => Input::BuiltIn.open(file),
            },
        }
    }
}

/// One table's rows as their source gives them: the name messages call them by, and the way to
/// read them again from the start, to find the lines a message names (see diagnose.rs).
#[derive(Clone)]
pub(super) struct Origin<'s> {
    source: &'s dyn Source,
    pub(super) table: &'static Table,
    name: String,
}

impl<'s> Origin<'s> {
    pub(super) fn new(source: &'s dyn Source, table: &'static Table) -> Origin<'s> {
        Origin {
            source,
            table,
            name: source.name(table),
        }
    }

    /// What messages call the rows: a file's path.
    pub(super) fn name(&self) -> &str {
        &self.name
    }

    pub(super) fn size(&self) -> Option<u64> {
        self.source.size(self.table)
    }

    pub(super) fn figures_as_published(&self) -> bool {
        self.source.figures_as_published()
    }

    /// The rows from the start, the header first.
    pub(super) fn rows(&self) -> Result<Box<dyn Rows + 's>, SeedError> {
        self.source.rows(self.table)
    }
}
