//! Loading a seed directory: one CSV per table, validated value by value, keys resolved to ids,
//! all in one transaction.

mod convert;
mod diagnose;
mod fresh;
mod indexes;
mod input;
mod key_map;
mod layout;
mod read;
mod store;
mod strict_csv;
mod update;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::PathBuf;

use include_dir::{include_dir, Dir};
use rusqlite::{Connection, OptionalExtension};

use crate::bulk::BulkInsert;
use crate::chains::{self, Chains};
use crate::date;
use crate::schema::{Identity, Table, Value, TABLES};

pub use self::diagnose::{thousands, QuotedValue, SeedError};
pub use self::indexes::{drop_indexes, prepare_index_builds};
pub use self::input::{Input, BUILT_IN};
#[allow(unused_imports)]
use self::{
    convert::*, diagnose::*, fresh::*, indexes::*, input::*, key_map::*, layout::*, read::*,
    store::*, strict_csv::*, update::*,
};

/// Rows loaded per table, in load order.
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
    /// resolution standing in for the foreign-key checks, and the indexes built once at the end,
    /// which is several times faster.
    Fresh,
}

/// Reports how far a load has got: the table, and bytes read of its file.
pub trait Progress {
    fn table(&mut self, _table: &str, _bytes: Option<u64>) {}
    fn advance(&mut self, _bytes: u64) {}
}

impl Progress for () {}

/// Loads every table from `input` into `conn` in one transaction. On any error nothing is written.
pub fn load(conn: &mut Connection, input: &Input) -> Result<Counts, SeedError> {
    load_with(conn, input, Mode::Update, &mut ())
}

/// [`load`], in the given mode, reporting progress.
///
/// A second thread reads and parses the files, one after another, while this one stores the rows.
/// In a fresh load that thread also checks every value and resolves every key (a row's id is its
/// place in its file, so nothing it does needs the database), and this thread only binds values
/// and inserts; in an update ids come from the database, so the checking is done here.
pub fn load_with(
    conn: &mut Connection,
    input: &Input,
    mode: Mode,
    progress: &mut dyn Progress,
) -> Result<Counts, SeedError> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    // In a fresh database the indexes are dropped and built again once the rows are in.
    let indexes = match mode {
        Mode::Fresh => drop_indexes(&tx)?,
        Mode::Update => Vec::new(),
    };
    let mut state = KnownKeys::default();
    let counts = std::thread::scope(|scope| {
        let (sender, received) = std::sync::mpsc::sync_channel::<Message>(4);
        let (recycle, recycled) = std::sync::mpsc::channel::<Batch>();
        let (reader_state, state) = match mode {
            Mode::Fresh => (Some(&mut state), None),
            Mode::Update => (None, Some(&mut state)),
        };
        scope.spawn(move || read_all(input, reader_state, &sender, &recycled));
        let counts = store_all(&tx, input, mode, state, progress, &received, &recycle);
        // On an error the reading thread stops at its next hand-over.
        drop(received);
        counts
    })?;
    // The key maps are done with.
    drop(state);
    if !indexes.is_empty() {
        progress.table("indexes", None);
        prepare_index_builds(&tx)?;
    }
    for (_, table_name, sql) in &indexes {
        if let Err(error) = tx.execute_batch(sql) {
            // A full disk or a failing file: no row is to blame, and SQLite, in its error state
            // now, would answer the search for a duplicate with an error hiding this one.
            if is_environment(&error) {
                return Err(error.into());
            }
            // A unique index that cannot be built means a key appears twice in its file.
            if let Some(table) = TABLES.iter().find(|t| t.name == *table_name) {
                if let Some((names, values)) = repeated_identity(&tx, table, table.name)? {
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    let values: Vec<&str> = values.iter().map(String::as_str).collect();
                    return Err(duplicate_error(input, table, &names, &values)?);
                }
            }
            return Err(error.into());
        }
    }
    // Derived from the parents, whichever rows this load changed.
    chains::store_roots(&tx)?;
    tx.commit()?;
    Ok(counts)
}

/// The rows whose chain of `column` leads back to themselves, as (key, parent key), ordered by
/// key. With `starts`, only chains starting at those row ids are followed (any cycle in a table
/// loaded in file order passes through a row that referred forward).
pub fn find_cycles(
    conn: &Connection,
    table: &str,
    column: &str,
    starts: Option<&[i64]>,
) -> rusqlite::Result<Vec<(String, String)>> {
    let chains = match starts {
        Some(starts) => Chains::from_rows(conn, table, column, starts)?,
        None => Chains::of_table(conn, table, column)?,
    };
    let mut keys = conn.prepare(&format!(
        "SELECT child.key, parent.key FROM {table} AS child
         JOIN {table} AS parent ON parent.id = child.{column} WHERE child.id = ?1"
    ))?;
    let mut cycles = chains
        .cycles
        .iter()
        .map(|id| keys.query_row([id], |row| Ok((row.get(0)?, row.get(1)?))))
        .collect::<rusqlite::Result<Vec<(String, String)>>>()?;
    cycles.sort();
    Ok(cycles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_that_share_a_hash_are_told_apart_by_their_text() {
        let mut index = KeyIndex::default();
        let keys = ["armenia", "azerbaijan", "russia"];
        let key_of = |id: i64| Ok(keys[id as usize - 1].to_string());
        // Three keys forced under one hash, as a 64-bit collision would put them.
        for (id, key) in (1..).zip(keys) {
            assert!(index.insert_hashed(7, key, id, key_of).unwrap());
        }
        for (id, key) in (1..).zip(keys) {
            assert_eq!(index.get_hashed(7, key), Some(id));
        }
        assert_eq!(index.get_hashed(7, "turkey"), None);
        // The same key again, under a new id, is a duplicate, whether or not it collided.
        assert!(!index.insert_hashed(7, "azerbaijan", 4, key_of).unwrap());
        let mut plain = KeyIndex::default();
        assert!(plain.insert_hashed(9, "armenia", 1, key_of).unwrap());
        assert!(!plain.insert_hashed(9, "armenia", 2, key_of).unwrap());
    }

    #[test]
    fn the_hash_map_wraps_past_its_last_slot_and_keeps_every_entry_as_it_grows() {
        let mut ids = HashIds::default();
        ids.reserve(10);
        let capacity = ids.capacity();
        assert_eq!(capacity, 64, "the smallest array");
        // Hashes this high start their search at the last slot; the second and third wrap round
        // to the first slots.
        let high = [u64::MAX, u64::MAX - 1, u64::MAX - 2];
        for (id, hash) in (1..).zip(high) {
            ids.set(hash, id);
        }
        assert_eq!(ids.home(u64::MAX), capacity - 1);
        for (id, hash) in (1..).zip(high) {
            assert_eq!(ids.get(hash), Some(id));
        }
        // Growing past three quarters rehashes everything, to a size that is not a power of two.
        let spread = |n: u64| n.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
        for n in 0..1000 {
            ids.set(spread(n), 100 + n as i64);
        }
        assert!(
            ids.capacity() * 3 >= ids.len * 4,
            "at most three quarters full"
        );
        for (id, hash) in (1..).zip(high) {
            assert_eq!(ids.get(hash), Some(id));
        }
        for n in 0..1000 {
            assert_eq!(ids.get(spread(n)), Some(100 + n as i64));
        }
        assert_eq!(ids.get(12345), None);
        let mut sized = HashIds::default();
        sized.reserve(1_000);
        assert_eq!(sized.capacity(), 1_334, "sized to the entries expected");
    }

    #[test]
    fn a_failing_disk_or_file_is_not_blamed_on_the_row_being_stored() {
        use rusqlite::ffi;
        let failure = |code: i32| rusqlite::Error::SqliteFailure(ffi::Error::new(code), None);
        for (code, expected) in [
            (ffi::SQLITE_FULL, "disk full while writing conflict.db"),
            (
                ffi::SQLITE_IOERR_WRITE,
                "I/O error on conflict.db: disk I/O error",
            ),
            (ffi::SQLITE_READONLY_DBMOVED, "conflict.db is read-only"),
            (
                ffi::SQLITE_CORRUPT,
                "conflict.db is damaged: database disk image is malformed",
            ),
            (
                ffi::SQLITE_NOMEM,
                "out of memory while working on conflict.db",
            ),
        ] {
            let error = refused("statements.csv", 32988, failure(code))
                .in_database(std::path::Path::new("conflict.db"));
            assert_eq!(error.to_string(), format!("{expected}; nothing was loaded"));
        }
        // A constraint is the row's doing.
        let error = refused("statements.csv", 7, failure(ffi::SQLITE_CONSTRAINT_CHECK));
        assert_eq!(
            error.to_string(),
            "statements.csv:7: the database refused this row: Error code 275: constraint failed"
        );
    }

    #[test]
    fn in_a_fresh_load_row_n_of_a_file_has_id_n() {
        let input = Input::Files(
            [(
                "actors.csv".to_string(),
                b"name,key,kind\nArmenia,armenia,state\nAzerbaijan,azerbaijan,state\n".to_vec(),
            )]
            .into(),
        );
        let table = TABLES.iter().find(|t| t.name == "actors").unwrap();
        let header = csv::ByteRecord::from(vec!["name", "key", "kind"]);
        let layout = Layout::new(table, &header, "actors.csv".into(), None).unwrap();
        assert_eq!(layout.key_of_row(&input, 1).unwrap(), "armenia");
        assert_eq!(layout.key_of_row(&input, 2).unwrap(), "azerbaijan");
        assert_eq!(layout.key_of_row(&input, 3).unwrap(), "");
    }

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
