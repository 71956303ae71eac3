//! Fuzzes the seed loader one file at a time. The first byte of the input picks a seed table
//! (modulo the number of tables, in load order); the rest is that table's CSV. It replaces that
//! one file of a valid data set (tests/fixtures/minimal on the built-in vocabularies) and is
//! loaded into an in-memory database that already holds that data set.
//!
//! Whatever the bytes, the loader must not panic; when it refuses them, the database must hold
//! exactly what it held before (every row of every table) with no transaction left open; when it
//! accepts them, the database must meet the rules `conflictdb check` enforces.
//!
//! The same files are also loaded into two empty databases, as a first seed builds one (the
//! reading thread checks every value, SQLite's own checks off) and as a seed into an existing
//! file does (row by row, every constraint on): both must refuse, or both accept and hold the same
//! rows, with no foreign key broken.

#![no_main]

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;

use conflictdb::db;
use conflictdb::dump::{dump, Dump};
use conflictdb::schema::{Value, TABLES};
use conflictdb::seed::{self, Input, Mode};
use libfuzzer_sys::fuzz_target;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::Connection;

macro_rules! fixture {
    ($($name:literal),* $(,)?) => {
        [$((
            concat!($name, ".csv"),
            &include_bytes!(concat!("../../tests/fixtures/minimal/", $name, ".csv"))[..],
        )),*]
    };
}

/// The data files of the valid data set; the vocabularies fall back to the built-in files.
fn base_files() -> BTreeMap<String, Vec<u8>> {
    fixture![
        "sources",
        "actors",
        "actor_aliases",
        "places",
        "place_aliases",
        "events",
        "event_places",
        "event_actors",
        "event_sources",
        "statements",
        "casualties",
        "allegations",
        "event_links",
    ]
    .into_iter()
    .map(|(name, bytes)| (name.to_string(), bytes.to_vec()))
    .collect()
}

fn memory_db() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    db::migrate(&mut conn, Path::new(":memory:")).unwrap();
    conn
}

struct Fixture {
    files: BTreeMap<String, Vec<u8>>,
    /// The database holding the valid data set, to restore from after an accepted input.
    template: Connection,
    template_dump: Dump,
    /// The database each input is loaded into; it holds the valid data set before each run.
    work: Connection,
    /// A migrated database with no rows, copied for the first-seed and update loads.
    empty: Connection,
}

impl Fixture {
    fn new() -> Fixture {
        let files = base_files();
        let mut template = memory_db();
        seed::load(&mut template, &Input::Files(files.clone())).expect("the base data set loads");
        let template_dump = dump(&template).unwrap();
        let mut work = memory_db();
        restore(&template, &mut work);
        Fixture {
            files,
            template,
            template_dump,
            work,
            empty: memory_db(),
        }
    }
}

fn restore(from: &Connection, to: &mut Connection) {
    // -1: every page in one step.
    let step = Backup::new(from, to).unwrap().step(-1).unwrap();
    assert!(
        matches!(step, StepResult::Done),
        "backup stopped at {step:?}"
    );
}

thread_local! {
    static FIXTURE: RefCell<Fixture> = RefCell::new(Fixture::new());
}

fuzz_target!(|data: &[u8]| {
    let Some((&pick, csv)) = data.split_first() else {
        return;
    };
    let table = &TABLES[usize::from(pick) % TABLES.len()];
    FIXTURE.with_borrow_mut(|fixture| {
        let mut files = fixture.files.clone();
        files.insert(table.file_name(), csv.to_vec());
        let input = Input::Files(files);
        fresh_and_update_agree(&fixture.empty, &input);
        match seed::load(&mut fixture.work, &input) {
            Err(error) => {
                assert!(
                    fixture.work.is_autocommit(),
                    "a transaction was left open after: {error}"
                );
                assert!(
                    dump(&fixture.work).unwrap() == fixture.template_dump,
                    "the refusal {error} changed the database"
                );
            }
            Ok(_) => {
                assert!(fixture.work.is_autocommit(), "a transaction was left open");
                let violations: i64 = fixture
                    .work
                    .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
                        row.get(0)
                    })
                    .unwrap();
                assert_eq!(violations, 0, "foreign_key_check found violations");
                for table in TABLES {
                    if let Some(column) = table
                        .columns
                        .iter()
                        .find(|c| c.value == Value::Ref(table.name))
                    {
                        let cycles =
                            conflictdb::integrity::find_cycles(&fixture.work, table.name, column.db, None).unwrap();
                        assert!(
                            cycles.is_empty(),
                            "{}: accepted a cycle {cycles:?}",
                            table.name
                        );
                    }
                }
                restore(&fixture.template, &mut fixture.work);
            }
        }
    });
});

/// Loads `input` into an empty database as a first seed does and as a seed into an existing file
/// does; both refuse it, or both accept it with the same rows.
fn fresh_and_update_agree(empty: &Connection, input: &Input) {
    let copy = || {
        let mut conn = Connection::open_in_memory().unwrap();
        restore(empty, &mut conn);
        conn.pragma_update(None, "foreign_keys", true).unwrap();
        conn
    };
    let mut fresh = copy();
    fresh
        .execute_batch("PRAGMA foreign_keys = OFF; PRAGMA ignore_check_constraints = ON;")
        .unwrap();
    let built = seed::load_with(&mut fresh, input, Mode::Fresh, &mut ());
    let mut update = copy();
    let loaded = seed::load(&mut update, input);
    match (built, loaded) {
        (Ok(built), Ok(loaded)) => {
            assert_eq!(built, loaded, "rows per table");
            assert!(
                dump(&fresh).unwrap() == dump(&update).unwrap(),
                "a first seed and an update differ"
            );
            let violations: i64 = fresh
                .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
                    row.get(0)
                })
                .unwrap();
            assert_eq!(violations, 0, "a first seed broke a foreign key");
        }
        (Err(_), Err(_)) => {}
        (built, loaded) => panic!(
            "a first seed gave {:?} but an update {:?}",
            built.map_err(|e| e.to_string()),
            loaded.map_err(|e| e.to_string())
        ),
    }
}
