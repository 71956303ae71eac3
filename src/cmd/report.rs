//! `report`: runs a named report with the parameters given and writes its rows (or, with
//! `--explain`, SQLite's plan for it).

use std::path::Path;

use anyhow::Result;

use crate::cli::ReportArgs;
use crate::reports::Request;
use crate::{db, output};

pub fn run(db_path: &Path, args: &ReportArgs) -> Result<()> {
    let request = Request::new(args.queries.queries.as_deref(), &args.name, &args.params)?;
    let conn = db::open_read_only(db_path)?;
    let mut stmt = request.prepare(&conn, args.explain)?;
    let what = format!("report {}", args.name);
    output::write_named(&mut stmt, &args.name, &what, args.output.options(), db_path).map(|_| ())
}
