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
    if !stmt.readonly() {
        bail!(
            "query is read-only: it runs SELECT statements, not {:?}",
            first_word(&args.sql)
        );
    }
    output::write_query(&mut stmt, &args.output, db_path).map(|_| ())
}

fn first_word(sql: &str) -> String {
    crate::reports::verb(sql)
}
