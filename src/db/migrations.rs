//! The migrations compiled into this binary: which are applied or pending, snapshots taken before
//! migrating, and applying them.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use rusqlite::Connection;

use super::{explain, schema_version, APPLICATION_ID};

pub(super) mod embedded {
    refinery::embed_migrations!("migrations");
}

/// The migrations compiled into this binary, oldest first.
pub fn migrations() -> Vec<refinery::Migration> {
    let mut migrations = embedded::migrations::runner().get_migrations().clone();
    migrations.sort();
    migrations
}

/// The schema version this binary creates: the version of its newest migration.
pub fn latest_version() -> i64 {
    migrations().last().map_or(0, |m| i64::from(m.version()))
}

/// The snapshots `migrate` left beside `path`, oldest schema first.
pub fn snapshots(path: &Path) -> Vec<PathBuf> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let mut found: Vec<(i64, PathBuf)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let file = entry.file_name().to_string_lossy().into_owned();
            let version = file
                .strip_prefix(&name)?
                .strip_prefix(".v")?
                .strip_suffix(".bak")?
                .parse()
                .ok()?;
            Some((version, snapshot_path(path, version)))
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, p)| p).collect()
}

/// One migration's state, for `migrate --status`.
pub struct MigrationStatus {
    pub version: i64,
    pub name: String,
    pub applied_on: Option<String>,
}

/// Every migration this binary knows, with when it was applied to `conn`.
pub fn status(conn: &mut Connection) -> Result<Vec<MigrationStatus>> {
    let applied = verify(conn, &migrations())?;
    Ok(migrations()
        .into_iter()
        .map(|m| MigrationStatus {
            version: i64::from(m.version()),
            name: m.name().to_string(),
            applied_on: applied
                .iter()
                .find(|a| a.version() == m.version())
                .and_then(|a| a.applied_on())
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                }),
        })
        .collect())
}

/// Every migration this binary knows, with when it was applied to the database at `path`; all
/// pending when there is no file. Read-only: listing what is pending never writes, not even to
/// make an empty file a database.
pub fn status_of_file(path: &Path) -> Result<Vec<MigrationStatus>> {
    if path.exists() {
        let mut conn = super::open_any_version_read_only(path)?;
        status(&mut conn)
    } else {
        Ok(all_pending())
    }
}

/// The status of a database that does not exist yet: everything pending.
fn all_pending() -> Vec<MigrationStatus> {
    migrations()
        .into_iter()
        .map(|m| MigrationStatus {
            version: i64::from(m.version()),
            name: m.name().to_string(),
            applied_on: None,
        })
        .collect()
}

/// The applied migrations, after checking that each one is known to this binary and unchanged.
pub(super) fn verify(
    conn: &mut Connection,
    known: &[refinery::Migration],
) -> Result<Vec<refinery::Migration>> {
    let has_history: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'refinery_schema_history')",
        [],
        |row| row.get(0),
    )?;
    if !has_history {
        return Ok(Vec::new());
    }
    let applied = refinery::Runner::new(known)
        .get_applied_migrations(conn)
        .context("cannot read the migration history")?;
    for migration in &applied {
        match known.iter().find(|k| k.version() == migration.version()) {
            None => bail!(
                "the database holds migration V{}__{} that this conflictdb does not know: it was made by a newer conflictdb; upgrade conflictdb",
                migration.version(),
                migration.name()
            ),
            Some(k) if k.checksum() != migration.checksum() || k.name() != migration.name() => bail!(
                "migration V{}__{} applied to this database differs from the one built into this conflictdb (checksum {} here, {} in the database): a landed migration was edited; restore the database from a snapshot or rebuild it with `conflictdb seed`",
                k.version(),
                k.name(),
                k.checksum(),
                migration.checksum()
            ),
            Some(_) => {}
        }
    }
    Ok(applied)
}

/// The pending migrations of `conn`.
pub fn pending(conn: &mut Connection) -> Result<Vec<refinery::Migration>> {
    pending_of(conn, &migrations())
}

pub(super) fn pending_of(
    conn: &mut Connection,
    known: &[refinery::Migration],
) -> Result<Vec<refinery::Migration>> {
    let applied = verify(conn, known)?;
    Ok(known
        .iter()
        .filter(|m| !applied.iter().any(|a| a.version() == m.version()))
        .cloned()
        .collect())
}

/// Where the snapshot taken before migrating `path` from `version` goes.
pub fn snapshot_path(path: &Path, version: i64) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".v{version}.bak"));
    path.with_file_name(name)
}

/// Opens (creating if needed) the database at `path` and applies its pending migrations; a file
/// this call created is removed again if they fail.
pub fn migrate_file(path: &Path) -> Result<Vec<refinery::Migration>> {
    let existed = path.exists();
    let mut conn = super::open_unmigrated(path)?;
    let applied = migrate(&mut conn, path);
    if applied.is_err() && !existed {
        drop(conn);
        super::remove(path);
    }
    applied
}

/// Applies all pending migrations in one transaction. A database that holds data is first copied
/// with `VACUUM INTO` next to the file, so a migration that goes wrong can be undone by hand.
/// The built-in reports' views (`report_NAME`) are then brought in step with `queries/`.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<Vec<refinery::Migration>> {
    migrate_keeping_views(conn, path, &migrations())
}

/// [`migrate_with`] `known`, with the report views dropped around it and brought in step after.
fn migrate_keeping_views(
    conn: &mut Connection,
    path: &Path,
    known: &[refinery::Migration],
) -> Result<Vec<refinery::Migration>> {
    // A migration that rebuilds a table fails while a view refers to it; the views are made
    // again below, and also when the migration fails, so the file is left as it was.
    if !pending_of(conn, known)?.is_empty() {
        crate::reports::drop_views(conn)?;
    }
    let applied = migrate_with(conn, path, known);
    let synced = crate::reports::sync_views(conn);
    let applied = applied?;
    synced.with_context(|| {
        format!(
            "cannot bring the report views of {} in step",
            path.display()
        )
    })?;
    Ok(applied)
}

/// [`migrate`] with the given migrations instead of the built-in ones.
pub fn migrate_with(
    conn: &mut Connection,
    path: &Path,
    known: &[refinery::Migration],
) -> Result<Vec<refinery::Migration>> {
    let pending = pending_of(conn, known)?;
    let latest = known
        .iter()
        .map(|m| i64::from(m.version()))
        .max()
        .unwrap_or(0);
    if !pending.is_empty() {
        let version = schema_version(conn)?;
        if version > 0 {
            let snapshot = snapshot_path(path, version);
            // Into an empty file of a unique name, created exclusively (VACUUM INTO takes an
            // empty file), renamed into place when complete.
            let dir = snapshot
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            let make = || {
                tempfile::Builder::new()
                    .prefix(".snapshot-")
                    .suffix(".partial")
                    .tempfile_in(dir)
            };
            let (partial, _registered) =
                crate::interrupt::create(crate::interrupt::Kind::File, make, |t| t.path())
                    .with_context(|| format!("cannot write snapshot {}", snapshot.display()))?;
            let partial = partial.into_temp_path();
            conn.execute("VACUUM INTO ?1", [partial.to_string_lossy()])
                .with_context(|| format!("cannot write snapshot {}", snapshot.display()))?;
            partial
                .persist(&snapshot)
                .with_context(|| format!("cannot write snapshot {}", snapshot.display()))?;
            eprintln!(
                "conflictdb: saved a snapshot of schema version {version} to {} before migrating",
                snapshot.display()
            );
        }
        // SQLite adds a column that refers to another table, with a default other than NULL
        // (every row's dataset, V5), only while foreign keys are not enforced; the pragma is a
        // no-op inside the migrations' transaction, so it is set around it. Each migration keeps
        // its references whole itself.
        let enforced: bool = conn.pragma_query_value(None, "foreign_keys", |row| row.get(0))?;
        conn.pragma_update(None, "foreign_keys", false)?;
        let ran = refinery::Runner::new(known)
            .set_grouped(true)
            .set_abort_divergent(true)
            .set_abort_missing(true)
            .run(conn);
        conn.pragma_update(None, "foreign_keys", enforced)?;
        ran.map_err(|e| explain(e.into(), path)).with_context(|| {
            format!(
                "migrating {} failed; it is unchanged, at schema version {}",
                path.display(),
                schema_version(conn).unwrap_or(0)
            )
        })?;
    }
    // Also mends a file whose process died between the migration and these two writes.
    if schema_version(conn)? != latest {
        conn.pragma_update(None, "application_id", APPLICATION_ID)?;
        conn.pragma_update(None, "user_version", latest)?;
    }
    Ok(pending)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::db::{open_for_write, open_unmigrated, schema_differences};

    /// The built-in migrations and one more after them.
    fn next(sql: &str) -> Vec<refinery::Migration> {
        let mut known = migrations();
        let name = format!("V{}__test", latest_version() + 1);
        known.push(refinery::Migration::unapplied(&name, sql).unwrap());
        known
    }

    #[test]
    fn report_views_survive_a_migration_that_rebuilds_a_table_they_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conflict.db");
        let mut conn = open_for_write(&path).unwrap();
        assert!(table_exists(&conn, "report_casualty_scopes"));
        // Only report views read casualty_scopes; renaming a table fails while a view reads a
        // table that is gone.
        let rebuild = "CREATE TABLE scopes_new AS SELECT * FROM casualty_scopes;
            DROP TABLE casualty_scopes;
            ALTER TABLE scopes_new RENAME TO casualty_scopes;";
        migrate_keeping_views(&mut conn, &path, &next(rebuild)).unwrap();
        conn.prepare("SELECT * FROM report_casualty_scopes")
            .unwrap()
            .query([])
            .unwrap()
            .next()
            .unwrap();
    }

    fn table_exists(conn: &Connection, name: &str) -> bool {
        conn.query_row(
            "SELECT count(*) FROM sqlite_master WHERE name = ?1",
            [name],
            |r| r.get::<_, i64>(0),
        )
        .unwrap()
            > 0
    }

    fn seeded(dir: &Path) -> (Connection, PathBuf) {
        let path = dir.join("conflict.db");
        let mut conn = open_for_write(&path).unwrap();
        crate::seed::load(&mut conn, &crate::seed::Input::BuiltIn).unwrap();
        (conn, path)
    }

    #[test]
    fn a_migration_that_fails_half_way_rolls_back_fully() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, path) = seeded(dir.path());
        let events: i64 = conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap();
        let error = migrate_with(&mut conn, &path, &next("CREATE TABLE added (x); ALTER TABLE events ADD COLUMN extra; INSERT INTO no_such_table VALUES (1);"))
            .unwrap_err();
        let latest = latest_version();
        assert!(
            format!("{error:#}").contains(&format!("it is unchanged, at schema version {latest}")),
            "{error:#}"
        );
        assert!(!table_exists(&conn, "added"));
        let columns: i64 = conn
            .query_row(
                "SELECT count(*) FROM pragma_table_info('events') WHERE name = 'extra'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(columns, 0);
        assert_eq!(schema_version(&conn).unwrap(), latest);
        assert_eq!(pending_of(&mut conn, &migrations()).unwrap().len(), 0);
        let after: i64 = conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap();
        assert_eq!(after, events);
    }

    #[test]
    fn migrating_a_database_with_data_writes_a_snapshot_first() {
        let dir = tempfile::tempdir().unwrap();
        let (mut conn, path) = seeded(dir.path());
        let applied = migrate_with(
            &mut conn,
            &path,
            &next("ALTER TABLE events ADD COLUMN reviewed INTEGER;"),
        )
        .unwrap();
        let latest = latest_version();
        assert_eq!(applied.len(), 1);
        assert_eq!(schema_version(&conn).unwrap(), latest + 1);
        let snapshot = snapshot_path(&path, latest);
        assert_eq!(
            snapshot.file_name().unwrap().to_string_lossy(),
            format!("conflict.db.v{latest}.bak")
        );
        let old = Connection::open(&snapshot).unwrap();
        let (version, events): (i64, i64) = old
            .query_row(
                "SELECT (SELECT user_version FROM pragma_user_version), count(*) FROM events",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .unwrap();
        assert_eq!(version, latest);
        assert!(events > 0);
        assert_eq!(snapshots(&path), vec![snapshot]);
    }

    /// Copies every row of the database at `from` into the same tables of `conn`, column by
    /// column of `conn`'s tables, leaving out a row that an older schema cannot hold (a casualty
    /// claim of all sides has no side, which version 1 requires).
    fn copy_rows(conn: &Connection, from: &Path) {
        conn.execute("ATTACH ?1 AS source", [from.to_str().unwrap()])
            .unwrap();
        let tables: Vec<String> = conn
            .prepare(
                "SELECT name FROM main.sqlite_master WHERE type = 'table'
                 AND name NOT LIKE 'sqlite_%' AND name <> 'refinery_schema_history'",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        conn.pragma_update(None, "foreign_keys", false).unwrap();
        for table in tables {
            let columns: String = conn
                .query_row(
                    "SELECT group_concat(name, ', ') FROM pragma_table_info(?1, 'main')",
                    [&table],
                    |r| r.get(0),
                )
                .unwrap();
            conn.execute_batch(&format!(
                "INSERT OR IGNORE INTO main.{table} ({columns}) SELECT {columns} FROM source.{table}"
            ))
            .unwrap();
        }
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        conn.execute_batch("DETACH source").unwrap();
    }

    #[test]
    fn a_version_1_database_keeps_every_link_row_when_its_link_tables_lose_their_rowid() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conflict.db");
        let mut conn = open_unmigrated(&path).unwrap();
        migrate_with(&mut conn, &path, &migrations()[..1]).unwrap();
        // The loader writes the newest schema: the built-in data is loaded there and copied into
        // the columns version 1 has.
        std::fs::create_dir(dir.path().join("latest")).unwrap();
        let (latest, latest_path) = seeded(&dir.path().join("latest"));
        drop(latest);
        copy_rows(&conn, &latest_path);
        let links = [
            ("actor_aliases", "actor_id, alias"),
            ("place_aliases", "place_id, alias"),
            ("event_places", "event_id, place_id"),
            ("event_actors", "event_id, actor_id, role"),
            ("event_sources", "event_id, source_id, quote"),
        ];
        let rows = |conn: &Connection, table: &str, columns: &str| -> Vec<String> {
            let sql = format!("SELECT {columns} FROM {table} ORDER BY {columns}");
            let mut stmt = conn.prepare(&sql).unwrap();
            let width = stmt.column_count();
            stmt.query_map([], |row| {
                Ok((0..width)
                    .map(|i| format!("{:?}", row.get_ref(i).unwrap()))
                    .collect::<Vec<_>>()
                    .join("|"))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap()
        };
        let before: Vec<Vec<String>> = links.iter().map(|(t, c)| rows(&conn, t, c)).collect();
        assert!(before.iter().all(|r| !r.is_empty()));

        migrate(&mut conn, &path).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), latest_version());
        for ((table, columns), before) in links.iter().zip(&before) {
            assert_eq!(&rows(&conn, table, columns), before, "{table}");
            let sql: String = conn
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .unwrap();
            assert!(sql.ends_with("WITHOUT ROWID"), "{sql}");
        }
        // The views read the new tables; the database is whole.
        for view in [
            "v_actors",
            "v_events",
            "v_statements",
            "v_event_actors",
            "v_event_sources",
        ] {
            let count: i64 = conn
                .query_row(&format!("SELECT count(*) FROM {view}"), [], |r| r.get(0))
                .unwrap();
            assert!(count > 0, "{view}");
        }
        let integrity: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(integrity, "ok");
        // `check` and `seed` compare the schema with a new database's.
        assert_eq!(schema_differences(&conn).unwrap(), Vec::<String>::new());
        let broken: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(broken, 0);
    }
}
