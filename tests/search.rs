//! `conflictdb search` when there are more matches than it shows or ranks: the count of matches
//! on standard error, the bounded ranking (`--ranked`), and the order it gives, compared with
//! bm25 computed by SQLite over every match.

use crate::common::{csv_rows, Env};

/// The keys of the statements matching `word`, best first by bm25 over every match (equal scores
/// by key, as `search` orders them), with their row ids.
fn ranked_by_sqlite(env: &Env, word: &str) -> Vec<(String, i64)> {
    env.query(&format!(
        "SELECT statements.key, statements.id FROM statements_fts
         JOIN statements ON statements.id = statements_fts.rowid
         WHERE statements_fts MATCH '{word}'
         ORDER BY bm25(statements_fts), statements.key"
    ))
    .into_iter()
    .map(|row| (row[0].clone(), row[1].parse().unwrap()))
    .collect()
}

#[test]
fn search_says_how_many_matched_when_it_shows_fewer() {
    let env = Env::new();
    env.ok(&["seed"]);
    let count = |index: &str| -> usize {
        env.query(&format!(
            "SELECT count(*) FROM {index} WHERE {index} MATCH 'ceasefire'"
        ))[0][0]
            .parse()
            .unwrap()
    };
    let (events, statements, sources) = (
        count("events_fts"),
        count("statements_fts"),
        count("sources_fts"),
    );
    assert!(events > 3 && statements > 3 && sources > 0);
    let (code, out, err) = env.run(&["search", "ceasefire", "--limit", "3", "--format", "csv"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(csv_rows(&out).len(), 3, "{out}");
    assert_eq!(
        err,
        format!(
            "conflictdb: search: {} matches (events {events}, statements {statements}, sources {sources}), showing the best 3 (--limit N for more)\n",
            events + statements + sources
        )
    );
    // Every match shown: nothing to say.
    let (code, out, err) = env.run(&[
        "search",
        "ceasefire",
        "--in",
        "statements",
        "--limit",
        "1000",
        "--format",
        "csv",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(csv_rows(&out).len(), statements, "{out}");
    assert_eq!(err, "");
}

#[test]
fn search_ranks_the_first_matches_loaded_when_there_are_more_than_ranked() {
    let env = Env::new();
    env.ok(&["seed"]);
    let all = ranked_by_sqlite(&env, "ceasefire");
    assert!(all.len() > 4, "{all:?}");
    let keys = |out: &str| -> Vec<String> { csv_rows(out).iter().map(|r| r[1].clone()).collect() };
    let search = |ranked: &str| {
        env.run(&[
            "search",
            "ceasefire",
            "--in",
            "statements",
            "--ranked",
            ranked,
            "--limit",
            "1000",
            "--format",
            "csv",
        ])
    };

    // Every match ranked (0, or a bound above the count): bm25's order over all of them.
    let everything: Vec<String> = all.iter().map(|(key, _)| key.clone()).collect();
    for ranked in ["0", "100000"] {
        let (code, out, err) = search(ranked);
        assert_eq!((code, err.as_str()), (0, ""), "--ranked {ranked}");
        assert_eq!(keys(&out), everything, "--ranked {ranked}");
        // The snippets, made in one pass over the index, each belong to their row.
        assert!(
            csv_rows(&out)
                .iter()
                .all(|r| r[3].to_lowercase().contains("**ceasefire**")),
            "{out}"
        );
    }

    // Only the first 3 loaded are ranked: the best of those, in bm25's order, and it says so.
    let mut first: Vec<i64> = all.iter().map(|(_, id)| *id).collect();
    first.sort();
    first.truncate(3);
    let expected: Vec<String> = all
        .iter()
        .filter(|(_, id)| first.contains(id))
        .map(|(key, _)| key.clone())
        .collect();
    let (code, out, err) = search("3");
    assert_eq!(code, 0, "{err}");
    assert_eq!(keys(&out), expected);
    assert_eq!(
        err,
        format!(
            "conflictdb: search: {n} matches (statements {n}), showing the best 3 (--limit N for more)\n\
             conflictdb: search: statements: the best of the first 3 matches loaded, of {n} (more words narrow the search; --ranked 0 ranks them all, about a second a million)\n",
            n = all.len()
        )
    );

    // A prefix: each row's snippet, made in that one pass, is the one SQLite makes for it.
    let (code, out, err) = env.run(&[
        "search",
        "violat*",
        "--in",
        "statements",
        "--ranked",
        "0",
        "--limit",
        "1000",
        "--format",
        "csv",
    ]);
    assert_eq!((code, err.as_str()), (0, ""));
    let found: Vec<(String, String)> = csv_rows(&out)
        .iter()
        .map(|r| (r[1].clone(), r[3].clone()))
        .collect();
    let expected: Vec<(String, String)> = env
        .query(
            "SELECT statements.key, snippet(statements_fts, -1, '**', '**', '…', 16)
             FROM statements_fts JOIN statements ON statements.id = statements_fts.rowid
             WHERE statements_fts MATCH 'violat*'
             ORDER BY bm25(statements_fts), statements.key",
        )
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    assert!(expected.len() > 1, "{expected:?}");
    assert_eq!(found, expected);
}

#[test]
fn the_indexes_gather_32_mb_of_terms_before_writing_and_stay_sound() {
    let env = Env::new();
    env.ok(&["seed"]);
    for index in ["events_fts", "statements_fts", "sources_fts"] {
        assert_eq!(
            env.query(&format!(
                "SELECT v FROM {index}_config WHERE k = 'hashsize'"
            )),
            [["33554432"]],
            "{index}"
        );
    }
    // SQLite's integrity check, which compares each index with its table.
    env.ok(&["check"]);
    assert_eq!(
        env.query("SELECT count(*) FROM events_fts WHERE events_fts MATCH 'ceasefire'"),
        env.query(
            "SELECT count(*) FROM events
             WHERE title LIKE '%ceasefire%' OR summary LIKE '%ceasefire%'"
        )
    );
}

/// A search index another tool dropped or damaged is said to be one, with where to look, and the
/// database is left as it was.
#[test]
fn a_search_index_dropped_or_damaged_by_another_tool_is_named_as_such() {
    let env = Env::new();
    env.seed_minimal();
    for (damage, cause) in [
        (
            "DELETE FROM events_fts_data WHERE id > 10",
            "fts5: corruption found reading blob",
        ),
        ("DROP TABLE events_fts", "no such table: events_fts"),
    ] {
        rusqlite::Connection::open(env.db())
            .unwrap()
            .execute_batch(damage)
            .unwrap();
        let before = std::fs::read(env.db()).unwrap();
        let err = env.fails(&["search", "ceasefire"]);
        let said = "conflictdb: cannot search conflict.db: its search indexes cannot be read (`conflictdb check` says which): ";
        assert!(
            err.starts_with(&format!("{said}{cause}")) && err.lines().count() == 1,
            "{err}"
        );
        assert_eq!(std::fs::read(env.db()).unwrap(), before);
    }
}
