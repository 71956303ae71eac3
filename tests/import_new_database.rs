//! A new database built by `import` (one fresh load of the built-in rows and the import's) is the
//! database `seed` then `import` would build, whether or not the import's rows name our actors.

use crate::common::{import_fixture, Env};

const BUILT_IN_FILES: &str = "SELECT file, hash, bytes, rows, format, coalesce(layout, ''),
        coalesce(rejected, '') FROM dataset_files WHERE dataset_id = 1 ORDER BY file";

#[test]
fn a_new_database_built_by_an_import_records_the_built_in_files_as_seed_does() {
    let seeded = Env::new();
    seeded.ok(&["seed"]);
    let expected = seeded.query(BUILT_IN_FILES);
    // Every table's file, with its hash, bytes and rows.
    assert_eq!(expected.len(), 31, "{expected:?}");
    assert!(expected
        .iter()
        .any(|row| row[0] == "events.csv" && row[3] == "84"));
    for links in [&[][..], &["--no-default-links"][..]] {
        let env = Env::new();
        let mut args = vec!["import".to_string(), import_fixture("acled-2023.csv")];
        args.extend(links.iter().map(|a| a.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        env.ok(&args);
        assert_eq!(env.query(BUILT_IN_FILES), expected, "{links:?}");
        // The built-in rows stay the built-in dataset's, the import's its own.
        assert_eq!(
            env.query(
                "SELECT d.name, count(*) FROM events e JOIN datasets d ON d.id = e.dataset_id
                 GROUP BY d.name ORDER BY d.name"
            ),
            [
                vec!["acled-2023".to_string(), "3".into()],
                vec!["built-in".into(), "84".into()],
            ],
            "{links:?}"
        );
    }
}
