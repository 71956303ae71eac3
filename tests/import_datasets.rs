//! Two imports of one format are two datasets: each has its own actors, places and sources,
//! under keys namespaced by the dataset, so neither refuses nor shares the other's rows.

use crate::common::{import_fixture, Env};

/// Both ACLED fixtures name `Synthetic Wire`, and every ACLED file has ACLED as its coder and
/// source: the second import used to be refused ("is a key of dataset \"acled-2023\"").
#[test]
fn two_files_of_one_format_are_two_datasets_with_rows_of_their_own() {
    let env = Env::new();
    env.ok(&[
        "import",
        &import_fixture("acled-2023.csv"),
        "--no-default-links",
    ]);
    env.ok(&[
        "import",
        &import_fixture("acled-2019.csv"),
        "--no-default-links",
    ]);
    assert_eq!(
        env.query(
            "SELECT d.name, s.key FROM sources s JOIN datasets d ON d.id = s.dataset_id
             WHERE d.kind = 'import' AND (s.title = 'Synthetic Wire' OR s.kind = 'dataset')
             ORDER BY s.key"
        ),
        [
            ["acled-2019", "acled-2019:dataset"],
            ["acled-2019", "acled-2019:source:synthetic-wire"],
            ["acled-2023", "acled-2023:dataset"],
            ["acled-2023", "acled-2023:source:synthetic-wire"],
        ]
    );
    assert_eq!(
        env.query(
            "SELECT e.key, a.key FROM casualties c JOIN events e ON e.id = c.event_id
             JOIN actors a ON a.id = c.claimed_by_id WHERE c.dataset_id > 1 ORDER BY e.key"
        ),
        [
            ["acled-2019:SYN2001", "acled-2019:acled"],
            ["acled-2023:SYN1001", "acled-2023:acled"],
            ["acled-2023:SYN1002", "acled-2023:acled"],
        ]
    );
    // Removing one leaves the other whole.
    env.ok(&["datasets", "remove", "acled-2023"]);
    assert_eq!(
        env.query("SELECT key FROM events WHERE dataset_id > 1 ORDER BY key"),
        [["acled-2019:SYN2001"], ["acled-2019:SYN2002"]]
    );
    env.ok(&["check"]);
}

/// `--dataset` names the namespace: `--dataset ucdp` gives `ucdp:376126`; a name with characters
/// a key may not hold has them as `-`.
#[test]
fn the_dataset_name_is_the_first_part_of_every_key() {
    let env = Env::new();
    env.ok(&[
        "import",
        &import_fixture("ucdp-ged-older-layout.csv"),
        "--dataset",
        "UCDP v23 (older)",
    ]);
    assert_eq!(
        env.query(
            "SELECT DISTINCT substr(key, 1, instr(key, ':')) FROM events WHERE dataset_id > 1
             UNION SELECT DISTINCT substr(key, 1, instr(key, ':')) FROM actors
             WHERE dataset_id > 1"
        ),
        [["UCDP-v23--older-:"]]
    );
    assert_eq!(
        env.query("SELECT name FROM datasets WHERE kind = 'import'"),
        [["UCDP v23 (older)"]]
    );
}

/// A dataset whose rows have another namespace (imported by a version that namespaced keys by
/// the format) keeps it when imported again: its events are recognised, not added and retracted.
#[test]
fn a_dataset_imported_again_keeps_the_namespace_its_rows_have() {
    let env = Env::new();
    env.ok(&[
        "import",
        &import_fixture("acled-2023.csv"),
        "--no-default-links",
        "--dataset",
        "caucasus",
    ]);
    // As an earlier version keyed it: `acled:` for every key of the dataset.
    let tables = env.query(
        "SELECT m.name FROM sqlite_master m WHERE m.type = 'table' AND m.sql LIKE '% key TEXT%'
         AND m.sql LIKE '%dataset_id%'",
    );
    let mut sql = String::new();
    for table in tables {
        sql.push_str(&format!(
            "UPDATE {0} SET key = 'acled:' || substr(key, length('caucasus:') + 1)
             WHERE key GLOB 'caucasus:*';\n",
            table[0]
        ));
    }
    rusqlite::Connection::open(env.db())
        .unwrap()
        .execute_batch(&sql)
        .unwrap();
    // A newer export: the same rows, one more.
    let text = std::fs::read_to_string(import_fixture("acled-2023.csv")).unwrap();
    let last = text.lines().last().unwrap();
    let newer = format!("{text}{}\n", last.replacen("SYN1003", "SYN1009", 1));
    std::fs::write(env.path("newer.csv"), newer).unwrap();
    let (code, _, err) = env.run(&[
        "import",
        "newer.csv",
        "--no-default-links",
        "--dataset",
        "caucasus",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("  events: 1 added, 0 changed, 0 retracted, 3 unchanged\n"),
        "{err}"
    );
    assert_eq!(
        env.query("SELECT key FROM events WHERE key GLOB 'acled:SYN100*' ORDER BY key"),
        [
            ["acled:SYN1001"],
            ["acled:SYN1002"],
            ["acled:SYN1003"],
            ["acled:SYN1009"]
        ]
    );
    assert_eq!(
        env.query("SELECT count(*) FROM events WHERE key GLOB 'caucasus:*'"),
        [["0"]]
    );
}

/// Two records of one event in two datasets, linked as the same event, are one event in
/// `contested-casualties`: their figures stand side by side, each with its claimant and source.
#[test]
fn figures_of_events_linked_as_the_same_event_are_contested_side_by_side() {
    let env = Env::new();
    let text = std::fs::read_to_string(import_fixture("acled-2023.csv")).unwrap();
    // The same export as another dataset, with another fatality figure for SYN1001.
    std::fs::write(
        env.path("other.csv"),
        text.replacen(",12,,1700000000", ",15,,1700000000", 1),
    )
    .unwrap();
    env.ok(&[
        "import",
        &import_fixture("acled-2023.csv"),
        "--dataset",
        "a",
    ]);
    env.ok(&["import", "other.csv", "--dataset", "b"]);
    let report = ["report", "contested-casualties", "--format", "csv"];
    assert!(
        !env.ok(&report).contains("Fuzuli"),
        "not linked: not compared"
    );
    std::fs::create_dir_all(env.path("links")).unwrap();
    std::fs::write(
        env.path("links/event_links.csv"),
        "key,event,kind,related,source,notes\nsame-1,b:SYN1001,same_event,a:SYN1001,b:dataset,Judged the same.\n",
    )
    .unwrap();
    env.ok(&["seed", "links"]);
    let row = "2020-09-27,Armed clash in Fuzuli = Armed clash in Fuzuli,All sides combined,unknown,killed,2,12,ACLED (Armed Conflict Location & Event Data) (ACLED (Armed Conflict Location & Event Data)),15,ACLED (Armed Conflict Location & Event Data) (ACLED (Armed Conflict Location & Event Data)),reported,whole figures";
    let contested = env.ok(&report);
    assert_eq!(
        contested
            .lines()
            .filter(|l| l.contains("Fuzuli"))
            .collect::<Vec<_>>(),
        [row],
        "{contested}"
    );
    // Either record, named by --param, gives the same row.
    for event in ["a:SYN1001", "b:SYN1001"] {
        let param = format!("event={event}");
        let out = env.ok(&[
            "report",
            "contested-casualties",
            "--param",
            &param,
            "--format",
            "csv",
        ]);
        assert_eq!(out.lines().nth(1), Some(row), "{event}: {out}");
        assert_eq!(out.lines().count(), 2, "{event}: {out}");
    }
}

/// A key holds ASCII letters and digits only: a name with other letters (an actor, a place) still
/// makes one, and two names that differ only in those letters make two.
#[test]
fn names_with_letters_beyond_ascii_make_keys_of_their_own() {
    let env = Env::new();
    let text = std::fs::read_to_string(import_fixture("acled-2023.csv")).unwrap();
    let last = text.lines().last().unwrap();
    let rows = [
        last.replace(
            "Unidentified Armed Group (Azerbaijan)",
            "Azərbaycan Ordusu (Bakı)",
        ),
        last.replacen("SYN1003", "SYN1004", 1).replace(
            "Unidentified Armed Group (Azerbaijan)",
            "Azarbaycan Ordusu (Baki)",
        ),
    ];
    let header = text.lines().next().unwrap();
    std::fs::write(
        env.path("names.csv"),
        format!("{header}\n{}\n{}\n", rows[0], rows[1]),
    )
    .unwrap();
    env.ok(&[
        "import",
        "names.csv",
        "--no-default-links",
        "--dataset",
        "n",
    ]);
    let actors = env
        .query("SELECT name, key FROM actors WHERE name LIKE 'Az_rbaycan Ordusu%' ORDER BY name");
    assert_eq!(actors.len(), 2, "{actors:?}");
    assert_eq!(
        actors[0],
        ["Azarbaycan Ordusu (Baki)", "n:azarbaycan-ordusu-baki"]
    );
    assert_eq!(actors[1][0], "Azərbaycan Ordusu (Bakı)");
    assert!(
        actors[1][1]
            .strip_prefix("n:az-rbaycan-ordusu-bak-")
            .is_some_and(|hash| hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit())),
        "{actors:?}"
    );
    env.ok(&["check"]);
}

/// A dataset is loaded again only from its own kind of data: an ACLED file loaded as the UCDP
/// import would flag every UCDP event retracted and give the dataset ACLED's credit line, and a
/// seed directory loaded as it would remove its rows. Each is refused in one line, the database
/// unchanged.
#[test]
fn a_dataset_is_not_loaded_again_from_another_kind_of_data() {
    let env = Env::new();
    env.ok(&["seed"]);
    let ucdp = import_fixture("ucdp-ged-23.1-sample.csv");
    let acled = import_fixture("acled-2023.csv");
    env.ok(&["import", &ucdp, "--dataset", "ucdp"]);
    let mine = env.seed_dir("mine", None);
    let mine = mine.to_str().unwrap();
    let before = std::fs::read(env.db()).unwrap();
    let refusals = [
        (
            vec!["import", &acled, "--dataset", "ucdp", "--remove-missing"],
            format!("conflictdb: {acled}: dataset \"ucdp\" holds an import of ucdp-ged files and this is an import of acled files: a dataset is loaded again only from its own kind of data; give this one another name with --dataset, or remove that one first (conflictdb datasets remove ucdp); nothing was imported\n"),
        ),
        (
            vec!["seed", mine, "--dataset", "ucdp"],
            format!("conflictdb: {}: dataset \"ucdp\" holds an import of ucdp-ged files and this is a seed directory: a dataset is loaded again only from its own kind of data; give this one another name with --dataset, or remove that one first (conflictdb datasets remove ucdp)\n", std::fs::canonicalize(mine).unwrap().display()),
        ),
    ];
    for (args, expected) in &refusals {
        assert_eq!(&env.fails(args), expected, "{args:?}");
        assert!(std::fs::read(env.db()).unwrap() == before, "{args:?} wrote");
    }
    assert_eq!(
        env.query("SELECT kind, format FROM datasets WHERE name = 'ucdp'"),
        [["import", "ucdp-ged"]]
    );
    // Its own kind of data loads again.
    env.ok(&["import", &ucdp, "--dataset", "ucdp"]);
}
