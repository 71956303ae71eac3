//! Regressions for the loader bugs found while writing the property tests and the fuzz target, one
//! test each, each calling the library on the minimal fixture with one file replaced.
//!
//! Each accepts any fix that refuses the input with a message naming the right file and line (and
//! leaves the database as it was), rather than one exact wording.

use std::collections::BTreeMap;
use std::path::Path;

use conflictdb::db;
use conflictdb::dump::{dump, Dump};
use conflictdb::seed::{self, Input, SeedError};
use rusqlite::Connection;
use tempfile::TempDir;

use crate::common::{read_files, REPO};

fn minimal_fixture() -> BTreeMap<String, Vec<u8>> {
    read_files(&Path::new(REPO).join("tests/fixtures/minimal"))
}

struct Loaded {
    result: Result<seed::Counts, SeedError>,
    conn: Connection,
    before: Dump,
    _dir: TempDir,
}

/// Seeds a new database with the minimal fixture, then loads the fixture again with `file`
/// replaced by `text` (the way `conflictdb seed DIR` updates a database).
fn reseed_with(file: &str, text: &str) -> Loaded {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = db::open_for_write(&dir.path().join("conflict.db")).unwrap();
    let files = minimal_fixture();
    seed::load(&mut conn, &Input::Files(files.clone())).unwrap();
    let before = dump(&conn).unwrap();
    let mut files = files;
    files.insert(file.to_string(), text.as_bytes().to_vec());
    let result = seed::load(&mut conn, &Input::Files(files));
    Loaded {
        result,
        conn,
        before,
        _dir: dir,
    }
}

impl Loaded {
    /// Asserts a refusal whose message starts with `location` (`file:line`), and no change.
    fn assert_refused_at(&self, location: &str) {
        match &self.result {
            Ok(_) => panic!(
                "accepted; the database now holds:\n{}",
                dump(&self.conn).unwrap()
            ),
            Err(error) => {
                let message = error.to_string();
                assert!(
                    message.starts_with(&format!("{location}:")),
                    "refused at the wrong place: {message}"
                );
            }
        }
        assert_eq!(
            dump(&self.conn).unwrap(),
            self.before,
            "a refusal changed the database"
        );
    }
}

const EVENTS_HEADER: &str = "key,title,kind,start_date,end_date,place,parent,summary,notes\n";

/// Two rows that each open a quote and never close it: the CSV parser closes the first quoted
/// field at the second quote, so the row between them becomes part of a `notes` value. The
/// loader's odd-quote check sees an even count and accepts the file: the event
/// `2021-11-16-clash` is silently dropped, and the notes of `2020-10-ceasefire` hold a line
/// break and the dropped row's text. (On a fresh database the refusal comes later, from
/// event_sources.csv or event_actors.csv, naming the wrong file, whenever a file refers to the
/// dropped row; here nothing does.)
#[test]

fn two_unclosed_quotes_do_not_swallow_the_row_between_them() {
    let events = format!(
        "{EVENTS_HEADER}\
         2020-war,The 2020 war,war,2020-09-27,2020-11-10,stepanakert,,Six weeks of fighting.,\n\
         2020-10-04-ganja-strike,Strike on Ganja,missile_strike,2020-10-04,,ganja,2020-war,Missiles hit Ganja.,\n\
         2020-10-ceasefire,October ceasefire,ceasefire,2020-10,,,2020-war,A ceasefire was agreed.,\"Day not given\n\
         2021-11-16-clash,Border clash,clash,2021-11-16,,,,Troops exchanged fire.,\"Reported by both sides\n"
    );
    reseed_with("events.csv", &events).assert_refused_at("events.csv:4");
}

/// A double quote inside an unquoted field (`12" guns`, which the CSV parser keeps as text)
/// makes the quote count even again, so an unclosed quote further down is not caught: the
/// quoted field runs to the end of the file and the last row is silently dropped into the
/// `notes` of the row before it.
#[test]

fn a_stray_quote_does_not_hide_an_unclosed_one() {
    let events = format!(
        "{EVENTS_HEADER}\
         2020-war,The 2020 war,war,2020-09-27,2020-11-10,stepanakert,,Six weeks of fighting with 12\" guns.,\n\
         2020-10-04-ganja-strike,Strike on Ganja,missile_strike,2020-10-04,,ganja,2020-war,Missiles hit Ganja.,\"Unclosed\n\
         2020-10-ceasefire,October ceasefire,ceasefire,2020-10,,,2020-war,A ceasefire was agreed.,Day not given\n"
    );
    let loaded = reseed_with("events.csv", &events);
    match &loaded.result {
        // Whichever quote a fix blames, it must refuse the file.
        Err(error) if error.to_string().starts_with("events.csv:") => {
            assert_eq!(dump(&loaded.conn).unwrap(), loaded.before);
        }
        other => panic!(
            "expected a refusal naming events.csv, got {:?}; the database holds:\n{}",
            other.as_ref().map(|_| ()).map_err(ToString::to_string),
            dump(&loaded.conn).unwrap()
        ),
    }
}

/// A lone double quote inside an unquoted field is refused as "a double quote opened here is
/// never closed" at the last line of the file (line 4), although the quote is on line 2 and the
/// CSV parser read every row correctly. A fix may accept it (the value holds the quote) or refuse
/// it naming line 2.
#[test]

fn a_quote_inside_an_unquoted_field_is_reported_on_its_own_line() {
    let events = format!(
        "{EVENTS_HEADER}\
         2020-war,The 2020 war,war,2020-09-27,2020-11-10,stepanakert,,Six weeks of fighting with 12\" guns.,\n\
         2020-10-04-ganja-strike,Strike on Ganja,missile_strike,2020-10-04,,ganja,2020-war,Missiles hit Ganja.,\n\
         2020-10-ceasefire,October ceasefire,ceasefire,2020-10,,,2020-war,A ceasefire was agreed.,Day not given\n"
    );
    let loaded = reseed_with("events.csv", &events);
    match &loaded.result {
        Ok(_) => {
            let summary: String = loaded
                .conn
                .query_row(
                    "SELECT summary FROM events WHERE key = '2020-war'",
                    [],
                    |row| row.get(0),
                )
                .unwrap();
            assert_eq!(summary, "Six weeks of fighting with 12\" guns.");
        }
        Err(_) => loaded.assert_refused_at("events.csv:2"),
    }
}

/// A link-table row given twice (the same event and source) with different quotes used to let
/// the second overwrite the first, losing the quote on line 2. A source may back an event with
/// several passages: both are kept. (The same row given twice is refused: see
/// tests/bad_input/duplicate-link-row.)
#[test]
fn a_second_passage_for_the_same_event_and_source_does_not_overwrite_the_first() {
    let event_sources = "event,source,quote\n\
        2020-war,src-a,\"The war began on 27 September.\"\n\
        2020-war,src-b,\"Fighting broke out.\"\n\
        2020-10-04-ganja-strike,src-b,\"Ganja was hit.\"\n\
        2020-10-ceasefire,src-b-ref,\"A ceasefire was agreed in October.\"\n\
        2020-war,src-a,\"Azerbaijan launched an offensive.\"\n";
    let loaded = reseed_with("event_sources.csv", event_sources);
    assert!(
        loaded.result.is_ok(),
        "{:?}",
        loaded.result.as_ref().err().map(ToString::to_string)
    );
    let quotes: Vec<String> = loaded
        .conn
        .prepare(
            "SELECT quote FROM event_sources JOIN events ON events.id = event_id
             JOIN sources ON sources.id = source_id
             WHERE events.key = '2020-war' AND sources.key = 'src-a' ORDER BY quote",
        )
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(
        quotes,
        [
            "Azerbaijan launched an offensive.",
            "The war began on 27 September."
        ]
    );
}

/// Found by the round-trip property: an alias that starts with a NUL character passes the
/// loader's checks, and the database's CHECK (length(alias) > 0) refuses it (SQLite's length()
/// stops at a NUL), so the message names no column or value: "actor_aliases.csv:3: the database
/// refused this row: CHECK constraint failed: length(alias) > 0".
#[test]

fn an_alias_starting_with_nul_is_refused_naming_its_column() {
    let aliases = "actor,alias\nlavrov,Sergej Lavrov\nturkey,\0Türkiye\n";
    reseed_with("actor_aliases.csv", aliases).assert_refused_at("actor_aliases.csv:3:2");
}
