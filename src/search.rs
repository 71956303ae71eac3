//! Full-text search over event titles and summaries, statement summaries and quotes, and source
//! titles: the FTS5 indexes of migrations/V10__full_text_search.sql, kept in step by [`rebuild`]
//! (no triggers: a fresh load of millions of rows would pay for them row by row), and the query
//! `conflictdb search` runs, ranked by bm25 with a highlighted snippet.
//!
//! Ranking reads each match it ranks (where the words are in it, and its length), about a
//! microsecond a match: a word in every one of a million events took 1.4 s to rank. So each index
//! ranks at most `--ranked` matches ([`RANKED_AT_MOST`] unless told), the first ones loaded
//! (lowest row ids), and the command says so when it did ([`Plan::note`]). Counting the matches
//! reads only row ids, which is cheap. A word in that many rows is in a large part of them, where
//! bm25 tells rows apart little (a word in more than half the rows weighs the least it can).

use anyhow::{bail, Result};
use rusqlite::{Connection, OptionalExtension};

/// Where to search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Scope {
    Events,
    Statements,
    Sources,
}

/// The most matches of one index that are ranked unless `--ranked` says otherwise: beyond it,
/// the first this many loaded. At a million events, ranking 100,000 took about 0.1 s.
pub const RANKED_AT_MOST: u64 = 100_000;

/// The indexes, each with the table it indexes and the columns it holds.
pub const INDEXES: [(&str, &str, &str); 3] = [
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
/// (the loader, `datasets remove`), at the end, once. A rebuild reads the whole table, so a
/// re-seed that changed no row of a table leaves its index as it is.
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

/// What a load sets each index to while it writes (see [`set_steps`]), as (index, setting, the
/// value it had): None where the index had no value of its own.
pub struct Steps(Vec<(&'static str, &'static str, Option<i64>)>);

/// How many segments of one size an index gathers before merging them into one (FTS5's
/// `automerge`) while a load writes to it: 16 rather than FTS5's 4. At a million events the
/// statements' index, built in 16 MB steps, came out in 7 segments rather than 4, and its
/// rebuild took 5.81, 6.05 and 6.70 s of CPU against 6.55, 7.66 and 7.74 s (alternated); the
/// merges of segments already merged were most of the difference.
pub const MERGE_AT: i64 = 16;

/// Sets every index to gather at most `bytes` of terms in memory before writing them out, and
/// to merge [`MERGE_AT`] segments at a time, and gives their settings before, for
/// [`restore_steps`]. A first seed builds its indexes gathering 16 MB at a time rather than the
/// indexes' own 32 MB (migrations/V12): at a million events, 32 MB of terms took some 75 MB of
/// memory, the most of any step of the seed, and in the sqlite3 shell a rebuild of the two
/// million statements' index took as long in 16 MB steps (user CPU 4.81 and 4.97 s, against
/// 5.27 and 4.48 s).
pub fn set_steps(conn: &Connection, bytes: i64) -> rusqlite::Result<Steps> {
    let mut steps = Vec::new();
    for (index, _, _) in INDEXES {
        for (setting, value) in [("hashsize", bytes), ("automerge", MERGE_AT)] {
            let before: Option<i64> = conn
                .query_row(
                    &format!("SELECT v FROM {index}_config WHERE k = ?1"),
                    [setting],
                    |row| row.get(0),
                )
                .optional()?;
            set(conn, index, setting, value)?;
            steps.push((index, setting, before));
        }
    }
    Ok(Steps(steps))
}

/// Sets back what [`set_steps`] changed.
pub fn restore_steps(conn: &Connection, steps: Steps) -> rusqlite::Result<()> {
    for (index, setting, before) in steps.0 {
        match before {
            Some(value) => set(conn, index, setting, value)?,
            None => {
                conn.execute(
                    &format!("DELETE FROM {index}_config WHERE k = ?1"),
                    [setting],
                )?;
            }
        }
    }
    Ok(())
}

fn set(conn: &Connection, index: &str, setting: &str, value: i64) -> rusqlite::Result<()> {
    conn.execute(
        &format!("INSERT INTO {index} ({index}, rank) VALUES (?1, ?2)"),
        rusqlite::params![setting, value],
    )?;
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

/// What a scope searches, and how its rows are shown: the index, the `found_in` value, the table
/// indexed, the row's key and title, and the join the title needs.
struct Searched {
    index: &'static str,
    found_in: &'static str,
    table: &'static str,
    key: &'static str,
    title: &'static str,
    join: &'static str,
}

impl Scope {
    fn searched(self) -> Searched {
        match self {
            Scope::Events => Searched {
                index: "events_fts",
                found_in: "event",
                table: "events",
                key: "events.key",
                title: "events.title",
                join: "",
            },
            Scope::Statements => Searched {
                index: "statements_fts",
                found_in: "statement",
                table: "statements",
                key: "statements.key",
                title: "actors.name || ', ' || statements.said_on",
                join: "JOIN actors ON actors.id = statements.speaker_id",
            },
            Scope::Sources => Searched {
                index: "sources_fts",
                found_in: "source",
                table: "sources",
                key: "sources.key",
                title: "sources.title",
                join: "",
            },
        }
    }

    /// The name `--in` takes.
    pub fn name(self) -> &'static str {
        match self {
            Scope::Events => "events",
            Scope::Statements => "statements",
            Scope::Sources => "sources",
        }
    }
}

/// What a search finds in one index before it ranks: how many matches, and, when they are more
/// than it ranks, the row id of the last one ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub scope: Scope,
    pub matches: i64,
    pub ranked_up_to: Option<i64>,
}

/// A search's counts in each index searched, in the order of the scopes given (each once).
#[derive(Debug)]
pub struct Plan {
    pub counted: Vec<Counted>,
    /// The most matches ranked in each index (0: all).
    ranked: i64,
}

impl Plan {
    /// Counts the matches of `query` (from [`query_of`]) in each index of `scopes`, and where
    /// they are more than `ranked` (0: no limit), finds the last of the first `ranked`.
    pub fn new(
        conn: &Connection,
        scopes: &[Scope],
        query: &str,
        ranked: u64,
    ) -> rusqlite::Result<Plan> {
        let ranked = i64::try_from(ranked).unwrap_or(i64::MAX);
        let mut counted: Vec<Counted> = Vec::new();
        for &scope in scopes {
            if counted.iter().any(|c| c.scope == scope) {
                continue;
            }
            let index = scope.searched().index;
            let matches: i64 = conn.query_row(
                &format!("SELECT count(*) FROM {index} WHERE {index} MATCH ?1"),
                [query],
                |row| row.get(0),
            )?;
            let ranked_up_to = if ranked > 0 && matches > ranked {
                conn.query_row(
                    &format!(
                        "SELECT rowid FROM {index} WHERE {index} MATCH ?1
                         ORDER BY rowid LIMIT 1 OFFSET ?2"
                    ),
                    rusqlite::params![query, ranked - 1],
                    |row| row.get(0),
                )
                .optional()?
            } else {
                None
            };
            counted.push(Counted {
                scope,
                matches,
                ranked_up_to,
            });
        }
        Ok(Plan { counted, ranked })
    }

    /// All the matches, in every index searched.
    pub fn matches(&self) -> i64 {
        self.counted.iter().map(|c| c.matches).sum()
    }

    /// The SQL of the search: columns `found_in`, `key`, `title`, `snippet`, best match first.
    /// Parameters: ?1 the FTS5 query, ?2 the most rows; then, for each index in turn, the
    /// highest row id it ranks (bound by [`Plan::bind`]).
    ///
    /// Each index is asked for its best rows on its own (`{index}_best`), by `bm25()` computed
    /// once a match and kept only if among the best `?2` (FTS5's own `ORDER BY rank` sorts every
    /// match, and computes bm25 twice for each). Only those rows are joined to their table and
    /// given a snippet (`{index}_found`), all in one pass over the index between the lowest and
    /// the highest of their row ids: a snippet asked for row by row would read a prefix's words
    /// (`re*`) afresh for each. Of equal scores, the lowest row ids make the cut, and are listed by
    /// key, so that a search always answers the same.
    pub fn sql(&self) -> String {
        let mut ctes = Vec::new();
        let mut parts = Vec::new();
        for (i, counted) in self.counted.iter().enumerate() {
            let Searched {
                index,
                found_in,
                table,
                key,
                title,
                join,
            } = counted.scope.searched();
            let bound = i + 3;
            ctes.push(format!(
                "{index}_best AS MATERIALIZED (
    SELECT rowid AS id, bm25({index}) AS score FROM {index}
    WHERE {index} MATCH ?1 AND rowid <= ?{bound} ORDER BY score, rowid LIMIT ?2),
{index}_found AS MATERIALIZED (
    SELECT rowid AS id, snippet({index}, -1, '**', '**', '…', 16) AS snippet FROM {index}
    WHERE {index} MATCH ?1
      AND rowid BETWEEN (SELECT min(id) FROM {index}_best) AND (SELECT max(id) FROM {index}_best)
      AND +rowid IN (SELECT id FROM {index}_best))"
            ));
            parts.push(format!(
                "SELECT '{found_in}' AS found_in, {key} AS key, {title} AS title, found.snippet, best.score
    FROM {index}_best AS best JOIN {index}_found AS found USING (id)
    JOIN {table} ON {table}.id = best.id {join}"
            ));
        }
        format!(
            "WITH {}
SELECT found_in, key, title, snippet FROM (
{}
) ORDER BY score, found_in, key LIMIT ?2",
            ctes.join(
                ",
"
            ),
            parts.join("\nUNION ALL\n")
        )
    }

    /// Binds the parameters of [`Plan::sql`].
    pub fn bind(
        &self,
        stmt: &mut rusqlite::Statement,
        query: &str,
        limit: u32,
    ) -> rusqlite::Result<()> {
        stmt.raw_bind_parameter(1, query)?;
        stmt.raw_bind_parameter(2, limit)?;
        for (i, counted) in self.counted.iter().enumerate() {
            stmt.raw_bind_parameter(i + 3, counted.ranked_up_to.unwrap_or(i64::MAX))?;
        }
        Ok(())
    }

    /// What to tell the user on standard error once `shown` rows are written: nothing when
    /// every match was shown; else how many there are, and in which indexes only some were
    /// ranked.
    pub fn note(&self, shown: u64) -> Option<String> {
        let matches = self.matches();
        if matches <= i64::try_from(shown).unwrap_or(i64::MAX) {
            return None;
        }
        let each: Vec<String> = self
            .counted
            .iter()
            .map(|c| format!("{} {}", c.scope.name(), c.matches))
            .collect();
        let mut note = format!(
            "search: {matches} matches ({}), showing the best {shown} (--limit N for more)",
            each.join(", ")
        );
        for c in self.counted.iter().filter(|c| c.ranked_up_to.is_some()) {
            note.push_str(&format!(
                "\nsearch: {}: the best of the first {} matches loaded, of {} (more words narrow the search; --ranked 0 ranks them all, about a second a million)",
                c.scope.name(),
                self.ranked,
                c.matches
            ));
        }
        Some(note)
    }
}
