//! Claims, not verdicts (issue 12): what can be checked mechanically on the built-in data, loaded
//! with the real binary (every quote byte for byte in its document, no inferred date given to the
//! day, no pseudo-actor counting losses, no note citing a file that does not ship, perpetrators
//! only as allegations, every allegation and link backed by a document), and the migration of a
//! database the previous release made.
//!
//! A data test that fails lists every offending row as `table key column: value`, so that what
//! is left to correct can be read from its message.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::common::{csv_rows, Env, REPO};

/// The source documents: `CONFLICTDB_SOURCES`, or `../shared/sources` beside the repository (as
/// tests/data.rs finds them). Without them the quotes cannot be checked, and the test says so by
/// failing rather than passing unchecked.
fn documents_dir() -> PathBuf {
    let dir = std::env::var_os("CONFLICTDB_SOURCES")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(REPO).join("../shared/sources"));
    assert!(
        dir.is_dir(),
        "the source documents are not at {}: set CONFLICTDB_SOURCES to their directory",
        dir.display()
    );
    dir
}

/// A database seeded with the built-in data.
fn built_in() -> Env {
    let env = Env::new();
    env.ok(&["seed"]);
    env
}

/// Fails listing `offending`, one row a line, under `what`.
fn assert_none(what: &str, offending: &[String]) {
    assert!(
        offending.is_empty(),
        "{} {what}:\n{}",
        offending.len(),
        offending.join("\n")
    );
}

/// A value as a failure message shows it: whole if short, else its first 120 characters.
fn shown(value: &str) -> String {
    if value.chars().count() <= 120 {
        format!("{value:?}")
    } else {
        let start: String = value.chars().take(120).collect();
        format!("{start:?}…")
    }
}

/// Each source's document, by source id: its own, or that of the source citing it.
fn documents_by_source(env: &Env) -> HashMap<String, Option<String>> {
    let sources: HashMap<String, (String, String)> = env
        .query("SELECT id, coalesce(cited_in, ''), coalesce(document, '') FROM sources")
        .into_iter()
        .map(|row| (row[0].clone(), (row[1].clone(), row[2].clone())))
        .collect();
    sources
        .keys()
        .map(|id| {
            let mut at = id.clone();
            // Bounded: `check` refuses a cycle in cited_in, but this must end regardless.
            for _ in 0..sources.len() {
                let (cited_in, document) = &sources[&at];
                if !document.is_empty() {
                    return (id.clone(), Some(document.clone()));
                }
                if cited_in.is_empty() {
                    break;
                }
                at = cited_in.clone();
            }
            (id.clone(), None)
        })
        .collect()
}

/// How many bytes at the start of `quote` (cut at a character) occur in `text`: where a copy
/// went wrong, such as a no-break space typed as a plain one.
fn longest_prefix_in(text: &str, quote: &str) -> usize {
    let ends: Vec<usize> = quote
        .char_indices()
        .map(|(at, _)| at)
        .chain([quote.len()])
        .collect();
    // A prefix that occurs makes every shorter one occur: the first that does not is found by
    // halving.
    let first_missing = ends.partition_point(|&end| text.contains(&quote[..end]));
    ends[first_missing - 1]
}

/// Every quote of the tables that quote a source: (table, row, source id, quote).
const QUOTES: &str = "
SELECT 'statements', key, source_id, quote FROM statements WHERE coalesce(quote, '') <> ''
UNION ALL
SELECT 'casualties', key, source_id, quote FROM casualties WHERE coalesce(quote, '') <> ''
UNION ALL
SELECT 'event_sources', events.key || ' ' || sources.key, event_sources.source_id, event_sources.quote
FROM event_sources
JOIN events ON events.id = event_sources.event_id
JOIN sources ON sources.id = event_sources.source_id
WHERE coalesce(event_sources.quote, '') <> ''
UNION ALL
SELECT 'allegations', key, source_id, quote FROM allegations WHERE coalesce(quote, '') <> ''
UNION ALL
SELECT 'event_links', key, source_id, quote FROM event_links WHERE coalesce(quote, '') <> ''
";

#[test]
fn every_quote_is_byte_exact_in_the_document_of_its_source() {
    let dir = documents_dir();
    let env = built_in();
    let documents_of = documents_by_source(&env);
    let mut texts: HashMap<String, Option<String>> = HashMap::new();
    let mut offending = Vec::new();
    let rows = env.query(QUOTES);
    for row in &rows {
        let (table, key, source, quote) = (&row[0], &row[1], &row[2], &row[3]);
        let Some(document) = documents_of[source].clone() else {
            offending.push(format!(
                "{table} {key} quote: its source holds no document: {}",
                shown(quote)
            ));
            continue;
        };
        let text = texts
            .entry(document.clone())
            .or_insert_with(|| fs::read_to_string(dir.join(&document)).ok());
        match text {
            None => offending.push(format!(
                "{table} {key} quote: its document {document} does not ship"
            )),
            Some(text) if !text.contains(quote.as_str()) => {
                let kept = longest_prefix_in(text, quote);
                offending.push(format!(
                    "{table} {key} quote: not in {document}: {}; the document has its first {kept} bytes, then differs at {}",
                    shown(quote),
                    shown(&quote[kept..].chars().take(24).collect::<String>())
                ))
            }
            Some(_) => {}
        }
    }
    assert!(rows.len() > 300, "only {} quotes", rows.len());
    assert_none(
        &format!(
            "of {} quotes are not byte for byte in their document",
            rows.len()
        ),
        &offending,
    );
}

#[test]
fn no_date_inferred_from_context_is_given_to_the_day() {
    let env = built_in();
    let rows = env.query(
        // A statement the text does not date is never given day precision. An event's span
        // whose both ends the text bounds to the day (gunfire from the night of 5 April to the
        // reports of 13 April) is a span, not a day; a single inferred day is refused.
        "SELECT 'events', key, 'start_date', start_date || ' to ' || end_date FROM events
         WHERE date_basis = 'inferred' AND date_precision = 'day' AND start_date = end_date
         UNION ALL
         SELECT 'statements', key, 'said_on', said_on || ' to ' || said_on_end FROM statements
         WHERE date_basis = 'inferred' AND said_on_precision = 'day'
         ORDER BY 1, 2",
    );
    let offending: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{} {} {}: {} (day precision, date_basis inferred)",
                r[0], r[1], r[2], r[3]
            )
        })
        .collect();
    assert_none(
        "rows give a day to a date the text does not state",
        &offending,
    );
}

#[test]
fn no_casualty_claim_counts_the_losses_of_a_pseudo_actor() {
    let env = built_in();
    let pseudo =
        "(lower(actors.key) LIKE '%both-sides%' OR lower(actors.name) LIKE '%both sides%')";
    let mut offending: Vec<String> = env
        .query(&format!(
            "SELECT casualties.key, actors.key, actors.name FROM casualties
             JOIN actors ON actors.id = casualties.side_id
             WHERE {pseudo} ORDER BY casualties.key"
        ))
        .iter()
        .map(|r| format!("casualties {} side: {} ({})", r[0], r[1], shown(&r[2])))
        .collect();
    offending.extend(
        env.query(&format!(
            "SELECT key, name FROM actors WHERE {pseudo} ORDER BY key"
        ))
        .iter()
        .map(|r| {
            format!(
                "actors {} name: {} (an actor that does not act)",
                r[0],
                shown(&r[1])
            )
        }),
    );
    assert_none("casualty claims or actors stand for both sides", &offending);
}

/// The file names a note cites: every `NAME.md`, `.txt`, `.csv` or `.json`, NAME being letters,
/// digits, `_` and `-`.
fn cited_files(note: &str) -> Vec<String> {
    let bytes = note.as_bytes();
    let is_name = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
    let mut cited = Vec::new();
    for (dot, _) in note.match_indices('.') {
        let rest = &bytes[dot + 1..];
        let Some(extension) = ["md", "txt", "csv", "json"]
            .into_iter()
            .find(|e| rest.starts_with(e.as_bytes()))
        else {
            continue;
        };
        if rest
            .get(extension.len())
            .is_some_and(|&b| b.is_ascii_alphanumeric())
        {
            continue;
        }
        let start = bytes[..dot]
            .iter()
            .rposition(|&b| !is_name(b))
            .map_or(0, |p| p + 1);
        if start < dot {
            cited.push(note[start..dot + 1 + extension.len()].to_string());
        }
    }
    cited
}

#[test]
fn cited_files_finds_every_file_name_a_note_gives_and_nothing_else() {
    assert_eq!(
        cited_files("see 003_d50c.txt, events.csv and notes.md. Not e.g. or x.csvs; a .json"),
        ["003_d50c.txt", "events.csv", "notes.md"]
    );
}

#[test]
fn no_note_cites_a_file_that_does_not_ship() {
    let env = built_in();
    let mut shipped: BTreeSet<String> = env
        .query("SELECT DISTINCT document FROM sources WHERE document IS NOT NULL")
        .into_iter()
        .map(|r| r[0].clone())
        .collect();
    shipped.extend(
        fs::read_dir(Path::new(REPO).join("seed"))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap()),
    );
    let tables = env.query(
        "SELECT name, (SELECT name FROM pragma_table_info(m.name) WHERE name IN ('key', 'code'))
         FROM sqlite_master AS m
         WHERE type = 'table' AND EXISTS (
             SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'notes')
         ORDER BY name",
    );
    assert!(tables.len() >= 6, "tables with notes: {tables:?}");
    let mut offending = Vec::new();
    for table in &tables {
        let (name, key) = (&table[0], &table[1]);
        let key = if key.is_empty() { "rowid" } else { key };
        for row in env.query(&format!(
            "SELECT {key}, notes FROM {name} WHERE notes IS NOT NULL ORDER BY {key}"
        )) {
            for file in cited_files(&row[1]) {
                if !shipped.contains(&file) {
                    offending.push(format!(
                        "{name} {} notes: cites {file}: {}",
                        row[0],
                        shown(&row[1])
                    ));
                }
            }
        }
    }
    assert_none("notes cite a file that does not ship", &offending);
}

#[test]
fn who_carried_out_or_started_an_event_is_an_allegation_never_a_role_stated_as_fact() {
    let env = built_in();
    let rows = env.query(
        "SELECT events.key, actors.key, event_actors.role,
             EXISTS (SELECT 1 FROM allegations WHERE allegations.event_id = events.id)
         FROM event_actors
         JOIN events ON events.id = event_actors.event_id
         JOIN actors ON actors.id = event_actors.actor_id
         WHERE event_actors.role IN ('perpetrator', 'initiator')
         ORDER BY events.key, actors.key",
    );
    let offending: Vec<String> = rows
        .iter()
        .map(|r| {
            let alleged = if r[3] == "1" {
                " (the event also has allegations)"
            } else {
                ""
            };
            format!("event_actors {} {} role: {}{alleged}", r[0], r[1], r[2])
        })
        .collect();
    assert_none(
        "event_actors rows state a perpetrator or initiator as fact instead of recording an allegation",
        &offending,
    );
}

#[test]
fn every_allegation_and_event_link_names_a_source_backed_by_a_document_and_quotes_it() {
    let env = built_in();
    let documents_of = documents_by_source(&env);
    let rows = env.query(
        "SELECT 'allegations', allegations.key, allegations.source_id, sources.key,
             coalesce(allegations.quote, '')
         FROM allegations JOIN sources ON sources.id = allegations.source_id
         UNION ALL
         SELECT 'event_links', event_links.key, event_links.source_id, sources.key,
             coalesce(event_links.quote, '')
         FROM event_links JOIN sources ON sources.id = event_links.source_id
         ORDER BY 1, 2",
    );
    let mut offending = Vec::new();
    for row in &rows {
        let (table, key, source_id, source, quote) = (&row[0], &row[1], &row[2], &row[3], &row[4]);
        if documents_of[source_id].is_none() {
            offending.push(format!(
                "{table} {key} source: {source} (neither it nor a source citing it holds a document)"
            ));
        }
        if quote.is_empty() {
            offending.push(format!("{table} {key} quote: empty"));
        }
    }
    assert!(
        rows.iter().any(|r| r[0] == "allegations"),
        "the built-in data records no allegation"
    );
    assert_none(
        "allegations or event links rest on no document or quote none",
        &offending,
    );
}

/// The database `conflictdb seed` made with the previous release's built-in data (schema
/// version 3, before claims, not verdicts): `sqlite3 DB .dump` of it.
const VERSION_3: &str = "tests/fixtures/version-3.sql";

/// Each casualty claim by key: (side key, count_low, count_best, count_high).
type Figures = BTreeMap<String, (String, Option<i64>, Option<i64>, Option<i64>)>;

fn figures(conn: &Connection) -> Figures {
    let mut stmt = conn
        .prepare(
            "SELECT casualties.key, coalesce(side.key, ''), count_low, count_best, count_high
             FROM casualties LEFT JOIN actors AS side ON side.id = casualties.side_id",
        )
        .unwrap();
    stmt.query_map([], |row| {
        Ok((
            row.get(0)?,
            (row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?),
        ))
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

fn count(conn: &Connection, sql: &str) -> i64 {
    conn.query_row(sql, [], |row| row.get(0)).unwrap()
}

#[test]
fn a_database_made_by_the_previous_version_migrates_and_takes_the_new_data() {
    let env = Env::new();
    let dump = fs::read_to_string(Path::new(REPO).join(VERSION_3)).unwrap();
    let (before, sides_before) = {
        let conn = Connection::open(env.db()).unwrap();
        conn.execute_batch(&dump).unwrap();
        // .dump leaves out the header fields the previous release had set.
        conn.pragma_update(None, "application_id", conflictdb::db::APPLICATION_ID)
            .unwrap();
        conn.pragma_update(None, "user_version", 3).unwrap();
        let sides = count(
            &conn,
            "SELECT count(*) FROM event_actors WHERE role IN ('side_a', 'side_b')",
        );
        (figures(&conn), sides)
    };
    let pooled: Vec<&String> = before
        .iter()
        .filter(|(_, (side, ..))| side == "both-sides")
        .map(|(key, _)| key)
        .collect();
    assert_eq!(pooled.len(), 9, "{pooled:?}");
    assert!(sides_before > 0);

    let (code, out, err) = env.run(&["migrate"]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    // The snapshot first, then V4 and every later migration, in order.
    assert!(
        err.starts_with(
            "conflictdb: saved a snapshot of schema version 3 to conflict.db.v3.bak before migrating\n\
             conflictdb: applied V4__claims_not_verdicts\n\
             conflictdb: applied V5__datasets\n"
        ),
        "{err}"
    );
    assert!(
        err.lines()
            .skip(1)
            .all(|l| l.starts_with("conflictdb: applied V")),
        "{err}"
    );

    let conn = Connection::open(env.db()).unwrap();
    let after = figures(&conn);
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
    let scopes: BTreeMap<String, String> = conn
        .prepare("SELECT key, scope FROM casualties")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for (key, (side, low, best, high)) in &before {
        let (side_after, low_after, best_after, high_after) = &after[key];
        assert_eq!(
            (low_after, best_after, high_after),
            (low, best, high),
            "{key}: figures changed"
        );
        if side == "both-sides" {
            assert_eq!(
                (scopes[key].as_str(), side_after.as_str()),
                ("all_sides", ""),
                "{key}"
            );
        } else {
            assert_eq!(
                (scopes[key].as_str(), side_after),
                ("one_side", side),
                "{key}"
            );
        }
    }
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM event_actors WHERE role IN ('side_a', 'side_b')"
        ),
        0
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM event_actors WHERE role = 'side'"
        ),
        sides_before
    );
    assert_eq!(
        count(
            &conn,
            "SELECT count(*) FROM actors WHERE key = 'both-sides'"
        ),
        0
    );
    drop(conn);
    let (code, out, _) = env.run(&["check"]);
    assert_eq!(code, 0, "{out}");

    // A row loaded before version 4 has no date basis recorded: the reports show it empty.
    let timeline = csv_rows(&env.ok(&["report", "timeline", "--format", "csv"]));
    assert!(timeline.len() > 50);
    assert!(
        timeline.iter().all(|r| r[3].is_empty()),
        "{:?}",
        timeline[0]
    );
    let russia = csv_rows(&env.ok(&[
        "report",
        "actor-statements",
        "-p",
        "actor=russia",
        "--format",
        "csv",
    ]));
    assert!(!russia.is_empty() && russia.iter().all(|r| r[3].is_empty()));

    // The new built-in data over the migrated database.
    env.ok(&["seed"]);
    let (code, out, _) = env.run(&["check"]);
    assert_eq!(code, 0, "{out}");
    // Every event and statement of the new data now says how its date is known; only rows of
    // the old data that the new files no longer hold (a seed adds and updates, it does not
    // remove) keep none.
    for table in ["events", "statements"] {
        let shipped: std::collections::HashSet<String> =
            csv::Reader::from_path(Path::new(REPO).join(format!("seed/{table}.csv")))
                .unwrap()
                .records()
                .map(|r| r.unwrap()[0].to_string())
                .collect();
        let without_basis = env.query(&format!("SELECT key FROM {table} WHERE date_basis IS NULL"));
        assert!(
            without_basis.iter().all(|r| !shipped.contains(&r[0])),
            "{table}: a shipped row left without a date basis: {without_basis:?}"
        );
        assert!(shipped.len() > 80, "{table}: {} rows", shipped.len());
    }
}
