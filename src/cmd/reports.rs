use anyhow::Result;

use crate::cli::ReportsArgs;
use crate::reports;

pub fn run(args: &ReportsArgs) -> Result<()> {
    let reports = reports::all(args.queries.queries.as_deref())?;
    let mut table = comfy_table::Table::new();
    table.load_preset(comfy_table::presets::UTF8_FULL_CONDENSED);
    table.set_header(["report", "title", "parameters"]);
    for report in reports.values() {
        let params: Vec<String> = report
            .params
            .iter()
            .map(|p| format!("{} [{}] ({}): {}", p.name, p.kind, p.default, p.description))
            .collect();
        table.add_row([report.name.clone(), report.title.clone(), params.join("\n")]);
    }
    println!("{table}");
    Ok(())
}
