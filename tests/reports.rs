//! Named reports: listing, parameters, formats and their refusals.

use std::fs;
use std::path::PathBuf;

use crate::common::{csv_rows, Env};

/// Seeds the minimal fixture with `appended` rows added to the end of its files and the files of
/// `replaced` written whole; returns the seed directory.
fn seed_minimal_with(env: &Env, appended: &[(&str, &str)], replaced: &[(&str, &str)]) -> PathBuf {
    let dir = env.seed_dir("data", None);
    for (file, rows) in appended {
        let mut text = fs::read_to_string(dir.join(file)).unwrap();
        text.push_str(rows);
        fs::write(dir.join(file), text).unwrap();
    }
    for (file, text) in replaced {
        fs::write(dir.join(file), text).unwrap();
    }
    env.ok(&["seed", dir.to_str().unwrap()]);
    dir
}

#[test]
fn reports_lists_every_report_with_its_parameters() {
    let env = Env::new();
    let out = env.ok(&["reports"]);
    for name in [
        "reactions-by-stance",
        "casualty-claims",
        "contested-casualties",
        "casualty-scopes",
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
        "stance,statements,actor_count,actors,sources\n\
         neutral,2,2,\"Russia, United Nations\",Report A (1); Report B (1)\n\
         pro_azerbaijan,1,1,Turkey,Report A (1)\n\
         pro_armenia,0,0,,\n"
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
    assert_eq!(
        csv_rows(&by_event)[0],
        ["neutral", "1", "1", "Russia", "Report A (1)"]
    );
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
        ["neutral", "1", "1", "United Nations", "Report B (1)"]
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
        let speakers: Vec<&str> = rows.iter().map(|r| r[4].as_str()).collect();
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
        "event_start,event,side,category,outcome,claims,lowest,lowest_claimed_by,highest,highest_claimed_by,status,compared\n\
         2020-10-04,Strike on Ganja,Azerbaijan,civilian,killed,2,7,Armenia (Report A),10,Azerbaijan (Report B),reported,whole figures\n"
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
    assert_eq!(&rows[0][7..12], ["", "", "7", "", "Armenia"]);
    assert_eq!(&rows[1][7..12], ["", "10", "", "", "Azerbaijan"]);
}

#[test]
fn timeline_filters_by_dates_and_kind() {
    let env = Env::new();
    env.seed_minimal();
    let all = csv_rows(&env.ok(&["report", "timeline", "-f", "csv"]));
    assert_eq!(
        all.iter().map(|r| r[9].as_str()).collect::<Vec<_>>(),
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
        &october[0][..8],
        [
            "2020-10-01",
            "2020-10-31",
            "month",
            "stated",
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
        "| start_date | end_date | date_precision | date_basis | kind | title | place | part_of | sources | key |\n\
         |---|---|---|---|---|---|---|---|---|---|\n\
         | 2020-10-04 | 2020-10-04 | day | stated | missile_strike | Strike on Ganja | Ganja | The 2020 war | 1 | 2020-10-04-ganja-strike |\n"
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
        (&["report", "timeline", "-p", "kind=battle"], "report timeline: parameter kind \"battle\": no row of event_kinds has this code; the codes are {KINDS}"),
        (&["report", "timeline", "-p", "kind=clsh"], "report timeline: parameter kind \"clsh\": no row of event_kinds has this code (did you mean \"clash\"?); the codes are {KINDS}"),
        (&["report", "timeline", "-p", "to=2020", "-p", "to=2021"], "report timeline: parameter to is given twice"),
        (&["report", "actor-statements"], "report actor-statements needs parameter actor: The actor: key, name or alias, such as russia or Lavrov; pass --param actor=VALUE"),
        (&["report", "actor-statements", "-p", "actor=lavorv"], "report actor-statements: parameter actor \"lavorv\": no row of actors has this key, name or alias (did you mean \"lavrov\"?)"),
        (&["report", "reactions-by-stance", "-p", "event=no-such-event"], "report reactions-by-stance: parameter event \"no-such-event\": no row of events has this key"),
    ];
    let kinds = crate::common::codes_with_labels(&env, "event_kinds");
    for (args, message) in cases {
        let err = env.fails(args);
        let message = message.replace("{KINDS}", &kinds);
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
    ("casualty-scopes", "event=2020-07-tovuz-clashes"),
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
        "casualty-scopes",
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

#[test]
fn reactions_by_stance_takes_in_sub_events_at_any_depth_and_leaves_out_statements_without_stance() {
    let env = Env::new();
    seed_minimal_with(
        &env,
        &[
            (
                "events.csv",
                "2020-10-talks,Ceasefire talks,diplomatic,2020-10,,,2020-10-ceasefire,Talks were held.,\n\
                 2020-10-10-call,A call during the talks,diplomatic,2020-10-10,,,2020-10-talks,A call was made.,\n",
            ),
            // Two pages of one report cited apart: one source to a reader.
            (
                "sources.csv",
                "src-a-page-2,Report A,Ann Author,Daily A,,2020-10-05,news,,,,\n",
            ),
            (
                "statements.csv",
                "st-lavrov-call,lavrov,2020-10-10,2020-10-10-call,appeal_ceasefire,neutral,,Lavrov called for calm.,\"Calm, please.\",src-a-page-2,\n\
                 st-un-count,un,2020-10,2020-10-10-call,make_statement,none,,The UN counted the displaced.,\"Many fled.\",src-b,\n",
            ),
        ],
        &[],
    );
    let all = env.ok(&["report", "reactions-by-stance", "--format", "csv"]);
    assert_eq!(
        all,
        "stance,statements,actor_count,actors,sources\n\
         neutral,3,2,\"Russia, United Nations\",Report A (2); Report B (1)\n\
         pro_azerbaijan,1,1,Turkey,Report A (1)\n\
         pro_armenia,0,0,,\n"
    );
    // Lavrov's call is two levels under the ceasefire, and three under the war.
    for (event, statements, sources) in [
        ("2020-10-ceasefire", "2", "Report A (2)"),
        ("2020-war", "3", "Report A (2); Report B (1)"),
    ] {
        let rows = csv_rows(&env.ok(&[
            "report",
            "reactions-by-stance",
            "-p",
            &format!("event={event}"),
            "-f",
            "csv",
        ]));
        let neutral = rows.iter().find(|r| r[0] == "neutral").unwrap();
        assert_eq!(
            (&*neutral[1], &*neutral[4]),
            (statements, sources),
            "{event}"
        );
    }
    let talks = env.ok(&[
        "report",
        "reactions-by-stance",
        "-p",
        "event=2020-10-talks",
        "-f",
        "csv",
    ]);
    assert_eq!(
        csv_rows(&talks)[0],
        ["neutral", "1", "1", "Russia", "Report A (1)"]
    );
}

/// The minimal fixture's casualty claims and, on the 2020 war, two sources' totals with parts of
/// them, one side's losses, and a planned figure beside a reported one.
const CASUALTIES: &str = "\
key,event,scope,side,category,outcome,status,count_low,count_best,count_high,part_of,claimed_by,source,quote,as_of,notes
cas-ganja-az,2020-10-04-ganja-strike,one_side,azerbaijan,civilian,killed,,,10,,,azerbaijan,src-b,\"Ten civilians were killed, Baku said.\",2020-10-05,
cas-ganja-other,2020-10-04-ganja-strike,one_side,azerbaijan,civilian,killed,,,,7,,armenia,src-a,\"No more than seven died, Yerevan said.\",,
cas-war-wounded,2020-war,one_side,armenia,military,wounded,,100,,,,,src-a,At least 100 soldiers were wounded.,,
cas-war-17,2020-war,all_sides,,military,killed,,17,,,,,src-a,At least 17 soldiers were killed.,,
cas-war-17-officers,2020-war,all_sides,,military,killed,,,4,,cas-war-17,,src-a,Four of them were officers.,,
cas-war-20,2020-war,all_sides,,military,killed,,,20,,,,src-b,Twenty soldiers died.,,
cas-war-20-officers,2020-war,all_sides,,military,killed,,,5,,cas-war-20,,src-b,Five officers among them.,,
cas-war-armenia,2020-war,one_side,armenia,military,killed,,,12,,,armenia,src-b,Armenia said it lost twelve.,,
cas-war-plan,2020-war,one_side,azerbaijan,civilian,displaced,planned,,130,,,,src-a,A plan to relocate 130 people.,,
cas-war-displaced,2020-war,one_side,azerbaijan,civilian,displaced,,,50,,,,src-b,Fifty people were displaced.,,
";

#[test]
fn contested_casualties_compares_like_with_like_never_a_part_with_its_whole_nor_a_plan_with_a_report(
) {
    let env = Env::new();
    seed_minimal_with(&env, &[], &[("casualties.csv", CASUALTIES)]);
    let out = env.ok(&["report", "contested-casualties", "--format", "csv"]);
    assert_eq!(
        out,
        "event_start,event,side,category,outcome,claims,lowest,lowest_claimed_by,highest,highest_claimed_by,status,compared\n\
         2020-09-27,The 2020 war,All sides combined,military,killed,2,17,unattributed (Report A),20,unattributed (Report B),reported,whole figures\n\
         2020-09-27,The 2020 war,All sides combined,military,killed,2,4,unattributed (Report A),5,unattributed (Report B),reported,parts of a larger figure\n\
         2020-10-04,Strike on Ganja,Azerbaijan,civilian,killed,2,7,Armenia (Report A),10,Azerbaijan (Report B),reported,whole figures\n"
    );
    let one_event = env.ok(&[
        "report",
        "contested-casualties",
        "-p",
        "event=2020-10-04-ganja-strike",
        "--format",
        "csv",
    ]);
    assert_eq!(one_event.lines().count(), 2, "{one_event}");
}

#[test]
fn casualty_scopes_sets_each_sources_totals_side_by_side_where_their_scopes_differ() {
    let env = Env::new();
    seed_minimal_with(&env, &[], &[("casualties.csv", CASUALTIES)]);
    let expected = "event_start,event,outcome,source,claims,totals\n\
         2020-09-27,The 2020 war,killed,Report A,1,all sides combined: at least 17 military\n\
         2020-09-27,The 2020 war,killed,Report B,2,Armenia: 12 military (claimed by Armenia); all sides combined: 20 military\n";
    assert_eq!(
        env.ok(&["report", "casualty-scopes", "--format", "csv"]),
        expected
    );
    assert_eq!(
        env.ok(&[
            "report",
            "casualty-scopes",
            "-p",
            "event=2020-war",
            "--format",
            "csv"
        ]),
        expected
    );
    let ganja = env.ok(&[
        "report",
        "casualty-scopes",
        "-p",
        "event=2020-10-04-ganja-strike",
        "--format",
        "csv",
    ]);
    assert_eq!(ganja, "event_start,event,outcome,source,claims,totals\n");
}

#[test]
fn casualty_claims_shows_scope_status_and_the_claim_a_figure_is_part_of() {
    let env = Env::new();
    seed_minimal_with(&env, &[], &[("casualties.csv", CASUALTIES)]);
    let out = env.ok(&[
        "report",
        "casualty-claims",
        "-p",
        "event=2020-war",
        "--format",
        "csv",
    ]);
    let rows = csv_rows(&out);
    let shown: Vec<[&str; 6]> = rows
        .iter()
        .map(|r| [&r[2], &r[3], &r[5], &r[6], &r[10], &r[15]].map(String::as_str))
        .collect();
    assert_eq!(
        shown,
        [
            [
                "one_side",
                "Armenia",
                "killed",
                "reported",
                "",
                "cas-war-armenia"
            ],
            [
                "one_side",
                "Armenia",
                "wounded",
                "reported",
                "",
                "cas-war-wounded"
            ],
            [
                "one_side",
                "Azerbaijan",
                "displaced",
                "planned",
                "",
                "cas-war-plan"
            ],
            [
                "one_side",
                "Azerbaijan",
                "displaced",
                "reported",
                "",
                "cas-war-displaced"
            ],
            [
                "all_sides",
                "",
                "killed",
                "reported",
                "cas-war-17",
                "cas-war-17-officers"
            ],
            [
                "all_sides",
                "",
                "killed",
                "reported",
                "cas-war-20",
                "cas-war-20-officers"
            ],
            ["all_sides", "", "killed", "reported", "", "cas-war-17"],
            ["all_sides", "", "killed", "reported", "", "cas-war-20"],
        ],
        "{out}"
    );
}

#[test]
fn timeline_and_actor_statements_show_how_each_date_is_known() {
    let env = Env::new();
    seed_minimal_with(
        &env,
        &[],
        &[
            (
                "events.csv",
                "key,title,kind,start_date,end_date,date_basis,place,parent,summary,notes\n\
                 2020-war,The 2020 war,war,2020-09-27,2020-11-10,,stepanakert,,Six weeks of fighting.,\n\
                 2020-10-04-ganja-strike,Strike on Ganja,missile_strike,2020-10-04,,stated,ganja,2020-war,Missiles hit Ganja.,\n\
                 2020-10-ceasefire,October ceasefire,ceasefire,2020-10,,inferred,,2020-war,A ceasefire was agreed.,Day not given\n",
            ),
            (
                "statements.csv",
                "key,speaker,said_on,said_until,date_basis,event,kind,stance,target,summary,quote,source,notes\n\
                 st-un,un,2020-09,2020-10,inferred,2020-war,appeal_ceasefire,neutral,,The UN called for an end to the fighting.,\"Stop the fighting, the UN said.\",src-b,\n",
            ),
        ],
    );
    let timeline = csv_rows(&env.ok(&["report", "timeline", "-f", "csv"]));
    let dates: Vec<[&str; 4]> = timeline
        .iter()
        .map(|r| [&r[0], &r[2], &r[3], &r[9]].map(String::as_str))
        .collect();
    assert_eq!(
        dates,
        [
            ["2020-09-27", "day", "stated", "2020-war"],
            ["2020-10-01", "month", "inferred", "2020-10-ceasefire"],
            ["2020-10-04", "day", "stated", "2020-10-04-ganja-strike"],
        ]
    );
    let out = env.ok(&["report", "actor-statements", "-p", "actor=un", "-f", "csv"]);
    assert_eq!(
        out.lines().next().unwrap(),
        "said_on,said_on_end,said_on_precision,date_basis,speaker,kind,stance,target,event,summary,quote,source"
    );
    let un = csv_rows(&out);
    assert_eq!(
        &un[0][..5],
        [
            "2020-09-01",
            "2020-10-31",
            "month",
            "inferred",
            "United Nations"
        ]
    );
}
