//! The Parquet files read by DuckDB (pip `duckdb`), a reader other than pyarrow (exports.rs):
//! every table and view with its row count, typed values and NULLs, a table of more than one row
//! group (uncompressed), and an empty one.

use std::process::Command;

use rusqlite::Connection;
use serde_json::Value as Json;

use crate::common::Env;

const READ: &str = r#"
import json, os, sys, duckdb
out = {}
con = duckdb.connect()
for name in sorted(os.listdir(sys.argv[1])):
    path = os.path.join(sys.argv[1], name).replace("'", "''")
    rel = f"read_parquet('{path}')"
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM {rel}").fetchall()}
    out[name] = {"rows": con.execute(f"SELECT count(*) FROM {rel}").fetchone()[0], "types": types}
d = sys.argv[1]
def q(sql):
    return [[v.isoformat() if hasattr(v, "isoformat") else v for v in r] for r in con.execute(sql).fetchall()]
out["events"] = q(f"SELECT id, key, start_date, title FROM read_parquet('{d}/events.parquet') ORDER BY id LIMIT 1")
out["low"] = q(f"SELECT count(*), count(count_low), sum(count_low) FROM read_parquet('{d}/casualties.parquet')")
out["big"] = q(f"SELECT count(*), count(t), sum(i), min(d), max(d), sum(r) FROM read_parquet('{d}/big.parquet')")
out["groups"] = q(f"SELECT count(DISTINCT row_group_id), string_agg(DISTINCT compression) FROM parquet_metadata('{d}/big.parquet')")
out["meta"] = q(f"SELECT decode(key), decode(value) FROM parquet_kv_metadata('{d}/events.parquet') ORDER BY 1")
print(json.dumps(out))
"#;

fn duckdb(dir: &str) -> Json {
    let found = Command::new("python3")
        .args(["-c", "import duckdb"])
        .output()
        .expect("python3 is not installed (apt-get install python3)");
    assert!(
        found.status.success(),
        "the Python module duckdb is missing: pip install duckdb (.ci/run installs it)"
    );
    let out = Command::new("python3")
        .args(["-c", READ, dir])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn duckdb_reads_every_table_and_view_typed_with_nulls_row_groups_and_empty_files() {
    let env = Env::new();
    env.ok(&["seed"]);
    let db = Connection::open(env.db()).unwrap();
    // 70,000 rows: two row groups (64K rows each at most); every third text NULL; dates.
    db.execute_batch(
        "CREATE VIEW big AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
           WHERE i < 70000)
         SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE 'row ' || i END AS t,
                date('2000-01-01', '+' || (i % 1000) || ' days') AS d, i / 2.0 AS r FROM n;
         CREATE VIEW no_rows AS SELECT key, start_date FROM events WHERE 0;",
    )
    .unwrap();
    env.ok(&["export", "--parquet", "parquet"]);
    let files = duckdb(env.path("parquet").to_str().unwrap());
    let tables: Vec<String> = db
        .prepare(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')
             AND name NOT LIKE 'sqlite_%' AND name NOT IN ('refinery_schema_history', 'row_fingerprints')
             AND sql NOT LIKE 'CREATE VIRTUAL%' AND name NOT LIKE '%_fts_%'",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(tables.len() > 30);
    for table in &tables {
        let count: i64 = db
            .query_row(&format!("SELECT count(*) FROM \"{table}\""), [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(files[format!("{table}.parquet")]["rows"], count, "{table}");
    }
    let events = &files["events.parquet"]["types"];
    assert_eq!(events["id"], "BIGINT");
    assert_eq!(events["start_date"], "DATE");
    assert_eq!(events["title"], "VARCHAR");
    assert_eq!(files["places.parquet"]["types"]["latitude"], "DOUBLE");

    let first: (i64, String, String, String) = db
        .query_row(
            "SELECT id, key, start_date, title FROM events ORDER BY id LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(
        files["events"][0],
        serde_json::json!([first.0, first.1, first.2, first.3])
    );
    // NULL stays NULL: count_low is given for some claims only.
    let low: (i64, i64, Option<i64>) = db
        .query_row(
            "SELECT count(*), count(count_low), sum(count_low) FROM casualties",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert!(low.1 < low.0, "the seed has claims without a low figure");
    assert_eq!(files["low"][0], serde_json::json!([low.0, low.1, low.2]));

    assert_eq!(
        files["big"][0],
        serde_json::json!([
            70000,
            70000 - 70000 / 3,
            70000i64 * 70001 / 2,
            "2000-01-01",
            "2002-09-26",
            70000.0 * 70001.0 / 4.0
        ])
    );
    // Two row groups; written uncompressed (the writer is ours; no Snappy).
    assert_eq!(files["groups"][0], serde_json::json!([2, "UNCOMPRESSED"]));
    assert_eq!(files["no_rows.parquet"]["rows"], 0);
    assert_eq!(files["no_rows.parquet"]["types"]["start_date"], "VARCHAR");

    let meta: Vec<&str> = files["meta"]
        .as_array()
        .unwrap()
        .iter()
        .map(|kv| kv[0].as_str().unwrap())
        .collect();
    assert_eq!(
        meta,
        ["attribution", "conflictdb.datasets", "conflictdb.table"]
    );
    assert_eq!(files["meta"][2][1], "events");
}
