//! Seeding a dataset again from files whose bytes are the ones last loaded (issue 13, point 7):
//! their rows are checked but not compared with the stored ones, which is safe only while nothing
//! else wrote to the dataset's rows. `datasets.edited_since_load` records such a write (the
//! triggers of migrations/V13__edits_since_load.sql); these tests make the writes with the
//! sqlite3 shell, as a user would (foreign keys off, its default), and seed with the binary.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::{seed_summary, Env, REPO};

/// Each dataset's `edited_since_load`, by name.
fn edited(env: &Env) -> BTreeMap<String, String> {
    env.query("SELECT name, edited_since_load FROM datasets ORDER BY id")
        .into_iter()
        .map(|row| (row[0].clone(), row[1].clone()))
        .collect()
}

/// Seeds `dir` into the test's database; the summary.
fn seed(env: &Env, dir: &str) -> BTreeMap<String, Vec<u64>> {
    let (code, _, err) = env.run(&["seed", dir]);
    assert_eq!(code, 0, "{err}");
    seed_summary(&err).into_iter().collect()
}

/// The tables the summary says the seed added, changed or removed rows of.
fn written(did: &BTreeMap<String, Vec<u64>>) -> Vec<(String, Vec<u64>)> {
    did.iter()
        .filter(|(_, counts)| counts[..3] != [0, 0, 0])
        .map(|(table, counts)| (table.clone(), counts[..3].to_vec()))
        .collect()
}

/// Writes `file` of `dir` again, its records as `change` leaves them.
fn rewrite(
    dir: &str,
    file: &str,
    change: &dyn Fn(&csv::StringRecord, &mut Vec<csv::StringRecord>),
) {
    let path = Path::new(dir).join(file);
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let header = reader.headers().unwrap().clone();
    let mut records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    change(&header, &mut records);
    let mut writer = csv::Writer::from_path(&path).unwrap();
    writer.write_record(&header).unwrap();
    for record in &records {
        writer.write_record(record).unwrap();
    }
    writer.flush().unwrap();
}

/// Sets field `column` of record `at` to `text`.
fn retitle(records: &mut [csv::StringRecord], at: usize, column: usize, text: &str) {
    let mut fields: Vec<String> = records[at].iter().map(String::from).collect();
    fields[column] = text.to_string();
    records[at] = csv::StringRecord::from(fields);
}

fn one(env: &Env, sql: &str) -> String {
    env.query(sql)[0][0].clone()
}

#[test]
fn a_hand_edit_between_two_seeds_of_unchanged_files_is_undone_by_the_second() {
    let env = Env::new();
    let dir = env.synth(60, 3, "mine");
    seed(&env, &dir);
    let title = one(&env, "SELECT title FROM events WHERE id = 5");
    assert_eq!(edited(&env)["mine"], "0");
    // Unchanged files, nothing edited: nothing written.
    let did = seed(&env, &dir);
    assert!(did.len() > 20, "{did:?}");
    assert_eq!(written(&did), []);

    env.sqlite3("UPDATE events SET title = 'Edited by hand' WHERE id = 5");
    assert_eq!(edited(&env)["mine"], "1");
    let did = seed(&env, &dir);
    assert_eq!(written(&did), [("events".to_string(), vec![0, 1, 0])]);
    assert_eq!(one(&env, "SELECT title FROM events WHERE id = 5"), title);
    assert_eq!(edited(&env)["mine"], "0");
    // The search index follows the row back.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute(
        "INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .unwrap();
    assert_eq!(
        one(
            &env,
            "SELECT count(*) FROM events_fts WHERE events_fts MATCH '\"Edited\"'"
        ),
        "0"
    );
}

#[test]
fn a_row_added_or_deleted_by_hand_is_undone_by_seeding_unchanged_files_again() {
    let env = Env::new();
    let dir = env.synth(40, 5, "mine");
    seed(&env, &dir);
    let statements = one(&env, "SELECT count(*) FROM statements");
    // A statement of the dataset added, and an event link of it deleted, in the sqlite3 shell.
    env.sqlite3(
        "CREATE TEMP TABLE copy AS SELECT * FROM statements WHERE id = 1;
         UPDATE copy SET id = NULL, key = 'added-by-hand', summary = 'Added by hand.';
         INSERT INTO statements SELECT * FROM copy;",
    );
    assert_eq!(edited(&env)["mine"], "1");
    let did = seed(&env, &dir);
    assert_eq!(written(&did), [("statements".to_string(), vec![0, 0, 1])]);
    assert_eq!(one(&env, "SELECT count(*) FROM statements"), statements);
    assert_eq!(
        one(
            &env,
            "SELECT count(*) FROM statements WHERE key = 'added-by-hand'"
        ),
        "0"
    );
    let actors = one(&env, "SELECT count(*) FROM event_actors");
    env.sqlite3(
        "DELETE FROM event_actors WHERE (event_id, actor_id, role) =
         (SELECT event_id, actor_id, role FROM event_actors LIMIT 1)",
    );
    let did = seed(&env, &dir);
    assert_eq!(written(&did), [("event_actors".to_string(), vec![1, 0, 0])]);
    assert_eq!(one(&env, "SELECT count(*) FROM event_actors"), actors);
    assert_eq!(edited(&env)["mine"], "0");
}

#[test]
fn a_referenced_row_given_a_new_id_by_hand_marks_every_dataset_and_the_next_seed_follows_it() {
    let env = Env::new();
    env.ok(&["seed"]);
    let dir = env.path("mine");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("statements.csv"),
        "key,speaker,said_on,kind,stance,summary,source\nmy-1,lavrov,2020-10-10,announce,none,Said this.,src-allegretti-2020\n",
    )
    .unwrap();
    let dir = dir.to_str().unwrap();
    seed(&env, dir);
    assert_eq!(edited(&env).values().collect::<Vec<_>>(), ["0", "0"]);
    // The built-in actor gets a new id; the shell's foreign keys are off, so the statement of
    // the other dataset is left pointing at the old one.
    env.sqlite3("UPDATE actors SET id = 99999 WHERE key = 'lavrov'");
    assert_eq!(edited(&env).values().collect::<Vec<_>>(), ["1", "1"]);
    let did = seed(&env, dir);
    assert_eq!(written(&did), [("statements".to_string(), vec![0, 1, 0])]);
    assert_eq!(
        one(
            &env,
            "SELECT actors.key FROM statements JOIN actors ON actors.id = statements.speaker_id
             WHERE statements.key = 'my-1'"
        ),
        "lavrov"
    );
    assert_eq!(edited(&env)["mine"], "0");
    assert_eq!(edited(&env)["built-in"], "1");
}

#[test]
fn unchanged_files_are_trusted_only_while_the_mark_says_nothing_was_edited() {
    // What the mark stands for: with it cleared by hand after an edit, a seed of unchanged files
    // does not compare their rows, and the edit stays. (The triggers are the only writer of the
    // mark besides the loader; clearing it by hand is shown here to pin down what is skipped.)
    let env = Env::new();
    let dir = env.synth(30, 2, "mine");
    seed(&env, &dir);
    env.sqlite3(
        "UPDATE events SET title = 'Edited by hand' WHERE id = 2;
         UPDATE datasets SET edited_since_load = 0 WHERE name = 'mine';",
    );
    let did = seed(&env, &dir);
    assert_eq!(written(&did), []);
    assert_eq!(
        one(&env, "SELECT title FROM events WHERE id = 2"),
        "Edited by hand"
    );
    // A changed file is read, but its rows that the last load stored as given are still not
    // compared (src/seed/fingerprint.rs): another title edited in it, only that row is written.
    let events = Path::new(&dir).join("events.csv");
    let mut reader = csv::Reader::from_path(&events).unwrap();
    let header = reader.headers().unwrap().clone();
    let mut records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let title = header.iter().position(|h| h == "title").unwrap();
    let mut edited: Vec<String> = records[9].iter().map(String::from).collect();
    edited[title].push_str(" (edited)");
    records[9] = csv::StringRecord::from(edited);
    let mut writer = csv::Writer::from_path(&events).unwrap();
    writer.write_record(&header).unwrap();
    for record in &records {
        writer.write_record(record).unwrap();
    }
    writer.flush().unwrap();
    let did = seed(&env, &dir);
    assert_eq!(written(&did), [("events".to_string(), vec![0, 1, 0])]);
    assert_eq!(
        one(&env, "SELECT title FROM events WHERE id = 2"),
        "Edited by hand"
    );
    // With the mark set, as the triggers leave it, every row is compared, and the edit undone.
    env.sqlite3("UPDATE events SET title = 'Edited by hand' WHERE id = 3");
    let did = seed(&env, &dir);
    assert_eq!(written(&did), [("events".to_string(), vec![0, 2, 0])]);
    assert_ne!(
        one(&env, "SELECT title FROM events WHERE id = 2"),
        "Edited by hand"
    );
}

#[test]
fn a_database_of_an_older_version_migrates_with_every_dataset_holding_rows_marked_edited() {
    let env = Env::new();
    {
        let conn = rusqlite::Connection::open(env.db()).unwrap();
        let sql =
            std::fs::read_to_string(Path::new(REPO).join("tests/fixtures/version-3.sql")).unwrap();
        conn.execute_batch(&sql).unwrap();
        conn.pragma_update(None, "application_id", conflictdb::db::APPLICATION_ID)
            .unwrap();
        conn.pragma_update(None, "user_version", 3).unwrap();
    }
    env.ok(&["migrate"]);
    assert_eq!(edited(&env)["built-in"], "1");
    // The first seed compares every row, and leaves the mark cleared.
    env.ok(&["seed"]);
    assert_eq!(edited(&env)["built-in"], "0");
    // A new database's built-in dataset, before any row is loaded, is not marked.
    let fresh = Env::new();
    fresh.ok(&["migrate"]);
    assert_eq!(edited(&fresh)["built-in"], "0");
}

#[test]
fn the_search_indexes_follow_a_seed_that_changes_adds_and_removes_rows_of_indexed_tables() {
    // Nothing edited by hand: the indexes are kept in step row by row (src/seed/search_rows.rs),
    // not built again; FTS5's integrity check compares each with its table.
    let env = Env::new();
    let dir = env.synth(40, 9, "mine");
    seed(&env, &dir);
    let rewrite = |file: &str, change: &dyn Fn(&csv::StringRecord, &mut Vec<csv::StringRecord>)| {
        rewrite(&dir, file, change)
    };
    rewrite("events.csv", &|header, records| {
        let title = header.iter().position(|h| h == "title").unwrap();
        let key = header.iter().position(|h| h == "key").unwrap();
        retitle(records, 3, title, "Zanzibarian standoff");
        let mut fields: Vec<String> = records[5].iter().map(String::from).collect();
        fields[key] = "new-event".into();
        fields[title] = "Quixotic parley".into();
        records.push(csv::StringRecord::from(fields));
    });
    rewrite("statements.csv", &|header, records| {
        let summary = header.iter().position(|h| h == "summary").unwrap();
        retitle(records, 0, summary, "Xylophonic remark");
        records.remove(7);
    });
    let did = seed(&env, &dir);
    assert_eq!(did["events"][..3], [1, 1, 0], "{did:?}");
    assert_eq!(did["statements"][..3], [0, 1, 1], "{did:?}");
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    for index in ["events_fts", "statements_fts", "sources_fts"] {
        conn.execute(
            &format!("INSERT INTO {index} ({index}, rank) VALUES ('integrity-check', 1)"),
            [],
        )
        .unwrap_or_else(|e| panic!("{index}: {e}"));
    }
    let found = |sql: &str| one(&env, sql);
    assert_eq!(
        found("SELECT count(*) FROM events_fts WHERE events_fts MATCH 'zanzibarian'"),
        "1"
    );
    assert_eq!(
        found("SELECT count(*) FROM events_fts WHERE events_fts MATCH 'quixotic'"),
        "1"
    );
    assert_eq!(
        found("SELECT count(*) FROM statements_fts WHERE statements_fts MATCH 'xylophonic'"),
        "1"
    );
}

#[test]
fn a_loop_closed_by_a_changed_row_through_stored_rows_is_refused_without_walking_the_table() {
    // Nothing edited by hand, so only the rows the seed writes are walked from (self_refs.rs);
    // the loop runs through a stored row the file does not change.
    let env = Env::new();
    let dir = env.synth(60, 4, "mine");
    seed(&env, &dir);
    let events = Path::new(&dir).join("events.csv");
    let mut reader = csv::Reader::from_path(&events).unwrap();
    let header = reader.headers().unwrap().clone();
    let mut records: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let (key, parent) = (
        header.iter().position(|h| h == "key").unwrap(),
        header.iter().position(|h| h == "parent").unwrap(),
    );
    // A child and its parent: the parent made the child's child.
    let child = records.iter().position(|r| !r[parent].is_empty()).unwrap();
    let parent_key = records[child][parent].to_string();
    let child_key = records[child][key].to_string();
    let at = records.iter().position(|r| r[key] == parent_key).unwrap();
    let mut fields: Vec<String> = records[at].iter().map(String::from).collect();
    fields[parent] = child_key.clone();
    records[at] = csv::StringRecord::from(fields);
    let mut writer = csv::Writer::from_path(&events).unwrap();
    writer.write_record(&header).unwrap();
    for record in &records {
        writer.write_record(record).unwrap();
    }
    writer.flush().unwrap();
    let before = std::fs::read(env.db()).unwrap();
    let err = env.fails(&["seed", &dir]);
    assert!(
        err.contains(&format!(
            "events.csv:{}:{}: parent \"{child_key}\": closes a cycle",
            at + 2,
            parent + 1
        )),
        "{err}"
    );
    assert_eq!(std::fs::read(env.db()).unwrap(), before);
}

/// A load drops the edit triggers while it writes and makes them again before it commits: they
/// are there, as they were, after it, and its own writes mark no dataset, not even where a
/// hand edit of the same row would mark every one (a statement deleted).
#[test]
fn a_reseed_keeps_the_edit_triggers_and_marks_no_other_dataset() {
    let env = Env::new();
    env.ok(&["seed"]);
    let mine = env.path("mine");
    std::fs::create_dir_all(&mine).unwrap();
    let header = "key,speaker,said_on,kind,stance,summary,source\n";
    let row =
        |key: &str| format!("{key},lavrov,2020-10-10,announce,none,Said.,src-allegretti-2020\n");
    std::fs::write(
        mine.join("statements.csv"),
        format!("{header}{}{}", row("my-1"), row("my-2")),
    )
    .unwrap();
    let mine = mine.to_str().unwrap();
    seed(&env, mine);
    let triggers = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name";
    let before = env.query(triggers);
    assert!(before.len() > 20, "{before:?}");

    std::fs::write(
        env.path("mine").join("statements.csv"),
        format!("{header}{}", row("my-1")),
    )
    .unwrap();
    let did = seed(&env, mine);
    assert_eq!(written(&did), [("statements".to_string(), vec![0, 0, 1])]);
    assert_eq!(env.query(triggers), before);
    let unmarked: BTreeMap<String, String> = [("built-in", "0"), ("mine", "0")]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
    assert_eq!(edited(&env), unmarked);
    // The same deletion by hand marks every dataset: the triggers are there.
    env.sqlite3("DELETE FROM statements WHERE key = 'my-1'");
    let marked: BTreeMap<String, String> = [("built-in", "1"), ("mine", "1")]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .into();
    assert_eq!(edited(&env), marked);
}

#[test]
fn a_row_changed_only_in_columns_its_search_index_does_not_hold_leaves_the_index_as_it_was() {
    // A corrected note (or date, or figure) is not searched: the index of events gains no
    // segment and loses none, and still passes FTS5's integrity check. (Its structure record
    // starts with a counter of changes to its settings, which every load sets and sets back.)
    let env = Env::new();
    let dir = env.synth(40, 9, "mine");
    seed(&env, &dir);
    let index = |env: &Env| {
        env.query(
            "SELECT id, CASE id WHEN 10 THEN substr(hex(block), 9) ELSE hex(block) END
             FROM events_fts_data ORDER BY id",
        )
        .into_iter()
        .map(|row| row.join(":"))
        .collect::<Vec<_>>()
    };
    let before = index(&env);
    rewrite(&dir, "events.csv", &|header, records| {
        let notes = header.iter().position(|h| h == "notes").unwrap();
        retitle(records, 3, notes, "A corrected note.");
    });
    let did = seed(&env, &dir);
    assert_eq!(written(&did), [("events".to_string(), vec![0, 1, 0])]);
    assert_eq!(
        one(
            &env,
            "SELECT count(*) FROM events WHERE notes = 'A corrected note.'"
        ),
        "1"
    );
    assert_eq!(index(&env), before);
    rusqlite::Connection::open(env.db())
        .unwrap()
        .execute(
            "INSERT INTO events_fts (events_fts, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .unwrap();
}
