//! The typed exports read back by the clients their users have: the workbook by openpyxl, the
//! GeoJSON by Python's json, the Parquet files by pyarrow; each compared with the database, and
//! each carrying the credit of the datasets its rows come from. Full-text search through the
//! binary. A missing Python module fails the test, naming what to install.

use std::process::Command;

use rusqlite::types::Value;
use rusqlite::Connection;
use serde_json::Value as Json;

use crate::common::Env;

/// Runs a Python script with `args`; returns what it prints, parsed as JSON. Fails, saying what
/// to install, where a module it needs is missing.
fn python(modules: &[&str], script: &str, args: &[&str]) -> Json {
    for module in modules {
        let found = Command::new("python3")
            .args(["-c", &format!("import {module}")])
            .output()
            .expect("python3 is not installed (apt-get install python3)");
        assert!(
            found.status.success(),
            "the Python module {module} is missing: pip install {module} (.ci/run installs it)"
        );
    }
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Every table and view an export writes, as the database lists them.
fn exported_tables(db: &Connection) -> Vec<String> {
    db.prepare(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')
         AND name NOT LIKE 'sqlite_%' AND name NOT IN ('refinery_schema_history', 'row_fingerprints')
         AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE '%_fts_%' ORDER BY type, name",
    )
    .unwrap()
    .query_map([], |r| r.get(0))
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

fn rows(db: &Connection, table: &str) -> Vec<Vec<Value>> {
    let mut stmt = db.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
    let width = stmt.column_count();
    stmt.query_map([], |r| (0..width).map(|i| r.get(i)).collect())
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// The built-in data with a summary a spreadsheet would take for a formula.
fn seeded_with_a_formula(env: &Env) -> Connection {
    env.ok(&["seed"]);
    let db = Connection::open(env.db()).unwrap();
    db.execute(
        "UPDATE events SET summary = '=HYPERLINK(\"http://example.com\", \"x\")'
         WHERE key = '2020-09-second-nagorno-karabakh-war'",
        [],
    )
    .unwrap();
    db
}

const READ_WORKBOOK: &str = r#"
import datetime, json, sys, openpyxl
book = openpyxl.load_workbook(sys.argv[1])
out = {"sheets": book.sheetnames, "data": {}}
for sheet in book.worksheets:
    rows = []
    for row in sheet.iter_rows():
        cells = []
        for c in row:
            if c.data_type == "f": cells.append(["formula", c.value])
            elif c.value is None: cells.append(["none", None])
            elif isinstance(c.value, datetime.datetime): cells.append(["date", c.value.date().isoformat()])
            elif isinstance(c.value, bool): cells.append(["bool", c.value])
            elif isinstance(c.value, int): cells.append(["int", c.value])
            elif isinstance(c.value, float): cells.append(["float", c.value])
            else: cells.append(["str", c.value])
        rows.append(cells)
    widths = [sheet.column_dimensions[openpyxl.utils.get_column_letter(i + 1)].width
              for i in range(sheet.max_column)]
    out["data"][sheet.title] = {"freeze": sheet.freeze_panes, "rows": rows, "widths": widths}
print(json.dumps(out))
"#;

#[test]
fn the_workbook_holds_every_table_and_view_with_its_values_typed() {
    let env = Env::new();
    let db = seeded_with_a_formula(&env);
    env.ok(&["export", "--xlsx", "conflict.xlsx"]);
    let book = python(
        &["openpyxl"],
        READ_WORKBOOK,
        &[env.path("conflict.xlsx").to_str().unwrap()],
    );
    let tables = exported_tables(&db);
    let mut expected_sheets = vec!["attribution".to_string()];
    expected_sheets.extend(tables.iter().cloned());
    let sheets: Vec<String> = serde_json::from_value(book["sheets"].clone()).unwrap();
    assert_eq!(sheets, expected_sheets);
    let (mut dates, mut texts_like_dates) = (0, 0);
    for table in &tables {
        let sheet = &book["data"][table.as_str()];
        assert_eq!(sheet["freeze"], "A2", "{table}: the header row is frozen");
        let stmt = db.prepare(&format!("SELECT * FROM \"{table}\"")).unwrap();
        let header: Vec<Json> = stmt
            .column_names()
            .map(|n| serde_json::json!(["str", n]))
            .collect();
        let cells = sheet["rows"].as_array().unwrap();
        assert_eq!(cells[0], Json::Array(header), "{table}: header");
        let expected = rows(&db, table);
        assert_eq!(cells.len() - 1, expected.len(), "{table}: rows");
        for (row, values) in cells[1..].iter().zip(&expected) {
            for (cell, value) in row.as_array().unwrap().iter().zip(values) {
                let (kind, got) = (cell[0].as_str().unwrap(), &cell[1]);
                match value {
                    Value::Null => assert_eq!(kind, "none", "{table}: {cell}"),
                    Value::Integer(i) => {
                        assert_eq!((kind, got.as_i64()), ("int", Some(*i)), "{table}")
                    }
                    Value::Real(f) => assert_eq!(got.as_f64(), Some(*f), "{table}"),
                    Value::Text(t) => {
                        assert_eq!(got.as_str(), Some(t.as_str()), "{table}: {cell}");
                        match kind {
                            "date" => dates += 1,
                            "str" if t.len() == 10 && t.as_bytes()[4] == b'-' => {
                                texts_like_dates += 1
                            }
                            "str" => {}
                            _ => panic!("{table}: text {t:?} came back as {cell}"),
                        }
                    }
                    Value::Blob(_) => unreachable!("the data holds no blobs"),
                }
            }
        }
        let widths = sheet["widths"].as_array().unwrap();
        assert!(
            widths
                .iter()
                .all(|w| (3.0..63.0).contains(&w.as_f64().unwrap())),
            "{table}: column widths {widths:?}"
        );
    }
    // Full dates are dates in columns of full dates (events.start_date); a column of mixed
    // precision (casualties.as_of: "2020-10", "2020-10-20") keeps them as text.
    assert!(dates > 100, "{dates} date cells");
    assert!(
        texts_like_dates > 0,
        "{texts_like_dates} full dates as text"
    );
    let as_of = &book["data"]["casualties"]["rows"];
    assert!(as_of
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .all(|c| c[0] != "date"));
    // The summary that looks like a formula is text.
    let summaries = &book["data"]["events"]["rows"];
    assert!(summaries
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r.as_array().unwrap())
        .any(|c| c[0] == "str" && c[1].as_str().unwrap().starts_with("=HYPERLINK(")));
    let widest = book["data"]["events"]["widths"][2].as_f64().unwrap();
    assert!(
        (62.0..63.0).contains(&widest),
        "titles are wide; the width is capped: {widest}"
    );
}

#[test]
fn the_workbook_credits_the_datasets_of_its_rows() {
    let env = Env::new();
    let db = seeded_with_a_formula(&env);
    env.ok(&["export", "--xlsx", "conflict.xlsx"]);
    let book = python(
        &["openpyxl"],
        READ_WORKBOOK,
        &[env.path("conflict.xlsx").to_str().unwrap()],
    );
    let expected: Vec<Json> = db
        .prepare("SELECT name, format, licence, attribution, citation FROM datasets")
        .unwrap()
        .query_map([], |r| {
            Ok(Json::Array(
                (0..5)
                    .map(|i| serde_json::json!(["str", r.get::<_, String>(i).unwrap()]))
                    .collect(),
            ))
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    let attribution = book["data"]["attribution"]["rows"].as_array().unwrap();
    assert_eq!(attribution[0][3], serde_json::json!(["str", "attribution"]));
    assert_eq!(attribution[1..], expected[..]);
    assert!(expected[0][3][1].as_str().unwrap().len() > 20);
}

#[test]
fn a_workbook_is_not_written_over_the_database() {
    let env = Env::new();
    env.ok(&["seed"]);
    let before = std::fs::read(env.db()).unwrap();
    let err = env.fails(&["export", "--xlsx", "conflict.db"]);
    assert!(err.starts_with("conflictdb: "), "{err}");
    assert!(err.contains("conflict.db"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(std::fs::read(env.db()).unwrap(), before);
}

const READ_GEOJSON: &str = r#"
import json, sys
print(json.dumps(json.load(open(sys.argv[1], encoding="utf-8"))))
"#;

#[test]
fn the_map_has_a_point_per_event_and_place_longitude_first_with_claims_not_sums() {
    let env = Env::new();
    env.ok(&["seed"]);
    env.ok(&["export", "--geojson", "events.geojson"]);
    let map = python(
        &["json"],
        READ_GEOJSON,
        &[env.path("events.geojson").to_str().unwrap()],
    );
    assert_eq!(map["type"], "FeatureCollection");
    assert!(map.get("crs").is_none(), "RFC 7946 has no crs member");
    let db = Connection::open(env.db()).unwrap();
    let pairs: i64 = db
        .query_row(
            "SELECT count(*) FROM (
                 SELECT id, place_id FROM events WHERE place_id IS NOT NULL
                 UNION SELECT event_id, place_id FROM event_places) AS pairs
             JOIN places ON places.id = pairs.place_id WHERE latitude IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let features = map["features"].as_array().unwrap();
    assert_eq!(features.len() as i64, pairs);
    for feature in features {
        let p = &feature["properties"];
        let (lat, lon, geo_precision, kind, start, precision, title): (
            f64,
            f64,
            String,
            String,
            String,
            String,
            String,
        ) = db
            .query_row(
                "SELECT places.latitude, places.longitude, places.geo_precision, events.kind,
                        events.start_date, events.date_precision, events.title
                 FROM events, places WHERE events.key = ?1 AND places.key = ?2",
                [p["event"].as_str().unwrap(), p["place"].as_str().unwrap()],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                        r.get(6)?,
                    ))
                },
            )
            .unwrap();
        assert_eq!(feature["geometry"]["type"], "Point");
        assert_eq!(
            feature["geometry"]["coordinates"],
            serde_json::json!([lon, lat]),
            "longitude first"
        );
        assert_eq!(p["geo_precision"], geo_precision.as_str());
        assert_eq!(p["kind"], kind.as_str());
        assert_eq!(p["start_date"], start.as_str());
        assert_eq!(p["date_precision"], precision.as_str());
        assert_eq!(p["title"], title.as_str());
        assert_eq!(p["dataset"], "built-in");
        assert!(!p["sources"].as_array().unwrap().is_empty());
    }
    // Every claim of an event is listed with its claimant and figures, none summed.
    let claimed: Vec<(String, i64)> = db
        .prepare(
            "SELECT events.key, count(*) FROM casualties JOIN events ON events.id = event_id
             WHERE events.place_id IS NOT NULL GROUP BY events.key",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(!claimed.is_empty());
    for (event, claims) in claimed {
        let feature = features
            .iter()
            .find(|f| f["properties"]["event"] == event.as_str())
            .unwrap();
        let listed = feature["properties"]["casualty_claims"].as_array().unwrap();
        assert_eq!(listed.len() as i64, claims, "{event}");
        for claim in listed {
            let (best, claimant): (Option<i64>, Option<String>) = db
                .query_row(
                    "SELECT count_best, actors.name FROM casualties
                     LEFT JOIN actors ON actors.id = claimed_by_id WHERE casualties.key = ?1",
                    [claim["key"].as_str().unwrap()],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .unwrap();
            assert_eq!(claim["count_best"], serde_json::json!(best));
            assert_eq!(claim["claimed_by"], serde_json::json!(claimant));
        }
    }
    // The collection credits its datasets.
    let credit: (String, String) = db
        .query_row(
            "SELECT attribution, licence FROM datasets WHERE name = 'built-in'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(map["attribution"][0]["dataset"], "built-in");
    assert_eq!(map["attribution"][0]["attribution"], credit.0.as_str());
    assert_eq!(map["attribution"][0]["licence"], credit.1.as_str());
}

#[test]
fn search_ranks_matches_with_a_snippet_in_events_statements_and_sources() {
    let env = Env::new();
    env.ok(&["seed"]);
    let out = env.ok(&["search", "Ganja", "--in", "events", "--format", "csv"]);
    let rows = crate::common::csv_rows(&out);
    assert!(out.starts_with("found_in,key,title,snippet\n"), "{out}");
    assert_eq!(rows[0][1], "2020-10-04-ganja-strike", "{out}");
    assert!(
        rows.iter()
            .all(|r| r[0] == "event" && r[3].contains("**Ganja**")),
        "{out}"
    );
    // Accents and case do not matter; punctuation is not query syntax.
    let out = env.ok(&["search", "erdogan", "--in", "statements", "--format", "csv"]);
    let rows = crate::common::csv_rows(&out);
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r[0] == "statement" && r[3].contains("**Erdoğan**")),
        "{out}"
    );
    let out = env.ok(&[
        "search",
        "Nagorno-Karabakh",
        "--in",
        "sources",
        "--format",
        "csv",
    ]);
    assert!(
        crate::common::csv_rows(&out)
            .iter()
            .all(|r| r[0] == "source"),
        "{out}"
    );
    let err = env.fails(&["search", "!!"]);
    assert_eq!(
        err,
        "conflictdb: search: \"!!\" has no word to search for\n"
    );
}

#[test]
fn search_follows_every_seed_and_removal() {
    let env = Env::new();

    let mine = env.seed_dir("mine", None);
    let events = std::fs::read_to_string(mine.join("events.csv")).unwrap();
    let first_key = events
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_string();
    // The index itself, not only the search's join with the table, which hides a removed row.
    let found =
        |env: &Env| env.query("SELECT rowid FROM events_fts WHERE events_fts MATCH 'Zyxwvut'");
    // A dataset whose event has a new word: found after the seed (a fresh load: no database yet).
    let mut lines: Vec<String> = events.lines().map(String::from).collect();
    lines[1] = lines[1].replacen(
        &format!("{first_key},"),
        &format!("{first_key},Zyxwvut "),
        1,
    );
    std::fs::write(mine.join("events.csv"), lines.join("\n") + "\n").unwrap();
    env.ok(&["seed", mine.to_str().unwrap(), "--dataset", "mine"]);
    assert_eq!(found(&env).len(), 1);
    // Seeded again without the word: gone.
    std::fs::write(mine.join("events.csv"), &events).unwrap();
    env.ok(&["seed", mine.to_str().unwrap(), "--dataset", "mine"]);
    assert!(found(&env).is_empty());
    // Seeded again with it, then removed: gone.
    std::fs::write(mine.join("events.csv"), lines.join("\n") + "\n").unwrap();
    env.ok(&["seed", mine.to_str().unwrap(), "--dataset", "mine"]);
    assert_eq!(found(&env).len(), 1);
    env.ok(&["datasets", "remove", "mine"]);
    assert!(found(&env).is_empty());
}

const READ_PARQUET: &str = r#"
import json, os, sys, pyarrow.parquet as pq
out = {}
for name in sorted(os.listdir(sys.argv[1])):
    table = pq.read_table(os.path.join(sys.argv[1], name))
    meta = pq.read_metadata(os.path.join(sys.argv[1], name)).metadata
    first = table.slice(0, 1).to_pylist()
    out[name] = {
        "rows": table.num_rows,
        "types": {f.name: str(f.type) for f in table.schema},
        "first": {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in (first[0] if first else {}).items()},
        "metadata": {k.decode(): v.decode() for k, v in meta.items()},
    }
print(json.dumps(out))
"#;

#[test]
fn parquet_files_hold_every_table_and_view_typed_and_credited() {
    let env = Env::new();
    env.ok(&["seed"]);
    env.ok(&["export", "--parquet", "parquet"]);
    let files = python(
        &["pyarrow"],
        READ_PARQUET,
        &[env.path("parquet").to_str().unwrap()],
    );
    let db = Connection::open(env.db()).unwrap();
    let tables = exported_tables(&db);
    assert_eq!(files.as_object().unwrap().len(), tables.len());
    let credit: String = db
        .query_row(
            "SELECT name || ': ' || attribution || ' (Licence: ' || licence || ')' FROM datasets",
            [],
            |r| r.get(0),
        )
        .unwrap();
    for table in &tables {
        let file = &files[format!("{table}.parquet")];
        let count: i64 = db
            .query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(file["rows"], count, "{table}");
        // A table without rows has no dataset to credit; a view is credited with every dataset
        // that has rows, as it does not say which its rows come from.
        let is_view: bool = db
            .query_row(
                "SELECT type = 'view' FROM sqlite_master WHERE name = ?1",
                [table],
                |r| r.get(0),
            )
            .unwrap();
        let expected = if count == 0 && !is_view {
            ""
        } else {
            credit.as_str()
        };
        assert_eq!(file["metadata"]["attribution"], expected, "{table}");
        assert_eq!(file["metadata"]["conflictdb.table"], table.as_str());
    }
    let events = &files["events.parquet"];
    assert_eq!(events["types"]["id"], "int64");
    assert_eq!(events["types"]["title"], "string");
    assert_eq!(events["types"]["start_date"], "date32[day]");
    assert_eq!(files["places.parquet"]["types"]["latitude"], "double");
    assert_eq!(files["casualties.parquet"]["types"]["count_best"], "int64");
    // A column of mixed precision stays text.
    assert_eq!(files["casualties.parquet"]["types"]["as_of"], "string");
    let (key, start, title): (String, String, String) = db
        .query_row(
            "SELECT key, start_date, title FROM events ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(events["first"]["key"], key.as_str());
    assert_eq!(events["first"]["start_date"], start.as_str());
    assert_eq!(events["first"]["title"], title.as_str());
    let datasets: Json =
        serde_json::from_str(events["metadata"]["conflictdb.datasets"].as_str().unwrap()).unwrap();
    assert_eq!(datasets[0]["dataset"], "built-in");
}

#[test]
fn a_csv_export_credits_its_datasets_and_acled_rows_carry_the_credit_line() {
    let env = Env::new();
    env.ok(&["seed"]);
    let db = Connection::open(env.db()).unwrap();
    env.ok(&["export", "--out", "plain"]);
    let datasets = std::fs::read_to_string(env.path("plain/DATASETS.csv")).unwrap();
    let (line, licence): (String, String) = db
        .query_row(
            "SELECT attribution, licence FROM datasets WHERE name = 'built-in'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    let rows = crate::common::csv_rows(&datasets);
    assert!(datasets.starts_with("dataset,format,licence,attribution,citation\n"));
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0][..4],
        ["built-in", "seed", licence.as_str(), line.as_str()]
    );
    let events = std::fs::read_to_string(env.path("plain/events.csv")).unwrap();
    assert!(!events.lines().next().unwrap().ends_with(",attribution"));

    // The same rows, as if they came from ACLED: each carries ACLED's credit line.
    let acled = "Source: Armed Conflict Location & Event Data (ACLED); https://acleddata.com";
    db.execute(
        "UPDATE datasets SET format = 'acled', attribution = ?1 WHERE name = 'built-in'",
        [acled],
    )
    .unwrap();
    env.ok(&["export", "--out", "acled"]);
    let events = std::fs::read_to_string(env.path("acled/events.csv")).unwrap();
    let header = events.lines().next().unwrap();
    assert!(
        header.contains(",dataset_id,") && header.ends_with(",attribution"),
        "{header}"
    );
    let rows = crate::common::csv_rows(&events);
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| r.last().unwrap() == acled));
    let datasets = std::fs::read_to_string(env.path("acled/DATASETS.csv")).unwrap();
    assert_eq!(crate::common::csv_rows(&datasets)[0][3], acled);
}

#[test]
fn one_export_at_a_time() {
    let env = Env::new();
    env.ok(&["seed"]);
    for args in [
        ["--xlsx", "a.xlsx", "--geojson", "b.geojson"],
        ["--parquet", "p", "--seed", ""],
        ["--geojson", "b.geojson", "--out", "dir"],
    ] {
        let args: Vec<&str> = std::iter::once("export")
            .chain(args.into_iter().filter(|a| !a.is_empty()))
            .collect();
        let (code, _, err) = env.run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("cannot be used with"), "{args:?}: {err}");
    }
    assert!(!env.path("a.xlsx").exists() && !env.path("p").exists());
}
