//! `search`: full-text search over events, statements and sources (src/search.rs), ranked, with
//! a highlighted snippet, in any output format.

use std::path::Path;

use anyhow::Result;

use crate::cli::SearchArgs;
use crate::search::{self, Scope};
use crate::{db, output};

pub fn run(db_path: &Path, args: &SearchArgs) -> Result<()> {
    let query = search::query_of(&args.text.join(" "))?;
    let scopes = if args.scopes.is_empty() {
        vec![Scope::Events, Scope::Statements, Scope::Sources]
    } else {
        args.scopes.clone()
    };
    let conn = db::open_read_only(db_path)?;
    let mut stmt = conn.prepare(&search::sql(&scopes))?;
    stmt.raw_bind_parameter(1, &query)?;
    stmt.raw_bind_parameter(2, args.limit)?;
    output::write_query(&mut stmt, args.output.options(), db_path).map(|_| ())
}
