//! `reports`: lists the named reports, built-in and from `--queries`, with their parameters.

use std::io::{IsTerminal, Write};

use anyhow::Result;

use crate::cli::ReportsArgs;
use crate::{output, reports};

pub fn run(args: &ReportsArgs) -> Result<()> {
    let reports = reports::all(args.queries.queries.as_deref())?;
    let mut table = output::new_table(std::io::stdout().is_terminal());
    table.set_header(["report", "title", "parameters"]);
    for report in reports.values() {
        let params: Vec<String> = report.params.iter().map(|p| p.to_string()).collect();
        table.add_row([report.name.clone(), report.title.clone(), params.join("\n")]);
    }
    writeln!(std::io::stdout().lock(), "{table}").map_err(output::stdout_error)?;
    Ok(())
}
