//! Property tests that call the library directly (no subprocess):
//!
//! - any valid data set survives seed → `write_seed_layout` → seed into a fresh database with
//!   every row of every table unchanged;
//! - a damaged seed file never panics the loader, and a refused load leaves the database file
//!   byte for byte as it was.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs;
use std::path::Path;

use conflictdb::dump::dump;
use conflictdb::schema::{Table, Value, TABLES};
use conflictdb::seed::write_seed_layout;
use conflictdb::seed::{self, Input, BUILT_IN};
use conflictdb::{date, db};
use proptest::prelude::*;
use proptest::sample::{select, Index};
use rusqlite::Connection;

use crate::common::{read_files, REPO};

/// Seed files by name, as `Input::Files` takes them; shown as text when a case fails.
#[derive(Clone)]
struct Files(BTreeMap<String, Vec<u8>>);

impl fmt::Debug for Files {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (name, bytes) in &self.0 {
            writeln!(f, "--- {name}")?;
            for chunk in bytes.utf8_chunks() {
                f.write_str(chunk.valid())?;
                for byte in chunk.invalid() {
                    write!(f, "\\x{byte:02x}")?;
                }
            }
        }
        Ok(())
    }
}

/// A generated data set: the files, and how many rows each holds.
#[derive(Clone, Debug)]
struct DataSet {
    files: Files,
    rows: BTreeMap<&'static str, u64>,
}

// ---- Values ----------------------------------------------------------------------------------

/// The codes of a built-in vocabulary: the generated files use those, through the fallback of
/// `Input::Files` to the built-in file.
fn codes(vocabulary: &str) -> Vec<String> {
    let file = BUILT_IN
        .get_file(format!("{vocabulary}.csv"))
        .unwrap_or_else(|| panic!("no built-in {vocabulary}.csv"));
    csv::Reader::from_reader(file.contents())
        .records()
        .map(|record| record.unwrap()[0].to_string())
        .collect()
}

fn code(vocabulary: &str) -> impl Strategy<Value = String> {
    select(codes(vocabulary))
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z][a-z0-9-]{0,8}",
        1 => "[A-Za-z0-9][A-Za-z0-9._:-]{0,12}",
    ]
}

/// Free text, never empty: plain words, and the things CSV and SQLite must carry through.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        4 => "[A-Za-z][A-Za-z ]{0,12}",
        3 => select(vec![
            "Erdoğan",
            "Türkiye",
            "Ağdam, Şuşa",
            "a, b",
            "\"quoted\"",
            "say \"hi\", then go",
            "two\nlines",
            "crlf\r\nline",
            "lone\rreturn",
            "  padded  ",
            "\"",
            ",",
            "\n",
            "'",
            "#hash",
            "tab\there",
            "back\\slash",
            "日本語",
            "🕊 dove",
            "\u{feff}bom",
            "NULL",
            "0",
        ])
        .prop_map(String::from),
        1 => "\\PC{1,10}",
        1 => any::<char>().prop_map(String::from),
    ];
    // The loader refuses a NUL character anywhere (SQLite's text functions stop at one), so valid
    // data has none.
    prop::collection::vec(piece, 1..=3).prop_map(|pieces| {
        let text = pieces.concat().replace('\0', "x");
        if text.is_empty() {
            "x".to_string()
        } else {
            text
        }
    })
}

fn optional<S: Strategy<Value = String>>(value: S) -> impl Strategy<Value = String> {
    prop_oneof![1 => Just(String::new()), 2 => value]
}

fn days_in_month(year: i32, month: u8) -> u8 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, always a real day.
fn partial_date() -> impl Strategy<Value = String> {
    (
        prop_oneof![8 => 1900i32..=2030, 1 => 0i32..=9999],
        0u8..3,
        1u8..=12,
        1u8..=31,
    )
        .prop_map(|(year, precision, month, day)| match precision {
            0 => format!("{year:04}"),
            1 => format!("{year:04}-{month:02}"),
            _ => format!(
                "{year:04}-{month:02}-{:02}",
                day.min(days_in_month(year, month))
            ),
        })
}

/// A start and an optional end (empty) that does not end before the start.
fn span() -> impl Strategy<Value = (String, String)> {
    (partial_date(), optional(partial_date())).prop_map(|(start, end)| {
        if end.is_empty() {
            return (start, end);
        }
        let (a, b) = (date::parse(&start).unwrap(), date::parse(&end).unwrap());
        if b.end < a.start {
            (end, start)
        } else {
            (start, end)
        }
    })
}

/// A coordinate within `limit`, written in the ways a spreadsheet might.
fn coordinate(limit: f64) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => (-limit..=limit, 0u8..4).prop_map(|(x, style)| match style {
            0 => format!("{x}"),
            1 => format!("{x:.4}"),
            2 => format!("{}", x.trunc() as i64),
            _ => format!("{x:e}"),
        }),
        1 => select(vec![format!("{limit}"), format!("-{limit}"), "-0".into(), "0".into()]),
    ]
}

/// count_low, count_best, count_high: at least one set, those set ascending.
fn counts() -> impl Strategy<Value = [String; 3]> {
    (
        1u8..8,
        prop::array::uniform3(prop_oneof![3 => 0i64..2000, 1 => 0i64..=i64::MAX]),
    )
        .prop_map(|(mask, mut figures)| {
            figures.sort_unstable();
            std::array::from_fn(|i| {
                if mask & (1 << i) != 0 {
                    figures[i].to_string()
                } else {
                    String::new()
                }
            })
        })
}

fn flag() -> impl Strategy<Value = String> {
    select(vec!["", "0", "1", "true", "false"]).prop_map(String::from)
}

fn country() -> impl Strategy<Value = String> {
    optional("[A-Z]{3}")
}

// ---- Rows --------------------------------------------------------------------------------------

const MAX_ROWS: usize = 6;

/// A row's place in its table's hierarchy (`rank`) and a pick among the rows it may point to.
type Link = (u8, Option<Index>);

fn link() -> impl Strategy<Value = Link> {
    (any::<u8>(), prop::option::weighted(0.7, any::<Index>()))
}

/// Parents with no cycle: a row may point only at rows of lower rank, and ranks are not in file
/// order, so some parents come further down the file (forward references).
fn parents(links: &[Link]) -> Vec<Option<usize>> {
    let order = |i: usize| (links[i].0, i);
    (0..links.len())
        .map(|i| {
            let candidates: Vec<usize> =
                (0..links.len()).filter(|&j| order(j) < order(i)).collect();
            links[i]
                .1
                .filter(|_| !candidates.is_empty())
                .map(|pick| candidates[pick.index(candidates.len())])
        })
        .collect()
}

/// Drops rows whose key an earlier row already has.
fn unique_keys<T>(rows: Vec<(String, T)>) -> Vec<(String, T)> {
    let mut seen = BTreeSet::new();
    rows.into_iter()
        .filter(|(key, _)| seen.insert(key.clone()))
        .collect()
}

/// Drops rows equal in `identity` to an earlier row (a link table's primary key).
fn unique_by<T, K: Ord>(rows: Vec<T>, identity: impl Fn(&T) -> K) -> Vec<T> {
    let mut seen = BTreeSet::new();
    rows.into_iter()
        .filter(|r| seen.insert(identity(r)))
        .collect()
}

fn rows<S: Strategy>(row: S, min: usize) -> impl Strategy<Value = Vec<S::Value>> {
    prop::collection::vec(row, min..=MAX_ROWS)
}

type Row = BTreeMap<&'static str, String>;

fn pick(keys: &[String], index: &Index) -> String {
    keys[index.index(keys.len())].clone()
}

fn pick_optional(keys: &[String], index: &Option<Index>) -> String {
    match index {
        Some(index) if !keys.is_empty() => pick(keys, index),
        _ => String::new(),
    }
}

/// Which columns a file has, in which order: optional columns are sometimes left out (never the
/// casualty figures, of which a row needs one, nor a casualty's side, which its scope `one_side`
/// needs) and the order is sometimes shuffled.
#[derive(Clone, Debug)]
struct Layout {
    shuffle: bool,
    sort_keys: Vec<u32>,
    leave_out: Vec<bool>,
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        prop::bool::weighted(0.3),
        prop::collection::vec(any::<u32>(), 16),
        prop::collection::vec(prop::bool::weighted(0.15), 16),
    )
        .prop_map(|(shuffle, sort_keys, leave_out)| Layout {
            shuffle,
            sort_keys,
            leave_out,
        })
}

fn header(table: &Table, layout: &Layout) -> Vec<&'static str> {
    let mut columns: Vec<(u32, &'static str)> = table
        .columns
        .iter()
        .enumerate()
        .filter(|(i, c)| {
            c.required
                || table.ascending.contains(&c.name)
                || (table.name == "casualties" && c.name == "side")
                || !layout.leave_out[*i]
        })
        .map(|(i, c)| {
            (
                if layout.shuffle {
                    layout.sort_keys[i]
                } else {
                    0
                },
                c.name,
            )
        })
        .collect();
    columns.sort_by_key(|(sort_key, _)| *sort_key);
    columns.into_iter().map(|(_, name)| name).collect()
}

fn write_csv(table: &Table, layout: &Layout, rows: &[Row]) -> Vec<u8> {
    let header = header(table, layout);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(&header).unwrap();
    for row in rows {
        for name in &header {
            assert!(
                table.column(name).is_some(),
                "{}: no column {name}",
                table.name
            );
        }
        writer
            .write_record(
                header
                    .iter()
                    .map(|name| row.get(name).map_or("", String::as_str)),
            )
            .unwrap();
    }
    writer.into_inner().unwrap()
}

macro_rules! row {
    ($($name:literal => $value:expr),* $(,)?) => {
        Row::from([$(($name, $value)),*])
    };
}

/// Any valid data set in the seed layout: every data file, the vocabularies left to the
/// built-in ones.
fn data_set() -> impl Strategy<Value = DataSet> {
    let sources = rows(
        (
            key(),
            (text(), optional(text()), optional(text()), optional(text())),
            optional(partial_date()),
            code("source_kinds"),
            optional(text()),
            link(),
            (optional(text()), optional(text())),
        ),
        1,
    );
    let actors = rows(
        (
            key(),
            text(),
            code("actor_kinds"),
            link(),
            country(),
            flag(),
            optional(text()),
        ),
        1,
    );
    let actor_aliases = rows((any::<Index>(), text()), 0);
    let places = rows(
        (
            key(),
            text(),
            code("place_kinds"),
            country(),
            optional(text()),
            optional(coordinate(90.0)),
            optional(coordinate(180.0)),
            optional(code("geo_precisions")),
            optional(text()),
        ),
        0,
    );
    let place_aliases = rows((any::<Index>(), text()), 0);
    let events = rows(
        (
            key(),
            text(),
            code("event_kinds"),
            span(),
            any::<Option<Index>>(),
            link(),
            text(),
            optional(text()),
        ),
        1,
    );
    let event_places = rows((any::<Index>(), any::<Index>()), 0);
    let event_actors = rows((any::<Index>(), any::<Index>(), code("roles")), 0);
    let event_sources = rows((any::<Index>(), any::<Index>(), optional(text())), 0);
    let statements = rows(
        (
            key(),
            any::<Index>(),
            partial_date(),
            any::<Option<Index>>(),
            (code("statement_kinds"), code("stances")),
            any::<Option<Index>>(),
            text(),
            optional(text()),
            any::<Index>(),
            optional(text()),
        ),
        0,
    );
    let casualties = rows(
        (
            key(),
            (any::<Index>(), any::<Index>()),
            (code("casualty_categories"), code("casualty_outcomes")),
            counts(),
            any::<Option<Index>>(),
            any::<Index>(),
            optional(text()),
            optional(partial_date()),
            optional(text()),
        ),
        0,
    );
    let layouts = prop::collection::vec(layout(), TABLES.len());
    (
        (sources, actors, actor_aliases, places, place_aliases),
        (events, event_places, event_actors, event_sources),
        (statements, casualties),
        layouts,
    )
        .prop_map(
            |(
                (sources, actors, actor_aliases, places, place_aliases),
                (events, event_places, event_actors, event_sources),
                (statements, casualties),
                layouts,
            )| {
                let mut tables: BTreeMap<&'static str, Vec<Row>> = BTreeMap::new();

                let sources = unique_keys(
                    sources
                        .into_iter()
                        .map(|(key, texts, published_on, kind, perspective, link, more)| {
                            (key, (texts, published_on, kind, perspective, link, more))
                        })
                        .collect(),
                );
                let source_keys: Vec<String> = sources.iter().map(|(k, _)| k.clone()).collect();
                let cited_in = parents(&sources.iter().map(|(_, r)| r.4).collect::<Vec<_>>());
                tables.insert(
                    "sources",
                    sources
                        .iter()
                        .zip(&cited_in)
                        .map(
                            |(
                                (key, ((title, author, publisher, url), published_on, kind, perspective, _, (document, notes))),
                                cited,
                            )| {
                                row! {
                                    "key" => key.clone(), "title" => title.clone(), "author" => author.clone(),
                                    "publisher" => publisher.clone(), "url" => url.clone(),
                                    "published_on" => published_on.clone(), "kind" => kind.clone(),
                                    "perspective" => perspective.clone(),
                                    "cited_in" => cited.map(|i| source_keys[i].clone()).unwrap_or_default(),
                                    "document" => document.clone(), "notes" => notes.clone(),
                                }
                            },
                        )
                        .collect(),
                );

                let actors = unique_keys(
                    actors
                        .into_iter()
                        .map(|(key, name, kind, link, country, party, notes)| {
                            (key, (name, kind, link, country, party, notes))
                        })
                        .collect(),
                );
                let actor_keys: Vec<String> = actors.iter().map(|(k, _)| k.clone()).collect();
                let actor_parents = parents(&actors.iter().map(|(_, r)| r.2).collect::<Vec<_>>());
                tables.insert(
                    "actors",
                    actors
                        .iter()
                        .zip(&actor_parents)
                        .map(|((key, (name, kind, _, country, party, notes)), parent)| {
                            row! {
                                "key" => key.clone(), "name" => name.clone(), "kind" => kind.clone(),
                                "parent" => parent.map(|i| actor_keys[i].clone()).unwrap_or_default(),
                                "country" => country.clone(), "is_party" => party.clone(),
                                "notes" => notes.clone(),
                            }
                        })
                        .collect(),
                );
                tables.insert(
                    "actor_aliases",
                    unique_by(
                        actor_aliases
                            .iter()
                            .map(|(actor, alias)| (pick(&actor_keys, actor), alias.clone()))
                            .collect(),
                        Clone::clone,
                    )
                    .into_iter()
                    .map(|(actor, alias)| row! { "actor" => actor, "alias" => alias })
                    .collect(),
                );

                let places = unique_keys(
                    places
                        .into_iter()
                        .map(|(key, name, kind, country, admin1, lat, lon, precision, notes)| {
                            (key, (name, kind, country, admin1, lat, lon, precision, notes))
                        })
                        .collect(),
                );
                let place_keys: Vec<String> = places.iter().map(|(k, _)| k.clone()).collect();
                tables.insert(
                    "places",
                    places
                        .iter()
                        .map(|(key, (name, kind, country, admin1, lat, lon, precision, notes))| {
                            row! {
                                "key" => key.clone(), "name" => name.clone(), "kind" => kind.clone(),
                                "country" => country.clone(), "admin1" => admin1.clone(),
                                "latitude" => lat.clone(), "longitude" => lon.clone(),
                                "geo_precision" => precision.clone(), "notes" => notes.clone(),
                            }
                        })
                        .collect(),
                );
                tables.insert(
                    "place_aliases",
                    if place_keys.is_empty() {
                        Vec::new()
                    } else {
                        unique_by(
                            place_aliases
                                .iter()
                                .map(|(place, alias)| (pick(&place_keys, place), alias.clone()))
                                .collect(),
                            Clone::clone,
                        )
                        .into_iter()
                        .map(|(place, alias)| row! { "place" => place, "alias" => alias })
                        .collect()
                    },
                );

                let events = unique_keys(
                    events
                        .into_iter()
                        .map(|(key, title, kind, span, place, link, summary, notes)| {
                            (key, (title, kind, span, place, link, summary, notes))
                        })
                        .collect(),
                );
                let event_keys: Vec<String> = events.iter().map(|(k, _)| k.clone()).collect();
                let event_parents = parents(&events.iter().map(|(_, r)| r.4).collect::<Vec<_>>());
                tables.insert(
                    "events",
                    events
                        .iter()
                        .zip(&event_parents)
                        .map(|((key, (title, kind, (start, end), place, _, summary, notes)), parent)| {
                            row! {
                                "key" => key.clone(), "title" => title.clone(), "kind" => kind.clone(),
                                "start_date" => start.clone(), "end_date" => end.clone(),
                                "place" => pick_optional(&place_keys, place),
                                "parent" => parent.map(|i| event_keys[i].clone()).unwrap_or_default(),
                                "summary" => summary.clone(), "notes" => notes.clone(),
                            }
                        })
                        .collect(),
                );
                tables.insert(
                    "event_places",
                    if place_keys.is_empty() {
                        Vec::new()
                    } else {
                        unique_by(
                            event_places
                                .iter()
                                .map(|(e, p)| (pick(&event_keys, e), pick(&place_keys, p)))
                                .collect(),
                            Clone::clone,
                        )
                        .into_iter()
                        .map(|(event, place)| row! { "event" => event, "place" => place })
                        .collect()
                    },
                );
                tables.insert(
                    "event_actors",
                    unique_by(
                        event_actors
                            .iter()
                            .map(|(e, a, role)| {
                                (pick(&event_keys, e), pick(&actor_keys, a), role.clone())
                            })
                            .collect(),
                        Clone::clone,
                    )
                    .into_iter()
                    .map(|(event, actor, role)| {
                        row! { "event" => event, "actor" => actor, "role" => role }
                    })
                    .collect(),
                );
                tables.insert(
                    "event_sources",
                    unique_by(
                        event_sources
                            .iter()
                            .map(|(e, s, quote)| {
                                (pick(&event_keys, e), pick(&source_keys, s), quote.clone())
                            })
                            .collect(),
                        |(event, source, _)| (event.clone(), source.clone()),
                    )
                    .into_iter()
                    .map(|(event, source, quote)| {
                        row! { "event" => event, "source" => source, "quote" => quote }
                    })
                    .collect(),
                );

                tables.insert(
                    "statements",
                    unique_keys(
                        statements
                            .into_iter()
                            .map(|(key, speaker, said_on, event, kinds, target, summary, quote, source, notes)| {
                                (key, (speaker, said_on, event, kinds, target, summary, quote, source, notes))
                            })
                            .collect(),
                    )
                    .into_iter()
                    .map(
                        |(key, (speaker, said_on, event, (kind, stance), target, summary, quote, source, notes))| {
                            row! {
                                "key" => key, "speaker" => pick(&actor_keys, &speaker),
                                "said_on" => said_on, "event" => pick_optional(&event_keys, &event),
                                "kind" => kind, "stance" => stance,
                                "target" => pick_optional(&actor_keys, &target),
                                "summary" => summary, "quote" => quote,
                                "source" => pick(&source_keys, &source), "notes" => notes,
                            }
                        },
                    )
                    .collect(),
                );
                tables.insert(
                    "casualties",
                    unique_keys(
                        casualties
                            .into_iter()
                            .map(|(key, ids, codes, counts, claimed_by, source, quote, as_of, notes)| {
                                (key, (ids, codes, counts, claimed_by, source, quote, as_of, notes))
                            })
                            .collect(),
                    )
                    .into_iter()
                    .map(
                        |(key, ((event, side), (category, outcome), [low, best, high], claimed_by, source, quote, as_of, notes))| {
                            row! {
                                "key" => key, "event" => pick(&event_keys, &event),
                                "scope" => "one_side".to_string(),
                                "side" => pick(&actor_keys, &side),
                                "category" => category, "outcome" => outcome,
                                "count_low" => low, "count_best" => best, "count_high" => high,
                                "claimed_by" => pick_optional(&actor_keys, &claimed_by),
                                "source" => pick(&source_keys, &source),
                                "quote" => quote, "as_of" => as_of, "notes" => notes,
                            }
                        },
                    )
                    .collect(),
                );

                // Allegations and links between events, made from the rows above: each event
                // actor alleged by the actor listed next, each event linked to the one before.
                tables.insert(
                    "allegations",
                    tables["event_actors"]
                        .iter()
                        .enumerate()
                        .map(|(i, row)| {
                            row! {
                                "key" => format!("al-{i}"), "event" => row["event"].clone(),
                                "actor" => row["actor"].clone(),
                                "kind" => ["perpetrator", "initiator"][i % 2].to_string(),
                                "alleged_by" => actor_keys[i % actor_keys.len()].clone(),
                                "source" => source_keys[i % source_keys.len()].clone(),
                                "quote" => String::new(), "notes" => String::new(),
                            }
                        })
                        .collect(),
                );
                tables.insert(
                    "event_links",
                    event_keys
                        .windows(2)
                        .enumerate()
                        .map(|(i, pair)| {
                            row! {
                                "key" => format!("link-{i}"), "event" => pair[1].clone(),
                                "kind" => "in_response_to".to_string(), "related" => pair[0].clone(),
                                "source" => source_keys[i % source_keys.len()].clone(),
                                "quote" => String::new(), "notes" => String::new(),
                            }
                        })
                        .collect(),
                );

                tables.insert(
                    "event_attributes",
                    event_keys
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| i % 3 == 0)
                        .map(|(i, event)| {
                            row! {
                                "event" => event.clone(), "name" => format!("column-{}", i % 2),
                                "value" => format!("value {i}"),
                            }
                        })
                        .collect(),
                );
                let statement_keys: Vec<String> =
                    tables["statements"].iter().map(|row| row["key"].clone()).collect();
                tables.insert(
                    "statement_attributes",
                    statement_keys
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| i % 2 == 0)
                        .map(|(i, statement)| {
                            row! {
                                "statement" => statement.clone(), "name" => "GoldsteinScale".to_string(),
                                "value" => format!("-{i}.0"),
                            }
                        })
                        .collect(),
                );

                let mut files = BTreeMap::new();
                let mut counts = BTreeMap::new();
                for (table, layout) in TABLES.iter().zip(&layouts) {
                    if let Some(rows) = tables.get(table.name) {
                        files.insert(table.file_name(), write_csv(table, layout, rows));
                        counts.insert(table.name, rows.len() as u64);
                    }
                }
                assert_eq!(
                    files.len(),
                    TABLES.iter().filter(|t| !t.is_vocabulary).count(),
                    "every data file is generated, so none falls back to the built-in data"
                );
                DataSet {
                    files: Files(files),
                    rows: counts,
                }
            },
        )
}

// ---- Databases ---------------------------------------------------------------------------------

fn memory_db() -> Connection {
    let mut conn = Connection::open_in_memory().unwrap();
    conn.pragma_update(None, "foreign_keys", true).unwrap();
    db::migrate(&mut conn, Path::new(":memory:")).unwrap();
    conn
}

/// Loads a data set that must be valid.
fn load_valid(conn: &mut Connection, files: &Files) -> Result<seed::Counts, TestCaseError> {
    seed::load(conn, &Input::Files(files.0.clone()))
        .map_err(|e| TestCaseError::fail(format!("a valid data set was refused: {e}")))
}

/// The data rules `conflictdb check` enforces, which every loaded database meets.
fn assert_consistent(conn: &Connection) -> Result<(), TestCaseError> {
    let integrity: String = conn
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .unwrap();
    prop_assert_eq!(integrity, "ok");
    let violations: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
            row.get(0)
        })
        .unwrap();
    prop_assert_eq!(violations, 0, "foreign_key_check found violations");
    for table in TABLES {
        if let Some(column) = table
            .columns
            .iter()
            .find(|c| c.value == Value::Ref(table.name))
        {
            let cycles =
                conflictdb::integrity::find_cycles(conn, table.name, column.db, None).unwrap();
            prop_assert!(cycles.is_empty(), "{}: cycle {:?}", table.name, cycles);
        }
    }
    Ok(())
}

/// `PROPTEST_CASES` for a longer run; the suite's default keeps it to seconds.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), ..ProptestConfig::default() })]

    #[test]
    fn any_valid_data_set_survives_export_and_seeding_again(
        data in data_set(),
        bom in any::<bool>(),
    ) {
        let mut first = memory_db();
        let counts = load_valid(&mut first, &data.files)?;
        for (table, rows) in &counts {
            if let Some(expected) = data.rows.get(table) {
                prop_assert_eq!(rows, expected, "rows loaded into {}", table);
            }
        }
        assert_consistent(&first)?;

        let exported = tempfile::tempdir().unwrap();
        write_seed_layout(&first, exported.path(), bom).unwrap();
        let mut second = memory_db();
        seed::load(&mut second, &Input::Dir(exported.path().to_path_buf())).map_err(|e| {
            TestCaseError::fail(format!("the exported seed layout was refused: {e}"))
        })?;
        prop_assert_eq!(dump(&first).unwrap(), dump(&second).unwrap());

        // And the second database exports to the same files, byte for byte.
        let again = tempfile::tempdir().unwrap();
        write_seed_layout(&second, again.path(), bom).unwrap();
        prop_assert_eq!(read_files(exported.path()), read_files(again.path()));
    }
}

// ---- Damaged input -----------------------------------------------------------------------------

/// The minimal fixture's data files; the vocabularies come from the built-in ones.
fn minimal_fixture() -> Files {
    Files(read_files(&Path::new(REPO).join("tests/fixtures/minimal")))
}

#[derive(Clone, Debug)]
enum Mutation {
    FlipBit(Index, u8),
    SetByte(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, u8),
    /// Copies a run of bytes to another place.
    Duplicate(Index, u8, Index),
    Truncate(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    DeleteLine(Index),
}

fn troublesome_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        3 => select(vec![
            &b"\""[..], b",", b"\n", b"\r", b"\r\n", b"\"\"", b",\"", b"\"\n", b"\xff", b"\xc3",
            b"\xe2\x80", b"\0", "\u{feff}".as_bytes(), b"-1", b"99999999999999999999", b"1e400",
            b"NaN", b"2020-02-30", b" ", b"\\",
        ])
        .prop_map(<[u8]>::to_vec),
        1 => prop::collection::vec(any::<u8>(), 1..4),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit(at, bit)),
        (any::<Index>(), any::<u8>()).prop_map(|(at, byte)| Mutation::SetByte(at, byte)),
        (any::<Index>(), troublesome_bytes()).prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<Index>(), 1u8..16).prop_map(|(at, len)| Mutation::Delete(at, len)),
        (any::<Index>(), 1u8..32, any::<Index>())
            .prop_map(|(from, len, to)| Mutation::Duplicate(from, len, to)),
        any::<Index>().prop_map(Mutation::Truncate),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        any::<Index>().prop_map(Mutation::DeleteLine),
    ]
}

/// Lines with their terminators, so that joining them gives the bytes back.
fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    // An index into the bytes, or the position just past the end.
    let at = |index: &Index, len: usize| index.index(len + 1);
    match mutation {
        Mutation::FlipBit(index, bit) if !bytes.is_empty() => {
            let i = index.index(bytes.len());
            bytes[i] ^= 1 << bit;
        }
        Mutation::SetByte(index, byte) if !bytes.is_empty() => {
            let i = index.index(bytes.len());
            bytes[i] = *byte;
        }
        Mutation::Insert(index, inserted) => {
            let i = at(index, bytes.len());
            bytes.splice(i..i, inserted.iter().copied());
        }
        Mutation::Delete(index, len) => {
            let i = at(index, bytes.len());
            let end = (i + usize::from(*len)).min(bytes.len());
            bytes.drain(i..end);
        }
        Mutation::Duplicate(from, len, to) => {
            let i = at(from, bytes.len());
            let run = bytes[i..(i + usize::from(*len)).min(bytes.len())].to_vec();
            let j = at(to, bytes.len());
            bytes.splice(j..j, run);
        }
        Mutation::Truncate(index) => {
            let i = at(index, bytes.len());
            bytes.truncate(i);
        }
        Mutation::DuplicateLine(index) => {
            let mut lines = lines(bytes);
            if !lines.is_empty() {
                let i = index.index(lines.len());
                let mut line = lines[i].clone();
                if !line.ends_with(b"\n") {
                    lines[i].push(b'\n');
                    line.push(b'\n');
                }
                lines.insert(i + 1, line);
                *bytes = lines.concat();
            }
        }
        Mutation::SwapLines(a, b) => {
            let mut lines = lines(bytes);
            if lines.len() > 1 {
                // Keep the header in place, so that the swap reaches the rows.
                let (a, b) = (1 + a.index(lines.len() - 1), 1 + b.index(lines.len() - 1));
                for line in lines.iter_mut() {
                    if !line.ends_with(b"\n") {
                        line.push(b'\n');
                    }
                }
                lines.swap(a, b);
                *bytes = lines.concat();
            }
        }
        Mutation::DeleteLine(index) => {
            let mut lines = lines(bytes);
            if !lines.is_empty() {
                lines.remove(index.index(lines.len()));
                *bytes = lines.concat();
            }
        }
        Mutation::FlipBit(..) | Mutation::SetByte(..) => {}
    }
}

fn file_bytes(files: &Files, name: &str) -> Vec<u8> {
    files.0.get(name).cloned().unwrap_or_else(|| {
        BUILT_IN
            .get_file(name)
            .unwrap_or_else(|| panic!("no built-in {name}"))
            .contents()
            .to_vec()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(128), ..ProptestConfig::default() })]

    #[test]
    fn a_damaged_file_is_loaded_whole_or_not_at_all(
        data in prop_oneof![1 => Just(minimal_fixture()), 1 => data_set().prop_map(|d| d.files)],
        table in select(TABLES.iter().map(|t| t.name).collect::<Vec<_>>()),
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("conflict.db");
        let mut conn = db::open_for_write(&path).unwrap();
        load_valid(&mut conn, &data)?;
        let before = dump(&conn).unwrap();
        drop(conn);
        let before_bytes = fs::read(&path).unwrap();

        let name = format!("{table}.csv");
        let mut damaged = file_bytes(&data, &name);
        for mutation in &mutations {
            apply(&mut damaged, mutation);
        }
        let mut files = data.0.clone();
        files.insert(name.clone(), damaged.clone());

        let mut conn = db::open_for_write(&path).unwrap();
        match seed::load(&mut conn, &Input::Files(files)) {
            Ok(_) => {
                prop_assert!(conn.is_autocommit(), "a transaction was left open");
                assert_consistent(&conn)?;
            }
            Err(error) => {
                let message = error.to_string();
                prop_assert!(conn.is_autocommit(), "a transaction was left open after: {}", message);
                prop_assert!(!message.contains('\n'), "the message is not one line: {:?}", message);
                prop_assert!(
                    TABLES.iter().any(|t| message.starts_with(&t.file_name())),
                    "the message names no file: {:?}", message
                );
                prop_assert_eq!(dump(&conn).unwrap(), before, "the refusal {:?} left rows behind", message);
                drop(conn);
                prop_assert!(
                    fs::read(&path).unwrap() == before_bytes,
                    "the refusal {:?} changed the database file", message
                );
            }
        }
    }
}
