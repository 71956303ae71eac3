//! Importing UCDP GED and GDELT files, and linking their actors and events to ours, through the
//! real binary: the real UCDP GED 23.1 sample (tests/fixtures/import/, CC BY 4.0), an older UCDP
//! layout derived from it, and synthetic GDELT 1.0 and 2.0 files.

use std::fs;

use crate::common::{import_fixture, Env, REPO};

/// An event whose dates are bounds, not a span (a week, a window of days), says so in
/// `date_precision`; the dates alone would read as a span given to the day. Seeding checks the
/// code, and `export --seed` writes it back.
#[test]
fn an_event_may_give_a_precision_its_dates_cannot() {
    let env = Env::new();
    let overlay = env.path("overlay");
    fs::create_dir_all(&overlay).unwrap();
    let events = fs::read_to_string(format!("{REPO}/tests/fixtures/minimal/events.csv")).unwrap();
    let mut lines: Vec<String> = events.lines().map(String::from).collect();
    lines[0].push_str(",date_precision");
    for line in &mut lines[1..] {
        line.push(',');
    }
    lines.push(
        "2020-10-window,Shelling some day those days,shelling,2020-10-05,2020-10-09,,2020-war,Shells fell.,,window"
            .into(),
    );
    fs::write(overlay.join("events.csv"), lines.join("\n") + "\n").unwrap();
    let dir = env.seed_dir("data", Some(&overlay));
    env.ok(&["seed", dir.to_str().unwrap()]);
    assert_eq!(
        env.query(
            "SELECT start_date, end_date, date_precision FROM events WHERE key = '2020-10-window'"
        ),
        [["2020-10-05", "2020-10-09", "window"]]
    );
    env.ok(&["export", "--seed", "--out", "back"]);
    let back = fs::read_to_string(env.path("back/events.csv")).unwrap();
    assert!(
        back.contains(
            "2020-10-window,Shelling some day those days,shelling,2020-10-05,2020-10-09,window,"
        ),
        "{back}"
    );
    // A precision the dates give is not written again.
    assert!(
        back.contains("2020-10-ceasefire,October ceasefire,ceasefire,2020-10,,,"),
        "{back}"
    );

    let bad = lines.join("\n").replace(",window", ",fortnight") + "\n";
    fs::write(dir.join("events.csv"), bad).unwrap();
    let err = env.fails(&["seed", dir.to_str().unwrap()]);
    assert!(
        err.contains(
            "events.csv:5:10: date_precision \"fortnight\": is not a code in date_precisions"
        ),
        "{err}"
    );
}

/// The rows of `sql` as text, through the binary.
fn rows(env: &Env, sql: &str) -> Vec<Vec<String>> {
    env.query(sql)
}

const EVENT: &str = "SELECT e.key, e.title, e.kind, e.start_date, e.end_date, e.date_precision,
        e.date_basis, p.key, p.name, p.kind, p.geo_precision, parent.key, e.summary
    FROM events e LEFT JOIN places p ON p.id = e.place_id
    LEFT JOIN events parent ON parent.id = e.parent_id WHERE e.key = ";

const CLAIMS: &str = "SELECT c.key, c.scope, coalesce(side.key, ''), c.category, c.status,
        coalesce(c.count_low, ''), coalesce(c.count_best, ''), coalesce(c.count_high, ''),
        coalesce(whole.key, ''), claimant.key, source.key
    FROM casualties c LEFT JOIN actors side ON side.id = c.side_id
    LEFT JOIN casualties whole ON whole.id = c.part_of_id
    JOIN actors claimant ON claimant.id = c.claimed_by_id
    JOIN sources source ON source.id = c.source_id
    WHERE c.key GLOB ";

/// The real GED 23.1 sample: every row loads, as published, and a few rows are mapped value by
/// value: a Syrian event with two sources, an Azerbaijan–Artsakh event (its sides our actors, a
/// window of days on the Line of Contact), an old event with a free-text source and a week, and
/// one whose high is below its best, which `check` names.
#[test]
fn the_real_ucdp_sample_loads_row_by_row_as_published() {
    let env = Env::new();
    let (code, out, err) = env.run(&["import", &import_fixture("ucdp-ged-23.1-sample.csv")]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(
        err.starts_with("conflictdb: imported ")
            && err.contains("(ucdp-ged 23.1) into conflict.db as dataset \"ucdp-ged-23.1-sample\": 1000 rows read\n"),
        "{err}"
    );
    // 1,000 events, in 253 dyads of 221 conflicts.
    assert!(
        err.contains("  events: 1474 added, 0 changed, 0 retracted, 0 unchanged\n"),
        "{err}"
    );
    assert_eq!(
        rows(
            &env,
            "SELECT count(*) FROM events WHERE key GLOB 'ucdp-ged-23.1-sample:[0-9]*'"
        ),
        [["1000"]]
    );
    assert_eq!(
        rows(
            &env,
            "SELECT count(*) FROM casualties WHERE key GLOB 'ucdp-ged-23.1-sample:*'"
        ),
        [["5000"]]
    );

    assert_eq!(
        rows(&env, &format!("{EVENT} 'ucdp-ged-23.1-sample:300380'")),
        [[
            "ucdp-ged-23.1-sample:300380",
            "Government of Syria - Syrian insurgents: Rami village",
            "state_based",
            "2013-01-03",
            "2013-01-03",
            "day",
            "stated",
            "ucdp-ged-23.1-sample:place:rami-village:35.763369:36.558974",
            "Rami village",
            "location",
            "exact",
            "ucdp-ged-23.1-sample:dyad:11973",
            "UCDP GED codes state-based armed conflict between Government of Syria and Syrian insurgents at Rami village (in the al-Rami village)."
        ]]
    );
    assert_eq!(
        rows(
            &env,
            "SELECT e.key, e.title, p.key FROM events e LEFT JOIN events p ON p.id = e.parent_id
             WHERE e.key IN ('ucdp-ged-23.1-sample:dyad:11973', 'ucdp-ged-23.1-sample:conflict:299') ORDER BY e.key"
        ),
        [
            ["ucdp-ged-23.1-sample:conflict:299", "Syria: Government", ""],
            [
                "ucdp-ged-23.1-sample:dyad:11973",
                "Government of Syria - Syrian insurgents",
                "ucdp-ged-23.1-sample:conflict:299"
            ],
        ]
    );
    assert_eq!(
        rows(
            &env,
            "SELECT a.key, a.name, a.kind, ea.role FROM event_actors ea
             JOIN actors a ON a.id = ea.actor_id JOIN events e ON e.id = ea.event_id
             WHERE e.key = 'ucdp-ged-23.1-sample:300380' ORDER BY a.key"
        ),
        [
            [
                "ucdp-ged-23.1-sample:actor:118",
                "Government of Syria",
                "government_body",
                "side"
            ],
            [
                "ucdp-ged-23.1-sample:actor:4456",
                "Syrian insurgents",
                "armed_force",
                "side"
            ],
        ]
    );
    assert_eq!(
        rows(
            &env,
            "SELECT s.title, s.publisher, coalesce(s.published_on, ''), s.kind, c.key
             FROM event_sources es JOIN sources s ON s.id = es.source_id
             JOIN events e ON e.id = es.event_id JOIN sources c ON c.id = s.cited_in
             WHERE e.key = 'ucdp-ged-23.1-sample:300380' ORDER BY s.publisher"
        ),
        [
            [
                "Thursday 3 January 2013",
                "Support Kurds in Syria",
                "2013-01-03",
                "news",
                "ucdp-ged-23.1-sample:dataset"
            ],
            [
                "Abdul Satar Mustafa Hankosh",
                "VDC",
                "2013-01-03",
                "news",
                "ucdp-ged-23.1-sample:dataset"
            ],
        ]
    );
    assert_eq!(
        rows(
            &env,
            &format!("{CLAIMS} 'ucdp-ged-23.1-sample:300380:*' ORDER BY c.key")
        ),
        [
            [
                "ucdp-ged-23.1-sample:300380:deaths",
                "all_sides",
                "",
                "unknown",
                "estimate",
                "2",
                "2",
                "2",
                "",
                "ucdp-ged-23.1-sample:actor:ucdp",
                "ucdp-ged-23.1-sample:dataset"
            ],
            [
                "ucdp-ged-23.1-sample:300380:deaths_a",
                "one_side",
                "ucdp-ged-23.1-sample:actor:118",
                "military",
                "estimate",
                "",
                "0",
                "",
                "ucdp-ged-23.1-sample:300380:deaths",
                "ucdp-ged-23.1-sample:actor:ucdp",
                "ucdp-ged-23.1-sample:dataset"
            ],
            [
                "ucdp-ged-23.1-sample:300380:deaths_b",
                "one_side",
                "ucdp-ged-23.1-sample:actor:4456",
                "military",
                "estimate",
                "",
                "2",
                "",
                "ucdp-ged-23.1-sample:300380:deaths",
                "ucdp-ged-23.1-sample:actor:ucdp",
                "ucdp-ged-23.1-sample:dataset"
            ],
            [
                "ucdp-ged-23.1-sample:300380:deaths_civilians",
                "all_sides",
                "",
                "civilian",
                "estimate",
                "",
                "0",
                "",
                "ucdp-ged-23.1-sample:300380:deaths",
                "ucdp-ged-23.1-sample:actor:ucdp",
                "ucdp-ged-23.1-sample:dataset"
            ],
            [
                "ucdp-ged-23.1-sample:300380:deaths_unknown",
                "all_sides",
                "",
                "unknown",
                "estimate",
                "",
                "0",
                "",
                "ucdp-ged-23.1-sample:300380:deaths",
                "ucdp-ged-23.1-sample:actor:ucdp",
                "ucdp-ged-23.1-sample:dataset"
            ],
        ]
    );
    assert_eq!(
        rows(
            &env,
            "SELECT name, value FROM v_event_attributes WHERE event_key = 'ucdp-ged-23.1-sample:300380'
             AND name IN ('relid', 'event_clarity', 'priogrid_gid', 'source_original', 'gwnoa')
             ORDER BY name"
        ),
        [
            ["event_clarity", "1"],
            ["gwnoa", "652"],
            ["priogrid_gid", "181154"],
            ["relid", "SYR-2013-1-11973-99"],
            ["source_original", "SOHR; VDC"],
        ]
    );

    // Azerbaijan–Artsakh: UCDP's sides are the built-in azerbaijan and artsakh.
    assert_eq!(
        rows(&env, &format!("{EVENT} 'ucdp-ged-23.1-sample:376126'")),
        [[
            "ucdp-ged-23.1-sample:376126",
            "Government of Azerbaijan - Republic of Artsakh: Line of Contact",
            "state_based",
            "2020-09-27",
            "2020-09-30",
            "window",
            "stated",
            "ucdp-ged-23.1-sample:place:line-of-contact:40.0:47.0",
            "Line of Contact",
            "area",
            "linear",
            "ucdp-ged-23.1-sample:dyad:833",
            "UCDP GED codes state-based armed conflict between Government of Azerbaijan and Republic of Artsakh at Line of Contact (Unknown)."
        ]]
    );
    assert_eq!(
        rows(
            &env,
            "SELECT a.key, ea.role FROM event_actors ea JOIN actors a ON a.id = ea.actor_id
             JOIN events e ON e.id = ea.event_id WHERE e.key = 'ucdp-ged-23.1-sample:376126' ORDER BY a.key"
        ),
        [["artsakh", "side"], ["azerbaijan", "side"]]
    );
    assert_eq!(
        rows(
            &env,
            &format!("{CLAIMS} 'ucdp-ged-23.1-sample:376126:deaths_[ab]' ORDER BY c.key")
        ),
        [
            [
                "ucdp-ged-23.1-sample:376126:deaths_a",
                "one_side",
                "azerbaijan",
                "military",
                "estimate",
                "",
                "1",
                "",
                "ucdp-ged-23.1-sample:376126:deaths",
                "ucdp-ged-23.1-sample:actor:ucdp",
                "ucdp-ged-23.1-sample:dataset"
            ],
            [
                "ucdp-ged-23.1-sample:376126:deaths_b",
                "one_side",
                "artsakh",
                "military",
                "estimate",
                "",
                "0",
                "",
                "ucdp-ged-23.1-sample:376126:deaths",
                "ucdp-ged-23.1-sample:actor:ucdp",
                "ucdp-ged-23.1-sample:dataset"
            ],
        ]
    );
    assert_eq!(
        rows(
            &env,
            "SELECT notes FROM casualties WHERE key = 'ucdp-ged-23.1-sample:376126:deaths'"
        ),
        [["UCDP GED's low, best and high estimates of all deaths in the event (low, best, high). UCDP names the original source of the information (source_original): Zagatala district Heydar Aliyev Center."]]
    );
    assert_eq!(
        rows(
            &env,
            "SELECT count(*) FROM actors WHERE key IN ('ucdp-ged-23.1-sample:actor:64', 'ucdp-ged-23.1-sample:actor:338')"
        ),
        [["0"]]
    );

    // An old event: a free-text source (number_of_sources -1), and date_prec 3 over seven days.
    assert_eq!(
        rows(
            &env,
            "SELECT e.date_precision, e.start_date, e.end_date, s.title, p.geo_precision
             FROM events e JOIN event_sources es ON es.event_id = e.id
             JOIN sources s ON s.id = es.source_id JOIN places p ON p.id = e.place_id
             WHERE e.key = 'ucdp-ged-23.1-sample:21300'"
        ),
        [[
            "week",
            "1989-05-10",
            "1989-05-16",
            "Reuters 1989-05-17 \"ANGOLAN UNITA REBELS BLOW UP POWER LINES DURING PEACE SUMMIT",
            "province"
        ]]
    );

    // high below best: loaded as published, and named by check (which still passes).
    assert_eq!(
        rows(
            &env,
            &format!("{CLAIMS} 'ucdp-ged-23.1-sample:406097:deaths'")
        ),
        [[
            "ucdp-ged-23.1-sample:406097:deaths",
            "all_sides",
            "",
            "unknown",
            "estimate",
            "18",
            "18",
            "17",
            "",
            "ucdp-ged-23.1-sample:actor:ucdp",
            "ucdp-ged-23.1-sample:dataset"
        ]]
    );
    let (code, check, _) = env.run(&["check"]);
    assert_eq!(code, 0, "{check}");
    let notes: Vec<&str> = check.lines().filter(|l| l.starts_with("NOTE")).collect();
    assert_eq!(notes.len(), 13, "{check}");
    assert!(notes.contains(&"NOTE  casualty figures in order (low <= best <= high): casualty claim ucdp-ged-23.1-sample:406097:deaths (dataset ucdp-ged-23.1-sample): low 18, best 18, high 17: best is above high; low is above high (loaded as published)"), "{check}");
    assert!(notes.contains(&"NOTE  casualty figures in order (low <= best <= high): casualty claim ucdp-ged-23.1-sample:236880:deaths (dataset ucdp-ged-23.1-sample): low 3, best 2, high 3: low is above best (loaded as published)"), "{check}");
    assert!(!check.contains("FAIL"), "{check}");

    // Importing the same file again changes nothing.
    let err = env
        .run(&["import", &import_fixture("ucdp-ged-23.1-sample.csv")])
        .2;
    assert!(
        err.contains("  events: 0 added, 0 changed, 0 retracted, 1474 unchanged\n"),
        "{err}"
    );
}

/// An older release's layout (no relid, code_status, *_dset_id, where_description, gwnoa, gwnob,
/// the rest in another order, CRLF) loads by its header's names into the same rows.
#[test]
fn an_older_ucdp_layout_loads_by_its_header_names() {
    let (older, newer) = (Env::new(), Env::new());
    let err = older
        .run(&[
            "import",
            &import_fixture("ucdp-ged-older-layout.csv"),
            "--dataset",
            "ucdp-ged",
        ])
        .2;
    assert!(
        err.contains("(ucdp-ged another release (40 columns))") && err.contains(": 24 rows read\n"),
        "{err}"
    );
    newer.ok(&[
        "import",
        &import_fixture("ucdp-ged-23.1-sample.csv"),
        "--dataset",
        "ucdp-ged",
    ]);
    let events = "SELECT e.key, e.title, e.kind, e.start_date, e.end_date, e.date_precision,
            p.name, p.geo_precision, e.summary
        FROM events e LEFT JOIN places p ON p.id = e.place_id
        WHERE e.key GLOB 'ucdp-ged:[0-9]*' ORDER BY e.key";
    let older_events = rows(&older, events);
    assert_eq!(older_events.len(), 24);
    let newer_events = rows(&newer, events);
    for event in &older_events {
        let same = newer_events.iter().find(|e| e[0] == event[0]).unwrap();
        // Without where_description the summary names the place alone.
        assert_eq!(event[..8], same[..8]);
    }
    let claims = format!("{CLAIMS} 'ucdp-ged:[0-9]*' ORDER BY c.key");
    let older_claims = rows(&older, &claims);
    assert_eq!(older_claims.len(), 120);
    let newer_claims = rows(&newer, &claims);
    for claim in &older_claims {
        assert!(newer_claims.contains(claim), "{claim:?}");
    }
    assert_eq!(
        rows(&older, "SELECT name, value FROM v_event_attributes WHERE event_key = 'ucdp-ged:376126' AND name IN ('relid', 'year') ORDER BY name"),
        [["year", "2020"]]
    );
}

/// GDELT 1.0 (57 and 58 columns in one file) and 2.0 (61): tab-separated, quotes are data;
/// verbal events are statements with no stance, material ones events; the codebook's other
/// columns are attributes.
#[test]
fn gdelt_1_and_2_files_load_with_quotes_as_data() {
    let env = Env::new();
    let err = env
        .run(&[
            "import",
            &import_fixture("gdelt-1.0-mixed.tsv"),
            &import_fixture("gdelt-2.0.tsv"),
            "--dataset",
            "gdelt-sample",
        ])
        .2;
    assert!(err.contains(": 5 rows read\n"), "{err}");
    assert!(err.contains("(gdelt 2.0 (61 columns))"), "{err}");
    assert_eq!(
        rows(
            &env,
            "SELECT s.key, sp.key, coalesce(t.key, ''), s.said_on, s.kind, s.stance, src.url, s.summary
             FROM statements s JOIN actors sp ON sp.id = s.speaker_id
             LEFT JOIN actors t ON t.id = s.target_id JOIN sources src ON src.id = s.source_id
             WHERE s.key GLOB 'gdelt-sample:*' ORDER BY s.key"
        ),
        [
            [
                "gdelt-sample:250000001",
                "gdelt-sample:actor:AZEGOV",
                "gdelt-sample:actor:ARM",
                "2012-06-04",
                "cameo-11",
                "none",
                "https://www.gdeltproject.org",
                "GDELT codes CAMEO event 112 (root 11) by AZERBAIJAN toward ARMENIA, from a news report."
            ],
            [
                "gdelt-sample:250000003",
                "gdelt-sample:actor:none",
                "gdelt-sample:actor:AZE",
                "2012-06-06",
                "cameo-02",
                "none",
                "http://news.example.org/2012/06/06/appeal",
                "GDELT codes CAMEO event 0256 (root 02) by no actor coded toward AZERBAIJAN, from a news report."
            ],
            [
                "gdelt-sample:951000001",
                "gdelt-sample:actor:AZEGOV",
                "gdelt-sample:actor:ARM",
                "2020-09-27",
                "cameo-11",
                "none",
                "https://news.example.org/2020/09/27/\"accuses\"",
                "GDELT codes CAMEO event 1123 (root 11) by AZERBAIJAN toward ARMENIA, from a news report."
            ],
        ]
    );
    assert_eq!(
        rows(
            &env,
            "SELECT e.key, e.title, e.kind, e.start_date, p.name, p.kind, p.latitude, src.url
             FROM events e JOIN places p ON p.id = e.place_id
             JOIN event_sources es ON es.event_id = e.id JOIN sources src ON src.id = es.source_id
             WHERE e.key GLOB 'gdelt-sample:*' ORDER BY e.key"
        ),
        [
            [
                "gdelt-sample:250000002",
                "CAMEO 190: ARMENIA – AZERBAIJAN",
                "cameo-19",
                "2012-06-05",
                "Tovuz, Tovuz, Azerbaijan",
                "city",
                "40.9922",
                "http://news.example.org/2012/06/05/border-\"clash\""
            ],
            [
                "gdelt-sample:951000002",
                "CAMEO 195: AZERBAIJAN – ARMENIA",
                "cameo-19",
                "2020-09-28",
                "Tovuz, Tovuz, Azerbaijan",
                "city",
                "40.9922",
                "https://news.example.org/2020/09/28/strikes"
            ],
        ]
    );
    assert_eq!(
        rows(
            &env,
            "SELECT a.key, ea.role FROM event_actors ea JOIN actors a ON a.id = ea.actor_id
             JOIN events e ON e.id = ea.event_id WHERE e.key = 'gdelt-sample:951000002' ORDER BY ea.role"
        ),
        [
            ["gdelt-sample:actor:AZEMIL", "participant"],
            ["gdelt-sample:actor:ARMMIL", "target"]
        ]
    );
    assert_eq!(
        rows(
            &env,
            "SELECT name, value FROM v_event_attributes WHERE event_key = 'gdelt-sample:951000002'
             AND name IN ('GoldsteinScale', 'AvgTone', 'NumMentions', 'EventCode', 'ActionGeo_ADM2Code')
             ORDER BY name"
        ),
        [
            ["ActionGeo_ADM2Code", "AJ61-7"],
            ["AvgTone", "-8.1"],
            ["EventCode", "195"],
            ["GoldsteinScale", "-10.0"],
            ["NumMentions", "30"],
        ]
    );
    assert_eq!(
        rows(
            &env,
            "SELECT name, value FROM v_statement_attributes WHERE statement_key = 'gdelt-sample:250000001'
             AND name IN ('GoldsteinScale', 'AvgTone', 'NumArticles', 'EventCode') ORDER BY name"
        ),
        [
            ["AvgTone", "-4.21"],
            ["EventCode", "112"],
            ["GoldsteinScale", "-2.0"],
            ["NumArticles", "6"],
        ]
    );
}

/// A row GDELT codes as verbal under a material root is refused, naming the file, line, column
/// and value, and nothing is imported.
#[test]
fn a_gdelt_row_whose_quad_class_its_root_contradicts_is_refused() {
    let env = Env::new();
    let text = fs::read_to_string(import_fixture("gdelt-2.0.tsv")).unwrap();
    let bad = text.replace("\t19\t4\t", "\t19\t1\t");
    assert_ne!(bad, text);
    fs::write(env.path("bad.tsv"), bad).unwrap();
    let err = env.fails(&["import", "bad.tsv"]);
    assert_eq!(
        err,
        "conflictdb: bad.tsv:2:30: quadclass \"1\": says verbal, but CAMEO root 19 is material; nothing was imported (--keep-going loads the other rows)\n"
    );
    assert!(!env.db().exists());
}

/// GDELT files have no header: a file is known as GDELT by its first record, an event id and a
/// date first. One whose first record lacks its event id is not taken for GDELT unless named so,
/// and then that record is refused as any other, or skipped with `--keep-going`.
#[test]
fn a_gdelt_file_whose_first_record_lacks_its_event_id_is_read_when_named() {
    let env = Env::new();
    let text = fs::read_to_string(import_fixture("gdelt-2.0.tsv")).unwrap();
    let bad = text.replacen("951000001\t", "\t", 1);
    assert_ne!(bad, text);
    fs::write(env.path("bad.tsv"), bad).unwrap();
    let err = env.fails(&["import", "bad.tsv"]);
    assert_eq!(
        err,
        "conflictdb: bad.tsv:1: has the 61 tab-separated fields of a gdelt file, but does not start as its records do (it starts \"\\t20200927\\t202009\\t2020\\t2020.7315\\tAZEGOV\\tAZERBAIJAN\\tAZE\\t\\t\\t\\t\\tGO\"): if it is one, name it with --format gdelt\n"
    );
    let err = env.fails(&["import", "bad.tsv", "--format", "gdelt"]);
    assert_eq!(
        err,
        "conflictdb: bad.tsv:1:1: globaleventid \"\": is required, and empty; nothing was imported (--keep-going loads the other rows)\n"
    );
    assert!(!env.db().exists());
    env.run(&["import", "bad.tsv", "--format", "gdelt", "--keep-going"]);
    assert_eq!(
        rows(&env, "SELECT key FROM events WHERE key GLOB 'gdelt-bad:*'"),
        [["gdelt-bad:951000002"]]
    );
    // Named GDELT, a file of no GDELT width is refused by its width, not as a header.
    fs::write(env.path("narrow.tsv"), "1\t2\t3\n").unwrap();
    let err = env.fails(&["import", "narrow.tsv", "--format", "gdelt"]);
    assert_eq!(
        err,
        "conflictdb: narrow.tsv:1: has 3 tab-separated fields, which none of the gdelt layouts has (1.0 (57 columns), 1.0 with SOURCEURL (58 columns), 2.0 (61 columns))\n"
    );
}

/// The built-in links put UCDP's and ACLED's figures on our `azerbaijan`, beside the built-in
/// claims about it in `casualty-claims`; `--link-actors` links others (or the same names
/// elsewhere); a link to an actor the database lacks is refused naming the link file's line.
#[test]
fn linked_actors_put_imported_figures_beside_the_built_in_claims() {
    let env = Env::new();
    env.ok(&["seed"]);
    env.ok(&["import", &import_fixture("ucdp-ged-23.1-sample.csv")]);
    env.ok(&["import", &import_fixture("acled-2023.csv")]);
    let claims = env.ok(&[
        "report",
        "casualty-claims",
        "--param",
        "side=azerbaijan",
        "--format",
        "csv",
    ]);
    let lines: Vec<&str> = claims.lines().collect();
    let ucdp: Vec<&&str> = lines
        .iter()
        .filter(|l| l.contains("UCDP Georeferenced Event Dataset (GED)"))
        .collect();
    assert_eq!(ucdp.len(), 3, "{claims}");
    assert!(
        lines.contains(&"2020-09-27,Government of Azerbaijan - Republic of Artsakh: Line of Contact,one_side,Azerbaijan,military,killed,estimate,,1,,ucdp-ged-23.1-sample:376126:deaths,Uppsala Conflict Data Program,UCDP Georeferenced Event Dataset (GED),,,ucdp-ged-23.1-sample:376126:deaths_a"),
        "{claims}"
    );
    // The built-in claims about the same side stand beside them.
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("2020-07-12,Tavush–Tovuz border clashes,one_side,Azerbaijan,")),
        "{claims}"
    );
    assert_eq!(
        rows(
            &env,
            "SELECT a.key, ea.role FROM event_actors ea JOIN actors a ON a.id = ea.actor_id
             JOIN events e ON e.id = ea.event_id WHERE e.key = 'acled-2023:SYN1001' ORDER BY a.key"
        ),
        [
            ["acled-2023:military-forces-of-armenia-2018", "side"],
            ["azerbaijan", "side"]
        ]
    );

    // A file of links: UCDP's Government of Azerbaijan as the government, and a Syrian side.
    let other = Env::new();
    fs::write(
        other.path("links.csv"),
        "dataset_actor,actor\nGovernment of Azerbaijan,azerbaijan-government\nucdp-ged:actor:4456,armenia\n",
    )
    .unwrap();
    other.ok(&[
        "import",
        &import_fixture("ucdp-ged-older-layout.csv"),
        "--link-actors",
        "links.csv",
    ]);
    assert_eq!(
        rows(
            &other,
            "SELECT c.key, a.key FROM casualties c JOIN actors a ON a.id = c.side_id
             WHERE c.key IN ('ucdp-ged-older-layout:376126:deaths_a', 'ucdp-ged-older-layout:376126:deaths_b',
                 'ucdp-ged-older-layout:300380:deaths_b') ORDER BY c.key"
        ),
        [
            ["ucdp-ged-older-layout:300380:deaths_b", "armenia"],
            ["ucdp-ged-older-layout:376126:deaths_a", "azerbaijan-government"],
            ["ucdp-ged-older-layout:376126:deaths_b", "artsakh"],
        ]
    );

    // A link to an actor the database lacks; one actor linked to two, whose figures would be
    // filed under whichever came last.
    let refused = Env::new();
    for (links, message) in [
        (
            "dataset_actor,actor\nGovernment of Azerbaijan,azerbaijn\n",
            "links.csv:2:2: actor \"azerbaijn\": is not a key in actors; link the dataset's actor to an actor the database has",
        ),
        (
            "dataset_actor,actor\nGovernment of Azerbaijan,azerbaijan\nGovernment of Azerbaijan,armenia\n",
            "links.csv:3:2: actor \"armenia\": \"Government of Azerbaijan\" is linked to \"azerbaijan\" already (links.csv:2); a dataset's actor is linked to one actor",
        ),
    ] {
        fs::write(refused.path("links.csv"), links).unwrap();
        let err = refused.fails(&[
            "import",
            &import_fixture("ucdp-ged-older-layout.csv"),
            "--link-actors",
            "links.csv",
        ]);
        assert_eq!(err, format!("conflictdb: {message}\n"));
        assert!(!refused.db().exists());
    }
}

/// An imported event is the same event as another dataset's: a typed event link, `same_event`,
/// given in a seed directory like any other.
#[test]
fn an_imported_event_is_linked_to_another_datasets_event_as_the_same_event() {
    let env = Env::new();
    env.ok(&[
        "import",
        &import_fixture("ucdp-ged-older-layout.csv"),
        "--dataset",
        "ucdp",
    ]);
    env.ok(&[
        "import",
        &import_fixture("acled-2023.csv"),
        "--dataset",
        "acled",
    ]);
    fs::create_dir_all(env.path("links")).unwrap();
    fs::write(
        env.path("links/event_links.csv"),
        "key,event,kind,related,source,notes\nsame-1,acled:SYN1001,same_event,ucdp:376126,ucdp:dataset,Judged the same fighting by the analyst.\n",
    )
    .unwrap();
    env.ok(&["seed", "links"]);
    assert_eq!(
        rows(
            &env,
            "SELECT key, event_key, kind, related_key, source FROM v_event_links WHERE key = 'same-1'"
        ),
        [[
            "same-1",
            "acled:SYN1001",
            "same_event",
            "ucdp:376126",
            "UCDP Georeferenced Event Dataset (GED)"
        ]]
    );
}

/// The actor links decide which side a figure is filed under as much as the file does: the same
/// file imported again with other links is mapped again, and with the same ones it is not.
#[test]
fn the_same_file_with_other_actor_links_is_imported_again() {
    let env = Env::new();
    env.ok(&["seed"]);
    let file = import_fixture("ucdp-ged-older-layout.csv");
    let sides = || {
        rows(
            &env,
            "SELECT c.key, a.key FROM casualties c JOIN actors a ON a.id = c.side_id
             WHERE c.key = 'u:376126:deaths_a'",
        )
    };
    let unchanged = "with the same actor links: nothing was written\n";
    let import = |args: &[&str]| {
        let (code, _, err) = env.run(args);
        assert_eq!(code, 0, "{err}");
        err
    };
    import(&["import", &file, "--dataset", "u"]);
    assert_eq!(sides(), [["u:376126:deaths_a", "azerbaijan"]]);
    fs::write(
        env.path("links.csv"),
        "dataset_actor,actor\nGovernment of Azerbaijan,armenia\n",
    )
    .unwrap();
    let with_links = [
        "import",
        &file,
        "--dataset",
        "u",
        "--link-actors",
        "links.csv",
    ];
    let err = import(&with_links);
    assert!(!err.ends_with(unchanged), "{err}");
    assert_eq!(sides(), [["u:376126:deaths_a", "armenia"]]);
    let err = import(&with_links);
    assert!(err.ends_with(unchanged), "{err}");
    // Without the file, the built-in links again.
    let err = import(&["import", &file, "--dataset", "u"]);
    assert!(!err.ends_with(unchanged), "{err}");
    assert_eq!(sides(), [["u:376126:deaths_a", "azerbaijan"]]);
    assert_eq!(
        rows(
            &env,
            "SELECT file, rows, format FROM dataset_files
             WHERE dataset_id = (SELECT id FROM datasets WHERE name = 'u') ORDER BY file"
        ),
        [
            ["(built-in actor links)", "4", "actor-links"],
            [file.as_str(), "24", "ucdp-ged"],
        ]
    );
}

/// A conflict or dyad the file does not name is called by its UCDP id (it was refused as an empty
/// `events.title` at line 1, which --keep-going could not set aside); a later record naming it
/// names it.
#[test]
fn a_conflict_and_dyad_without_names_are_called_by_their_ucdp_ids() {
    let env = Env::new();
    let sample = fs::read(import_fixture("ucdp-ged-23.1-sample.csv")).unwrap();
    let mut reader = csv::Reader::from_reader(&sample[..]);
    let header = reader.headers().unwrap().clone();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    let mut writer = csv::Writer::from_path(env.path("u.csv")).unwrap();
    writer.write_record(&header).unwrap();
    let first = reader.records().next().unwrap().unwrap();
    let mut unnamed: Vec<String> = first.iter().map(str::to_string).collect();
    unnamed[at("conflict_name")].clear();
    unnamed[at("dyad_name")].clear();
    writer.write_record(&unnamed).unwrap();
    writer.flush().unwrap();
    env.ok(&["import", "u.csv", "--dataset", "u"]);
    let (conflict, dyad, place) = (
        &first[at("conflict_new_id")],
        &first[at("dyad_new_id")],
        &first[at("where_coordinates")],
    );
    assert_eq!(
        rows(
            &env,
            &format!(
                "SELECT key, title FROM events WHERE key IN ('u:conflict:{conflict}', 'u:dyad:{dyad}', 'u:{}') ORDER BY key",
                &first[at("id")]
            )
        ),
        [
            [format!("u:{}", &first[at("id")]), format!("UCDP dyad {dyad}: {place}")],
            [format!("u:conflict:{conflict}"), format!("UCDP conflict {conflict}")],
            [format!("u:dyad:{dyad}"), format!("UCDP dyad {dyad}")],
        ]
    );
}

/// UCDP publishes some figures out of order (low above best); an import keeps them as published,
/// and so does the seed layout exported from it when seeded back: a claim citing a published data
/// set keeps its figures. A seed file's own claim out of order is still refused
/// (tests/bad_input).
#[test]
fn the_seed_layout_of_an_import_with_figures_out_of_order_loads_back() {
    let env = Env::new();
    env.ok(&["seed"]);
    env.ok(&[
        "import",
        &import_fixture("ucdp-ged-23.1-sample.csv"),
        "--dataset",
        "ucdp",
    ]);
    let figures = "SELECT key, count_low, count_best, count_high FROM casualties ORDER BY key";
    let out_of_order = rows(
        &env,
        "SELECT count(*) FROM casualties WHERE count_low > count_best OR count_best > count_high",
    );
    assert_ne!(out_of_order, [["0"]]);
    let query = |db: &str| env.ok(&["query", figures, "--db", db, "--format", "csv"]);
    let before = query("conflict.db");
    env.ok(&["export", "--seed", "--out", "layout"]);
    env.ok(&["seed", "layout", "--db", "again.db"]);
    assert_eq!(query("again.db"), before);
    assert!(before.lines().count() > 5000, "{}", before.lines().count());
}
