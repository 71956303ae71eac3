//! Messages that teach the model (issue 16): a row named by its name, alias or title instead of
//! its key is answered with the key, in seed files and in report parameters; an unknown code of a
//! report parameter lists the codes; a date range that ends before it starts is refused; `seed`
//! warns about the data rules its rows break; the help is clean and its examples run.

use std::fs;

use crate::common::Env;

/// A directory `name` of the files given (name, contents), seeded over the built-in data.
fn own_data(env: &Env, name: &str, files: &[(&str, &str)]) -> String {
    let dir = env.path(name);
    fs::create_dir_all(&dir).unwrap();
    for (file, contents) in files {
        fs::write(dir.join(file), contents).unwrap();
    }
    dir.to_str().unwrap().to_string()
}

#[test]
fn a_row_named_by_name_alias_or_title_in_a_seed_file_is_answered_with_its_key() {
    let env = Env::new();
    env.ok(&["seed"]);
    let cases: &[(&str, &str, &str)] = &[
        (
            "statements.csv",
            "key,speaker,said_on,kind,stance,summary,source\n\
             st-1,Sergey Lavrov,2020-10,statement,neutral,He spoke.,src-wikipedia-relations\n",
            "statements.csv:2:2: speaker \"Sergey Lavrov\": is not a key in actors; the actor with that name or alias is \"lavrov\"",
        ),
        (
            "statements.csv",
            "key,speaker,said_on,kind,stance,summary,source\n\
             st-1,sergei lavrov,2020-10,statement,neutral,He spoke.,src-wikipedia-relations\n",
            "statements.csv:2:2: speaker \"sergei lavrov\": is not a key in actors; the actor with that name or alias is \"lavrov\"",
        ),
        (
            "events.csv",
            "key,title,kind,start_date,place,summary\n\
             e-1,A clash,clash,2020-10,Khankendi,Fighting.\n",
            "events.csv:2:5: place \"Khankendi\": is not a key in places; the place with that name or alias is \"stepanakert\"",
        ),
        (
            "events.csv",
            "key,title,kind,start_date,parent,summary\n\
             e-1,A clash,clash,2020-10,second-nagorno-karabakh-war,Fighting.\n",
            "events.csv:2:5: parent \"second-nagorno-karabakh-war\": is not a key in events; the event whose key ends in it is \"2020-09-second-nagorno-karabakh-war\"",
        ),
        (
            "events.csv",
            "key,title,kind,start_date,parent,summary\n\
             e-1,A clash,clash,2020-10,2020 war over Nagorno-Karabakh,Fighting.\n",
            "events.csv:2:5: parent \"2020 war over Nagorno-Karabakh\": is not a key in events; the event with that title is \"2020-09-second-nagorno-karabakh-war\"",
        ),
    ];
    for (n, (file, contents, message)) in cases.iter().enumerate() {
        let name = format!("mine-{n}");
        let dir = own_data(&env, &name, &[(file, contents)]);
        let before = fs::read(env.db()).unwrap();
        let err = env.fails(&["seed", &dir, "--dataset", "mine"]);
        assert_eq!(err, format!("conflictdb: {dir}/{message}\n"));
        assert_eq!(fs::read(env.db()).unwrap(), before, "{file}");
    }
}

#[test]
fn a_report_parameter_names_an_event_by_title_slug_or_key_suffix() {
    let env = Env::new();
    env.ok(&["seed"]);
    let by_key = env.ok(&[
        "report",
        "reactions-by-stance",
        "-p",
        "event=2020-09-second-nagorno-karabakh-war",
        "--format",
        "csv",
    ]);
    assert!(by_key.lines().count() > 2, "{by_key}");
    for event in [
        "second-nagorno-karabakh-war",
        "2020 war over Nagorno-Karabakh",
        "2020-war-over-nagorno-karabakh",
    ] {
        let printed = env.ok(&[
            "report",
            "reactions-by-stance",
            "-p",
            &format!("event={event}"),
            "--format",
            "csv",
        ]);
        assert_eq!(printed, by_key, "event={event}");
    }
}

#[test]
fn an_unknown_code_of_a_report_parameter_lists_the_codes_with_their_labels() {
    let env = Env::new();
    env.seed_minimal();
    let err = env.fails(&["report", "timeline", "-p", "kind=battle"]);
    assert_eq!(
        err,
        format!(
            "conflictdb: report timeline: parameter kind \"battle\": no row of event_kinds has this code; \
             the codes are {}\n",
            crate::common::codes_with_labels(&env, "event_kinds")
        )
    );
}

#[test]
fn a_date_range_that_ends_before_it_starts_is_refused_naming_both_parameters() {
    let env = Env::new();
    env.seed_minimal();
    let (code, out, err) = env.run(&[
        "report",
        "timeline",
        "-p",
        "from=2021-03",
        "-p",
        "to=2020-11",
    ]);
    assert_eq!(code, 1);
    assert_eq!(out, "");
    assert_eq!(
        err,
        "conflictdb: report timeline: parameter from \"2021-03\" comes after parameter to \"2020-11\", so nothing can fall between them\n"
    );
    // The same month at both ends is a range.
    env.ok(&[
        "report",
        "timeline",
        "-p",
        "from=2020-11",
        "-p",
        "to=2020-11",
    ]);
}

#[test]
fn seed_warns_of_rows_that_break_a_rule_of_check_naming_them_and_loads_them() {
    let env = Env::new();
    env.ok(&["seed"]);
    let mut events = String::from("key,title,kind,start_date,summary\n");
    for n in 1..=12 {
        events.push_str(&format!("clash-{n},Clash {n},clash,2020-10,Fighting.\n"));
    }
    let dir = own_data(
        &env,
        "my-data",
        &[
            ("events.csv", &events),
            // One event with its source is no finding.
            (
                "event_sources.csv",
                "event,source\nclash-3,src-wikipedia-relations\n",
            ),
        ],
    );
    let (code, _, err) = env.run(&["seed", &dir]);
    assert_eq!(code, 0, "{err}");
    let warning = &err[err.find("conflictdb: warning").expect(&err)..];
    assert_eq!(
        warning,
        "conflictdb: warning: 11 rows of dataset \"my-data\" break a rule that `conflictdb check` reports:\n\
         \x20 event clash-1 has no source (every event has a source)\n\
         \x20 event clash-2 has no source (every event has a source)\n\
         \x20 event clash-4 has no source (every event has a source)\n\
         \x20 event clash-5 has no source (every event has a source)\n\
         \x20 event clash-6 has no source (every event has a source)\n\
         \x20 event clash-7 has no source (every event has a source)\n\
         \x20 event clash-8 has no source (every event has a source)\n\
         \x20 event clash-9 has no source (every event has a source)\n\
         \x20 event clash-10 has no source (every event has a source)\n\
         \x20 event clash-11 has no source (every event has a source)\n\
         \x20 and 1 more; `conflictdb check` lists them all\n"
    );
    assert_eq!(
        env.query("SELECT count(*) FROM events WHERE key LIKE 'clash-%'"),
        [["12"]]
    );
    // The built-in data breaks none, and a dry run writes nothing to warn about.
    let (_, _, err) = env.run(&["seed"]);
    assert!(!err.contains("warning"), "{err}");
    let (_, _, err) = env.run(&["seed", &dir, "--dry-run"]);
    assert!(!err.contains("warning"), "{err}");
}

/// Every command's path below `conflictdb` (`["seed"]`, `["datasets", "remove"]`), with its
/// clap definition.
fn commands() -> Vec<(Vec<String>, clap::Command)> {
    use clap::CommandFactory;
    fn walk(path: &[String], command: &clap::Command, out: &mut Vec<(Vec<String>, clap::Command)>) {
        for sub in command.get_subcommands() {
            let mut path = path.to_vec();
            path.push(sub.get_name().to_string());
            out.push((path.clone(), sub.clone()));
            walk(&path, sub, out);
        }
    }
    let mut out = Vec::new();
    walk(&[], &conflictdb::cli::Cli::command(), &mut out);
    out
}

/// The lines after `Example:` or `Examples:` at the end of a long help, as command lines
/// without `conflictdb `; None if the help does not end with them.
fn examples(help: &str) -> Option<Vec<String>> {
    let lines: Vec<&str> = help.trim_end().lines().collect();
    let heading = lines
        .iter()
        .rposition(|l| *l == "Example:" || *l == "Examples:")?;
    let commands: Vec<String> = lines[heading + 1..]
        .iter()
        .map(|l| l.strip_prefix("  conflictdb ").map(String::from))
        .collect::<Option<_>>()?;
    (!commands.is_empty()).then_some(commands)
}

#[test]
fn help_paragraphs_have_no_line_breaks_of_their_own() {
    let mut failures = Vec::new();
    for (path, command) in commands() {
        let texts = [
            command.get_long_about().map(|t| t.to_string()),
            command.get_after_long_help().map(|t| t.to_string()),
        ];
        for text in texts.into_iter().flatten() {
            for paragraph in text.split("\n\n") {
                let lines: Vec<&str> = paragraph.lines().collect();
                // A heading ending in ':' may head indented lines (a list of examples).
                for pair in lines.windows(2) {
                    if !(pair[0].ends_with(':') || pair[1].starts_with("  ")) {
                        failures.push(format!("{}: {:?} / {:?}", path.join(" "), pair[0], pair[1]));
                    }
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "lines broken by hand:\n{}",
        failures.join("\n")
    );
}

#[test]
fn every_command_ends_its_long_help_with_examples_that_run() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for (path, _) in commands() {
        let env = Env::new();
        env.ok(&["seed"]);
        let mine = env.path("my-data");
        fs::create_dir_all(&mine).unwrap();
        for entry in
            fs::read_dir(std::path::Path::new(crate::common::REPO).join("tests/fixtures/my-data"))
                .unwrap()
        {
            let entry = entry.unwrap();
            fs::copy(entry.path(), mine.join(entry.file_name())).unwrap();
        }
        env.ok(&["seed", "my-data", "--dataset", "my-data"]);
        // The files `import`'s examples name, in the directory they run in.
        for file in ["acled-2023.csv", "ucdp-ged-23.1-sample.csv"] {
            fs::copy(
                std::path::Path::new(crate::common::REPO)
                    .join("tests/fixtures/import")
                    .join(file),
                env.path(file),
            )
            .unwrap();
        }

        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = env.ok(&args);
        let Some(examples) = examples(&help) else {
            failures.push(format!(
                "conflictdb {} --help ends with no example:\n{help}",
                path.join(" ")
            ));
            continue;
        };
        for example in examples {
            let (code, _, err) = env.run(
                &crate::readme::split(&example)
                    .iter()
                    .map(String::as_str)
                    .collect::<Vec<_>>(),
            );
            ran += 1;
            if code != 0 {
                failures.push(format!(
                    "{}: conflictdb {example} exited {code}: {err}",
                    path.join(" ")
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(ran >= 15, "only {ran} examples ran");
}

#[test]
fn help_help_works_and_only_database_commands_take_db() {
    let env = Env::new();
    let help = env.ok(&["help", "--help"]);
    assert!(
        help.starts_with("Print the help of conflictdb, or of one of its commands\n"),
        "{help}"
    );
    assert_eq!(env.ok(&["help", "seed"]), env.ok(&["seed", "--help"]));
    assert_eq!(
        env.fails(&["help", "sed"]),
        "conflictdb: `conflictdb` has no command \"sed\" (did you mean \"seed\"?); its commands are \
         migrate, seed, reports, report, export, query, datasets, datasette, check, synth, cite, codebook, import, search, help\n"
    );
    for command in ["synth", "reports", "help"] {
        let help = env.ok(&[command, "--help"]);
        assert!(!help.contains("--db <PATH>"), "{command} --help:\n{help}");
    }
    for command in [
        "migrate",
        "seed",
        "report",
        "export",
        "query",
        "datasets",
        "datasette",
        "check",
    ] {
        let help = env.ok(&[command, "--help"]);
        assert!(help.contains("--db <PATH>"), "{command} --help:\n{help}");
    }
    let (code, _, err) = env.run(&["synth", "--db", "x.db", "--events", "1", "--out", "out"]);
    assert_eq!(code, 2);
    assert!(
        err.starts_with("error: unexpected argument '--db' found"),
        "{err}"
    );
    assert_eq!(
        env.fails(&["--db", "x.db", "synth", "--events", "1", "--out", "out"]),
        "conflictdb: --db x.db: `conflictdb synth` opens no database\n"
    );
    assert!(!env.path("out").exists());
    // Where it means something, --db is taken before or after the command, and after a
    // subcommand; the flag wins over CONFLICTDB_DB.
    env.ok(&["--db", "before.db", "migrate"]);
    env.ok(&["migrate", "--db", "after.db"]);
    let out = env
        .cmd()
        .env("CONFLICTDB_DB", "env.db")
        .args(["migrate", "--db", "flag.db"])
        .output()
        .unwrap();
    assert!(out.status.success());
    env.ok(&["seed", "--db", "flag.db"]);
    env.ok(&["datasets", "remove", "built-in", "--db", "flag.db"]);
    for file in ["before.db", "after.db", "flag.db"] {
        assert!(env.path(file).is_file(), "{file}");
    }
    assert!(!env.path("env.db").exists());
}

#[test]
fn a_report_parameter_that_names_several_rows_lists_their_keys() {
    let env = Env::new();
    env.ok(&["seed"]);
    assert_eq!(
        env.fails(&["report", "reactions-by-stance", "-p", "event=ceasefire"]),
        "conflictdb: report reactions-by-stance: parameter event \"ceasefire\": is ambiguous: \
         the events whose key ends in it are \"1994-05-bishkek-ceasefire\", \
         \"2016-04-03-azerbaijan-unilateral-ceasefire\", \"2020-10-10-ceasefire\", \
         \"2020-10-17-ceasefire\", \"2020-10-30-ceasefire\" and more; give the key\n"
    );
}
