//! `query`: runs one read-only SQL statement of the user's and writes its rows.

use std::path::Path;

use anyhow::Result;

use crate::cli::QueryArgs;
use crate::{db, output, sql};

pub fn run(db_path: &Path, args: &QueryArgs) -> Result<()> {
    let conn = db::open_read_only(db_path)?;
    let mut stmt = sql::prepare_query(&conn, &args.sql)?;
    output::write_query(&mut stmt, args.output.options(), db_path)
        .map(|_| ())
        .map_err(|e| match e.downcast_ref::<rusqlite::Error>() {
            // SQLite stopped the statement as it ran (an integer overflow, malformed JSON).
            Some(rusqlite::Error::SqliteFailure(..)) => e.context("the query failed"),
            _ => e,
        })
}
