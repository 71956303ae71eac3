//! Where exported rows came from: each dataset's licence, credit line and citation, read from
//! `datasets` (or, for a dataset loaded before they were recorded, src/attribution.rs), so that
//! every export format can carry the credit of the datasets its rows belong to.

use anyhow::Result;
use rusqlite::Connection;
use serde::Serialize;

use crate::attribution;

/// One dataset's credit, as every export writes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Credit {
    #[serde(skip)]
    pub id: i64,
    pub dataset: String,
    pub format: String,
    pub licence: String,
    pub attribution: String,
    pub citation: String,
}

/// Every dataset of the database, in id order.
pub fn all(conn: &Connection) -> Result<Vec<Credit>> {
    let mut stmt = conn.prepare(
        "SELECT id, name, format, licence, attribution, citation FROM datasets ORDER BY id",
    )?;
    let credits = stmt
        .query_map([], |row| {
            let format: Option<String> = row.get(2)?;
            let fallback = attribution::of(format.as_deref());
            let text = |i: usize, default: &str| -> rusqlite::Result<String> {
                Ok(row
                    .get::<_, Option<String>>(i)?
                    .unwrap_or_else(|| default.to_string()))
            };
            Ok(Credit {
                id: row.get(0)?,
                dataset: row.get(1)?,
                format: format.unwrap_or_else(|| fallback.format.to_string()),
                licence: text(3, fallback.licence)?,
                attribution: text(4, fallback.line)?,
                citation: text(5, fallback.citation)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(credits)
}

/// The datasets whose rows `table` holds: those its `dataset_id` column names, or, for a view or
/// a table without one (a view's rows join several tables), every dataset that has rows.
pub fn of_table(conn: &Connection, credits: &[Credit], table: &str) -> Result<Vec<Credit>> {
    let quoted = table.replace('"', "\"\"");
    let has_column: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM pragma_table_xinfo(?1) WHERE name = 'dataset_id')",
        [table],
        |row| row.get(0),
    )?;
    let is_table: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)",
        [table],
        |row| row.get(0),
    )?;
    if !(has_column && is_table) {
        return with_rows(conn, credits);
    }
    let ids: Vec<i64> = conn
        .prepare(&format!("SELECT DISTINCT dataset_id FROM \"{quoted}\""))?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(credits
        .iter()
        .filter(|c| ids.contains(&c.id))
        .cloned()
        .collect())
}

/// The datasets that have rows in any table: those a view's rows can come from.
pub fn with_rows(conn: &Connection, credits: &[Credit]) -> Result<Vec<Credit>> {
    let tables: Vec<String> = conn
        .prepare(
            "SELECT m.name FROM sqlite_master AS m
             WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%'
             AND m.sql NOT LIKE 'CREATE VIRTUAL%'
             AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'dataset_id')
             AND m.name NOT IN ('dataset_files', 'row_fingerprints')",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut ids = Vec::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!(
            "SELECT DISTINCT dataset_id FROM \"{}\"",
            table.replace('"', "\"\"")
        ))?;
        for id in stmt.query_map([], |row| row.get::<_, i64>(0))? {
            let id = id?;
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    Ok(credits
        .iter()
        .filter(|c| ids.contains(&c.id))
        .cloned()
        .collect())
}

/// One line naming each dataset with its credit line and licence, for a file's header or
/// metadata: `built-in: <line> (Licence: <licence>)`, datasets separated by newlines.
pub fn lines(credits: &[Credit]) -> String {
    credits
        .iter()
        .map(|c| format!("{}: {} (Licence: {})", c.dataset, c.attribution, c.licence))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The file of a CSV export that credits its datasets.
pub const CSV_NAME: &str = "DATASETS.csv";

/// Writes `credits` as CSV (dataset, format, licence, attribution, citation); returns how many.
pub fn write_csv(credits: &[Credit], out: &mut dyn std::io::Write) -> Result<usize> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["dataset", "format", "licence", "attribution", "citation"])?;
    for c in credits {
        writer.write_record([
            &c.dataset,
            &c.format,
            &c.licence,
            &c.attribution,
            &c.citation,
        ])?;
    }
    writer.flush()?;
    Ok(credits.len())
}

/// The formats whose terms require every copy of a row to name the publisher (ACLED's
/// attribution policy): a CSV of such rows carries the credit line on each.
const CREDIT_ON_EVERY_ROW: [&str; 1] = ["acled"];

/// `SELECT * FROM table`, with an `attribution` column last when the table holds rows of a
/// dataset whose terms require the credit on every row (the line for those rows, empty for the
/// others).
pub fn select_with_required_credit(
    conn: &Connection,
    credits: &[Credit],
    table: &str,
) -> Result<String> {
    let quoted = format!("\"{}\"", table.replace('"', "\"\""));
    let plain = format!("SELECT * FROM {quoted}");
    if !credits
        .iter()
        .any(|c| CREDIT_ON_EVERY_ROW.contains(&c.format.as_str()))
    {
        return Ok(plain);
    }
    let has_datasets: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1)
            AND EXISTS (SELECT 1 FROM pragma_table_info(?1) WHERE name = 'dataset_id')",
        [table],
        |row| row.get(0),
    )?;
    // A view's rows do not say their dataset: DATASETS.csv credits them.
    if !has_datasets
        || !of_table(conn, credits, table)?
            .iter()
            .any(|c| CREDIT_ON_EVERY_ROW.contains(&c.format.as_str()))
    {
        return Ok(plain);
    }
    let formats = CREDIT_ON_EVERY_ROW.map(|f| format!("'{f}'")).join(", ");
    Ok(format!(
        "SELECT t.*, (SELECT coalesce(d.attribution, '') FROM datasets AS d
                      WHERE d.id = t.dataset_id AND d.format IN ({formats})) AS attribution
         FROM {quoted} AS t"
    ))
}
