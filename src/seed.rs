//! The loader: every table's rows, from a [`Source`] (the seed files, built in or in a
//! directory, or any other source of records), checked value by value, keys resolved to ids, and
//! written in one transaction. On any refusal nothing is written, and the message names the
//! source's file, line and column, and the value.
//!
//! ```text
//!                 reading thread                 │             writing thread
//!                                                │
//!  Source ──► Rows ──► header ──► records ──► OnRead ══ Batch ══► Writer ──────────► SQLite
//!  input.rs   strict_csv.rs  layout.rs  read.rs  │  (channel)    │
//!             (a CSV file)   (→ columns) (width, │               ├─ Fresh: fresh.rs  plain inserts
//!                                        UTF-8)  │               │  (bulk_insert.rs, sql.rs),
//!                                                │               │  then indexes.rs
//!            Fresh: check.rs + convert.rs ◄──────┘               └─ Update: check.rs + convert.rs,
//!            (ids are places in the file)                           then upserts (update.rs)
//!                                                                   (ids from the database)
//!  then, per file: self_refs.rs (references within a table, loops refused)
//! ```
//!
//! The files, in the order the data goes through them:
//! - input.rs: the [`Source`] and [`Rows`] seam, the seed files ([`Input`]), and `Origin`, what
//!   a table's rows carry so that a message can name their file and find a line again;
//! - strict_csv.rs: a CSV file as rows, held to RFC 4180's quoting;
//! - layout.rs: a header mapped to the table's columns;
//! - read.rs: the reading thread, records in batches;
//! - convert.rs: a value checked and converted, a reference resolved to an id;
//! - key_map.rs: key → id maps, and the sets that catch a repeated id or row; kept_keys.rs: which
//!   of a fresh load's maps are kept, and until which file;
//! - check.rs: the one path every row is checked through, on whichever thread the mode gives it;
//! - fresh.rs and update.rs: the two ways of writing, one chosen per load by [`load_with`];
//!   bulk_insert.rs and sql.rs the statements they run, self_refs.rs the references within a
//!   table they set last, indexes.rs a fresh load's index builds;
//! - diagnose.rs: [`SeedError`], lines found again for a message, "did you mean";
//! - new_file.rs: a new database built under a temporary name and moved into place
//!   ([`seed_file`]);
//! - write.rs: a database written back as seed files ([`write_seed_layout`]).
//!
//! Where a repeated key or row is caught, and why each way exists (each names both lines):
//! 1. In a fresh load, a key given twice in a table later files of the load refer to (or it
//!    refers to itself): `KeyIndex::insert` finds the key already mapped to another row (check.rs;
//!    kept_keys.rs says which tables' keys are kept). References are resolved through these
//!    maps, so a key must map to one row before the next row refers to it. (In an update
//!    the second row updates the first, the same id, and 3 catches it.)
//! 2. A vocabulary code given twice: the file's own set of codes (`FileCheck::codes`, both
//!    modes). The codes are few and checked before the database sees them.
//! 3. In an update, a keyed row written twice by one file: the id the upsert returns seen
//!    before (`IdSet`, update.rs). The upsert would otherwise silently update the
//!    row twice, since a key already in the database is not a duplicate.
//! 4. In an update, a link row given twice: the hash of its identity seen before
//!    (a set of hashes, update.rs), confirmed by reading the file again (two identities
//!    may share a hash). A link row already stored is left as it is (`DO NOTHING`), so the
//!    database would not notice.
//! 5. In a fresh load, a link row given twice while its file follows the table's primary key:
//!    the primary key refuses the insert (fresh.rs). Free, as the rows go in anyway.
//! 6. In a fresh load, a link row given twice once its file stopped following the primary key:
//!    the merge of the staged rows fails, and the repeated identity is looked up (fresh.rs).
//! 7. In a fresh load, a key given twice in a table no file of the load refers to: its unique
//!    index cannot be built once its file is in, and the repeated key is looked up (indexes.rs).
//!    Such keys are kept in no map, which a table of millions of statements would fill for
//!    nothing.
//!
//! (The issue that ordered these files counted six; the two ways of a fresh load's link rows,
//! 5 and 6, are told apart here since they fail in different places.) A header naming a column
//! twice is refused in layout.rs.

mod bulk_insert;
mod check;
mod convert;
mod datasets;
mod diagnose;
mod edit_triggers;
mod elsewhere;
mod file_hash;
mod fingerprint;
mod fresh;
mod indexes;
mod input;
mod kept_keys;
mod key_lookup;
// Public for benches/key_map.rs only, which times `HashIds` against a hand-written map.
#[doc(hidden)]
pub mod key_map;
mod layout;
mod merge;
mod mirror;
mod new_file;
mod previous;
mod read;
mod read_ahead;
mod read_pipelined;
mod row_identity;
mod search_rows;
mod self_refs;
mod sql;
mod strict_csv;
mod update;
mod update_read;
mod write;
mod write_behind;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::chains;
use crate::db;
use crate::schema::Table;

use self::fresh::{FreshRead, FreshWriter};
use self::indexes::build_indexes;
use self::key_map::KnownKeys;
use self::layout::Layout;
use self::read::{read_all, Batch, FileEnd, Message, OnRead};
use self::update::UpdateWriter;
use self::update_read::UpdateRead;

pub use self::diagnose::{QuotedValue, SeedError};
pub use self::indexes::{drop_indexes, prepare_index_builds};
pub use self::input::{Dataset, Input, Rows, Source, SourceFile, BUILT_IN};
pub use self::update::{Change, TableChanges};
pub use self::write::write_seed_layout;

/// Rows loaded per table, in load order.
pub type Counts = Vec<(&'static str, u64)>;

/// How rows reach the database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Into a database that may hold rows and readers: a row whose key exists is updated in
    /// place, every constraint is checked as the row goes in, in one transaction.
    Update,
    /// Into a brand-new database no other process can see yet (the caller builds it under a
    /// temporary name): every row checked and its keys resolved on the reading thread (a row's id
    /// is its place in its file), plain inserts of many rows at once, the loader's own key
    /// resolution standing in for the foreign-key checks, and each table's indexes built once
    /// its file is in, which is several times faster.
    Fresh,
}

/// Reports how far a load has got: the table, and bytes read of its file.
pub trait Progress {
    fn table(&mut self, _table: &str, _bytes: Option<u64>) {}
    fn advance(&mut self, _bytes: u64) {}
    /// What an update did to the dataset's rows, per table.
    fn changes(&mut self, _changes: &[TableChanges]) {}
}

impl Progress for () {}

/// Seeds the database file `db_path` from `source`: a file that does not exist yet is built
/// whole under a temporary name and moved into place (a fresh load, see new_file.rs); an existing
/// one is loaded into in place.
pub fn seed_file(
    db_path: &Path,
    source: &dyn Source,
    progress: &mut dyn Progress,
) -> anyhow::Result<Counts> {
    seed_file_as(db_path, source, &source.dataset(), progress)
}

/// [`seed_file`], the rows going to `dataset`.
pub fn seed_file_as(
    db_path: &Path,
    source: &dyn Source,
    dataset: &Dataset,
    progress: &mut dyn Progress,
) -> anyhow::Result<Counts> {
    seed_file_then(db_path, source, dataset, progress, || ()).map(|(counts, _)| counts)
}

/// [`seed_file_as`], then `after` (reading what was loaded) once the rows are committed, with
/// its result; not for a dry run. Into an existing database it runs on a thread of its own while
/// this one copies the load's write-ahead log into the database (a checkpoint: at a million
/// events with 1% of rows changed, a gigabyte written and synced, some seconds).
pub fn seed_file_then<T: Send>(
    db_path: &Path,
    source: &dyn Source,
    dataset: &Dataset,
    progress: &mut dyn Progress,
    after: impl FnOnce() -> T + Send,
) -> anyhow::Result<(Counts, Option<T>)> {
    // Where a link leads counts: SQLite would create the file there.
    if let Some(dir) = new_file::link_target(db_path)
        .parent()
        .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
    {
        anyhow::bail!(
            "cannot create database {}: directory {} does not exist",
            db_path.display(),
            dir.display()
        );
    }
    if dataset.dry_run {
        return Ok((dry_run(db_path, source, dataset, progress)?, None));
    }
    let fresh = if db_path.exists() {
        None
    } else {
        new_file::build_fresh(db_path, source, dataset, progress, None)?
    };
    match fresh {
        Some(counts) => Ok((counts, Some(after()))),
        // The file exists, or another seed created it while this one was building: load into it.
        None => update_file(db_path, source, dataset, progress, after)
            .map_err(|e| explain_busy(e, db_path)),
    }
}

/// What a new database's build does after its fresh load, before it is put in place.
pub type Then = dyn FnMut(&mut Connection) -> anyhow::Result<()>;

/// Builds the database file `db_path`, which does not exist, from `source` as a fresh load (see
/// new_file.rs), then runs `then` on it before putting it in place: an import loads its rows
/// fresh, with the built-in vocabularies they use, and then the rest of the built-in data. None
/// if the file appeared meanwhile (nothing was built).
pub fn build_new_file(
    db_path: &Path,
    source: &dyn Source,
    dataset: &Dataset,
    progress: &mut dyn Progress,
    then: &mut Then,
) -> anyhow::Result<Option<Counts>> {
    new_file::build_fresh(db_path, source, dataset, progress, Some(then))
}

/// A load whose transaction is rolled back, to see what it would change: into a copy of nothing
/// (an in-memory database) when the file does not exist, and otherwise in the file with SQLite
/// keeping every page it changes in memory (`cache_spill` off), so that not a byte reaches the
/// file or its journal. A database of an older schema is refused: it would need migrating.
fn dry_run(
    db_path: &Path,
    source: &dyn Source,
    dataset: &Dataset,
    progress: &mut dyn Progress,
) -> anyhow::Result<Counts> {
    let mut conn = if db_path.exists() {
        // Migrating is a write: an older database is refused rather than migrated (a copy to
        // run on would be the whole database again, in memory or beside it).
        let version = db::schema_version(&db::open_any_version_read_only(db_path)?)?;
        let latest = db::latest_version();
        if version < latest {
            anyhow::bail!(
                "{}: a dry run writes nothing, but this database has schema version {version} and this conflictdb needs {latest}: run `conflictdb migrate` first, then the dry run",
                db_path.display()
            );
        }
        db::open_for_write(db_path)?
    } else {
        let mut conn = Connection::open_in_memory()?;
        db::migrate(&mut conn, db_path)?;
        conn
    };
    conn.pragma_update(None, "cache_spill", false)?;
    Ok(
        load_dataset(&mut conn, source, dataset, Mode::Update, progress)
            .map_err(|e| e.in_database(db_path))?,
    )
}

/// Loads every table from `source` into `conn` in one transaction. On any error nothing is
/// written.
pub fn load(conn: &mut Connection, source: &dyn Source) -> Result<Counts, SeedError> {
    load_with(conn, source, Mode::Update, &mut ())
}

/// [`load`], in the given mode, reporting progress.
///
/// A second thread reads and parses the rows, one table after another, while this one writes
/// them. In a fresh load that thread also checks every value and resolves every key (a row's id
/// is its place in its file, so nothing it does needs the database), and this thread only binds
/// values and inserts; in an update ids come from the database, so the checking is done here.
/// The mode picks the two sides once, here.
pub fn load_with(
    conn: &mut Connection,
    source: &dyn Source,
    mode: Mode,
    progress: &mut dyn Progress,
) -> Result<Counts, SeedError> {
    load_dataset(conn, source, &source.dataset(), mode, progress)
}

/// [`load_with`], the rows going to `dataset`, which is recorded (created, or its provenance
/// brought up to date) with the files it was loaded from.
pub fn load_dataset(
    conn: &mut Connection,
    source: &dyn Source,
    dataset: &Dataset,
    mode: Mode,
    progress: &mut dyn Progress,
) -> Result<Counts, SeedError> {
    // A load prepares a statement per table and kind of write (an update per set of columns
    // changed, the merge's queries): more than the default cache of 16 holds, and preparing a
    // statement again costs more than running it.
    conn.set_prepared_statement_cache_capacity(256);
    // Nor is a statement prepared again when a value is bound to it (SQLite's query planner
    // stability guarantee): otherwise SQLite prepares a query again at every new value of a
    // parameter it could plan by (a LIMIT, a range), which had cost the merge's seeks half
    // their time.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    if mode == Mode::Update {
        // A statement of an update that may fail half-way keeps a journal of the pages it
        // changes: in a temporary file by default, 216 MB of writes seeding 100k events again
        // with 1% of rows changed while the edit triggers (V13) fired on every write. In memory
        // it holds a few pages at a time. (A first seed sorts its indexes in temporary files,
        // which memory made slower.)
        conn.pragma_update(None, "temp_store", "MEMORY")?;
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // Read before the dataset is registered again: what its last load left.
    let previous = match mode {
        Mode::Update => previous::Previous::read(&tx, dataset)?,
        Mode::Fresh => previous::Previous::default(),
    };
    let edits_anywhere = previous.edits_anywhere;
    let dataset_id = datasets::register(&tx, dataset)?;
    // The search indexes are built, or kept in step, in steps of less memory (see
    // `SEARCH_STEP`).
    let steps = crate::search::set_steps(&tx, SEARCH_STEP)?;
    // Each file's hash, in the order of `counts`.
    let mut hashes = Vec::new();
    // The fingerprint of each file's rows (fingerprint.rs).
    let mut built = Vec::new();
    // The tables whose rows this load changed (None: all of them, a fresh load).
    let (counts, touched) = match mode {
        Mode::Fresh => {
            // The indexes and the triggers that mark edits are dropped, and made again once the
            // rows are in.
            let mut indexes = drop_indexes(&tx)?;
            let triggers = edit_triggers::drop_edit_triggers(&tx)?;
            let mut known = KnownKeys::default();
            let reading = FreshRead::new(&mut known, source);
            let writing = FreshWriter::new(&tx, dataset_id, &mut indexes, &mut built);
            let counts = run(&tx, source, reading, writing, progress, &mut hashes)?;
            // The key maps are done with.
            drop(known);
            // Those of tables without a file in this load.
            build_indexes(&tx, source, &indexes, progress)?;
            edit_triggers::make_edit_triggers(&tx, &triggers)?;
            (counts, None)
        }
        Mode::Update => {
            // Made again below, before the commit (see edit_triggers.rs).
            let triggers = edit_triggers::drop_edit_triggers(&tx)?;
            // Only the keys of the tables a file of this load with rows refers to, while it does.
            let kept = kept_keys::KeptKeys::plan(source);
            let mut known = KnownKeys {
                not_kept: kept.not_kept(),
                // Only where most rows are skipped by their fingerprints: every row checked
                // would look its key up in the database (a million, at a million events).
                looked_up: match previous.trusted {
                    Some(_) => kept.own_only(),
                    None => Vec::new(),
                },
                ..KnownKeys::default()
            };
            let stored = update_read::preload(&tx, &mut known)?;
            let database = tx.path().filter(|p| !p.is_empty()).map(PathBuf::from);
            let last = (&previous, kept);
            let reading = UpdateRead::new(&mut known, stored.max_ids, database, last);
            let (mut removals, mut changes) = (Vec::new(), Vec::new());
            let sinks = (&mut removals, &mut changes);
            if !edits_anywhere {
                search_rows::start(&tx)?;
            }
            let writing = UpdateWriter::new(
                &tx,
                dataset_id,
                stored.codes,
                sinks,
                edits_anywhere,
                &mut built,
            );
            let counts = run(&tx, source, reading, writing, progress, &mut hashes)?;
            drop(known);
            // Rows an import keeps though its file no longer gives them: their table's stored
            // rows are no longer its file's, which a fingerprint says they are.
            if dataset.keep_missing {
                built.retain(|table| !removals.iter().any(|r| r.table_name() == *table));
            }
            mirror::remove_rows_not_seen(&tx, removals, dataset, !edits_anywhere)?;
            if !edits_anywhere {
                search_rows::finish(&tx)?;
            }
            edit_triggers::make_edit_triggers(&tx, &triggers)?;
            progress.changes(&changes);
            let touched: Vec<&str> = changes
                .iter()
                .filter(|c| c.added + c.changed + c.removed > 0)
                .map(|c| c.table)
                .collect();
            (counts, Some(touched))
        }
    };
    datasets::record_files(&tx, source, dataset_id, dataset.format, &counts, &hashes)?;
    fingerprint::forget_others(&tx, dataset_id, &built)?;
    // Derived from the parents, whichever rows this load changed; unless no row of any dataset
    // was written since the roots were last stored, and this load wrote no actor.
    if edits_anywhere || touched.as_ref().is_none_or(|t| t.contains(&"actors")) {
        chains::store_roots(&tx)?;
    }
    // The search indexes: built whole by a fresh load; kept in step row by row by an update
    // while they were in step (see `UpdateWriter::search_in_step`); else all built again, since
    // a row written outside a load may have left any of them out of step (which rows is not
    // known), whether or not this load wrote to its table.
    let rebuild = match touched {
        Some(_) if !edits_anywhere => Some(Vec::new()),
        _ => None,
    };
    crate::search::rebuild(&tx, rebuild.as_deref())?;
    crate::search::restore_steps(&tx, steps)?;
    edit_triggers::loaded(&tx, dataset_id)?;
    if dataset.dry_run {
        // Rolled back: nothing reaches the file (see `seed_file_as`).
        tx.rollback()?;
        return Ok(counts);
    }
    // Not committed once a signal is stopping the run: the database stays as it was.
    crate::interrupt::check()?;
    tx.commit()?;
    Ok(counts)
}

/// The terms a load's search indexes gather in memory before writing them out (see
/// [`crate::search::set_steps`]): a first seed's, and an update's of the rows it changed.
const SEARCH_STEP: i64 = 16 << 20;

/// Loads into an existing database in one transaction, in place: readers keep reading the old
/// state until it commits, and on any error nothing changes.
/// Then runs `after` beside the checkpoint (see [`seed_file_then`]).
fn update_file<T: Send>(
    db_path: &Path,
    source: &dyn Source,
    dataset: &Dataset,
    progress: &mut dyn Progress,
    after: impl FnOnce() -> T + Send,
) -> anyhow::Result<(Counts, Option<T>)> {
    let existed = db_path.exists();
    let loaded = db::open_for_write(db_path).and_then(|mut conn| {
        // The commit leaves the log for the checkpoint below, rather than copying it itself, nor
        // waits for it to reach the disk: the checkpoint does (`synced`), while `after` reads.
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // The log, which the changed pages reach as they are changed (write_behind.rs).
        let log = conn
            .path()
            .filter(|p| !p.is_empty())
            .and_then(|p| std::fs::File::open(format!("{p}-wal")).ok());
        let (loaded, written) = write_behind::during(log.as_ref(), || {
            load_dataset(&mut conn, source, dataset, Mode::Update, progress)
        });
        let counts = loaded.map_err(|e| e.in_database(db_path))?;
        Ok((counts, conn, written))
    });
    let (counts, conn, written) = match loaded {
        Ok(loaded) => loaded,
        Err(error) => {
            if !existed {
                db::remove(db_path);
            }
            return Err(error);
        }
    };
    let (synced, after) = std::thread::scope(|scope| {
        let after = scope.spawn(after);
        // The checkpoint copies the changed pages into the database, and syncs it: written out
        // while it copies, the sync at its end waits for little (write_behind.rs).
        let database = conn
            .path()
            .filter(|p| !p.is_empty())
            .and_then(|p| std::fs::File::open(p).ok());
        // A write of the log that failed while the load ran is the sync's failure: reported once
        // to the descriptor that synced it, it would not be again. So is a write of the database
        // that failed while the checkpoint ran.
        let on_disk = written.and_then(|()| {
            let (copied, written) = write_behind::during(database.as_ref(), || synced(&conn));
            copied.and(written)
        });
        (on_disk, after.join())
    });
    // Closed last, once `after` has closed its connections: the last connection to close
    // removes the log.
    drop(conn);
    synced.map_err(|e| {
        anyhow::anyhow!(
            "{}: the load is committed, but writing it to the disk failed: {e}",
            db_path.display()
        )
    })?;
    match after {
        Ok(after) => Ok((counts, Some(after))),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

/// Copies a load's committed log into the database (a checkpoint), which writes both to the
/// disk; where the checkpoint could not copy it all (a reader still reads an older state, or
/// the disk is full), the log is written to the disk on its own: the load is on the disk before
/// `seed` says it is done. The rows are committed either way; the next connection to close
/// copies what is left.
fn synced(conn: &Connection) -> std::io::Result<()> {
    let checkpoint = || {
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |row| {
            Ok((row.get::<_, i64>(1)?, row.get::<_, i64>(2)?))
        })
    };
    let mut copied = checkpoint();
    // A signal that came once the load was committed: the checkpoint is finished all the same
    // (SQLite forgets an interrupt at the next statement), so that the log is removed as the
    // connection closes rather than left beside the database (interrupt.rs).
    if matches!(&copied, Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::OperationInterrupted))
        && crate::interrupt::stopping()
    {
        copied = checkpoint();
    }
    match copied {
        Ok((log, done)) if done >= log => return Ok(()),
        // The log is committed and whole, and synced below.
        Ok(_) => {}
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DiskFull) => {}
        // A failed sync, say: reported once, a sync through another descriptor would not hear
        // of it.
        Err(e) => return Err(std::io::Error::other(e)),
    }
    let Some(path) = conn.path().filter(|p| !p.is_empty()) else {
        return Ok(());
    };
    std::fs::File::open(format!("{path}-wal"))?.sync_all()
}

/// "database is locked" after the busy timeout means another process held the write lock all
/// along: say so, and what to do.
fn explain_busy(error: anyhow::Error, db_path: &Path) -> anyhow::Error {
    let busy = error.chain().any(|cause| {
        let sqlite = cause
            .downcast_ref::<rusqlite::Error>()
            .or_else(|| match cause.downcast_ref::<SeedError>() {
                Some(SeedError::Sqlite(e)) => Some(e),
                _ => None,
            });
        matches!(sqlite, Some(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::DatabaseBusy)
    });
    if busy {
        return anyhow::anyhow!(
            "another process is writing to {} and did not finish within {} s; nothing was loaded: try again when it has finished",
            db_path.display(),
            db::BUSY_TIMEOUT.as_secs()
        );
    }
    error
}

/// The writing side of a load, one file after another.
trait Writer<'s> {
    /// What writing one file keeps.
    type File;

    /// Starts writing the file that `layout` lays out.
    fn start(&mut self, layout: Layout<'s>) -> Result<Self::File, SeedError>;

    /// Writes a batch of the file's rows.
    fn rows(&mut self, file: &mut Self::File, batch: &Batch) -> Result<(), SeedError>;

    /// Ends a file whose bytes are the ones last loaded, read no further: its rows are stored as
    /// that load stored them (an update); returns how many rows it holds.
    fn same(&mut self, file: Self::File, rows: u64) -> Result<u64, SeedError>;

    /// Ends the file, given what the reading thread found of it (a fresh load's references to
    /// rows further down it, resolved; an update's rows that may be gone); returns how many rows
    /// it wrote. `hash` is the hash of the file's bytes, taken as they were read.
    fn end(
        &mut self,
        file: Self::File,
        ended: FileEnd,
        hash: Option<&str>,
    ) -> Result<u64, SeedError>;
}

/// The two threads of a load: `reading` works on the reading thread, `writing` on this one.
fn run<'s>(
    conn: &Connection,
    source: &'s dyn Source,
    mut reading: impl OnRead,
    mut writing: impl Writer<'s>,
    progress: &mut dyn Progress,
    hashes: &mut Vec<Option<String>>,
) -> Result<Counts, SeedError> {
    std::thread::scope(|scope| {
        let (sender, received) = std::sync::mpsc::sync_channel::<Message>(4);
        let (recycle, recycled) = std::sync::mpsc::channel::<Batch>();
        scope.spawn(move || read_all(source, &mut reading, &sender, &recycled));
        let counts = write_all(conn, &mut writing, progress, &received, &recycle, hashes);
        // On an error the reading thread stops at its next hand-over.
        drop(received);
        counts
    })
}

/// The writing thread: takes what the reading thread hands over and writes it.
fn write_all<'s, W: Writer<'s>>(
    conn: &Connection,
    writing: &mut W,
    progress: &mut dyn Progress,
    received: &std::sync::mpsc::Receiver<Message<'s>>,
    recycle: &std::sync::mpsc::Sender<Batch>,
    hashes: &mut Vec<Option<String>>,
) -> Result<Counts, SeedError> {
    let mut counts = Vec::new();
    let mut file: Option<(&'static str, W::File)> = None;
    while let Ok(message) = received.recv() {
        // SQLite forgets an interrupt that comes between two statements, and the inserts of a
        // few rows run too few steps for the progress handler to be asked (interrupt.rs).
        crate::interrupt::check()?;
        match message {
            Message::Table(layout) => {
                progress.table(layout.table.name, layout.size);
                let table = layout.table.name;
                file = Some((table, writing.start(layout)?));
            }
            Message::Rows(batch) => {
                let (_, file) = file.as_mut().expect("rows follow their file");
                writing.rows(file, &batch)?;
                progress.advance(batch.read);
                let _ = recycle.send(batch);
            }
            Message::End(ended, hash) => {
                let (table, file) = file.take().expect("a file ends after it starts");
                counts.push((table, writing.end(file, ended, hash.as_deref())?));
                hashes.push(hash);
            }
            Message::Same(hash, rows) => {
                let (table, file) = file.take().expect("a file ends after it starts");
                counts.push((table, writing.same(file, rows)?));
                hashes.push(Some(hash));
            }
            Message::Failed(failure) => return Err(failure.report(conn)),
        }
    }
    Ok(counts)
}

/// How many rows `table` holds.
fn rows_stored(conn: &Connection, table: &Table) -> rusqlite::Result<i64> {
    conn.query_row(&format!("SELECT count(*) FROM {}", table.name), [], |r| {
        r.get(0)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_row_in_a_run_of_rows_is_named_by_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open_for_write(&dir.path().join("conflict.db")).unwrap();
        conn.execute_batch(
            "CREATE TRIGGER refuse BEFORE INSERT ON actor_aliases WHEN NEW.alias = 'refused'
             BEGIN SELECT RAISE(ABORT, 'this alias is refused'); END",
        )
        .unwrap();
        // Row 50 (line 51) falls in the second run of ROWS_PER_INSERT rows.
        let mut aliases = String::from("actor,alias\n");
        for row in 1..=100 {
            let alias = if row == 50 {
                "refused".into()
            } else {
                format!("alias {row}")
            };
            aliases.push_str(&format!("armenia,{alias}\n"));
        }
        let input = Input::Files([("actor_aliases.csv".to_string(), aliases.into_bytes())].into());
        let error = load_with(&mut conn, &input, Mode::Fresh, &mut ()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "actor_aliases.csv:51: the database refused this row: this alias is refused"
        );
    }

    #[test]
    fn an_earlier_bad_value_is_reported_before_a_later_quoting_error_in_both_modes() {
        // Line 521 names an unknown actor; line 531 has a stray quote; both lie in the second
        // batch of records the reading thread parses.
        let mut aliases = String::from("actor,alias\n");
        for row in 1..=600 {
            match row {
                520 => aliases.push_str("nobody-at-all,Nobody\n"),
                530 => aliases.push_str("armenia,12\" guns\n"),
                _ => aliases.push_str(&format!("armenia,alias {row}\n")),
            }
        }
        let input = Input::Files([("actor_aliases.csv".to_string(), aliases.into_bytes())].into());
        for mode in [Mode::Update, Mode::Fresh] {
            let dir = tempfile::tempdir().unwrap();
            let mut conn = crate::db::open_for_write(&dir.path().join("conflict.db")).unwrap();
            let error = load_with(&mut conn, &input, mode, &mut ()).unwrap_err();
            assert!(
                error.to_string().starts_with(
                    "actor_aliases.csv:521:1: actor \"nobody-at-all\": is not a key in actors"
                ),
                "{mode:?}: {error}"
            );
        }
    }

    fn load_aliases(aliases: &str, mode: Mode) -> (Result<Counts, SeedError>, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = crate::db::open_for_write(&dir.path().join("conflict.db")).unwrap();
        let input = Input::Files([("actor_aliases.csv".to_string(), aliases.into())].into());
        let loaded = load_with(&mut conn, &input, mode, &mut ());
        let rows = conn
            .prepare(
                "SELECT actors.key || ',' || alias FROM actor_aliases
                 JOIN actors ON actors.id = actor_id ORDER BY 1",
            )
            .unwrap()
            .query_map([], |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        (loaded, rows)
    }

    #[test]
    fn link_rows_out_of_order_are_staged_and_all_loaded() {
        // Russia's aliases come first, then Armenia's (an earlier actor), then Russia's again.
        let aliases = "actor,alias\nrussia,RF\nrussia,Moscow\narmenia,Yerevan\nazerbaijan,Baku\nrussia,Kremlin\n";
        let (fresh, rows) = load_aliases(aliases, Mode::Fresh);
        fresh.unwrap();
        assert_eq!(
            rows,
            [
                "armenia,Yerevan",
                "azerbaijan,Baku",
                "russia,Kremlin",
                "russia,Moscow",
                "russia,RF"
            ]
        );
        let (update, same) = load_aliases(aliases, Mode::Update);
        update.unwrap();
        assert_eq!(same, rows);
    }

    #[test]
    fn a_link_row_given_twice_is_a_duplicate_whether_staged_or_not() {
        for aliases in [
            // Both in order: the table's primary key refuses the second.
            "actor,alias\narmenia,Yerevan\nrussia,Moscow\nrussia,Moscow\n",
            // The first in order, the second staged.
            "actor,alias\nrussia,Moscow\narmenia,Yerevan\nrussia,Moscow\n",
            // Both staged.
            "actor,alias\nrussia,RF\narmenia,Yerevan\nrussia,Moscow\nrussia,Moscow\n",
        ] {
            let lines: Vec<&str> = aliases.lines().collect();
            let second = lines.iter().rposition(|l| *l == "russia,Moscow").unwrap() + 1;
            let first = lines.iter().position(|l| *l == "russia,Moscow").unwrap() + 1;
            let expected = format!(
                "actor_aliases.csv:{second}:1: actor \"russia\": is a duplicate: line {first} has the same actor and alias"
            );
            for mode in [Mode::Fresh, Mode::Update] {
                let (loaded, _) = load_aliases(aliases, mode);
                assert_eq!(
                    loaded.unwrap_err().to_string(),
                    expected,
                    "{mode:?}\n{aliases}"
                );
            }
        }
    }
}
