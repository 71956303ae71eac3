//! The reports in the tools users already have (issue 15): every report served by a real
//! Datasette from `conflictdb datasette`'s metadata, and run as written by the stock `sqlite3`
//! CLI, gives the rows `conflictdb report` gives, with each parameter set and unset; the report
//! views; `-o FILE` by extension; and CSV for spreadsheets read back by Python's csv module.

use std::fs;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{Env, REPO};

/// Each report with the parameters it is run with: every parameter alone (the value is what
/// conflictdb binds, as a Datasette or sqlite3 user types it), and for a report without a
/// required one, none at all.
const CASES: &[(&str, &[(&str, &str)])] = &[
    ("actor-statements", &[("actor", "russia")]),
    ("casualty-claims", &[]),
    ("casualty-claims", &[("event", "2020-07-tovuz-clashes")]),
    ("casualty-claims", &[("side", "armenia")]),
    (
        "casualty-claims",
        &[("event", "2020-07-tovuz-clashes"), ("side", "armenia")],
    ),
    ("casualty-scopes", &[]),
    ("casualty-scopes", &[("event", "2020-07-tovuz-clashes")]),
    ("contested-casualties", &[]),
    (
        "contested-casualties",
        &[("event", "2020-07-tovuz-clashes")],
    ),
    ("contested-casualties", &[("event", "no-such-event")]),
    ("reactions-by-stance", &[]),
    ("reactions-by-stance", &[("event", "2020-07-tovuz-clashes")]),
    ("reactions-by-stance", &[("from", "2020-07-01")]),
    ("reactions-by-stance", &[("to", "2020-07-31")]),
    (
        "reactions-by-stance",
        &[("from", "2020-09-27"), ("to", "2020-11-10")],
    ),
    ("single-source-events", &[]),
    ("source-coverage", &[]),
    ("timeline", &[]),
    ("timeline", &[("from", "2020-07-01")]),
    ("timeline", &[("to", "1994-12-31")]),
    ("timeline", &[("kind", "clash")]),
    (
        "timeline",
        &[
            ("kind", "clash"),
            ("from", "2016-01-01"),
            ("to", "2020-12-31"),
        ],
    ),
];

/// `conflictdb report NAME --format json` with these parameters, as JSON values; an unknown
/// event is what Datasette and sqlite3 users may type, and conflictdb refuses it instead.
fn conflictdb_rows(env: &Env, report: &str, params: &[(&str, &str)]) -> Option<Value> {
    let mut args = vec!["report".to_string(), report.to_string()];
    for (name, value) in params {
        args.push("--param".into());
        args.push(format!("{name}={value}"));
    }
    args.extend(["--format".into(), "json".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, _) = env.run(&args);
    (code == 0).then(|| serde_json::from_str(&out).unwrap())
}

/// Every report has a case, and every parameter of it is set in one.
fn assert_cases_cover_every_report_and_parameter(env: &Env) {
    let metadata: Value = serde_json::from_str(&env.ok(&["datasette"])).unwrap();
    let queries = metadata["databases"]["conflict"]["queries"]
        .as_object()
        .unwrap();
    for (name, query) in queries {
        for param in query["params"].as_array().unwrap() {
            let param = param.as_str().unwrap();
            assert!(
                CASES
                    .iter()
                    .any(|(r, ps)| r == name && ps.iter().any(|(p, _)| *p == param)),
                "no case sets {name}'s parameter {param}"
            );
        }
        let required = query["description"].as_str().unwrap().contains("required");
        assert!(
            required || CASES.iter().any(|(r, ps)| r == name && ps.is_empty()),
            "no case runs {name} without parameters"
        );
    }
}

/// A Datasette process, stopped when dropped.
struct Datasette(Child);

impl Drop for Datasette {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The body of `GET path` from 127.0.0.1:port, or None if nothing answers yet.
fn http_get(port: u16, path: &str) -> Option<(u16, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    let (head, body) = response.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, body.to_string()))
}

/// `value` as a URL's query string wants it.
fn url_encoded(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn datasette_serves_every_report_with_the_rows_conflictdb_gives() {
    let available = Command::new("datasette")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        available,
        "this test drives a real Datasette: `pip install datasette==0.65.*` (.ci/run does)"
    );
    let env = Env::new();
    env.ok(&["seed"]);
    assert_cases_cover_every_report_and_parameter(&env);
    env.ok(&["datasette", "-o", "metadata.json"]);
    let port = free_port();
    let child = Command::new("datasette")
        .args([
            "serve",
            "conflict.db",
            "-m",
            "metadata.json",
            "-h",
            "127.0.0.1",
        ])
        .args(["-p", &port.to_string()])
        .current_dir(env.dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _server = Datasette(child);
    let started = Instant::now();
    while http_get(port, "/-/versions.json").is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "Datasette did not answer on port {port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Datasette lists every report as a canned query.
    let (_, listed) = http_get(port, "/conflict.json").unwrap();
    let listed: Value = serde_json::from_str(&listed).unwrap();
    let names: Vec<&str> = listed["queries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["name"].as_str().unwrap())
        .collect();
    for (report, _) in CASES {
        assert!(
            names.contains(report),
            "Datasette lists no {report}: {names:?}"
        );
    }
    for (report, params) in CASES {
        let mut path = format!("/conflict/{report}.json?_shape=array");
        for (name, value) in *params {
            path.push_str(&format!("&{name}={}", url_encoded(value)));
        }
        let (status, body) = http_get(port, &path).unwrap();
        assert_eq!(status, 200, "{path}: {body}");
        let served: Value = serde_json::from_str(&body).unwrap();
        let expected = conflictdb_rows(&env, report, params).unwrap_or(Value::Array(vec![]));
        assert_eq!(served, expected, "{path}");
        assert!(
            served.as_array().unwrap().len() < 1000,
            "{path}: Datasette returns at most 1000 rows; the comparison would be cut short"
        );
    }
    // The map view has the columns datasette-cluster-map looks for.
    let (_, map) = http_get(port, "/conflict/v_events_on_map.json?_shape=array").unwrap();
    let map: Value = serde_json::from_str(&map).unwrap();
    assert!(map[0]["latitude"].is_number() && map[0]["longitude"].is_number());
}

#[test]
fn the_sqlite3_cli_runs_every_report_file_as_written() {
    let env = Env::new();
    env.ok(&["seed"]);
    for (report, params) in CASES {
        let mut script = String::from(".mode json\n");
        for (name, value) in *params {
            // Quoted twice: the shell takes '...' as an SQL string, not as an expression.
            script.push_str(&format!(".parameter set :{name} \"'{value}'\"\n"));
        }
        script.push_str(&format!(".read {REPO}/queries/{report}.sql\n"));
        let out = Command::new("sqlite3")
            .arg(env.db())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                child.stdin.take().unwrap().write_all(script.as_bytes())?;
                child.wait_with_output()
            })
            .expect("the sqlite3 CLI: `apt-get install sqlite3` (.ci/run does)");
        assert!(
            out.stderr.is_empty(),
            "{report} {params:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        // sqlite3 prints nothing at all for no rows.
        let rows: Value = if text.trim().is_empty() {
            Value::Array(vec![])
        } else {
            serde_json::from_str(&text).unwrap()
        };
        let expected = conflictdb_rows(&env, report, params).unwrap_or(Value::Array(vec![]));
        assert_eq!(rows, expected, "{report} {params:?}");
        if params.is_empty() {
            assert!(!rows.as_array().unwrap().is_empty(), "{report}: no rows");
        }
    }
}

#[test]
fn every_report_without_a_required_parameter_is_a_view_kept_in_step() {
    let env = Env::new();
    env.ok(&["seed"]);
    let views = env.query(
        "SELECT name FROM sqlite_master WHERE type = 'view' AND name LIKE 'report!_%' ESCAPE '!' ORDER BY name",
    );
    let views: Vec<&str> = views.iter().map(|r| r[0].as_str()).collect();
    assert_eq!(
        views,
        [
            "report_casualty_claims",
            "report_casualty_scopes",
            "report_contested_casualties",
            "report_reactions_by_stance",
            "report_single_source_events",
            "report_source_coverage",
            "report_timeline",
        ]
    );
    for view in &views {
        let report = view.strip_prefix("report_").unwrap().replace('_', "-");
        assert_eq!(
            env.ok(&["query", &format!("SELECT * FROM {view}"), "--format", "csv"]),
            env.ok(&["report", &report, "--format", "csv"]),
            "{view}"
        );
    }
    // A stale report view is replaced by `migrate`, a user's own view of a report_ name is left
    // alone, and `check` then finds the schema as the migrations build it.
    let sqlite3 = |sql: &str| {
        let out = Command::new("sqlite3")
            .arg(env.db())
            .arg(sql)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let stale = "CREATE VIEW report_timeline AS\n-- conflictdb: the report view of queries/timeline.sql (an older one)\nSELECT 1 AS one";
    sqlite3(&format!(
        "DROP VIEW report_timeline; {stale}; CREATE VIEW report_mine AS SELECT 2 AS two;"
    ));
    assert_eq!(env.query("SELECT * FROM report_timeline").len(), 1);
    env.ok(&["migrate"]);
    assert_eq!(
        env.ok(&["query", "SELECT * FROM report_timeline", "--format", "csv"]),
        env.ok(&["report", "timeline", "--format", "csv"])
    );
    assert_eq!(sqlite3("SELECT * FROM report_mine"), "2\n");
    // `check` names the user's own view as one the migrations do not build, and no report view.
    let (_, check, _) = env.run(&["check"]);
    assert!(
        check.contains("view report_mine is not one the migrations build")
            && !check.contains("report_timeline"),
        "{check}"
    );
    sqlite3("DROP VIEW report_mine");
    env.ok(&["check"]);
}

#[test]
fn a_report_that_still_marks_lines_if_is_refused_rather_than_run_as_written() {
    let env = Env::new();
    env.seed_minimal();
    fs::create_dir(env.path("mine")).unwrap();
    fs::write(
        env.path("mine/old.sql"),
        "-- title: Old\n-- param: from [date]: From (optional)\nSELECT key FROM events\nWHERE 1\n  AND end_date >= :from -- if: from\n",
    )
    .unwrap();
    let err = env.fails(&["report", "old", "--queries", "mine"]);
    assert_eq!(
        err,
        "conflictdb: report old: line 5 marks a filter `-- if: from`, which conflictdb no longer \
         reads: a report runs as written, so write the filter to keep every row when the parameter \
         is NULL, such as `AND said_on_end >= coalesce(:from, '')`\n"
    );
}

#[test]
fn datasette_metadata_describes_everything_and_credits_every_dataset() {
    let env = Env::new();
    env.ok(&["seed"]);
    // A UCDP dataset recorded before its texts were (as a load by an older conflictdb leaves it):
    // its licence and credit line come from what conflictdb knows of the format.
    let out = Command::new("sqlite3")
        .arg(env.db())
        .arg("INSERT INTO datasets (name, kind, format) VALUES ('ged', 'import', 'ucdp-ged')")
        .output()
        .unwrap();
    assert!(out.status.success());
    env.ok(&["datasette", "-o", "metadata.json"]);
    let metadata: Value =
        serde_json::from_str(&fs::read_to_string(env.path("metadata.json")).unwrap()).unwrap();
    assert_eq!(metadata["title"], "conflictdb: conflict");
    let licence = metadata["license"].as_str().unwrap();
    assert!(
        licence.contains("built-in: see the sources each row cites")
            && licence.contains("ged: CC BY 4.0"),
        "{licence}"
    );
    let description = metadata["description"].as_str().unwrap();
    assert!(
        description.contains("ged: Source: UCDP Georeferenced Event Dataset (GED), Uppsala Conflict Data Program, CC BY 4.0"),
        "{description}"
    );
    let database = &metadata["databases"]["conflict"];
    let objects = env.query(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite%' AND name NOT IN ('refinery_schema_history', 'row_fingerprints') \
         AND name NOT IN (SELECT name FROM pragma_table_list WHERE type IN ('virtual', 'shadow'))",
    );
    for object in &objects {
        let table = &database["tables"][&object[0]];
        assert!(
            table["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{}",
            object[0]
        );
        let columns = env.query(&format!(
            "SELECT name FROM pragma_table_info('{}')",
            object[0]
        ));
        for column in columns {
            assert!(
                table["columns"][&column[0]]
                    .as_str()
                    .is_some_and(|d| !d.is_empty()),
                "{}.{}",
                object[0],
                column[0]
            );
        }
    }
    // A vocabulary's codes are listed where a column holds one.
    let kind = database["tables"]["events"]["columns"]["kind"]
        .as_str()
        .unwrap();
    assert!(
        kind.contains("clash (") && kind.contains("ceasefire ("),
        "{kind}"
    );
    let timeline = &database["queries"]["timeline"];
    assert_eq!(timeline["title"], "Timeline of events");
    assert_eq!(
        timeline["params"],
        serde_json::json!(["from", "to", "kind"])
    );
    assert_eq!(
        timeline["sql"].as_str().unwrap(),
        fs::read_to_string(Path::new(REPO).join("queries/timeline.sql")).unwrap()
    );
}

#[test]
fn output_takes_its_format_from_the_file_extension_unless_format_says_otherwise() {
    let env = Env::new();
    env.seed_minimal();
    let csv = env.ok(&["report", "timeline", "--format", "csv"]);
    env.ok(&["report", "timeline", "-o", "out.csv"]);
    assert_eq!(fs::read_to_string(env.path("out.csv")).unwrap(), csv);
    env.ok(&["report", "timeline", "-o", "out.json"]);
    assert_eq!(
        fs::read_to_string(env.path("out.json")).unwrap(),
        env.ok(&["report", "timeline", "--format", "json"])
    );
    env.ok(&["query", "SELECT key FROM events", "-o", "out.MD"]);
    assert!(fs::read_to_string(env.path("out.MD"))
        .unwrap()
        .starts_with("| key |\n|---|\n"));
    env.ok(&["report", "timeline", "-o", "out.txt", "--format", "csv"]);
    assert_eq!(fs::read_to_string(env.path("out.txt")).unwrap(), csv);
    let err = env.fails(&["report", "timeline", "-o", "timeline.txt"]);
    assert_eq!(
        err,
        "conflictdb: cannot tell which format to write timeline.txt in from its extension; known: \
         .csv, .json, .md, .xlsx, .geojson, .parquet; or pass --format\n"
    );
    let err = env.fails(&["report", "timeline", "--excel", "--format", "json"]);
    assert_eq!(
        err,
        "conflictdb: --excel writes CSV for spreadsheets; it does not go with --format json\n"
    );
    assert!(!env.path("timeline.txt").exists());
    let left: Vec<String> = fs::read_dir(env.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
}

/// Cells a spreadsheet would split on a guessed separator, or run as a formula.
const AWKWARD: &str = "SELECT 'plain' AS a, 'x;y' AS b, 'one, two' AS c, 'tab\there' AS d, \
    'line\nbreak' AS e, 'say \"hi\"' AS f, '=HYPERLINK(\"http://x\",\"y\")' AS g, '+1' AS h, \
    '-2' AS i, '@SUM(A1)' AS j, char(9) || 'lead' AS k, char(13) || 'cr' AS l, -3 AS m, \
    'Erdoğan' AS n";

#[test]
fn excel_csv_quotes_separators_ends_lines_with_crlf_and_keeps_formulas_text() {
    let env = Env::new();
    env.seed_minimal();
    let plain = env.ok(&["query", AWKWARD, "--format", "csv"]);
    // Plain CSV, for programs, stays as it was: only what RFC 4180 needs is quoted, LF ends lines.
    assert_eq!(
        plain,
        "a,b,c,d,e,f,g,h,i,j,k,l,m,n\nplain,x;y,\"one, two\",tab\there,\"line\nbreak\",\"say \"\"hi\"\"\",\
         \"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",+1,-2,@SUM(A1),\tlead,\"\rcr\",-3,Erdoğan\n"
    );
    env.ok(&["query", AWKWARD, "--excel", "-o", "sheet.csv"]);
    let bytes = fs::read(env.path("sheet.csv")).unwrap();
    assert_eq!(
        String::from_utf8(bytes).unwrap(),
        "\u{feff}a,b,c,d,e,f,g,h,i,j,k,l,m,n\r\nplain,\"x;y\",\"one, two\",\"tab\there\",\
         \"line\nbreak\",\"say \"\"hi\"\"\",\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\",'+1,'-2,\
         '@SUM(A1),\"'\tlead\",\"'\rcr\",-3,Erdoğan\r\n"
    );
    // Python's csv module, with Excel's dialect, reads every cell back whole.
    let script = "import csv, json, sys\n\
        with open(sys.argv[1], newline='', encoding='utf-8-sig') as f:\n\
        \x20   print(json.dumps(list(csv.reader(f, dialect='excel'))))\n";
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(env.path("sheet.csv"))
        .output()
        .expect("python3 runs the spreadsheet reader check");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Vec<String>> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[1],
        [
            "plain",
            "x;y",
            "one, two",
            "tab\there",
            "line\nbreak",
            "say \"hi\"",
            "'=HYPERLINK(\"http://x\",\"y\")",
            "'+1",
            "'-2",
            "'@SUM(A1)",
            "'\tlead",
            "'\rcr",
            "-3",
            "Erdoğan"
        ]
    );
    // report and export write the same spreadsheet CSV.
    env.ok(&["report", "timeline", "--excel", "-o", "timeline.csv"]);
    let timeline = fs::read_to_string(env.path("timeline.csv")).unwrap();
    assert!(
        timeline.starts_with("\u{feff}start_date,end_date,") && timeline.ends_with("\r\n"),
        "{timeline:?}"
    );
    assert!(!timeline.replace("\r\n", "").contains('\n'));
    env.ok(&["export", "--out", "sheets", "--excel"]);
    let statements = fs::read_to_string(env.path("sheets/v_statements.csv")).unwrap();
    assert!(statements.starts_with("\u{feff}key,") && statements.contains("\r\n"));
    let (code, _, err) = env.run(&["export", "--out", "seedling", "--seed", "--excel"]);
    assert_eq!(code, 2, "a usage error: {err}");
    assert!(err.contains("--excel") && err.contains("--seed"), "{err}");
}

/// `report` with `params` on `conn`, run to the end: how many steps SQLite's virtual machine took,
/// a measure of the rows it read whatever the plan says.
fn steps(conn: &rusqlite::Connection, report: &str, params: &[String]) -> i32 {
    let request = conflictdb::reports::Request::new(None, report, params).unwrap();
    let mut stmt = request.prepare(conn, false).unwrap();
    let mut rows = stmt.raw_query();
    while rows.next().unwrap().is_some() {}
    drop(rows);
    stmt.get_status(rusqlite::StatementStatus::VmStep)
}

/// The plan of a report is the same whatever its parameters (the SQL runs as written), so
/// `--explain` cannot tell which branch runs: this measures it. On synthetic data, each filter
/// set to a value that keeps a few hundred rows of thousands makes the report do less than a
/// twentieth of the work it does unfiltered. A filter that walks some other index over every row
/// does not: casualty-scopes searching its claims by `part_of_id IS NULL` (an index search that
/// `--explain` shows as such) took 11% of the unfiltered steps at 4,000 events, 4% once kept off
/// that index.
#[test]
fn a_set_filter_reads_only_a_small_part_of_the_rows() {
    let env = Env::new();
    let dir = env.synth(8000, 3, "synthetic");
    env.ok(&["seed", &dir]);
    let value = |sql: &str| env.query(sql)[0][0].clone();
    let event = value(
        "SELECT events.key FROM casualties JOIN events ON events.id = event_id \
         GROUP BY event_id ORDER BY count(*) DESC, events.key LIMIT 1",
    );
    let side = value(
        "SELECT actors.key FROM casualties JOIN actors ON actors.id = side_id \
         GROUP BY side_id HAVING count(*) <= 100 ORDER BY count(*) DESC, actors.key LIMIT 1",
    );
    let kind =
        value("SELECT kind FROM events GROUP BY kind ORDER BY count(*), kind LIMIT 1 OFFSET 3");
    let late = value("SELECT end_date FROM events ORDER BY end_date DESC LIMIT 1 OFFSET 150");
    let early = value("SELECT start_date FROM events ORDER BY start_date LIMIT 1 OFFSET 150");
    let said_late =
        value("SELECT said_on_end FROM statements ORDER BY said_on_end DESC LIMIT 1 OFFSET 300");
    let said_early = value("SELECT said_on FROM statements ORDER BY said_on LIMIT 1 OFFSET 300");
    let conn = conflictdb::db::open_read_only(&env.db()).unwrap();
    let cases: Vec<(&str, String)> = vec![
        ("timeline", format!("from={late}")),
        ("timeline", format!("to={early}")),
        ("timeline", format!("kind={kind}")),
        ("casualty-claims", format!("event={event}")),
        ("casualty-claims", format!("side={side}")),
        ("contested-casualties", format!("event={event}")),
        ("casualty-scopes", format!("event={event}")),
        ("reactions-by-stance", format!("event={event}")),
        ("reactions-by-stance", format!("from={said_late}")),
        ("reactions-by-stance", format!("to={said_early}")),
    ];
    for (report, param) in &cases {
        let all = steps(&conn, report, &[]);
        let filtered = steps(&conn, report, std::slice::from_ref(param));
        assert!(
            filtered * 20 < all,
            "{report} {param}: {filtered} steps filtered against {all} unfiltered"
        );
    }
}
