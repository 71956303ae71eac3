//! `report NAME -o FILE` and `query SQL -o FILE` in the formats of their own, taken from the
//! extension (or `--format`): the workbook read back by openpyxl, the map by Python's json, the
//! Parquet file by pyarrow, each crediting its datasets; and the refusals, which leave no file.

use std::fs;
use std::process::Command;

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

/// The files of the test's directory besides the database and the seed.
fn files(env: &Env) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("conflict.db"))
        .collect();
    names.sort();
    names
}

/// Each sheet as rows of values, dates as ISO text (as the JSON output gives them).
const READ_WORKBOOK: &str = r#"
import datetime, json, sys, openpyxl
book = openpyxl.load_workbook(open(sys.argv[1], "rb"))
out = {"sheets": book.sheetnames, "data": {}}
for sheet in book.worksheets:
    rows = []
    for row in sheet.iter_rows(values_only=True):
        rows.append([v.date().isoformat() if isinstance(v, datetime.datetime) else v for v in row])
    out["data"][sheet.title] = rows
print(json.dumps(out))
"#;

#[test]
fn a_report_written_to_xlsx_is_its_sheet_and_the_attribution_with_the_values_of_json() {
    let env = Env::new();
    env.ok(&["seed"]);
    env.ok(&["report", "timeline", "-p", "kind=war", "-o", "t.xlsx"]);
    let json: Json = serde_json::from_str(
        &env.ok(&["report", "timeline", "-p", "kind=war", "--format", "json"]),
    )
    .unwrap();
    let book = python(
        &["openpyxl"],
        READ_WORKBOOK,
        &[env.path("t.xlsx").to_str().unwrap()],
    );
    assert_eq!(
        book["sheets"],
        serde_json::json!(["attribution", "timeline"])
    );
    let sheet = book["data"]["timeline"].as_array().unwrap();
    let rows = json.as_array().unwrap();
    assert!(!rows.is_empty());
    assert_eq!(sheet.len(), rows.len() + 1, "a header and a row per row");
    let header: Vec<&str> = sheet[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    let names: Vec<&str> = rows[0]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    let mut sorted_header = header.clone();
    sorted_header.sort();
    let mut sorted_names = names.clone();
    sorted_names.sort();
    assert_eq!(sorted_header, sorted_names);
    for (row, object) in sheet[1..].iter().zip(rows) {
        for (i, name) in header.iter().enumerate() {
            assert_eq!(row[i], object[*name], "{name} in {object}");
        }
    }
    let attribution = book["data"]["attribution"].as_array().unwrap();
    assert_eq!(
        attribution[0],
        serde_json::json!(["dataset", "format", "licence", "attribution", "citation"])
    );
    assert_eq!(attribution[1][0], "built-in");
    // --format names it too, whatever the file is called.
    env.ok(&[
        "report",
        "timeline",
        "--format",
        "xlsx",
        "-o",
        "timeline.book",
    ]);
    let again = python(
        &["openpyxl"],
        READ_WORKBOOK,
        &[env.path("timeline.book").to_str().unwrap()],
    );
    assert_eq!(again["data"]["timeline"].as_array().unwrap().len(), 85);
    assert_eq!(files(&env), ["t.xlsx", "timeline.book"]);
}

#[test]
fn rows_with_coordinates_written_to_geojson_are_points_longitude_first_and_credited() {
    let env = Env::new();
    env.ok(&["seed"]);
    env.ok(&["query", "SELECT * FROM v_events_on_map", "-o", "m.geojson"]);
    let map = python(
        &["json"],
        "import json, sys; print(json.dumps(json.load(open(sys.argv[1]))))",
        &[env.path("m.geojson").to_str().unwrap()],
    );
    let rows: Json = serde_json::from_str(&env.ok(&[
        "query",
        "SELECT * FROM v_events_on_map",
        "--format",
        "json",
    ]))
    .unwrap();
    let rows = rows.as_array().unwrap();
    let features = map["features"].as_array().unwrap();
    assert_eq!(map["type"], "FeatureCollection");
    assert_eq!(features.len(), rows.len());
    assert!(!rows.is_empty());
    for (feature, row) in features.iter().zip(rows) {
        assert_eq!(
            feature["geometry"]["coordinates"],
            serde_json::json!([row["longitude"], row["latitude"]])
        );
        assert_eq!(feature["properties"]["key"], row["key"]);
        assert_eq!(feature["properties"]["geo_precision"], row["geo_precision"]);
    }
    assert_eq!(map["attribution"][0]["dataset"], "built-in");

    // A report with coordinates and a parameter bound: the same points as its JSON says.
    let queries = env.path("queries");
    fs::create_dir(&queries).unwrap();
    fs::write(
        queries.join("map.sql"),
        "-- title: Events on the map\n-- description: Events of a kind at their place.\n\
         -- param: kind [event_kinds]: Only events of this kind (optional)\n\
         SELECT key, latitude, longitude FROM v_events_on_map \
         WHERE kind = coalesce(nullif(:kind, ''), kind) ORDER BY key;\n",
    )
    .unwrap();
    let args = ["report", "map", "--queries", "queries", "-p", "kind=war"];
    env.ok(&[&args[..], &["-o", "war.geojson"]].concat());
    let war: Json =
        serde_json::from_str(&fs::read_to_string(env.path("war.geojson")).unwrap()).unwrap();
    let war_rows: Json =
        serde_json::from_str(&env.ok(&[&args[..], &["--format", "json"]].concat())).unwrap();
    assert_eq!(
        war["features"].as_array().unwrap().len(),
        war_rows.as_array().unwrap().len()
    );
    assert_eq!(
        war["features"][0]["geometry"]["coordinates"][0],
        war_rows[0]["longitude"]
    );
    // GeoJSON is text: --format geojson writes it to standard output.
    let out = env.ok(&[&args[..], &["--format", "geojson"]].concat());
    assert_eq!(out, fs::read_to_string(env.path("war.geojson")).unwrap());
}

const READ_PARQUET: &str = r#"
import json, sys, pyarrow.parquet as pq
table = pq.read_table(sys.argv[1])
meta = pq.read_metadata(sys.argv[1]).metadata
print(json.dumps({
    "rows": table.num_rows,
    "columns": table.column_names,
    "types": {f.name: str(f.type) for f in table.schema},
    "first": {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in table.slice(0, 1).to_pylist()[0].items()},
    "metadata": {k.decode(): v.decode() for k, v in meta.items()},
}))
"#;

#[test]
fn a_report_written_to_parquet_is_one_typed_credited_file() {
    let env = Env::new();
    env.ok(&["seed"]);
    env.ok(&["report", "timeline", "-p", "kind=war", "-o", "r.parquet"]);
    let json: Json = serde_json::from_str(
        &env.ok(&["report", "timeline", "-p", "kind=war", "--format", "json"]),
    )
    .unwrap();
    let file = python(
        &["pyarrow"],
        READ_PARQUET,
        &[env.path("r.parquet").to_str().unwrap()],
    );
    let rows = json.as_array().unwrap();
    assert_eq!(file["rows"], rows.len());
    assert_eq!(file["first"]["title"], rows[0]["title"]);
    assert_eq!(file["first"]["key"], rows[0]["key"]);
    assert_eq!(file["types"]["sources"], "int64");
    assert!(file["metadata"]["attribution"]
        .as_str()
        .unwrap()
        .starts_with("built-in: "));
    assert_eq!(files(&env), ["r.parquet"]);
}

#[test]
fn a_file_format_that_cannot_be_written_is_refused_in_one_line_leaving_no_file() {
    let env = Env::new();
    env.seed_minimal();
    let before = fs::read(env.db()).unwrap();
    let refusals: [(&[&str], &str); 5] = [
        (
            &["report", "timeline", "-o", "t.geojson"],
            "conflictdb: cannot write t.geojson: report timeline has no latitude and longitude \
             columns to map; the views with coordinates are v_events_on_map (conflictdb query \
             \"SELECT * FROM v_events_on_map\" -o FILE.geojson)\n",
        ),
        (
            &["query", "SELECT key FROM events", "--format", "geojson"],
            "conflictdb: cannot write standard output: the query has no latitude and longitude \
             columns to map; the views with coordinates are v_events_on_map (conflictdb query \
             \"SELECT * FROM v_events_on_map\" -o FILE.geojson)\n",
        ),
        (
            &["report", "timeline", "--format", "xlsx"],
            "conflictdb: an .xlsx workbook is not written to standard output; name a file: -o FILE.xlsx\n",
        ),
        (
            &["report", "timeline", "--format", "parquet", "-o", "-"],
            "conflictdb: a Parquet file is not written to standard output; name a file: -o FILE.parquet\n",
        ),
        (
            &["report", "timeline", "--format", "xlsx", "-o", "conflict.db"],
            "conflictdb: refusing to write conflict.db: it is the database in use, conflict.db\n",
        ),
    ];
    for (args, message) in refusals {
        let (code, out, err) = env.run(args);
        assert_eq!((code, err.as_str()), (1, message), "{args:?}");
        assert_eq!(out, "", "{args:?}");
    }
    let left: Vec<String> = files(&env).into_iter().filter(|n| n != "minimal").collect();
    assert!(left.is_empty(), "files left: {left:?}");
    assert_eq!(fs::read(env.db()).unwrap(), before);
}
