use std::path::Path;

use anyhow::{bail, Result};

use crate::cli::QueryArgs;
use crate::{db, output};

pub fn run(db_path: &Path, args: &QueryArgs) -> Result<()> {
    let conn = db::open_read_only(db_path)?;
    let mut stmt = match conn.prepare(&args.sql) {
        Ok(stmt) => stmt,
        Err(rusqlite::Error::MultipleStatement) => bail!("query runs one SQL statement at a time"),
        Err(e) => bail!(
            "the query does not compile: {}",
            crate::reports::compile_error(&e)
        ),
    };
    // A statement that returns no columns (ATTACH, BEGIN) would print an empty header before
    // failing, or succeed doing nothing.
    if stmt.column_count() == 0 && first_word(&args.sql).is_empty() {
        bail!("the query holds no SQL statement");
    }
    if !stmt.readonly() || stmt.column_count() == 0 {
        bail!(
            "query is read-only: it runs SELECT statements, not {:?}",
            first_word(&args.sql)
        );
    }
    output::write_query(&mut stmt, args.output.options(), db_path).map(|_| ())
}

fn first_word(sql: &str) -> String {
    crate::reports::verb(sql)
}
