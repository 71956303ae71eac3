//! Importing UCDP GED and GDELT files, and linking their actors and events to ours, through the
//! real binary: the real UCDP GED 23.1 sample (tests/fixtures/import/, CC BY 4.0), an older UCDP
//! layout derived from it, and synthetic GDELT 1.0 and 2.0 files.

use std::fs;

use crate::common::{Env, REPO};

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
        "2020-10-window,Shelling some day that week,shelling,2020-10-05,2020-10-11,,2020-war,Shells fell.,,week"
            .into(),
    );
    fs::write(overlay.join("events.csv"), lines.join("\n") + "\n").unwrap();
    let dir = env.seed_dir("data", Some(&overlay));
    env.ok(&["seed", dir.to_str().unwrap()]);
    assert_eq!(
        env.query(
            "SELECT start_date, end_date, date_precision FROM events WHERE key = '2020-10-window'"
        ),
        [["2020-10-05", "2020-10-11", "week"]]
    );
    env.ok(&["export", "--seed", "--out", "back"]);
    let back = fs::read_to_string(env.path("back/events.csv")).unwrap();
    assert!(
        back.contains(
            "2020-10-window,Shelling some day that week,shelling,2020-10-05,2020-10-11,week,"
        ),
        "{back}"
    );
    // A precision the dates give is not written again.
    assert!(
        back.contains("2020-10-ceasefire,October ceasefire,ceasefire,2020-10,,,"),
        "{back}"
    );

    let bad = lines.join("\n").replace(",week", ",fortnight") + "\n";
    fs::write(dir.join("events.csv"), bad).unwrap();
    let err = env.fails(&["seed", dir.to_str().unwrap()]);
    assert!(
        err.contains(
            "events.csv:5:10: date_precision \"fortnight\": is not a code in date_precisions"
        ),
        "{err}"
    );
}
