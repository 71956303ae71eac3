//! Datasets (issue 13): every row belongs to one dataset, recorded with where it came from; a
//! database made before datasets existed has all its rows in the built-in one.

use std::fs;
use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::common::{csv_rows, Env, REPO};

/// The database `conflictdb seed` made with the built-in data of schema version 3 (see
/// tests/claims.rs).
const VERSION_3: &str = "tests/fixtures/version-3.sql";

/// (table, rows, rows in the built-in dataset) for every seed table.
fn rows_by_dataset(conn: &Connection) -> Vec<(&'static str, i64, i64)> {
    conflictdb::schema::TABLES
        .iter()
        .map(|table| {
            let (all, built_in) = conn
                .query_row(
                    &format!(
                        "SELECT count(*), count(*) FILTER (WHERE dataset_id = 1) FROM {}",
                        table.name
                    ),
                    [],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .unwrap();
            (table.name, all, built_in)
        })
        .collect()
}

/// The database of schema version 3 (see [`VERSION_3`]) as `env`'s database.
fn make_version_3(env: &Env) {
    let conn = Connection::open(env.db()).unwrap();
    conn.execute_batch(&fs::read_to_string(Path::new(REPO).join(VERSION_3)).unwrap())
        .unwrap();
    conn.pragma_update(None, "application_id", conflictdb::db::APPLICATION_ID)
        .unwrap();
    conn.pragma_update(None, "user_version", 3).unwrap();
}

#[test]
fn a_database_made_before_datasets_migrates_with_every_row_in_the_built_in_dataset() {
    let env = Env::new();
    make_version_3(&env);
    let (code, _, err) = env.run(&["migrate"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("conflictdb: applied V5__datasets\n"), "{err}");
    let conn = Connection::open(env.db()).unwrap();
    let counts = rows_by_dataset(&conn);
    let stored: i64 = counts.iter().map(|(_, all, _)| all).sum();
    assert!(stored > 1000, "{counts:?}");
    let elsewhere: Vec<_> = counts
        .iter()
        .filter(|(_, all, built_in)| all != built_in)
        .collect();
    assert!(
        elsewhere.is_empty(),
        "rows outside the built-in dataset: {elsewhere:?}"
    );
    let datasets: Vec<(i64, String, String)> = conn
        .prepare("SELECT id, name, kind FROM datasets")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(datasets, [(1, "built-in".into(), "built-in".into())]);
    let broken: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(broken, 0);
    let out = env.ok(&["check"]);
    assert!(out.lines().all(|l| l.starts_with("ok")), "{out}");
}

/// A seed directory `name` holding statements.csv alone, with `rows`: its own statements over the
/// built-in actors, sources and vocabularies.
fn statements_alone(env: &Env, name: &str, rows: &str) -> PathBuf {
    let dir = env.path(name);
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("statements.csv"),
        format!("key,speaker,said_on,kind,stance,summary,source\n{rows}"),
    )
    .unwrap();
    dir
}

const MY_STATEMENT: &str =
    "my-1,lavrov,2020-10-10,announce,none,Said something.,src-allegretti-2020\n";

/// The dataset each statement of `keys` belongs to.
fn dataset_of(env: &Env, key: &str) -> Vec<Vec<String>> {
    env.query(&format!(
        "SELECT datasets.name FROM statements JOIN datasets ON datasets.id = statements.dataset_id
         WHERE statements.key = '{key}'"
    ))
}

#[test]
fn a_directory_of_statements_alone_is_a_dataset_of_its_own_over_the_built_in_data() {
    let env = Env::new();
    env.ok(&["seed"]);
    let built_in = env.query("SELECT count(*) FROM statements")[0][0].clone();
    let dir = statements_alone(&env, "mine", MY_STATEMENT);
    env.ok(&["seed", dir.to_str().unwrap()]);
    assert_eq!(dataset_of(&env, "my-1"), [["mine"]]);
    assert_eq!(dataset_of(&env, "st-wp-01"), [["built-in"]]);
    let other = statements_alone(
        &env,
        "elsewhere",
        "my-2,lavrov,2020-10-11,announce,none,Said more.,src-allegretti-2020\n",
    );
    env.ok(&["seed", other.to_str().unwrap(), "--dataset", "notes"]);
    assert_eq!(dataset_of(&env, "my-2"), [["notes"]]);

    let listed = csv_rows(&env.ok(&["datasets", "--format", "csv"]));
    let statements: Vec<_> = listed.iter().filter(|row| row[4] == "statements").collect();
    let canonical = |dir: &Path| fs::canonicalize(dir).unwrap().display().to_string();
    let expected = [
        ["built-in", "built-in", "", "statements", built_in.as_str()],
        ["mine", "directory", &canonical(&dir), "statements", "1"],
        ["notes", "directory", &canonical(&other), "statements", "1"],
    ];
    assert_eq!(statements.len(), expected.len(), "{listed:?}");
    for (row, expected) in statements.iter().zip(expected) {
        assert_eq!(
            [&row[0], &row[1], &row[2], &row[4], &row[5]],
            expected,
            "{listed:?}"
        );
        // When it was loaded, in UTC.
        assert!(row[3].starts_with("20") && row[3].ends_with('Z'), "{row:?}");
    }
    // The directories hold statements only.
    assert!(
        listed
            .iter()
            .all(|row| row[0] == "built-in" || row[4] == "statements"),
        "{listed:?}"
    );
}

/// Into a new database a directory is the only dataset: a code of a vocabulary it does not give
/// is refused in one line saying where codes come from (it was a panic), and no file is left.
#[test]
fn a_directory_without_vocabularies_into_a_new_database_is_refused_naming_the_vocabulary() {
    let env = Env::new();
    let dir = env.path("sources-alone");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("sources.csv"),
        "key,title,kind\nsrc-mine,My report,news\n",
    )
    .unwrap();
    let err = env.fails(&["seed", dir.to_str().unwrap()]);
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/sources.csv:2:3: kind \"news\": is not a code in source_kinds: neither the directory nor the database gives source_kinds any codes; seed the built-in data first (`conflictdb seed`), or give source_kinds.csv\n",
            dir.display()
        )
    );
    assert!(!env.db().exists());
    // Over the built-in data it loads.
    env.ok(&["seed"]);
    env.ok(&["seed", dir.to_str().unwrap()]);
    assert_eq!(dataset_of_source(&env, "src-mine"), [["sources-alone"]]);
}

fn dataset_of_source(env: &Env, key: &str) -> Vec<Vec<String>> {
    env.query(&format!(
        "SELECT datasets.name FROM sources JOIN datasets ON datasets.id = sources.dataset_id
         WHERE sources.key = '{key}'"
    ))
}

#[test]
fn a_key_another_dataset_holds_is_refused_naming_that_dataset() {
    let env = Env::new();
    env.ok(&["seed"]);
    let dir = statements_alone(&env, "mine", MY_STATEMENT);
    fs::write(
        dir.join("actors.csv"),
        "key,name,kind\nme,Me,person\nlavrov,Sergey Lavrov,person\n",
    )
    .unwrap();
    let before = fs::read(env.db()).unwrap();
    let err = env.fails(&["seed", dir.to_str().unwrap()]);
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/actors.csv:3:1: key \"lavrov\": is a key of dataset \"built-in\": a key names one row across datasets; refer to that row, or give this one a key of its own\n",
            dir.display()
        )
    );
    assert_eq!(fs::read(env.db()).unwrap(), before);
}

#[test]
fn a_dataset_others_refer_to_is_not_removed_and_one_nothing_refers_to_is_removed_whole() {
    let env = Env::new();
    env.ok(&["seed"]);
    let built_in = env.query("SELECT count(*) FROM statements");
    let dir = statements_alone(&env, "mine", MY_STATEMENT);
    env.ok(&["seed", dir.to_str().unwrap()]);
    let before = fs::read(env.db()).unwrap();
    let err = env.fails(&["datasets", "remove", "built-in"]);
    assert_eq!(
        err,
        "conflictdb: cannot remove dataset \"built-in\": rows of other datasets refer to its rows: statements 'my-1' (dataset 'mine') refers to date_precisions 'day', statements 'my-1' (dataset 'mine') refers to stances 'none', statements 'my-1' (dataset 'mine') refers to date_bases 'stated', ...; remove or change them first\n"
    );
    assert_eq!(fs::read(env.db()).unwrap(), before);

    let (code, out, err) = env.run(&["datasets", "remove", "mine"]);
    assert_eq!(
        (code, out.as_str(), err.as_str()),
        (
            0,
            "",
            "conflictdb: removed dataset \"mine\" from conflict.db\n  statements          1\n"
        )
    );
    assert_eq!(env.query("SELECT count(*) FROM statements"), built_in);
    assert_eq!(env.query("SELECT name FROM datasets"), [["built-in"]]);
    let err = env.fails(&["datasets", "remove", "mine"]);
    assert_eq!(
        err,
        "conflictdb: no dataset is named \"mine\"; the datasets are 'built-in'\n"
    );
}

/// Removing a dataset writes rows, not the schema: with no database it creates none, and an older
/// database is refused as every reader refuses it, not migrated by a removal that is then refused.
#[test]
fn datasets_remove_neither_creates_nor_migrates_a_database() {
    let env = Env::new();
    let err = env.fails(&["datasets", "remove", "mine"]);
    assert_eq!(
        err,
        "conflictdb: no database at conflict.db: run `conflictdb seed` to create it, or pass --db\n"
    );
    assert!(!env.db().exists());
    make_version_3(&env);
    let before = fs::read(env.db()).unwrap();
    let err = env.fails(&["datasets", "remove", "built-in"]);
    assert_eq!(
        err,
        format!(
            "conflictdb: database conflict.db has schema version 3, this conflictdb expects {}: run `conflictdb migrate`\n",
            conflictdb::db::latest_version()
        )
    );
    assert_eq!(fs::read(env.db()).unwrap(), before);
    let files: Vec<_> = fs::read_dir(env.db().parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with("conflict.db"))
        .collect();
    assert_eq!(files, ["conflict.db"]);
}

/// Statements of `lavrov` with these keys, as statements.csv rows.
fn statements_of(keys: &[&str]) -> String {
    keys.iter()
        .map(|key| {
            format!("{key},lavrov,2020-10-10,announce,none,Said {key}.,src-allegretti-2020\n")
        })
        .collect()
}

fn keys_of(env: &Env, dataset: &str) -> Vec<Vec<String>> {
    env.query(&format!(
        "SELECT statements.key FROM statements JOIN datasets ON datasets.id = statements.dataset_id
         WHERE datasets.name = '{dataset}' ORDER BY statements.key"
    ))
}

#[test]
fn a_row_deleted_from_its_file_disappears_on_reseed_and_other_datasets_keep_theirs() {
    let env = Env::new();
    env.ok(&["seed"]);
    let built_in = env.query("SELECT count(*) FROM statements WHERE dataset_id = 1");
    let mine = statements_alone(&env, "mine", &statements_of(&["my-1", "my-2", "my-3"]));
    let theirs = statements_alone(&env, "theirs", &statements_of(&["their-1"]));
    env.ok(&["seed", mine.to_str().unwrap()]);
    env.ok(&["seed", theirs.to_str().unwrap()]);
    // my-2 deleted, my-3 edited.
    fs::write(
        mine.join("statements.csv"),
        format!(
            "key,speaker,said_on,kind,stance,summary,source\n{}{}",
            statements_of(&["my-1"]),
            "my-3,lavrov,2020-10-10,announce,none,Said my-3 again.,src-allegretti-2020\n"
        ),
    )
    .unwrap();
    let (code, _, err) = env.run(&["seed", mine.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.ends_with(
            "conflictdb: what the seed did to dataset \"mine\":\n\
             \x20 table           added    changed    removed  unchanged\n\
             \x20 statements          0          1          1          1\n"
        ),
        "{err}"
    );
    assert_eq!(keys_of(&env, "mine"), [["my-1"], ["my-3"]]);
    assert_eq!(
        env.query("SELECT summary FROM statements WHERE key = 'my-3'"),
        [["Said my-3 again."]]
    );
    assert_eq!(keys_of(&env, "theirs"), [["their-1"]]);
    assert_eq!(
        env.query("SELECT count(*) FROM statements WHERE dataset_id = 1"),
        built_in
    );
    // Seeding the built-in data again leaves the directories' rows alone.
    env.ok(&["seed"]);
    assert_eq!(keys_of(&env, "mine"), [["my-1"], ["my-3"]]);
    assert_eq!(keys_of(&env, "theirs"), [["their-1"]]);
}

#[test]
fn a_row_another_dataset_refers_to_is_not_removed_and_the_refusal_names_the_rows() {
    let env = Env::new();
    env.ok(&["seed"]);
    let mine = statements_alone(&env, "mine", &statements_of(&["my-1"]));
    fs::write(
        mine.join("actors.csv"),
        "key,name,kind\nme,Me,person\nalso-me,Also me,person\n",
    )
    .unwrap();
    env.ok(&["seed", mine.to_str().unwrap()]);
    let theirs = statements_alone(
        &env,
        "theirs",
        "their-1,me,2020-10-10,announce,none,Said.,src-allegretti-2020\n",
    );
    env.ok(&["seed", theirs.to_str().unwrap()]);
    fs::write(
        mine.join("actors.csv"),
        "key,name,kind\nalso-me,Also me,person\n",
    )
    .unwrap();
    let before = fs::read(env.db()).unwrap();
    let err = env.fails(&["seed", mine.to_str().unwrap()]);
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/actors.csv: cannot remove the rows no longer in the file while other rows refer to them: statements 'their-1' (dataset 'theirs') refers to actors 'me'\n",
            mine.display()
        )
    );
    assert_eq!(fs::read(env.db()).unwrap(), before);
}

#[test]
fn a_refusal_names_each_referring_row_once_and_on_one_line() {
    let env = Env::new();
    env.ok(&["seed"]);
    let mine = env.path("mine");
    fs::create_dir_all(&mine).unwrap();
    fs::write(mine.join("actors.csv"), "key,name,kind\nme,Me,person\n").unwrap();
    env.ok(&["seed", mine.to_str().unwrap()]);
    // A child refers to `me` twice (its parent, and the root the loader derives); an alias holds
    // a line break and a quote, and a second alias is long.
    let theirs = env.path("theirs");
    fs::create_dir_all(&theirs).unwrap();
    fs::write(
        theirs.join("actors.csv"),
        "key,name,kind,parent\nchild,Child,person,me\n",
    )
    .unwrap();
    let long = "x".repeat(100);
    fs::write(
        theirs.join("actor_aliases.csv"),
        format!("actor,alias\nme,\"Me's\nfirst\"\nme,{long}\n"),
    )
    .unwrap();
    env.ok(&["seed", theirs.to_str().unwrap()]);
    fs::write(mine.join("actors.csv"), "key,name,kind\n").unwrap();
    let before = fs::read(env.db()).unwrap();
    let err = env.fails(&["seed", mine.to_str().unwrap(), "--allow-removals"]);
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/actors.csv: cannot remove the rows no longer in the file while other rows refer to them: \
             actors 'child' (dataset 'theirs') refers to actors 'me', \
             actor_aliases (me, Me's\\nfirst) (dataset 'theirs') refers to actors 'me', \
             actor_aliases (me, {}\u{2026} (100 bytes)) (dataset 'theirs') refers to actors 'me'\n",
            mine.display(),
            "x".repeat(40)
        )
    );
    assert_eq!(fs::read(env.db()).unwrap(), before);
}

#[test]
fn a_reseed_that_would_remove_most_of_a_table_is_refused_unless_allowed() {
    let env = Env::new();
    env.ok(&["seed"]);
    let mine = statements_alone(&env, "mine", &statements_of(&["my-1", "my-2", "my-3"]));
    env.ok(&["seed", mine.to_str().unwrap()]);
    // Cut short: one row of three left.
    fs::write(
        mine.join("statements.csv"),
        format!(
            "key,speaker,said_on,kind,stance,summary,source\n{}",
            statements_of(&["my-1"])
        ),
    )
    .unwrap();
    let before = fs::read(env.db()).unwrap();
    let err = env.fails(&["seed", mine.to_str().unwrap()]);
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/statements.csv: would remove 2 of the 3 rows of statements in dataset \"mine\", more than half: is the file emptied or cut short? If the rows are meant to go, seed again with --allow-removals\n",
            mine.display()
        )
    );
    assert_eq!(fs::read(env.db()).unwrap(), before);
    env.ok(&["seed", mine.to_str().unwrap(), "--allow-removals"]);
    assert_eq!(keys_of(&env, "mine"), [["my-1"]]);
}

#[test]
fn a_dry_run_says_what_it_would_change_naming_the_first_rows_and_writes_nothing() {
    let env = Env::new();
    env.ok(&["seed"]);
    let mine = statements_alone(&env, "mine", &statements_of(&["my-1", "my-2", "my-3"]));
    env.ok(&["seed", mine.to_str().unwrap()]);
    fs::write(
        mine.join("statements.csv"),
        format!(
            "key,speaker,said_on,kind,stance,summary,source\n{}",
            statements_of(&["my-1", "my-3", "my-4"])
        ),
    )
    .unwrap();
    let files = |env: &Env| {
        ["conflict.db", "conflict.db-wal"].map(|name| fs::read(env.path(name)).unwrap_or_default())
    };
    let before = files(&env);
    let (code, out, err) = env.run(&["seed", mine.to_str().unwrap(), "--dry-run"]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    assert!(
        err.starts_with("conflictdb: dry run: conflict.db is unchanged; seeding would load\n"),
        "{err}"
    );
    // my-2 goes, my-4 comes, my-1 and my-3 stay as they are.
    assert!(
        err.ends_with(
            "conflictdb: what the seed would do to dataset \"mine\":\n\
             \x20 table           added    changed    removed  unchanged\n\
             \x20 statements          1          0          1          2\n\
             \x20 statements: added 'my-4'; removed 'my-2'\n"
        ),
        "{err}"
    );
    assert!(
        files(&env) == before,
        "the dry run changed the database's files"
    );
    assert_eq!(keys_of(&env, "mine"), [["my-1"], ["my-2"], ["my-3"]]);
    // Into a file that does not exist: none is made.
    let whole = env.seed_dir("whole", None);
    let (code, _, err) = env.run(&[
        "--db",
        "new.db",
        "seed",
        whole.to_str().unwrap(),
        "--dry-run",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(!env.path("new.db").exists());
    env.ok(&["seed", mine.to_str().unwrap()]);
    assert_eq!(keys_of(&env, "mine"), [["my-1"], ["my-3"], ["my-4"]]);
}

#[test]
fn every_dataset_records_its_format_licence_and_the_credit_its_rows_carry() {
    let env = Env::new();
    env.ok(&["seed"]);
    let conn = Connection::open(env.db()).unwrap();
    let (format, attribution, citation): (String, String, String) = conn
        .query_row(
            "SELECT format, attribution, citation FROM datasets WHERE name = 'built-in'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(format, "seed");
    assert_eq!(attribution, conflictdb::attribution::SEED.line);
    assert_eq!(citation, conflictdb::attribution::SEED.citation);
    let files: i64 = conn
        .query_row(
            "SELECT count(*) FROM dataset_files WHERE dataset_id = 1 AND format = 'seed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(files, conflictdb::schema::TABLES.len() as i64);
}
