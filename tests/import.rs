//! `conflictdb import`: files of another data set loaded as a dataset of our tables. The ACLED
//! fixtures in tests/fixtures/import/ are synthetic (invented rows in ACLED's layouts): ACLED's
//! terms forbid redistributing its data.

use std::path::Path;

use crate::common::{Env, REPO};

fn fixture(name: &str) -> String {
    Path::new(REPO)
        .join("tests/fixtures/import")
        .join(name)
        .to_str()
        .unwrap()
        .to_string()
}

#[test]
fn an_acled_2023_file_becomes_events_actors_places_sources_and_claims() {
    let env = Env::new();
    let err = env.run(&["import", &fixture("acled-2023.csv")]).2;
    assert!(
        err.starts_with("conflictdb: imported ") && err.contains("(acled 2023+)"),
        "{err}"
    );
    assert!(err.contains("dataset \"acled-2023\": 3 rows read"), "{err}");
    assert_eq!(
        env.query(
            "SELECT key, title, kind, start_date, end_date, date_precision, retracted, notes
             FROM events WHERE key LIKE 'acled:%' ORDER BY key"
        ),
        [
            [
                "acled:SYN1001",
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
                "acled:SYN1002",
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
                "acled:SYN1003",
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
