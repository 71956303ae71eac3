//! `import`: files of another data set (ACLED, UCDP GED, GDELT) loaded as a dataset of our tables.
//!
//! ```text
//!  FILE ──► detect.rs ──► records ──► Format::map ──► Sink ──► Collected ══► seed loader ──► SQLite
//!           (format,      (read.rs:    (acled.rs,     (sink.rs: (source.rs:   (the same checks,
//!            layout)       CSV or TSV)  ucdp.rs,       rows of   a seed::      one transaction)
//!                                       gdelt.rs)      our tables Source)
//!                                                      spilled to
//!                                                      temp files)
//! ```
//!
//! Each command's files are one dataset, named after the format and the first file unless
//! `--dataset` names it; importing it again updates it as seeding again does, except that the
//! events a newer export no longer holds are kept and flagged `retracted` (unless
//! `--remove-missing`). A refusal names the imported file's line, column and value: a format's
//! own refusal as `map` gives it, the loader's through [`explain`] (explain.rs), which turns the loader's
//! table and column back into the file's. With `--keep-going`, refused records go to a rejects
//! file beside the database, each with its reason, and the rest load.
//! Files that are the ones last imported, with the same actor links, are not loaded again
//! (last_import.rs).

pub mod acled;
pub mod actor_links;
pub mod dates;
pub mod detect;
mod explain;
pub mod format;
pub mod gdelt;
pub mod keys;
mod last_import;
mod read;
pub mod record;
mod rejects;
pub mod sink;
pub mod source;
mod spool;
pub mod ucdp;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Result};
use rusqlite::OptionalExtension;

use self::detect::Detected;
use self::format::Format;
use self::sink::Sink;
use self::source::{Collected, WithBuiltIn};
use crate::seed::{self, Dataset, Progress, SeedError, TableChanges};

/// What the user asked for.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub files: Vec<PathBuf>,
    /// The format named with `--format`; recognised from each file's header otherwise.
    pub format: Option<String>,
    pub dataset: Option<String>,
    pub keep_going: bool,
    pub remove_missing: bool,
    pub map: format::Options,
}

/// What an import did.
#[derive(Debug)]
pub struct Report {
    pub dataset: String,
    pub format: &'static str,
    /// Each file with its layout.
    pub files: Vec<(PathBuf, &'static str)>,
    /// Records read, and refused (written to the rejects file).
    pub records: u64,
    pub rejected: u64,
    pub rejects_file: Option<PathBuf>,
    /// What the load did to each table of the dataset (empty for a new database).
    pub changes: Vec<TableChanges>,
    /// Events this import flagged retracted (missing from the file, not flagged before).
    pub retracted: u64,
    pub counts: seed::Counts,
    /// Whether the files were the ones last imported, byte for byte, by this version: nothing
    /// was written.
    pub unchanged_files: bool,
}

impl Report {
    /// The changes to `table`.
    pub fn changes_of(&self, table: &str) -> Option<&TableChanges> {
        self.changes.iter().find(|c| c.table == table)
    }
}

/// Times a load is tried again without the records the loader refused, with `--keep-going`.
const RETRIES: usize = 100;

/// Imports the files into the database at `db_path`.
pub fn import(db_path: &Path, options: &Options, progress: &mut dyn Progress) -> Result<Report> {
    let files = detect_all(options)?;
    let format = files[0].1.format;
    let dataset = dataset(options, format)?;
    // A file mapped as last time (the same bytes, by the same version, with no year's century
    // to choose) would load the same rows: nothing to do.
    let links = options.map.links.as_source_file();
    if options.map.century.is_none() {
        if let Some((records, events)) =
            last_import::as_last_imported(db_path, &dataset.name, &files, links.as_ref())?
        {
            return Ok(Report {
                dataset: dataset.name,
                format: format.name(),
                files: files
                    .iter()
                    .map(|(p, d)| (p.clone(), d.layout.name))
                    .collect(),
                records,
                rejected: 0,
                rejects_file: None,
                changes: vec![TableChanges {
                    table: "events",
                    unchanged: events,
                    ..TableChanges::default()
                }],
                retracted: 0,
                counts: Vec::new(),
                unchanged_files: true,
            });
        }
    }
    // Lines the loader refused, found by earlier tries, with their reasons.
    let mut refused: BTreeMap<(usize, u64), String> = BTreeMap::new();
    let namespace = namespace(db_path, &dataset.name)?;
    for _ in 0..=RETRIES {
        let mut sink = Sink::new(namespace.clone(), format.name());
        let read = read::map_files(
            &files,
            &options.map,
            &mut sink,
            options.keep_going,
            &refused,
        )?;
        let mut collected = Collected::new(sink)?;
        collected.files = read.files.clone();
        collected.files.extend(links.clone());
        match load(db_path, &collected, &dataset, progress) {
            Ok(Loaded {
                counts,
                changes,
                retracted,
            }) => {
                let rejects_file = match read.rejects.is_empty() {
                    true => None,
                    false => Some(rejects::write(db_path, &files, &read.rejects)?),
                };
                return Ok(Report {
                    dataset: dataset.name,
                    format: format.name(),
                    files: files
                        .iter()
                        .map(|(p, d)| (p.clone(), d.layout.name))
                        .collect(),
                    records: read.records,
                    rejected: read.rejects.len() as u64,
                    rejects_file,
                    changes,
                    retracted,
                    counts,
                    unchanged_files: false,
                });
            }
            Err(LoadError::Refused(error)) => {
                let (at, message) = explain::explain(&error, &files, &namespace);
                match at {
                    Some(at) if options.keep_going && !refused.contains_key(&at) => {
                        refused.insert(at, message);
                    }
                    // A refusal of a record, which --keep-going would set aside.
                    Some(_) if !options.keep_going => {
                        bail!("{message}; nothing was imported (--keep-going loads the other rows)")
                    }
                    _ => bail!("{message}; nothing was imported"),
                }
            }
            Err(LoadError::Other(error)) => return Err(error),
        }
    }
    bail!(
        "the loader refused more than {RETRIES} records one by one; nothing was loaded: correct the file and import it again"
    )
}

/// Each file's format and layout; the files of one import are of one format.
fn detect_all(options: &Options) -> Result<Vec<(PathBuf, Detected)>> {
    let named = match &options.format {
        None => None,
        Some(name) => Some(detect::by_name(name).ok_or_else(|| {
            let names: Vec<&str> = detect::FORMATS.iter().map(|f| f.name()).collect();
            anyhow::anyhow!("--format {name:?}: is none of {}", names.join(", "))
        })?),
    };
    if options.files.is_empty() {
        bail!("import needs a file");
    }
    let mut files: Vec<(PathBuf, Detected)> = Vec::new();
    for path in &options.files {
        let detected = detect::detect(path, named)?;
        // One file under two names (`a.csv ./a.csv`) too: its records would be given twice.
        let same = |other: &Path| {
            other == path
                || matches!(
                    (std::fs::canonicalize(other), std::fs::canonicalize(path)),
                    (Ok(a), Ok(b)) if a == b
                )
        };
        if let Some((earlier, _)) = files.iter().find(|(other, _)| same(other)) {
            bail!(
                "{} is given twice (as {} too): import each file once",
                path.display(),
                earlier.display()
            );
        }
        if let Some((first, other)) = files.first() {
            if other.format.name() != detected.format.name() {
                bail!(
                    "{} is {} and {} is {}: import the files of one format at a time",
                    first.display(),
                    other.format.name(),
                    path.display(),
                    detected.format.name()
                );
            }
        }
        files.push((path.clone(), detected));
    }
    Ok(files)
}

/// The dataset the files become: named by `--dataset`, or after the format and the first file.
fn dataset(options: &Options, format: &dyn Format) -> Result<Dataset> {
    let name = match &options.dataset {
        Some(name) if name.is_empty() => bail!("--dataset needs a name"),
        Some(name) => name.clone(),
        None => {
            let stem = options.files[0]
                .file_stem()
                .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
            match stem.to_lowercase().starts_with(format.name()) {
                true => stem,
                false => format!("{}-{stem}", format.name()),
            }
        }
    };
    let loaded_from: Vec<String> = options
        .files
        .iter()
        .map(|f| {
            std::fs::canonicalize(f)
                .unwrap_or_else(|_| f.clone())
                .display()
                .to_string()
        })
        .collect();
    Ok(Dataset {
        name,
        kind: "import",
        loaded_from: Some(loaded_from.join("; ")),
        allow_removals: options.remove_missing,
        dry_run: false,
        format: format.name(),
        keep_missing: !options.remove_missing,
    })
}

/// The first part of every key the dataset's rows get: the one its rows have if it was imported
/// before (a dataset imported before keys were namespaced by dataset keeps the format's name),
/// otherwise its name, with every character a key may not hold as `-`.
fn namespace(db_path: &Path, dataset: &str) -> Result<String> {
    if db_path.exists() {
        let conn = crate::db::open_read_only(db_path)?;
        let stored: Option<String> = conn
            .query_row(
                "SELECT substr(sources.key, 1, length(sources.key) - length(':dataset'))
                 FROM sources JOIN datasets ON datasets.id = sources.dataset_id
                 WHERE datasets.name = ?1 AND datasets.kind = 'import'
                   AND sources.key LIKE '%:dataset' AND sources.kind = 'dataset'
                 ORDER BY sources.id LIMIT 1",
                [dataset],
                |row| row.get(0),
            )
            .optional()
            .unwrap_or(None);
        if let Some(stored) = stored {
            return Ok(stored);
        }
    }
    Ok(keys::namespace(dataset))
}

enum LoadError {
    /// The loader refused a row: the message names the row by the loader's table and line.
    Refused(SeedError),
    Other(anyhow::Error),
}

/// What a load did.
struct Loaded {
    counts: seed::Counts,
    changes: Vec<TableChanges>,
    retracted: u64,
}

/// The keys of the dataset's retracted events.
fn retracted_events(
    conn: &rusqlite::Connection,
    dataset: &str,
) -> rusqlite::Result<std::collections::HashSet<String>> {
    let mut stmt = conn.prepare(
        "SELECT events.key FROM events JOIN datasets ON datasets.id = events.dataset_id
         WHERE datasets.name = ?1 AND events.retracted = 1",
    )?;
    let keys = stmt.query_map([dataset], |row| row.get(0))?;
    keys.collect()
}

/// Loads the collected rows as `dataset`, into a new database (the built-in data first, whose
/// vocabularies the rows use) or an existing one; a new file is removed again on failure.
fn load(
    db_path: &Path,
    collected: &Collected,
    dataset: &Dataset,
    progress: &mut dyn Progress,
) -> Result<Loaded, LoadError> {
    let existed = db_path.exists();
    // Rows linked to our actors (`azerbaijan`) find them there too: the built-in rows come
    // first in each table of the fresh load.
    if !existed {
        if let Some(counts) = load_new(db_path, collected, dataset, progress)? {
            return Ok(Loaded {
                counts,
                changes: Vec::new(),
                retracted: 0,
            });
        }
        // Another process created the file meanwhile: load into it.
    }
    let mut changes = Changes(progress, Vec::new());
    let loaded = crate::db::open_for_write(db_path)
        .map_err(LoadError::Other)
        .and_then(|mut conn| {
            let other = |e: rusqlite::Error| LoadError::Other(e.into());
            let before = retracted_events(&conn, &dataset.name).map_err(other)?;
            let counts = seed::load_dataset(
                &mut conn,
                collected,
                dataset,
                seed::Mode::Update,
                &mut changes,
            )
            .map_err(|e| match e {
                e @ (SeedError::Value { .. } | SeedError::Row { .. } | SeedError::File { .. }) => {
                    LoadError::Refused(e)
                }
                e => LoadError::Other(e.in_database(db_path).into()),
            })?;
            let after = retracted_events(&conn, &dataset.name).map_err(other)?;
            Ok((counts, after.difference(&before).count() as u64))
        });
    if loaded.is_err() && !existed {
        crate::db::remove(db_path);
    }
    let (counts, retracted) = loaded?;
    Ok(Loaded {
        counts,
        changes: changes.1,
        retracted,
    })
}

/// Builds a new database as one fresh load (several times faster than an update): the built-in
/// data's rows first, then the collected rows, every row going to the import's dataset; then the
/// built-in rows, the first of each table, go back to the built-in dataset. (Loading the built-in
/// data after the import instead, as an update, reads every key of the import into memory.)
/// None if the file appeared meanwhile.
fn load_new(
    db_path: &Path,
    collected: &Collected,
    dataset: &Dataset,
    progress: &mut dyn Progress,
) -> Result<Option<seed::Counts>, LoadError> {
    let mut then = |conn: &mut rusqlite::Connection| -> Result<()> { give_back_built_in(conn) };
    let source = WithBuiltIn(collected);
    let built =
        seed::build_new_file(db_path, &source, dataset, progress, &mut then).map_err(|e| {
            match e.downcast::<SeedError>() {
                Ok(
                    e @ (SeedError::Value { .. } | SeedError::Row { .. } | SeedError::File { .. }),
                ) => LoadError::Refused(e),
                Ok(e) => LoadError::Other(e.into()),
                Err(e) => LoadError::Other(e),
            }
        })?;
    // The import's own rows.
    let built_in = BuiltInFiles::read().map_err(LoadError::Other)?;
    Ok(built.map(|counts| {
        counts
            .into_iter()
            .map(|(table, rows)| {
                let theirs = built_in.rows(table) as u64;
                (table, rows.saturating_sub(theirs))
            })
            .collect()
    }))
}

/// The built-in data's files: per table, its rows, and the hash and size the loader records in
/// `dataset_files`.
struct BuiltInFiles(std::collections::HashMap<&'static str, (i64, Option<String>, u64)>);

impl BuiltInFiles {
    fn read() -> Result<BuiltInFiles> {
        let mut files = std::collections::HashMap::new();
        for table in crate::schema::TABLES {
            let mut rows = seed::Source::rows(&seed::Input::BuiltIn, table)?;
            let mut record = csv::ByteRecord::new();
            let mut n = -1i64;
            while rows.next(&mut record)? {
                n += 1;
            }
            let bytes = seed::Source::size(&seed::Input::BuiltIn, table).unwrap_or(0);
            files.insert(table.name, (n.max(0), rows.hash(), bytes));
        }
        Ok(BuiltInFiles(files))
    }

    /// The built-in rows of `table`.
    fn rows(&self, table: &str) -> i64 {
        self.0.get(table).map_or(0, |f| f.0)
    }
}

/// After a new database's fresh load, the built-in rows (the first of each table: a row's id is
/// its place) to the built-in dataset: a keyed row by its id, a link row by the row it belongs
/// to (its first reference), every vocabulary row; and the built-in dataset's record, with its
/// files as `seed` records them.
fn give_back_built_in(conn: &rusqlite::Connection) -> Result<()> {
    use crate::schema::{Identity, Value, TABLES};
    let built_in = BuiltInFiles::read()?;
    for table in TABLES {
        let sql = match (table.is_vocabulary, &table.identity) {
            (true, _) => format!("UPDATE {} SET dataset_id = 1", table.name),
            (false, Identity::Key) => format!(
                "UPDATE {} SET dataset_id = 1 WHERE id <= {}",
                table.name,
                built_in.rows(table.name)
            ),
            (false, Identity::Columns(_)) => {
                let Some((column, target)) = table.columns.iter().find_map(|c| match c.value {
                    Value::Ref(target) => Some((c.db, target)),
                    _ => None,
                }) else {
                    continue;
                };
                format!(
                    "UPDATE {} SET dataset_id = 1 WHERE {column} <= {}",
                    table.name,
                    built_in.rows(target)
                )
            }
        };
        conn.execute(&sql, [])?;
    }
    let credit = crate::attribution::SEED;
    conn.execute(
        "UPDATE datasets SET loaded_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), program_version = ?1,
             format = ?2, licence = ?3, attribution = ?4, citation = ?5
         WHERE id = 1",
        rusqlite::params![
            concat!("conflictdb ", env!("CARGO_PKG_VERSION")),
            credit.format,
            credit.licence,
            credit.line,
            credit.citation
        ],
    )?;
    let mut insert = conn.prepare(
        "INSERT INTO dataset_files (dataset_id, file, hash, bytes, rows, format)
         VALUES (1, ?1, ?2, ?3, ?4, ?5)",
    )?;
    for table in TABLES {
        let (rows, hash, bytes) = &built_in.0[table.name];
        insert.execute(rusqlite::params![
            table.file_name(),
            hash,
            *bytes as i64,
            rows,
            credit.format
        ])?;
    }
    Ok(())
}

/// Passes progress on, and keeps what the load did to each table.
struct Changes<'p>(&'p mut dyn Progress, Vec<TableChanges>);

impl Progress for Changes<'_> {
    fn table(&mut self, table: &str, bytes: Option<u64>) {
        self.0.table(table, bytes)
    }
    fn advance(&mut self, bytes: u64) {
        self.0.advance(bytes)
    }
    fn changes(&mut self, changes: &[TableChanges]) {
        self.1 = changes.to_vec();
        self.0.changes(changes)
    }
}
