//! Messages name the real cause (issue 10, points 13, 14, 16, 17 and 18): a full disk is not
//! blamed on a row, a long value is cut short with its size, a bad report file costs only
//! itself, a row is named by the line it starts on, and a report parameter that names two rows is
//! refused as ambiguous.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use conflictdb::dump::dump;

use crate::common::mount::Mount;
use crate::common::Env;

/// Replaces line `number` (from 1) of `file` in `dir` with `line`.
fn set_line(dir: &Path, file: &str, number: usize, line: &str) {
    let path = dir.join(file);
    let text = fs::read_to_string(&path).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines[number - 1] = line;
    fs::write(&path, lines.join("\n") + "\n").unwrap();
}

// 13. A full disk is named as such, against the database file.

/// Seeds a synthetic data set of `events` events into a new database on a 2 MB disk: refused as
/// a full disk, naming the database, with no file left.
fn first_seed_on_a_full_disk_says_so(events: u32) {
    let env = Env::new();
    let data = env.synth(events, 1, "synth");
    let _disk = Mount::tmpfs(&env.path("disk"), "size=2m");
    let db = env.path("disk").join("conflict.db");
    let (code, out, err) = env.run(&["--db", db.to_str().unwrap(), "seed", &data]);
    assert_eq!(
        (code, out.as_str(), err),
        (
            1,
            "",
            format!(
                "conflictdb: disk full while writing {}; nothing was loaded\n",
                db.display()
            )
        )
    );
    let left: Vec<_> = fs::read_dir(env.path("disk")).unwrap().collect();
    assert!(left.is_empty(), "a refused first seed left {left:?}");
}

#[test]
fn disk_full_during_a_first_seed_says_so_names_the_database_and_leaves_no_file() {
    // About 2 MB of CSV: more than the disk holds once loaded.
    first_seed_on_a_full_disk_says_so(2000);
}

#[test]
fn disk_full_while_a_first_seed_stores_rows_past_its_page_cache_is_not_called_damage() {
    // More rows than a fresh load's 2 MB page cache holds: a page the full disk refused is read
    // back while the load goes on, where SQLite calls the file malformed.
    first_seed_on_a_full_disk_says_so(6000);
}

#[test]
fn disk_full_during_a_seed_into_an_existing_database_says_so_and_leaves_it_as_it_was() {
    let env = Env::new();
    let data = env.synth(2000, 1, "synth");
    let _disk = Mount::tmpfs(&env.path("disk"), "size=2m");
    let db = env.path("disk").join("conflict.db");
    let db_arg = db.to_str().unwrap();
    // The built-in data set: about 1 MB.
    env.ok(&["--db", db_arg, "seed"]);
    let before = fs::read(&db).unwrap();
    let rows = dump(&rusqlite::Connection::open(&db).unwrap()).unwrap();
    let (code, out, err) = env.run(&["--db", db_arg, "seed", &data]);
    assert_eq!(
        (code, out.as_str(), err),
        (
            1,
            "",
            format!("conflictdb: disk full while writing {db_arg}; nothing was loaded\n")
        )
    );
    assert_eq!(fs::read(&db).unwrap(), before, "the database file changed");
    assert_eq!(
        dump(&rusqlite::Connection::open(&db).unwrap()).unwrap(),
        rows
    );
}

#[test]
fn a_seed_file_that_cannot_be_read_is_named_without_a_line() {
    let env = Env::new();
    let seed = env.seed_dir("data", None);
    // A directory opens like a file on Linux, and fails only when read.
    fs::remove_file(seed.join("events.csv")).unwrap();
    fs::create_dir(seed.join("events.csv")).unwrap();
    let err = env.fails(&["seed", seed.to_str().unwrap()]);
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/events.csv: cannot read the file: Is a directory (os error 21)\n",
            seed.display()
        )
    );
}

// 14. Long values are cut short, and stay fast to refuse.

#[test]
fn a_ten_megabyte_header_is_cut_short_with_its_size() {
    let env = Env::new();
    let seed = env.seed_dir("data", None);
    let long = "a".repeat(10_000_000);
    set_line(
        &seed,
        "events.csv",
        1,
        &format!("key,title,kind,start_date,end_date,place,parent,summary,notes,{long}"),
    );
    let err = env.fails(&["seed", seed.to_str().unwrap()]);
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/events.csv:1:10: header \"{}…\" (10,000,000 bytes): is not a column of events; the columns are key,title,kind,start_date,end_date,date_precision,date_basis,place,parent,summary,notes,retracted\n",
            seed.display(),
            "a".repeat(40)
        )
    );
    assert!(err.len() < 400, "{} bytes", err.len());
}

#[test]
fn a_ten_megabyte_field_is_cut_short_with_its_size() {
    let env = Env::new();
    let seed = env.seed_dir("data", None);
    // Multi-byte characters: the cut falls between characters, never inside one.
    let long = "é".repeat(5_000_000);
    set_line(
        &seed,
        "events.csv",
        3,
        &format!("2020-10-04-ganja-strike,Strike on Ganja,missile_strike,{long},,ganja,2020-war,Missiles hit Ganja.,"),
    );
    let err = env.fails(&["seed", seed.to_str().unwrap()]);
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/events.csv:3:4: start_date \"{}…\" (10,000,000 bytes): expected YYYY, YYYY-MM or YYYY-MM-DD\n",
            seed.display(),
            "é".repeat(40)
        )
    );
}

#[test]
fn a_record_over_32_mib_is_refused_at_the_line_it_starts_on() {
    let env = Env::new();
    let seed = env.seed_dir("data", None);
    // A quote opened on line 3 and never closed: the rest of a 40 MB file would be one field.
    let mut events = fs::read_to_string(seed.join("events.csv")).unwrap();
    events.push_str("2020-11-peace,Peace,ceasefire,2020-11,,,,\"");
    events.push_str(&"All quiet.\n".repeat(4_000_000));
    fs::write(seed.join("events.csv"), events).unwrap();
    let err = env.fails(&["seed", seed.to_str().unwrap()]);
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/events.csv:5: the row starting here is longer than 32 MiB, the most a row may hold (a quote left open, or not a CSV file?)\n",
            seed.display()
        )
    );
}

#[test]
fn a_240_kilobyte_unknown_key_is_refused_at_once_among_20000_events() {
    let env = Env::new();
    env.ok(&["synth", "--events", "20000", "--out", "synth"]);
    let seed = env.path("synth");
    let text = fs::read_to_string(seed.join("event_sources.csv")).unwrap();
    let long = "x".repeat(240_000);
    let second = text.lines().nth(1).unwrap();
    let (_, rest) = second.split_once(',').unwrap();
    set_line(&seed, "event_sources.csv", 2, &format!("{long},{rest}"));
    let start = Instant::now();
    let err = env.fails(&["seed", seed.to_str().unwrap()]);
    let took = start.elapsed();
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/event_sources.csv:2:1: event \"{}…\" (240,000 bytes): is not a key in events\n",
            seed.display(),
            "x".repeat(40)
        )
    );
    // The load itself takes a few seconds in a debug build; comparing the key with 20,000
    // others took minutes.
    assert!(took < Duration::from_secs(30), "took {took:?}");
}

#[test]
fn a_long_report_parameter_is_cut_short_and_refused_at_once() {
    let env = Env::new();
    env.seed_minimal();
    let long = format!("lavrov{}", "v".repeat(99_994));
    let start = Instant::now();
    let err = env.fails(&["report", "actor-statements", "-p", &format!("actor={long}")]);
    assert_eq!(
        err,
        format!(
            "conflictdb: report actor-statements: parameter actor \"lavrov{}…\" (100,000 bytes): no row of actors has this key, name or alias\n",
            "v".repeat(34)
        )
    );
    assert!(start.elapsed() < Duration::from_secs(10));
}

#[test]
fn a_long_name_in_sqlites_complaint_about_a_query_is_cut_short_with_its_size() {
    let env = Env::new();
    env.seed_minimal();
    let long = "x".repeat(100_000);
    let kept = "x".repeat(40);
    for (sql, message) in [
        (
            format!("SELECT * FROM {long}"),
            format!("no such table: {kept}… (100,000 bytes)"),
        ),
        (
            format!("SELECT 1 FROM [{long}]"),
            format!("no such table: {kept}… (100,000 bytes)"),
        ),
        (
            long.clone(),
            format!("near \"{kept}…\" (100,000 bytes): syntax error, at \"{kept}\""),
        ),
    ] {
        let err = env.fails(&["query", &sql]);
        assert_eq!(
            err,
            format!("conflictdb: the query does not compile: {message}\n")
        );
    }
}

/// A query SQLite stops as it runs says so in SQLite's words, without the name of its result code
/// ("integer overflow: Error code 1: SQL logic error" before).
#[test]
fn a_query_that_fails_as_it_runs_says_why_in_one_line() {
    let env = Env::new();
    env.seed_minimal();
    for (sql, why) in [
        ("SELECT abs(-9223372036854775807 - 1)", "integer overflow"),
        ("SELECT json('x')", "malformed JSON"),
    ] {
        assert_eq!(
            env.fails(&["query", sql]),
            format!("conflictdb: the query failed: {why}\n")
        );
    }
}

// 16. A bad report file costs only itself; a report that writes is refused before any output.

/// Runs `timeline` with `--queries mine` holding `bad` (made by `make`) beside a good report;
/// returns (exit code, stdout, stderr).
fn with_a_bad_report(make: impl FnOnce(&Path)) -> (Env, i32, String, String) {
    let env = Env::new();
    env.seed_minimal();
    fs::create_dir(env.path("mine")).unwrap();
    fs::write(
        env.path("mine/speakers.sql"),
        "-- title: Speakers\nSELECT DISTINCT speaker FROM v_statements ORDER BY 1;\n",
    )
    .unwrap();
    make(&env.path("mine"));
    let (code, out, err) = env.run(&["report", "timeline", "--queries", "mine", "--format", "csv"]);
    (env, code, out, err)
}

fn assert_skipped(env: &Env, code: i32, out: &str, err: &str, expected: &str) {
    assert_eq!((code, err), (0, expected));
    assert_eq!(out.lines().count(), 4, "the built-in report ran: {out}");
    let (code, out, err) = env.run(&["report", "speakers", "--queries", "mine", "-f", "csv"]);
    assert_eq!((code, err.as_str()), (0, expected), "{out}");
    assert_eq!(
        out,
        "speaker\nArmenia\nSergey Lavrov\nTurkey\nUnited Nations\n"
    );
}

#[test]
fn a_report_file_without_a_title_is_named_and_skipped() {
    let (env, code, out, err) = with_a_bad_report(|dir| {
        fs::write(dir.join("untitled.sql"), "SELECT 1;\n").unwrap();
    });
    assert_skipped(
        &env,
        code,
        &out,
        &err,
        "conflictdb: mine/untitled.sql: report untitled has no `-- title:` line; skipped\n",
    );
}

#[test]
fn a_report_file_that_is_not_utf8_is_named_and_skipped() {
    let (env, code, out, err) = with_a_bad_report(|dir| {
        fs::write(dir.join("latin1.sql"), b"-- title: Caf\xe9\nSELECT 1;\n").unwrap();
    });
    assert_skipped(
        &env,
        code,
        &out,
        &err,
        "conflictdb: mine/latin1.sql: is not UTF-8 text (bad byte at offset 13); skipped\n",
    );
}

#[test]
fn a_directory_named_like_a_report_is_named_and_skipped() {
    let (env, code, out, err) = with_a_bad_report(|dir| {
        fs::create_dir(dir.join("x.sql")).unwrap();
    });
    assert_skipped(
        &env,
        code,
        &out,
        &err,
        "conflictdb: mine/x.sql: is a directory, not a report file; skipped\n",
    );
}

#[test]
fn a_fifo_named_like_a_report_is_named_and_skipped_without_waiting_for_a_writer() {
    let env = Env::new();
    env.seed_minimal();
    fs::create_dir(env.path("mine")).unwrap();
    let made = std::process::Command::new("mkfifo")
        .arg(env.path("mine/pipe.sql"))
        .status()
        .unwrap();
    assert!(made.success());
    let mut child = env
        .spawnable()
        .args(["report", "timeline", "--queries", "mine", "--format", "csv"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("report with a FIFO in --queries was still running after 10 s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        (out.status.code(), String::from_utf8_lossy(&out.stderr)),
        (
            Some(0),
            "conflictdb: mine/pipe.sql: is a FIFO (named pipe), not a report file; skipped\n"
                .into()
        )
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 4);
}

#[test]
fn a_report_or_query_that_returns_no_columns_is_refused_before_any_output() {
    let env = Env::new();
    env.seed_minimal();
    fs::create_dir(env.path("mine")).unwrap();
    fs::write(
        env.path("mine/attach.sql"),
        "-- title: Attach\nATTACH 'other.db' AS other;\n",
    )
    .unwrap();
    fs::write(
        env.path("mine/empty.sql"),
        "-- title: Nothing yet\n-- param: x: unused\n",
    )
    .unwrap();
    for (args, message) in [
        (
            &["report", "attach", "--queries", "mine", "-f", "csv"][..],
            "conflictdb: report attach is read-only: it runs SELECT statements, not \"ATTACH\"\n",
        ),
        (
            &["report", "empty", "--queries", "mine", "-f", "csv"],
            "conflictdb: report empty holds no SQL statement after its header\n",
        ),
        (
            &["query", "BEGIN", "-f", "csv"],
            "conflictdb: query is read-only: it runs SELECT statements, not \"BEGIN\"\n",
        ),
        (
            &["query", "  "],
            "conflictdb: the query holds no SQL statement\n",
        ),
    ] {
        let (code, out, err) = env.run(args);
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (1, "", message),
            "{args:?}"
        );
    }
    assert!(!env.path("other.db").exists());
}

#[test]
fn a_report_that_writes_is_refused_before_any_output() {
    let env = Env::new();
    env.seed_minimal();
    fs::create_dir(env.path("mine")).unwrap();
    fs::write(
        env.path("mine/purge.sql"),
        "-- title: Purge\nDELETE FROM statements RETURNING key;\n",
    )
    .unwrap();
    let before = fs::read(env.db()).unwrap();
    for format in ["table", "csv", "json", "markdown"] {
        let (code, out, err) = env.run(&["report", "purge", "--queries", "mine", "-f", format]);
        assert_eq!(
            (code, out.as_str(), err.as_str()),
            (
                1,
                "",
                "conflictdb: report purge is read-only: it runs SELECT statements, not \"DELETE\"\n"
            ),
            "{format}"
        );
    }
    assert_eq!(fs::read(env.db()).unwrap(), before);
}

#[test]
fn a_query_that_writes_after_a_comment_is_refused_naming_what_it_does() {
    let env = Env::new();
    env.seed_minimal();
    let (code, out, err) = env.run(&[
        "query",
        "/* tidy up */\n  DELETE FROM statements RETURNING key",
    ]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (
            1,
            "",
            "conflictdb: query is read-only: it runs SELECT statements, not \"DELETE\"\n"
        )
    );
}

// 17. A row is named by the line it starts on.

/// `text` with every line break a CRLF.
fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

#[test]
fn a_bad_value_in_the_first_row_of_a_crlf_file_is_named_at_line_2() {
    let env = Env::new();
    let seed = env.seed_dir("data", None);
    set_line(
        &seed,
        "events.csv",
        2,
        "2020-war,The 2020 war,battle,2020-09-27,2020-11-10,stepanakert,,Six weeks of fighting.,",
    );
    let events = fs::read_to_string(seed.join("events.csv")).unwrap();
    fs::write(seed.join("events.csv"), crlf(&events)).unwrap();
    let err = env.fails(&["seed", seed.to_str().unwrap()]);
    assert!(
        err.starts_with(&format!(
            "conflictdb: {}/events.csv:2:3: kind \"battle\": is not a code in event_kinds;",
            seed.display()
        )),
        "{err}"
    );
}

#[test]
fn a_bad_row_after_a_quoted_three_line_field_is_named_by_the_line_it_starts_on() {
    // Unix, Windows and old Mac line ends (a carriage return alone, as Excel's "CSV (Macintosh)"
    // writes).
    for ending in ["\n", "\r\n", "\r"] {
        let env = Env::new();
        let seed = env.seed_dir("data", None);
        let events = "key,title,kind,start_date,end_date,place,parent,summary,notes\n\
             2020-war,The 2020 war,war,2020-09-27,2020-11-10,stepanakert,,\"Six weeks\nof\nfighting.\",\n\
             2020-10-04-ganja-strike,Strike on Ganja,missile_strike,2020-10-04,,ganja,2020-war,Missiles hit Ganja.,\n\
             2020-10-ceasefire,October ceasefire,ceasefire,2020-10-32,,,2020-war,A ceasefire was agreed.,\n"
            .replace('\n', ending);
        fs::write(seed.join("events.csv"), events).unwrap();
        let err = env.fails(&["seed", seed.to_str().unwrap()]);
        assert_eq!(
            err,
            format!(
                "conflictdb: {}/events.csv:6:4: start_date \"2020-10-32\": there is no day 32 in October 2020, which has 31 days\n",
                seed.display()
            ),
            "{ending:?}"
        );
    }
}

#[test]
fn a_bad_row_after_blank_lines_is_named_by_its_own_line_and_so_is_a_header_after_them() {
    let env = Env::new();
    let seed = env.seed_dir("data", None);
    let events = "key,title,kind,start_date,end_date,place,parent,summary,notes\n\
         2020-war,The 2020 war,war,2020-09-27,2020-11-10,stepanakert,,Six weeks of fighting.,\n\
         \n\
         \r\n\
         2020-10-04-ganja-strike,Strike on Ganja,missile_strike,2020-10-04,,ganja,2020-wat,Missiles hit Ganja.,\n";
    fs::write(seed.join("events.csv"), events).unwrap();
    let err = env.fails(&["seed", seed.to_str().unwrap()]);
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/events.csv:5:7: parent \"2020-wat\": is not a key in events (did you mean \"2020-war\"?)\n",
            seed.display()
        )
    );
    fs::write(seed.join("events.csv"), format!("\n\nKey{}", &events[3..])).unwrap();
    let err = env.fails(&["seed", seed.to_str().unwrap()]);
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/events.csv:3:1: header \"Key\": should be \"key\": column names are lowercase and exact\n",
            seed.display()
        )
    );
}

#[test]
fn a_duplicate_key_in_a_crlf_file_names_both_of_its_lines() {
    let env = Env::new();
    let seed = env.seed_dir("data", None);
    let statements = fs::read_to_string(seed.join("statements.csv")).unwrap();
    let first = statements.lines().nth(1).unwrap().to_string();
    fs::write(
        seed.join("statements.csv"),
        crlf(&format!("{statements}{first}\n")),
    )
    .unwrap();
    let lines = statements.lines().count() + 1;
    let err = env.fails(&["seed", seed.to_str().unwrap()]);
    let key = first.split(',').next().unwrap();
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/statements.csv:{lines}:1: key \"{key}\": is a duplicate: line 2 has the same key\n",
            seed.display()
        )
    );
}

// 18. A report parameter that names two rows, ignoring case, is ambiguous.

#[test]
fn a_parameter_that_names_two_rows_ignoring_case_is_refused_as_ambiguous() {
    let env = Env::new();
    let seed = env.seed_dir("data", None);
    let mut actors = fs::read_to_string(seed.join("actors.csv")).unwrap();
    actors.push_str("Lavrov,Lavrov Bros,group,,RUS,0,A namesake\n");
    actors.push_str("un-2,UNITED NATIONS,intergovernmental_org,,,0,Another\n");
    fs::write(seed.join("actors.csv"), actors).unwrap();
    env.ok(&["seed", seed.to_str().unwrap()]);
    let refusals = [
        (
            "actor=LAVROV",
            "conflictdb: report actor-statements: parameter actor \"LAVROV\": is ambiguous: ignoring case, it is the key, name or alias of more than one row of actors (\"Lavrov\" and \"lavrov\"); give the key exactly\n",
        ),
        (
            "actor=United Nations",
            "conflictdb: report actor-statements: parameter actor \"United Nations\": is ambiguous: ignoring case, it is the key, name or alias of more than one row of actors (\"un\" and \"un-2\"); give the key exactly\n",
        ),
    ];
    for (param, expected) in refusals {
        let (code, out, err) = env.run(&["report", "actor-statements", "-p", param, "-f", "csv"]);
        assert_eq!((code, out.as_str(), err.as_str()), (1, "", expected));
    }
    // A key given exactly names its row.
    let out = env.ok(&[
        "report",
        "actor-statements",
        "-p",
        "actor=lavrov",
        "-f",
        "csv",
    ]);
    assert_eq!(crate::common::csv_rows(&out).len(), 1, "{out}");
    let out = env.ok(&[
        "report",
        "actor-statements",
        "-p",
        "actor=Lavrov",
        "-f",
        "csv",
    ]);
    assert_eq!(out.lines().count(), 1, "Lavrov Bros said nothing: {out}");
    // A name only one row has still resolves whatever its case.
    let out = env.ok(&[
        "report",
        "actor-statements",
        "-p",
        "actor=SERGEY LAVROV",
        "-f",
        "csv",
    ]);
    assert_eq!(crate::common::csv_rows(&out).len(), 1, "{out}");
}

#[test]
fn disk_full_while_a_first_seed_migrates_its_new_file_says_so() {
    let env = Env::new();
    // Too small for the schema itself: the migration is what fails.
    let _disk = Mount::tmpfs(&env.path("disk"), "size=12k");
    let err = env.fails(&["--db", "disk/conflict.db", "seed"]);
    assert_eq!(
        err,
        "conflictdb: disk full while writing disk/conflict.db; nothing was loaded\n"
    );
    assert!(fs::read_dir(env.path("disk")).unwrap().next().is_none());
}

#[test]
fn a_crlf_line_end_split_between_two_reads_is_one_line_end() {
    // The loader reads 256 KiB at a time: a long field puts row 2's CRLF across that boundary,
    // shifted a byte at a time so that one of them splits it, CR in one read and LF in the next.
    let boundary = 256 * 1024;
    for shift in 0..4 {
        let env = Env::new();
        let seed = env.seed_dir("data", None);
        let header = "key,title,kind,start_date,end_date,place,parent,summary,notes\r\n";
        let start =
            "2020-war,The 2020 war,war,2020-09-27,2020-11-10,stepanakert,,Six weeks of fighting.,";
        let notes = "n".repeat(boundary - 1 - header.len() - start.len() - 2 + shift);
        let events = format!(
            "{header}{start}{notes}\r\n\
             2020-10-04-ganja-strike,Strike on Ganja,missile_strike,2020-10-04,,ganja,2020-war,Missiles hit Ganja.,\r\n\
             2020-10-ceasefire,October ceasefire,ceasefire,2020-10-32,,,2020-war,A ceasefire was agreed.,\r\n"
        );
        fs::write(seed.join("events.csv"), events).unwrap();
        let err = env.fails(&["seed", seed.to_str().unwrap()]);
        assert_eq!(
            err,
            format!(
                "conflictdb: {}/events.csv:4:4: start_date \"2020-10-32\": there is no day 32 in October 2020, which has 31 days\n",
                seed.display()
            ),
            "shift {shift}"
        );
    }
}

/// A line break or a long run of text from the input, in any message: escaped and cut, so that
/// each message is one line. Each of these printed the input raw before.
#[test]
fn a_line_break_or_a_long_value_in_what_a_message_names_stays_on_its_one_line() {
    let env = Env::new();
    env.seed_minimal();
    // SQLite's unread token runs to the end of the SQL after an unclosed quote.
    assert_eq!(
        env.fails(&["query", "SELECT 'it\ns title FROM events"]),
        "conflictdb: the query does not compile: unrecognized token: \"'it\\ns title FROM events\", at \"'it\"\n"
    );
    let token = format!("'a = {}", "x y\n".repeat(30));
    let kept: String = token.chars().take(40).collect();
    assert_eq!(
        env.fails(&["query", &format!("SELECT 1 WHERE {token}")]),
        format!(
            "conflictdb: the query does not compile: unrecognized token: \"{}\u{2026}\" (125 bytes), at \"'a = x y\"\n",
            kept.replace('\n', "\\n")
        )
    );
    assert_eq!(
        env.fails(&["query", "SELECT [my\ncol] FROM events"]),
        "conflictdb: the query does not compile: no such column: my\\ncol, at \"[my\"\n"
    );
    // A header the nearest layout does not have: its columns as they are, not raw.
    // A spreadsheet saved with `;` between fields: one long column.
    let header = "event_id_cnty;".repeat(10);
    fs::write(env.path("semi.csv"), format!("{header}\n")).unwrap();
    let err = env.fails(&["import", "semi.csv", "--format", "acled"]);
    assert!(
        err.ends_with(&format!(
            " and has {}\u{2026} (140 bytes) besides\n",
            &header[..40]
        )),
        "{err}"
    );
    fs::write(env.path("cr.csv"), "event_id_cnty,\"my\rnote\"\n").unwrap();
    let err = env.fails(&["import", "cr.csv", "--format", "acled"]);
    assert!(err.ends_with(" and has my\\rnote besides\n"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    // A vocabulary's label, in the codes a report parameter may take.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(
        "UPDATE event_kinds SET label = 'Armed' || char(10) || 'clash' WHERE code = 'clash'",
    )
    .unwrap();
    drop(conn);
    let err = env.fails(&["report", "timeline", "-p", "kind=battle"]);
    assert!(err.contains(", clash (Armed\\nclash), "), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

/// `check` prints one line a finding, and a refusal is one line, whatever a name in it holds.
#[test]
fn a_line_break_in_a_dataset_name_stays_on_the_line_of_checks_finding_and_of_a_refusal() {
    let env = Env::new();
    env.ok(&["seed"]);
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(
        "PRAGMA ignore_check_constraints = 1;
         UPDATE casualties SET count_low = 5, count_best = 3, count_high = NULL
         WHERE key = 'cas-wp-1947-relocation-planned';
         UPDATE datasets SET name = 'my' || char(10) || 'data' WHERE id = 1;",
    )
    .unwrap();
    drop(conn);
    let out = env.ok(&["check"]);
    let notes: Vec<&str> = out.lines().filter(|l| l.starts_with("NOTE")).collect();
    assert_eq!(
        notes,
        ["NOTE  casualty figures in order (low <= best <= high): casualty claim cas-wp-1947-relocation-planned (dataset my\\ndata): low 5, best 3, high -: low is above best (loaded as published)"]
    );
    // And a refusal, whatever the message left unescaped (`main::one_line`).
    assert_eq!(
        env.fails(&["datasets", "remove", "nosuch"]),
        "conflictdb: no dataset is named \"nosuch\"; the datasets are 'my\\ndata'\n"
    );
}
