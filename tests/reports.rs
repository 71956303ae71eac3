//! Named reports: listing, parameters, formats and their refusals.

use std::fs;

use crate::common::{csv_rows, Env};

#[test]
fn reports_lists_every_report_with_its_parameters() {
    let env = Env::new();
    let out = env.ok(&["reports"]);
    for name in [
        "reactions-by-stance",
        "casualty-claims",
        "contested-casualties",
        "timeline",
        "actor-statements",
        "source-coverage",
        "single-source-events",
    ] {
        assert!(out.contains(name), "{name} missing from\n{out}");
    }
    assert!(
        out.contains("actor [actors] (required): The actor: key, name or alias"),
        "{out}"
    );
    assert!(out.contains("from [date] (optional)"), "{out}");
}

#[test]
fn reactions_by_stance_groups_non_parties_by_stance() {
    let env = Env::new();
    env.seed_minimal();
    let out = env.ok(&["report", "reactions-by-stance", "--format", "csv"]);
    assert_eq!(
        out,
        "stance,statements,actor_count,actors\n\
         neutral,2,2,\"Russia, United Nations\"\n\
         pro_azerbaijan,1,1,Turkey\n\
         pro_armenia,0,0,\n"
    );
}

#[test]
fn reactions_by_stance_filters_by_event_and_dates() {
    let env = Env::new();
    env.seed_minimal();
    let by_event = env.ok(&[
        "report",
        "reactions-by-stance",
        "-p",
        "event=2020-10-ceasefire",
        "-f",
        "csv",
    ]);
    assert_eq!(csv_rows(&by_event)[0], ["neutral", "1", "1", "Russia"]);
    // The UN statement is dated only to September 2020: a range that touches the month finds it.
    let by_date = env.ok(&[
        "report",
        "reactions-by-stance",
        "-p",
        "from=2020-09-28",
        "-p",
        "to=2020-09-30",
        "-f",
        "csv",
    ]);
    assert_eq!(
        csv_rows(&by_date)[0],
        ["neutral", "1", "1", "United Nations"]
    );
    let by_year = env.ok(&[
        "report",
        "reactions-by-stance",
        "-p",
        "from=2021",
        "-f",
        "csv",
    ]);
    assert!(csv_rows(&by_year).iter().all(|r| r[1] == "0"), "{by_year}");
}

#[test]
fn actor_statements_takes_a_key_a_name_or_an_alias_and_includes_subordinates() {
    let env = Env::new();
    env.seed_minimal();
    for actor in ["russia", "Russia", "Sergej Lavrov"] {
        let out = env.ok(&[
            "report",
            "actor-statements",
            "--param",
            &format!("actor={actor}"),
            "--format",
            "csv",
        ]);
        let rows = csv_rows(&out);
        let speakers: Vec<&str> = rows.iter().map(|r| r[2].as_str()).collect();
        assert_eq!(speakers, ["Sergey Lavrov"], "{actor}");
    }
}

#[test]
fn contested_casualties_sets_the_lowest_and_highest_claims_side_by_side() {
    let env = Env::new();
    env.seed_minimal();
    let out = env.ok(&["report", "contested-casualties", "--format", "csv"]);
    assert_eq!(
        out,
        "event_start,event,side,category,outcome,claims,lowest,lowest_claimed_by,highest,highest_claimed_by\n\
         2020-10-04,Strike on Ganja,Azerbaijan,civilian,killed,2,7,Armenia (Report A),10,Azerbaijan (Report B)\n"
    );
}

#[test]
fn casualty_claims_keeps_every_figure() {
    let env = Env::new();
    env.seed_minimal();
    let out = env.ok(&[
        "report",
        "casualty-claims",
        "--format",
        "csv",
        "-p",
        "event=2020-10-04-ganja-strike",
    ]);
    let rows = csv_rows(&out);
    assert_eq!(rows.len(), 2);
    assert_eq!(&rows[0][5..9], ["", "", "7", "Armenia"]);
    assert_eq!(&rows[1][5..9], ["", "10", "", "Azerbaijan"]);
}

#[test]
fn timeline_filters_by_dates_and_kind() {
    let env = Env::new();
    env.seed_minimal();
    let all = csv_rows(&env.ok(&["report", "timeline", "-f", "csv"]));
    assert_eq!(
        all.iter().map(|r| r[8].as_str()).collect::<Vec<_>>(),
        ["2020-war", "2020-10-ceasefire", "2020-10-04-ganja-strike"]
    );
    let october = csv_rows(&env.ok(&[
        "report",
        "timeline",
        "-f",
        "csv",
        "-p",
        "from=2020-10-05",
        "-p",
        "kind=ceasefire",
    ]));
    assert_eq!(october.len(), 1);
    assert_eq!(
        &october[0][..7],
        [
            "2020-10-01",
            "2020-10-31",
            "month",
            "ceasefire",
            "October ceasefire",
            "",
            "The 2020 war"
        ]
    );
}

#[test]
fn every_format_renders_the_same_rows() {
    let env = Env::new();
    env.seed_minimal();
    let args = |format: &'static str| {
        [
            "report",
            "timeline",
            "-p",
            "kind=missile_strike",
            "--format",
            format,
        ]
    };
    let json: serde_json::Value = serde_json::from_str(&env.ok(&args("json"))).unwrap();
    assert_eq!(json[0]["title"], "Strike on Ganja");
    assert_eq!(json[0]["sources"], 1);
    assert_eq!(json[0]["part_of"], "The 2020 war");
    assert!(json[0]["end_date"].is_string());
    let markdown = env.ok(&args("markdown"));
    assert_eq!(
        markdown,
        "| start_date | end_date | date_precision | kind | title | place | part_of | sources | key |\n\
         |---|---|---|---|---|---|---|---|---|\n\
         | 2020-10-04 | 2020-10-04 | day | missile_strike | Strike on Ganja | Ganja | The 2020 war | 1 | 2020-10-04-ganja-strike |\n"
    );
    let table = env.ok(&args("table"));
    assert!(
        table.contains("Strike on Ganja") && table.contains("start_date"),
        "{table}"
    );
    let empty = env.ok(&["report", "timeline", "-p", "from=2030", "--format", "json"]);
    assert_eq!(empty, "[]\n");
}

#[test]
fn output_writes_a_file() {
    let env = Env::new();
    env.seed_minimal();
    let out = env.ok(&[
        "report",
        "timeline",
        "--format",
        "csv",
        "--output",
        "timeline.csv",
    ]);
    assert_eq!(out, "");
    let text = fs::read_to_string(env.path("timeline.csv")).unwrap();
    assert!(text.starts_with("start_date,end_date,"));
    assert_eq!(text.lines().count(), 4);
}

#[test]
fn refusals_name_the_report_and_the_parameter() {
    let env = Env::new();
    env.seed_minimal();
    let cases: &[(&[&str], &str)] = &[
        (&["report", "reactoins-by-stance"], "no report named \"reactoins-by-stance\" (did you mean \"reactions-by-stance\"?); `conflictdb reports` lists them"),
        (&["report", "timeline", "-p", "form=2020"], "report timeline has no parameter \"form\" (did you mean \"from\"?); its parameters are from, to, kind"),
        (&["report", "timeline", "-p", "from"], "report timeline: --param \"from\" is not KEY=VALUE"),
        (&["report", "timeline", "-p", "from=2020-02-30"], "report timeline: parameter from \"2020-02-30\": there is no day 30 in February 2020, which has 29 days"),
        (&["report", "timeline", "-p", "kind=battle"], "report timeline: parameter kind \"battle\": no row of event_kinds has this code"),
        (&["report", "timeline", "-p", "kind=clsh"], "report timeline: parameter kind \"clsh\": no row of event_kinds has this code (did you mean \"clash\"?)"),
        (&["report", "timeline", "-p", "to=2020", "-p", "to=2021"], "report timeline: parameter to is given twice"),
        (&["report", "actor-statements"], "report actor-statements needs parameter actor: The actor: key, name or alias, such as russia or Lavrov; pass --param actor=VALUE"),
        (&["report", "actor-statements", "-p", "actor=lavorv"], "report actor-statements: parameter actor \"lavorv\": no row of actors has this key, name or alias (did you mean \"lavrov\"?)"),
        (&["report", "reactions-by-stance", "-p", "event=no-such-event"], "report reactions-by-stance: parameter event \"no-such-event\": no row of events has this key"),
    ];
    for (args, message) in cases {
        let err = env.fails(args);
        assert_eq!(err, format!("conflictdb: {message}\n"), "{args:?}");
    }
}

#[test]
fn hostile_parameter_values_are_bound_not_spliced() {
    let env = Env::new();
    env.seed_minimal();
    let before = fs::read(env.db()).unwrap();
    let err = env.fails(&[
        "report",
        "actor-statements",
        "-p",
        "actor='; DROP TABLE events; --",
    ]);
    assert!(
        err.contains("no row of actors has this key, name or alias"),
        "{err}"
    );
    assert_eq!(fs::read(env.db()).unwrap(), before);
    assert_eq!(
        env.query("SELECT count(*) FROM events"),
        vec![vec!["3".to_string()]]
    );
}

#[test]
fn users_add_their_own_reports_with_queries() {
    let env = Env::new();
    env.seed_minimal();
    fs::create_dir(env.path("mine")).unwrap();
    fs::write(
        env.path("mine/speakers.sql"),
        "-- title: Speakers\n-- param: stance [stances]: A stance (default: neutral)\n\
         SELECT speaker FROM v_statements WHERE stance = :stance ORDER BY speaker;\n",
    )
    .unwrap();
    let listed = env.ok(&["reports", "--queries", "mine"]);
    assert!(
        listed.contains("speakers") && listed.contains("stance [stances] (default: neutral)"),
        "{listed}"
    );
    let out = env.ok(&["report", "speakers", "--queries", "mine", "--format", "csv"]);
    assert_eq!(out, "speaker\nSergey Lavrov\nUnited Nations\n");
    let out = env.ok(&[
        "report",
        "speakers",
        "--queries",
        "mine",
        "--format",
        "csv",
        "-p",
        "stance=pro_armenia",
    ]);
    assert_eq!(out, "speaker\nArmenia\n");
}

#[test]
fn a_report_that_uses_an_undeclared_parameter_is_refused() {
    let env = Env::new();
    env.seed_minimal();
    fs::create_dir(env.path("mine")).unwrap();
    fs::write(
        env.path("mine/broken.sql"),
        "-- title: Broken\nSELECT :who;\n",
    )
    .unwrap();
    let err = env.fails(&["report", "broken", "--queries", "mine"]);
    assert_eq!(
        err,
        "conflictdb: report broken uses :who but its header declares no such parameter\n"
    );
}

/// Every filter a report offers, with a value that exists in the built-in data.
const FILTERS: &[(&str, &str)] = &[
    ("reactions-by-stance", "event=2020-07-tovuz-clashes"),
    ("reactions-by-stance", "from=2020-07"),
    ("reactions-by-stance", "to=2020-07"),
    ("casualty-claims", "event=2020-07-tovuz-clashes"),
    ("casualty-claims", "side=armenia"),
    ("contested-casualties", "event=2020-07-tovuz-clashes"),
    ("timeline", "from=2020-07"),
    ("timeline", "to=1994"),
    ("timeline", "kind=clash"),
    ("actor-statements", "actor=russia"),
];

#[test]
fn every_filter_searches_an_index_instead_of_scanning_the_big_tables() {
    let env = Env::new();
    env.ok(&["seed"]);
    // Every report with a parameter is covered above.
    let listed = env.ok(&["reports"]);
    for report in [
        "reactions-by-stance",
        "casualty-claims",
        "contested-casualties",
        "timeline",
        "actor-statements",
    ] {
        assert!(listed.contains(report) && FILTERS.iter().any(|(r, _)| r == &report));
    }
    for (report, param) in FILTERS {
        let plan = env.ok(&[
            "report",
            report,
            "--param",
            param,
            "--explain",
            "--format",
            "csv",
        ]);
        let details: Vec<String> = csv_rows(&plan)
            .into_iter()
            .map(|row| row[3].clone())
            .collect();
        assert!(
            details.iter().any(|d| d.starts_with("SEARCH")),
            "{report} {param}: no index search in {details:?}"
        );
        for detail in &details {
            let scanned = detail
                .strip_prefix("SCAN ")
                .map(|rest| rest.split(' ').next().unwrap_or(""));
            assert!(
                !matches!(
                    scanned,
                    Some("events" | "statements" | "casualties" | "parent")
                ),
                "{report} {param}: {detail}"
            );
        }
    }
}
