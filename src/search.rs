//! Full-text search over event titles and summaries, statement summaries and quotes, and source
//! titles: the FTS5 indexes of migrations/V10__full_text_search.sql, kept in step by [`rebuild`]
//! (no triggers: a fresh load of millions of rows would pay for them row by row), and the query
//! `conflictdb search` runs, ranked by bm25 with a highlighted snippet.

use anyhow::{bail, Result};
use rusqlite::Connection;

/// Where to search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scope {
    Events,
    Statements,
    Sources,
}

/// The indexes, each over its table.
const INDEXES: [&str; 3] = ["events_fts", "statements_fts", "sources_fts"];

/// Builds every index again from its table, inside the caller's transaction. Called wherever
/// rows of these tables are written (the loader, `datasets remove`), at the end, once.
pub fn rebuild(conn: &Connection) -> rusqlite::Result<()> {
    for index in INDEXES {
        conn.execute(
            &format!("INSERT INTO {index} ({index}) VALUES ('rebuild')"),
            [],
        )?;
    }
    Ok(())
}

/// The FTS5 query for what a user typed: every word must appear (a word ending in `*` is a
/// prefix). Each word is quoted, so that punctuation (`Nagorno-Karabakh`, `don't`) is never
/// taken for FTS5's query syntax.
pub fn query_of(text: &str) -> Result<String> {
    let words: Vec<String> = text
        .split_whitespace()
        .filter_map(|word| {
            let (stem, prefix) = match word.strip_suffix('*') {
                Some(stem) => (stem, "*"),
                None => (word, ""),
            };
            let has_letters = stem.chars().any(char::is_alphanumeric);
            has_letters.then(|| format!("\"{}\"{prefix}", stem.replace('"', "\"\"")))
        })
        .collect();
    if words.is_empty() {
        bail!("search: {text:?} has no word to search for");
    }
    Ok(words.join(" "))
}

/// The SQL of a search in `scopes`: columns `found_in`, `key`, `title`, `snippet`, best match
/// first. Parameters: ?1 the FTS5 query, ?2 the most rows.
pub fn sql(scopes: &[Scope]) -> String {
    let parts: Vec<&str> = scopes
        .iter()
        .map(|scope| match scope {
            Scope::Events => {
                "SELECT 'event' AS found_in, events.key, events.title,
                        snippet(events_fts, -1, '**', '**', '…', 16) AS snippet,
                        bm25(events_fts) AS rank
                 FROM events_fts JOIN events ON events.id = events_fts.rowid
                 WHERE events_fts MATCH ?1"
            }
            Scope::Statements => {
                "SELECT 'statement' AS found_in, statements.key,
                        actors.name || ', ' || statements.said_on AS title,
                        snippet(statements_fts, -1, '**', '**', '…', 16) AS snippet,
                        bm25(statements_fts) AS rank
                 FROM statements_fts JOIN statements ON statements.id = statements_fts.rowid
                 JOIN actors ON actors.id = statements.speaker_id
                 WHERE statements_fts MATCH ?1"
            }
            Scope::Sources => {
                "SELECT 'source' AS found_in, sources.key, sources.title,
                        snippet(sources_fts, -1, '**', '**', '…', 16) AS snippet,
                        bm25(sources_fts) AS rank
                 FROM sources_fts JOIN sources ON sources.id = sources_fts.rowid
                 WHERE sources_fts MATCH ?1"
            }
        })
        .collect();
    format!(
        "SELECT found_in, key, title, snippet FROM (\n{}\n) ORDER BY rank, found_in, key LIMIT ?2",
        parts.join("\nUNION ALL\n")
    )
}
