//! `conflictdb import`: files of another data set loaded as a dataset of our tables. The ACLED
//! fixtures in tests/fixtures/import/ are synthetic (invented rows in ACLED's layouts): ACLED's
//! terms forbid redistributing its data.

use crate::common::{import_fixture, Env};

/// Runs the binary, asserts it succeeded, and returns its stderr.
fn ok_err(env: &Env, args: &[&str]) -> String {
    let (code, _, err) = env.run(args);
    assert_eq!(code, 0, "conflictdb {args:?} failed:\n{err}");
    err
}

#[test]
fn an_acled_2023_file_becomes_events_actors_places_sources_and_claims() {
    let env = Env::new();
    // Without the built-in links, so that every ACLED actor is the dataset's own.
    let err = env
        .run(&[
            "import",
            &import_fixture("acled-2023.csv"),
            "--no-default-links",
        ])
        .2;
    assert!(
        err.starts_with("conflictdb: imported ") && err.contains("(acled 2023+)"),
        "{err}"
    );
    assert!(err.contains("dataset \"acled-2023\": 3 rows read"), "{err}");
    assert!(
        err.contains("  events: 3 added, 0 changed, 0 retracted, 0 unchanged\n  actors: 9\n"),
        "{err}"
    );
    // The new database holds the built-in data too, as its own dataset: the rows of both were
    // loaded as one fresh load, and the built-in ones given back.
    assert_eq!(
        env.query(
            "SELECT d.name, d.kind, d.format, (SELECT count(*) FROM events WHERE dataset_id = d.id),
                 (SELECT count(*) FROM event_actors WHERE dataset_id = d.id),
                 (SELECT count(*) FROM actor_aliases WHERE dataset_id = d.id),
                 (SELECT count(*) FROM event_kinds WHERE dataset_id = d.id),
                 loaded_at IS NOT NULL
             FROM datasets d ORDER BY d.id"
        ),
        [
            ["built-in", "built-in", "seed", "84", "200", "50", "67", "1"],
            ["acled-2023", "import", "acled", "3", "7", "0", "0", "1"],
        ]
    );
    assert_eq!(
        env.query(
            "SELECT key, title, kind, start_date, end_date, date_precision, retracted, notes
             FROM events WHERE key LIKE 'acled-2023:%' ORDER BY key"
        ),
        [
            [
                "acled-2023:SYN1001",
                "Armed clash in Fuzuli",
                "acled_armed_clash",
                "2020-09-27",
                "2020-09-27",
                "day",
                "0",
                "ACLED timestamp 1700000000"
            ],
            // time_precision 2: the week the date (2 October) is the middle of.
            [
                "acled-2023:SYN1002",
                "Shelling/artillery/missile attack in Ganja",
                "acled_shelling_artillery_missile_attack",
                "2020-09-29",
                "2020-10-05",
                "week",
                "0",
                "ACLED timestamp 1700000100"
            ],
            // time_precision 3: the month.
            [
                "acled-2023:SYN1003",
                "Attack in Tartar",
                "acled_attack",
                "2020-10-01",
                "2020-10-31",
                "month",
                "0",
                "ACLED timestamp 1700000200"
            ],
        ]
    );
}

/// The header of ACLED's layout since March 2023.
const HEADER_2023: &str = "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,civilian_targeting,iso,region,country,admin1,admin2,admin3,location,latitude,longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp";

/// A synthetic 2023+ row: an armed clash with the given id, date, fatalities and timestamp.
fn clash(id: &str, date: &str, fatalities: &str, timestamp: &str) -> String {
    format!(
        "{id},{date},2020,1,Political violence,Battles,Armed clash,Military Forces of Azerbaijan (2003-),,1,Military Forces of Armenia (2018-),,1,11,,31,Caucasus and Central Asia,Azerbaijan,Tartar,,,Tartar,40.3400,46.9300,1,Synthetic Wire,National,Synthetic note for {id}.,{fatalities},,{timestamp}"
    )
}

/// Writes an ACLED 2023+ file of `rows` as `name` in the test's directory; its path.
fn acled_file(env: &Env, name: &str, rows: &[String]) -> String {
    let mut text = format!("{HEADER_2023}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    std::fs::write(env.path(name), text).unwrap();
    env.path(name).to_str().unwrap().to_string()
}

#[test]
fn an_acled_2023_row_maps_its_actors_place_sources_claim_and_attributes() {
    let env = Env::new();
    // Without the built-in links, which make Military Forces of Azerbaijan our `azerbaijan`
    // (tests/import_ucdp_gdelt.rs).
    env.ok(&[
        "import",
        &import_fixture("acled-2023.csv"),
        "--no-default-links",
    ]);
    // Actor order means nothing (both sides), except in Violence against civilians, where actor2
    // is the victim; associated actors have their own role.
    assert_eq!(
        env.query(
            "SELECT event_key, actor, role FROM v_event_actors WHERE event_key LIKE 'acled-2023:%'
             ORDER BY event_key, role, actor"
        ),
        [
            [
                "acled-2023:SYN1001",
                "Military Forces of Armenia (2018-)",
                "side"
            ],
            [
                "acled-2023:SYN1001",
                "Military Forces of Azerbaijan (2003-)",
                "side"
            ],
            [
                "acled-2023:SYN1002",
                "Military Forces of Armenia (2018-)",
                "side"
            ],
            ["acled-2023:SYN1003", "Farmers (Azerbaijan)", "associated"],
            ["acled-2023:SYN1003", "Women (Azerbaijan)", "associated"],
            [
                "acled-2023:SYN1003",
                "Unidentified Armed Group (Azerbaijan)",
                "side"
            ],
            ["acled-2023:SYN1003", "Civilians (Azerbaijan)", "victim"],
        ]
    );
    // inter codes give the kind; state forces belong to their state.
    assert_eq!(
        env.query(
            "SELECT a.key, a.name, a.kind, p.key FROM actors a LEFT JOIN actors p ON p.id = a.parent_id
             WHERE a.key IN ('acled-2023:military-forces-of-azerbaijan-2003', 'acled-2023:azerbaijan',
                 'acled-2023:unidentified-armed-group-azerbaijan', 'acled-2023:civilians-azerbaijan',
                 'acled-2023:women-azerbaijan') ORDER BY a.key"
        ),
        [
            ["acled-2023:azerbaijan", "Azerbaijan", "state", ""],
            ["acled-2023:civilians-azerbaijan", "Civilians (Azerbaijan)", "population", ""],
            ["acled-2023:military-forces-of-azerbaijan-2003", "Military Forces of Azerbaijan (2003-)", "armed_force", "acled-2023:azerbaijan"],
            ["acled-2023:unidentified-armed-group-azerbaijan", "Unidentified Armed Group (Azerbaijan)", "political_militia", ""],
            ["acled-2023:women-azerbaijan", "Women (Azerbaijan)", "unspecified", ""],
        ]
    );
    // Each listed source, cited in the ACLED dataset, with the notes as the quote (a line break
    // inside a quoted field kept).
    assert_eq!(
        env.query(
            "SELECT e.key, s.key, s.title, s.kind, c.key, es.quote FROM event_sources es
             JOIN events e ON e.id = es.event_id JOIN sources s ON s.id = es.source_id
             LEFT JOIN sources c ON c.id = s.cited_in WHERE e.key = 'acled-2023:SYN1001' ORDER BY s.key"
        ),
        [
            [
                "acled-2023:SYN1001",
                "acled-2023:source:example-daily",
                "Example Daily",
                "unspecified",
                "acled-2023:dataset",
                "Synthetic note: fighting reported along the line.\nSecond line of the note."
            ],
            [
                "acled-2023:SYN1001",
                "acled-2023:source:synthetic-wire",
                "Synthetic Wire",
                "unspecified",
                "acled-2023:dataset",
                "Synthetic note: fighting reported along the line.\nSecond line of the note."
            ],
        ]
    );
    // fatalities: one all-sides claim by ACLED as its own coding; a 0 is a claim of 0, an
    // empty value (NA too) no claim at all.
    assert_eq!(
        env.query(
            "SELECT c.key, e.key, c.scope, c.category, c.outcome, c.status, c.count_low, c.count_best,
                 c.count_high, a.key, s.key, substr(c.notes, 1, 45) FROM casualties c
             JOIN events e ON e.id = c.event_id JOIN actors a ON a.id = c.claimed_by_id
             JOIN sources s ON s.id = c.source_id WHERE c.key LIKE 'acled-2023:%' ORDER BY c.key"
        ),
        [
            ["acled-2023:SYN1001:fatalities", "acled-2023:SYN1001", "all_sides", "unknown", "killed", "reported", "", "12", "", "acled-2023:acled", "acled-2023:dataset", "ACLED's coding of reported fatalities: where "],
            ["acled-2023:SYN1002:fatalities", "acled-2023:SYN1002", "all_sides", "unknown", "killed", "reported", "", "0", "", "acled-2023:acled", "acled-2023:dataset", "ACLED's coding of reported fatalities: where "],
        ]
    );
    // The place by coordinates and name, at ACLED's geo precision; what the model has no
    // column for in its notes.
    assert_eq!(
        env.query(
            "SELECT key, name, kind, admin1, latitude, longitude, geo_precision, notes FROM places
             WHERE key LIKE 'acled-2023:%' ORDER BY key"
        ),
        [
            [
                "acled-2023:place:39.6000_47.1500:fuzuli",
                "Fuzuli",
                "location",
                "Fuzuli",
                "39.6",
                "47.15",
                "near",
                "country: Azerbaijan; region: Caucasus and Central Asia; iso: 31"
            ],
            [
                "acled-2023:place:40.3400_46.9300:tartar",
                "Tartar",
                "location",
                "Tartar",
                "40.34",
                "46.93",
                "region",
                "country: Azerbaijan; region: Caucasus and Central Asia; iso: 31"
            ],
            [
                "acled-2023:place:40.6828_46.3606:ganja",
                "Ganja",
                "location",
                "Ganja-Gazakh",
                "40.6828",
                "46.3606",
                "exact",
                "country: Azerbaijan; region: Caucasus and Central Asia; iso: 31"
            ],
        ]
    );
    // The columns the model has no place for, per event; NA is no value.
    assert_eq!(
        env.query("SELECT event_key, name, value FROM v_event_attributes ORDER BY event_key, name"),
        [
            ["acled-2023:SYN1001", "disorder_type", "Political violence"],
            ["acled-2023:SYN1001", "interaction", "11"],
            [
                "acled-2023:SYN1001",
                "source_scale",
                "National-International"
            ],
            ["acled-2023:SYN1002", "disorder_type", "Political violence"],
            ["acled-2023:SYN1002", "interaction", "10"],
            ["acled-2023:SYN1002", "source_scale", "National"],
            [
                "acled-2023:SYN1003",
                "civilian_targeting",
                "Civilian targeting"
            ],
            ["acled-2023:SYN1003", "disorder_type", "Political violence"],
            ["acled-2023:SYN1003", "interaction", "37"],
            ["acled-2023:SYN1003", "source_scale", "Subnational"],
            ["acled-2023:SYN1003", "tags", "crowd size=no report"],
        ]
    );
    // The dataset and its file: hash, size, format and layout.
    let bytes = std::fs::read(import_fixture("acled-2023.csv")).unwrap();
    assert_eq!(
        env.query(
            "SELECT d.name, d.kind, d.format, f.bytes, f.rows, f.format, f.layout, length(f.hash)
             FROM datasets d JOIN dataset_files f ON f.dataset_id = d.id WHERE d.kind = 'import'"
        ),
        [[
            "acled-2023",
            "import",
            "acled",
            &bytes.len().to_string(),
            "3",
            "acled",
            "2023+",
            "64"
        ]]
    );
    env.ok(&["check"]);
}

#[test]
fn an_acled_2019_file_maps_its_dates_country_and_source_lists() {
    let env = Env::new();
    let err = ok_err(&env, &["import", &import_fixture("acled-2019.csv")]);
    assert!(err.contains("(acled 2019-2023)"), "{err}");
    assert_eq!(
        env.query(
            "SELECT e.key, e.kind, e.start_date, e.date_precision, p.country, p.admin1, p.notes,
                 (SELECT count(*) FROM casualties c WHERE c.event_id = e.id),
                 (SELECT group_concat(s.title, '|') FROM (SELECT s.title FROM event_sources es
                     JOIN sources s ON s.id = es.source_id WHERE es.event_id = e.id ORDER BY s.title) s)
             FROM events e JOIN places p ON p.id = e.place_id WHERE e.key LIKE 'acled-2019:%' ORDER BY e.key"
        ),
        [
            // "21 March 2020"; iso3 gives the place's country.
            ["acled-2019:SYN2001", "acled_peaceful_protest", "2020-03-21", "day", "AZE", "Baku", "admin2: Sabail; country: Azerbaijan; region: Caucasus and Central Asia; iso: 31", "1", "Synthetic Wire"],
            // "28 December 2022"; no fatalities figure: no claim; a publisher listed twice is one.
            ["acled-2019:SYN2002", "acled_agreement", "2022-12-28", "day", "ARM", "Syunik", "country: Armenia; region: Caucasus and Central Asia; iso: 51", "0", "Example Daily|Synthetic Wire"],
        ]
    );
    assert_eq!(
        env.query("SELECT name, value FROM v_event_attributes WHERE event_key = 'acled-2019:SYN2001' ORDER BY name"),
        [["event_id_no_cnty", "2001"], ["interaction", "60"], ["source_scale", "National"]]
    );
    assert_eq!(
        env.query("SELECT kind FROM actors WHERE key = 'acled-2019:protesters-azerbaijan'"),
        [["protesters"]]
    );
}

#[test]
fn an_acled_2016_api_file_with_its_unnamed_index_column_and_a_byte_order_mark_loads() {
    let env = Env::new();
    let err = ok_err(&env, &["import", &import_fixture("acled-2016-api.csv")]);
    assert!(err.contains("(acled 2016 API)"), "{err}");
    assert_eq!(
        env.query(
            "SELECT e.key, e.title, e.kind, e.start_date, e.date_precision,
                 (SELECT group_concat(count_best) FROM casualties c WHERE c.event_id = e.id)
             FROM events e WHERE e.key LIKE 'acled-2016-api:%' ORDER BY e.key"
        ),
        [
            [
                "acled-2016-api:SYN3001",
                "Battle-No change of territory in Tartar",
                "acled_battle_no_change_of_territory",
                "2016-04-02",
                "day",
                "7"
            ],
            [
                "acled-2016-api:SYN3002",
                "Remote violence in Berd",
                "acled_remote_violence",
                "2016-04-05",
                "day",
                ""
            ],
        ]
    );
    // The pandas index and data_id are not kept; gwno goes to the place.
    assert_eq!(
        env.query(
            "SELECT count(*) FROM v_event_attributes WHERE value IN ('0', '1', '7001', '7002')"
        ),
        [["0"]]
    );
    assert_eq!(
        env.query("SELECT notes FROM places WHERE name = 'Berd' AND key LIKE 'acled-2016-api:%'"),
        [["country: Armenia; gwno: 371"]]
    );
}

#[test]
fn an_acled_2015_file_in_upper_case_with_crlf_and_old_event_types_loads() {
    let env = Env::new();
    let err = ok_err(&env, &["import", &import_fixture("acled-2015.csv")]);
    assert!(err.contains("(acled 2015)"), "{err}");
    assert_eq!(
        env.query(
            "SELECT e.key, e.kind, e.start_date, e.end_date, e.date_precision FROM events e
             WHERE e.key LIKE 'acled-2015:%' ORDER BY e.key"
        ),
        [
            // "01-January-2015"; "Violence Against Civilians" in another case.
            [
                "acled-2015:1SYN",
                "acled_violence_against_civilians",
                "2015-01-01",
                "2015-01-01",
                "day"
            ],
            // time_precision 3: the month.
            [
                "acled-2015:2SYN",
                "acled_riots_protests",
                "2015-02-01",
                "2015-02-28",
                "month"
            ],
        ]
    );
    assert_eq!(
        env.query(
            "SELECT actor, role FROM v_event_actors WHERE event_key = 'acled-2015:1SYN' ORDER BY role"
        ),
        [
            ["Journalists (Azerbaijan)", "associated"],
            ["Police Forces of Azerbaijan (2003-)", "side"],
            ["Civilians (Azerbaijan)", "victim"],
        ]
    );
    assert_eq!(
        env.query("SELECT p.key FROM actors a JOIN actors p ON p.id = a.parent_id WHERE a.name LIKE 'Police%' AND a.key LIKE 'acled-2015:%'"),
        [["acled-2015:azerbaijan"]]
    );
}

#[test]
fn a_file_in_no_known_format_is_refused_and_a_named_format_says_what_differs() {
    let env = Env::new();
    std::fs::write(env.path("events.csv"), "key,title,kind\nx,X,war\n").unwrap();
    assert_eq!(
        env.fails(&["import", "events.csv"]),
        "conflictdb: events.csv:1: is in no format import knows (its first line starts \"key,title,kind\"): name it with --format acled|ucdp-ged|gdelt\n"
    );
    let without_tags = HEADER_2023.replace(",tags", "");
    std::fs::write(env.path("cut.csv"), format!("{without_tags}\n")).unwrap();
    assert_eq!(
        env.fails(&["import", "cut.csv", "--format", "acled"]),
        "conflictdb: cut.csv:1: the header is none of the acled layouts (2023+, 2019-2023, 2016 API, 2015); nearest is 2023+ (31 columns), from which it lacks tags\n"
    );
    assert_eq!(
        env.fails(&["import", "cut.csv", "--format", "acld"]),
        "conflictdb: --format \"acld\": is none of acled, ucdp-ged, gdelt\n"
    );
    assert!(!env.db().exists());
}

#[test]
fn a_two_digit_year_is_refused_unless_the_century_is_given() {
    let env = Env::new();
    let file = acled_file(
        &env,
        "resaved.csv",
        &[
            clash("SYN1", "2020-05-08", "1", "1"),
            clash("SYN2", "9-May-20", "1", "1"),
        ],
    );
    assert_eq!(
        env.fails(&["import", &file]),
        format!("conflictdb: {file}:3:2: event_date \"9-May-20\": has a two-digit year (20), which could be 1920 or 2020: say which century with --two-digit-years 19 or 20; nothing was imported (--keep-going loads the other rows)\n")
    );
    assert!(!env.db().exists(), "a refused import leaves no database");
    env.ok(&["import", &file, "--two-digit-years", "20"]);
    assert_eq!(
        env.query(
            "SELECT key, start_date FROM events WHERE key LIKE 'acled-resaved:%' ORDER BY key"
        ),
        [
            ["acled-resaved:SYN1", "2020-05-08"],
            ["acled-resaved:SYN2", "2020-05-09"]
        ]
    );
}

#[test]
fn a_truncated_last_row_is_named_as_such() {
    let env = Env::new();
    let whole = clash("SYN2", "2020-10-02", "3", "1700000000");
    // Cut in the middle of the notes and padded with commas to the header's width, as a cut
    // export is found in the wild.
    let cut_at = whole.find("Synthetic note").unwrap() + 9;
    let padded = format!("{},,,", &whole[..cut_at]);
    let file = acled_file(
        &env,
        "cut.csv",
        &[clash("SYN1", "2020-10-01", "1", "1700000000"), padded],
    );
    assert_eq!(
        env.fails(&["import", &file]),
        format!("conflictdb: {file}:3:31: timestamp \"\": is required, and empty; it is the file's last row, and its last 3 fields are empty: the file looks cut short (a row cut mid-field and padded with commas); nothing was imported (--keep-going loads the other rows)\n")
    );
    // Cut without padding, inside a quoted field.
    std::fs::write(
        env.path("short.csv"),
        format!(
            "{HEADER_2023}\n{}\nSYN2,2020-10-02,2020,1,\"Political",
            clash("SYN1", "2020-10-01", "1", "1")
        ),
    )
    .unwrap();
    assert_eq!(
        env.fails(&["import", "short.csv"]),
        "conflictdb: short.csv:3: has 5 fields where the acled 2023+ layout has 31; it is the file's last row, and has 5 of the header's 31 fields: the file looks cut short; nothing was imported (--keep-going loads the other rows)\n"
    );
    assert!(!env.db().exists());
}

#[test]
fn keep_going_loads_the_good_rows_and_writes_the_refused_ones_with_their_reasons() {
    let env = Env::new();
    let file = acled_file(
        &env,
        "mixed.csv",
        &[
            clash("SYN1", "2020-10-01", "1", "1"),
            clash("SYN2", "2020-13-01", "1", "1"),
            clash("SYN3", "2020-10-03", "many", "1"),
            clash("SYN4", "2020-10-04", "4", "1"),
            // The loader refuses this one (the key is given twice): the import goes again
            // without it.
            clash("SYN1", "2020-10-05", "5", "1"),
        ],
    );
    let (code, _, err) = env.run(&["import", &file, "--keep-going"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.ends_with("conflictdb: 3 of the 5 rows were refused and not imported; they are in conflict.db.rejects.csv, each with its reason\n"),
        "{err}"
    );
    assert!(
        err.contains("  events: 2 added, 0 changed, 0 retracted, 0 unchanged\n"),
        "{err}"
    );
    assert_eq!(
        env.query("SELECT key FROM events WHERE key LIKE 'acled-mixed:%' ORDER BY key"),
        [["acled-mixed:SYN1"], ["acled-mixed:SYN4"]]
    );
    let rejects = std::fs::read_to_string(env.path("conflict.db.rejects.csv")).unwrap();
    let rows = crate::common::csv_rows(&rejects);
    let reasons: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (r[1].as_str(), r[2].as_str(), r[3].as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            ("3", &*format!("{file}:3:2: event_date \"2020-13-01\": has no month \"13\""), "SYN2"),
            ("4", &*format!("{file}:4:29: fatalities \"many\": is not a count (a whole number of 0 or more)"), "SYN3"),
            ("6", &*format!("{file}:6:1: event_id_cnty \"SYN1\": is a duplicate: line 2 has the same key"), "SYN1"),
        ]
    );
    assert!(rejects.starts_with(&format!("file,line,reason,{HEADER_2023}\n")));
    // A second run never writes over the first rejects file.
    let (code, _, err) = env.run(&["import", &file, "--keep-going"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("they are in conflict.db.rejects-2.csv"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(env.path("conflict.db.rejects.csv")).unwrap(),
        rejects
    );
}

#[test]
fn a_newer_export_updates_changed_events_retracts_missing_ones_and_logs_fatality_changes() {
    let env = Env::new();
    let first = acled_file(
        &env,
        "v1.csv",
        &[
            clash("SYN1", "2020-10-01", "5", "100"),
            clash("SYN2", "2020-10-02", "2", "100"),
            clash("SYN3", "2020-10-03", "0", "100"),
        ],
    );
    env.ok(&["import", &first, "--dataset", "acled-caucasus"]);
    let second = acled_file(
        &env,
        "v2.csv",
        &[
            clash("SYN1", "2020-10-01", "5", "100"),
            clash("SYN2", "2020-10-02", "4", "200"),
            clash("SYN4", "2020-10-04", "1", "200"),
        ],
    );
    let err = ok_err(&env, &["import", &second, "--dataset", "acled-caucasus"]);
    assert!(
        err.contains("  events: 1 added, 1 changed, 1 retracted, 1 unchanged\n"),
        "{err}"
    );
    // The retracted event is kept, flagged, with its actors and claim.
    assert_eq!(
        env.query(
            "SELECT key, retracted, (SELECT count(*) FROM event_actors WHERE event_id = events.id),
                 (SELECT count(*) FROM casualties WHERE event_id = events.id), notes
             FROM events WHERE key LIKE 'acled-caucasus:%' ORDER BY key"
        ),
        [
            ["acled-caucasus:SYN1", "0", "2", "1", "ACLED timestamp 100"],
            ["acled-caucasus:SYN2", "0", "2", "1", "ACLED timestamp 200"],
            ["acled-caucasus:SYN3", "1", "2", "1", "ACLED timestamp 100"],
            ["acled-caucasus:SYN4", "0", "2", "1", "ACLED timestamp 200"],
        ]
    );
    let log = env.query(
        "SELECT casualty_key, event_key, dataset, old_low, old_best, old_high, new_low, new_best,
             new_high, length(changed_at) FROM v_casualty_changes",
    );
    assert_eq!(
        log,
        [[
            "acled-caucasus:SYN2:fatalities",
            "acled-caucasus:SYN2",
            "acled-caucasus",
            "",
            "2",
            "",
            "",
            "4",
            "",
            "20"
        ]]
    );
    // The same export again changes nothing, and retracts nothing new: its bytes are the ones
    // last imported, so nothing is read past their hash.
    let err = ok_err(&env, &["import", &second, "--dataset", "acled-caucasus"]);
    assert!(
        err.ends_with("  events: 0 added, 0 changed, 0 retracted, 3 unchanged\n  the files are the ones last imported, byte for byte, with the same actor links: nothing was written\n"),
        "{err}"
    );
    // Through the loader (a century for two-digit years given, so that the bytes may map
    // otherwise), the same rows are unchanged too.
    let err = ok_err(
        &env,
        &[
            "import",
            &second,
            "--dataset",
            "acled-caucasus",
            "--two-digit-years",
            "20",
        ],
    );
    assert!(
        err.contains("  events: 0 added, 0 changed, 0 retracted, 3 unchanged\n  actors:"),
        "{err}"
    );
    // The first export again, removing what it lacks: the retracted event is back.
    let err = ok_err(
        &env,
        &[
            "import",
            &first,
            "--dataset",
            "acled-caucasus",
            "--remove-missing",
        ],
    );
    assert!(
        err.contains("  events: 0 added, 2 changed, 0 retracted, 1 unchanged, 1 removed\n"),
        "{err}"
    );
    assert_eq!(
        env.query(
            "SELECT key, retracted FROM events WHERE key LIKE 'acled-caucasus:%' ORDER BY key"
        ),
        [
            ["acled-caucasus:SYN1", "0"],
            ["acled-caucasus:SYN2", "0"],
            ["acled-caucasus:SYN3", "0"]
        ]
    );
    assert_eq!(
        env.query("SELECT casualty_key, old_best, new_best FROM casualty_changes ORDER BY id"),
        [
            ["acled-caucasus:SYN2:fatalities", "2", "4"],
            ["acled-caucasus:SYN2:fatalities", "4", "2"]
        ]
    );
    env.ok(&["check"]);
}

#[test]
fn export_writes_the_attributes_of_imported_events() {
    let env = Env::new();
    env.ok(&["import", &import_fixture("acled-2023.csv")]);
    env.ok(&["export", "--out", "out"]);
    let view = std::fs::read_to_string(env.path("out/v_event_attributes.csv")).unwrap();
    assert!(
        view.starts_with("event_key,dataset,name,value\nacled-2023:SYN1001,acled-2023,disorder_type,Political violence\n"),
        "{view}"
    );
    assert_eq!(view.lines().count(), 12);
    let table = std::fs::read_to_string(env.path("out/event_attributes.csv")).unwrap();
    assert!(
        table.starts_with("event_id,name,value,dataset_id,attribution\n"),
        "{table}"
    );
    assert_eq!(table.lines().count(), 12);
}

/// A file given twice, under one name or two, is refused as that, before anything is read into the
/// database (it was refused as a key given twice, at its second line).
#[test]
fn a_file_given_twice_is_refused_as_that() {
    let env = Env::new();
    std::fs::copy(import_fixture("acled-2023.csv"), env.path("a.csv")).unwrap();
    for twice in [["a.csv", "a.csv"], ["a.csv", "./a.csv"]] {
        let err = env.fails(&["import", twice[0], twice[1]]);
        assert_eq!(
            err,
            format!(
                "conflictdb: {} is given twice (as {} too): import each file once\n",
                twice[1], twice[0]
            )
        );
        assert!(!env.db().exists());
    }
}
