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

/// The indexes, each with the table it indexes and the columns it holds.
const INDEXES: [(&str, &str, &str); 3] = [
    ("events_fts", "events", "title, summary"),
    ("statements_fts", "statements", "summary, quote"),
    ("sources_fts", "sources", "title"),
];

/// The index of `table`, if it has one, and the columns it holds: (index, "col, col").
pub fn index_of(table: &str) -> Option<(&'static str, &'static str)> {
    INDEXES
        .iter()
        .find(|(_, t, _)| *t == table)
        .map(|(index, _, columns)| (*index, *columns))
}

/// Builds the indexes again from their tables, inside the caller's transaction: those of the
/// tables in `touched`, or all of them (None). Called wherever rows of these tables are written
/// (the loader, `datasets remove`), at the end, once. A rebuild reads the whole table (14 to 16 s
/// for a million events with their two million statements, benches/search.rs), so a re-seed that
/// changed no row of a table leaves its index as it is.
pub fn rebuild(conn: &Connection, touched: Option<&[&str]>) -> rusqlite::Result<()> {
    for (index, table, _) in INDEXES {
        if touched.is_none_or(|tables| tables.contains(&table)) {
            conn.execute(
                &format!("INSERT INTO {index} ({index}) VALUES ('rebuild')"),
                [],
            )?;
        }
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
///
/// Each index is asked for its best rows on its own (`ORDER BY rank LIMIT`, which FTS5 answers
/// itself: it ranks every match but builds a snippet and joins the table only for the rows
/// returned), and only those are merged: a word found in most of a million events costs a ranking,
/// not a million joins and snippets.
pub fn sql(scopes: &[Scope]) -> String {
    let parts: Vec<String> = scopes
        .iter()
        .map(|scope| {
            let (index, found_in, table, key, title, join) = match scope {
                Scope::Events => (
                    "events_fts",
                    "event",
                    "events",
                    "events.key",
                    "events.title",
                    "",
                ),
                Scope::Statements => (
                    "statements_fts",
                    "statement",
                    "statements",
                    "statements.key",
                    "actors.name || ', ' || statements.said_on",
                    "JOIN actors ON actors.id = statements.speaker_id",
                ),
                Scope::Sources => (
                    "sources_fts",
                    "source",
                    "sources",
                    "sources.key",
                    "sources.title",
                    "",
                ),
            };
            format!(
                "SELECT * FROM (
    SELECT '{found_in}' AS found_in, {key} AS key, {title} AS title, found.snippet, found.rank
    FROM (SELECT rowid, snippet({index}, -1, '**', '**', '…', 16) AS snippet, rank
          FROM {index} WHERE {index} MATCH ?1 ORDER BY rank LIMIT ?2) AS found
    JOIN {table} ON {table}.id = found.rowid {join})"
            )
        })
        .collect();
    format!(
        "SELECT found_in, key, title, snippet FROM (\n{}\n) ORDER BY rank, found_in, key LIMIT ?2",
        parts.join("\nUNION ALL\n")
    )
}
