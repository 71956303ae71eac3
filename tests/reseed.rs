//! Seeding a dataset again (issue 13, points 7-8 and what points 1-6 left open): the file merged
//! with the stored rows gives the database a fresh seed of the same files would give, whatever
//! order the rows come in; every file's hash is recorded; a dry run of an older database writes
//! nothing; a link row belongs to one dataset.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use rusqlite::Connection;

use crate::common::{exported, read_csv, seed_summary, write_csv, Env, REPO};

#[test]
fn a_reseed_with_rows_moved_added_edited_and_removed_stores_what_a_fresh_seed_of_the_files_does() {
    let env = Env::new();
    let dir = env.synth(60, 7, "s");
    let dir = Path::new(&dir);
    env.ok(&["--db", "old.db", "seed", dir.to_str().unwrap()]);

    // Events: the first (a parent of later ones) moved to the end, so that they refer to it
    // further down the file; a new event put in the middle; one title edited.
    let (header, mut events) = read_csv(&dir.join("events.csv"));
    let first = events.remove(0);
    events.push(first);
    let mut new = events[3].clone();
    new[0] = "new-event-1".into();
    new[7] = String::new();
    events.insert(4, new);
    events[10][1].push_str(" (edited)");
    write_csv(&dir.join("events.csv"), &header, &events);
    // Statements: two removed, two swapped.
    let (header, mut statements) = read_csv(&dir.join("statements.csv"));
    let removed = [
        statements.remove(5)[0].clone(),
        statements.remove(2)[0].clone(),
    ];
    statements.swap(0, 1);
    write_csv(&dir.join("statements.csv"), &header, &statements);
    // Event actors: in reverse order, the first removed.
    let (header, mut actors) = read_csv(&dir.join("event_actors.csv"));
    actors.remove(0);
    actors.reverse();
    write_csv(&dir.join("event_actors.csv"), &header, &actors);

    let (code, _, err) = env.run(&["--db", "old.db", "seed", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let did: BTreeMap<String, Vec<u64>> = seed_summary(&err).into_iter().collect();
    assert_eq!(did["events"][..3], [1, 1, 0], "{err}");
    assert_eq!(did["statements"][..3], [0, 0, 2], "{err}");
    assert_eq!(did["event_actors"][..3], [0, 0, 1], "{err}");
    for key in removed {
        let sql = format!("SELECT count(*) FROM statements WHERE key = '{key}'");
        let left = env.ok(&["--db", "old.db", "query", &sql, "--format", "csv"]);
        assert_eq!(left, "count(*)\n0\n", "{key}");
    }
    env.ok(&["--db", "new.db", "seed", dir.to_str().unwrap()]);
    assert_eq!(
        exported(&env, "old.db", "old-export"),
        exported(&env, "new.db", "new-export")
    );

    // The same files again: nothing added, changed or removed.
    let (code, _, err) = env.run(&["--db", "old.db", "seed", dir.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let did = seed_summary(&err);
    assert!(did.len() > 10, "{err}");
    for (table, counts) in did {
        assert_eq!(counts[..3], [0, 0, 0], "{table}: {err}");
    }
}

/// The hash recorded for each file of `dataset`, by file name.
fn hashes(env: &Env, dataset: &str) -> BTreeMap<String, String> {
    let conn = Connection::open(env.db()).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT file, hash FROM dataset_files JOIN datasets ON datasets.id = dataset_id
             WHERE datasets.name = ?1",
        )
        .unwrap();
    stmt.query_map([dataset], |row| {
        Ok((row.get(0)?, row.get::<_, Option<String>>(1)?))
    })
    .unwrap()
    .map(|row| {
        let (file, hash): (String, Option<String>) = row.unwrap();
        (file, hash.unwrap_or_default())
    })
    .collect()
}

#[test]
fn every_file_s_hash_is_recorded_and_changes_when_the_file_does() {
    let env = Env::new();
    env.ok(&["seed"]);
    let built_in = hashes(&env, "built-in");
    assert_eq!(built_in.len(), conflictdb::schema::TABLES.len());
    for (file, hash) in &built_in {
        assert!(
            hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()),
            "{file}: {hash:?}"
        );
    }
    let dir = env.path("mine");
    fs::create_dir_all(&dir).unwrap();
    let statements = |summary: &str| {
        format!(
            "key,speaker,said_on,kind,stance,summary,source\nmy-1,lavrov,2020-10-10,announce,none,{summary},src-allegretti-2020\n"
        )
    };
    fs::write(dir.join("statements.csv"), statements("Said this.")).unwrap();
    env.ok(&["seed", dir.to_str().unwrap()]);
    let first = hashes(&env, "mine");
    fs::write(dir.join("statements.csv"), statements("Said that.")).unwrap();
    env.ok(&["seed", dir.to_str().unwrap()]);
    let second = hashes(&env, "mine");
    assert_ne!(first["statements.csv"], second["statements.csv"]);
    // The files left out (tables without rows) are as they were.
    let others = |h: &BTreeMap<String, String>| {
        h.iter()
            .filter(|(file, _)| *file != "statements.csv")
            .map(|(f, h)| (f.clone(), h.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(others(&first), others(&second));
    // The same bytes again, the same hash; the built-in files' hashes are as they were.
    fs::write(dir.join("statements.csv"), statements("Said this.")).unwrap();
    env.ok(&["seed", dir.to_str().unwrap()]);
    assert_eq!(hashes(&env, "mine"), first);
    assert_eq!(hashes(&env, "built-in"), built_in);
}

#[test]
fn a_dry_run_on_a_database_of_an_older_schema_refuses_and_leaves_every_file_as_it_was() {
    let env = Env::new();
    {
        let conn = Connection::open(env.db()).unwrap();
        let sql = fs::read_to_string(Path::new(REPO).join("tests/fixtures/version-3.sql")).unwrap();
        conn.execute_batch(&sql).unwrap();
        conn.pragma_update(None, "application_id", conflictdb::db::APPLICATION_ID)
            .unwrap();
        conn.pragma_update(None, "user_version", 3).unwrap();
    }
    let files = |env: &Env| -> BTreeMap<String, Vec<u8>> {
        fs::read_dir(env.dir.path())
            .unwrap()
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.is_file())
            .map(|path| {
                let name = path.file_name().unwrap().to_str().unwrap().to_string();
                (name, fs::read(&path).unwrap())
            })
            .collect()
    };
    let before = files(&env);
    let dir = env.path("mine");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("statements.csv"),
        "key,speaker,said_on,kind,stance,summary,source\nmy-1,lavrov,2020-10-10,announce,none,Said.,src-allegretti-2020\n",
    )
    .unwrap();
    let err = env.fails(&["seed", dir.to_str().unwrap(), "--dry-run"]);
    assert_eq!(
        err,
        format!(
            "conflictdb: conflict.db: a dry run writes nothing, but this database has schema version 3 and this conflictdb needs {}: run `conflictdb migrate` first, then the dry run\n",
            conflictdb::db::latest_version()
        )
    );
    let after = files(&env);
    assert!(
        after == before,
        "the dry run changed the directory: {:?} against {:?}",
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
}

#[test]
fn a_link_row_another_dataset_holds_is_refused_naming_that_dataset() {
    let env = Env::new();
    env.ok(&["seed"]);
    let dir = env.path("mine");
    fs::create_dir_all(&dir).unwrap();
    // The built-in data has this alias of this actor already.
    fs::write(
        dir.join("actor_aliases.csv"),
        "actor,alias\nturkey,Ankara\nturkey,Türkiye\n",
    )
    .unwrap();
    let before = fs::read(env.db()).unwrap();
    let err = env.fails(&["seed", dir.to_str().unwrap()]);
    assert_eq!(
        err,
        format!(
            "conflictdb: {}/actor_aliases.csv:3:1: actor \"turkey\": is in a row of dataset \"built-in\" already (the same actor and alias): a row belongs to one dataset; leave it out of this file, or out of that dataset's\n",
            dir.display()
        )
    );
    assert_eq!(fs::read(env.db()).unwrap(), before);
    // Without it, the dataset's own alias loads.
    fs::write(
        dir.join("actor_aliases.csv"),
        "actor,alias\nturkey,Ankara\n",
    )
    .unwrap();
    env.ok(&["seed", dir.to_str().unwrap()]);
    assert_eq!(
        env.query(
            "SELECT datasets.name FROM actor_aliases JOIN datasets ON datasets.id = dataset_id
             WHERE alias = 'Ankara'"
        ),
        [["mine"]]
    );
}
