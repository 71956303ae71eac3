use std::path::Path;

use anyhow::Result;

use crate::cli::ReportArgs;
use crate::{db, output, reports};

pub fn run(db_path: &Path, args: &ReportArgs) -> Result<()> {
    let all = reports::all(args.queries.queries.as_deref())?;
    let report = reports::find(&all, &args.name)?;
    let given = reports::parse_args(report, &args.params)?;
    let conn = db::open_read_only(db_path)?;
    let mut stmt = reports::prepare(&conn, report, &given, args.explain)?;
    output::write_query(&mut stmt, args.output.options(), db_path).map(|_| ())
}
