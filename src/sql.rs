//! A statement the user wrote, `query`'s SQL or a report's: refused unless it only reads, and
//! SQLite's complaints about it cut to one readable line.

use anyhow::{bail, Result};
use rusqlite::{Connection, Statement};

/// Compiles `sql`, the one statement `query` runs, refusing any that does more than read.
pub fn prepare_query<'c>(conn: &'c Connection, sql: &str) -> Result<Statement<'c>> {
    let stmt = match conn.prepare(sql) {
        Ok(stmt) => stmt,
        Err(rusqlite::Error::MultipleStatement) => bail!("query runs one SQL statement at a time"),
        Err(e) => bail!("the query does not compile: {}", compile_error(&e)),
    };
    match only_reads(&stmt, sql) {
        Ok(()) => Ok(stmt),
        Err(NotAQuery::Empty) => bail!("the query holds no SQL statement"),
        Err(NotAQuery::Writes(verb)) => {
            bail!("query is read-only: it runs SELECT statements, not {verb:?}")
        }
    }
}

/// Why a compiled statement is no query.
pub enum NotAQuery {
    /// Nothing but comments and space.
    Empty,
    /// It writes, or returns nothing (ATTACH, BEGIN): the verb it starts with.
    Writes(String),
}

/// Refuses `stmt`, compiled from `sql`, unless it only reads. Refused before any output, rather
/// than by the read-only connection once the header is printed; a statement that returns no
/// columns would print an empty header before failing, or succeed doing nothing.
pub fn only_reads(stmt: &Statement, sql: &str) -> Result<(), NotAQuery> {
    if stmt.column_count() == 0 && verb(sql).is_empty() {
        return Err(NotAQuery::Empty);
    }
    if !stmt.readonly() || stmt.column_count() == 0 {
        return Err(NotAQuery::Writes(verb(sql)));
    }
    Ok(())
}

/// The first word of a statement, past comments, in capitals: what it does (`DELETE`).
pub fn verb(sql: &str) -> String {
    let mut rest = sql.trim_start();
    loop {
        if let Some(comment) = rest.strip_prefix("--") {
            rest = comment.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(comment) = rest.strip_prefix("/*") {
            rest = comment.split_once("*/").map_or("", |(_, after)| after);
        } else {
            break;
        }
        rest = rest.trim_start();
    }
    rest.split(|c: char| !c.is_alphanumeric() && c != '_')
        .next()
        .unwrap_or("")
        .to_uppercase()
}

/// SQLite's complaint about a statement, pointing at the text it stopped at rather than
/// repeating the whole SQL.
pub fn compile_error(error: &rusqlite::Error) -> String {
    match error {
        rusqlite::Error::SqlInputError {
            msg, sql, offset, ..
        } => {
            let at: String = sql
                .get(usize::try_from(*offset).unwrap_or(0)..)
                .unwrap_or("")
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(40)
                .collect();
            if at.trim().is_empty() {
                short_words(msg)
            } else {
                format!("{}, at {:?}", short_words(msg), at.trim())
            }
        }
        other => short_words(&other.to_string()),
    }
}

/// SQLite's message with each long word (an identifier pasted by mistake, megabytes long) cut
/// short with its size, by the rule of long_value.rs: `no such column: xxxx… (120,000 bytes)`.
fn short_words(message: &str) -> String {
    // The token SQLite could not read runs to the end of the SQL after an unclosed quote, over
    // lines and words: cut and escaped as one value.
    let unread = "unrecognized token: \"";
    if let Some(token) = message
        .strip_prefix(unread)
        .and_then(|t| t.strip_suffix('"'))
    {
        return format!("{unread}{}", crate::long_value::shown_closed(token, "\""));
    }
    let words: Vec<String> = message
        .split(' ')
        .map(|word| {
            if word.len() <= crate::long_value::WHOLE {
                return word.to_string();
            }
            // The quotes and colon SQLite puts around a name stay where they are.
            let opening = word.len() - word.trim_start_matches(['"', '\'', '`', '[']).len();
            let body = word.trim_end_matches([':', ',']);
            let after = &word[body.len()..];
            let name = body[opening..].trim_end_matches(['"', '\'', '`', ']']);
            let closing = &body[opening + name.len()..];
            let kept = crate::long_value::kept(name).unwrap_or(name);
            let mark = crate::long_value::cut_mark(closing, name.len());
            format!("{}{kept}{mark}{after}", &word[..opening])
        })
        .collect();
    words.join(" ")
}
