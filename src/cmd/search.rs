//! `search`: full-text search over events, statements and sources (src/search.rs), ranked, with
//! a highlighted snippet, in any output format.

use std::path::Path;

use anyhow::Result;

use crate::cli::SearchArgs;
use crate::search::{self, Plan, Scope};
use crate::{db, output};

pub fn run(db_path: &Path, args: &SearchArgs) -> Result<()> {
    let query = search::query_of(&args.text.join(" "))?;
    let scopes = if args.scopes.is_empty() {
        vec![Scope::Events, Scope::Statements, Scope::Sources]
    } else {
        args.scopes.clone()
    };
    let conn = db::open_read_only(db_path)?;
    // SQLite failing on the search indexes (one dropped or damaged by another tool) is said as
    // that, with where to look, rather than as SQLite's message alone.
    let unreadable = |e: anyhow::Error| match e.downcast_ref::<rusqlite::Error>() {
        Some(rusqlite::Error::SqliteFailure(..)) => e.context(format!(
            "cannot search {}: its search indexes cannot be read (`conflictdb check` says which)",
            db_path.display()
        )),
        _ => e,
    };
    let plan = Plan::new(&conn, &scopes, &query, args.ranked).map_err(|e| unreadable(e.into()))?;
    let mut stmt = conn
        .prepare(&plan.sql())
        .map_err(|e| unreadable(e.into()))?;
    plan.bind(&mut stmt, &query, args.limit)?;
    let shown =
        output::write_query(&mut stmt, args.output.options(), db_path).map_err(unreadable)?;
    if let Some(note) = plan.note(shown) {
        for line in note.lines() {
            eprintln!("conflictdb: {line}");
        }
    }
    Ok(())
}
