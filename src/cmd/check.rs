use std::path::Path;

use anyhow::{bail, Result};

use crate::{chains, db, seed};

/// Each rule: a name, and SQL returning one line per finding.
const RULES: &[(&str, &str)] = &[
    (
        "every event has a source",
        "SELECT 'event ' || key || ' has no source' FROM events
         WHERE NOT EXISTS (SELECT 1 FROM event_sources WHERE event_sources.event_id = events.id)",
    ),
    (
        "every statement has a source",
        "SELECT 'statement ' || statements.key || ' has no source' FROM statements
         LEFT JOIN sources ON sources.id = statements.source_id WHERE sources.id IS NULL",
    ),
    (
        "every casualty claim has a source",
        "SELECT 'casualty claim ' || casualties.key || ' has no source' FROM casualties
         LEFT JOIN sources ON sources.id = casualties.source_id WHERE sources.id IS NULL",
    ),
];

pub fn run(db_path: &Path) -> Result<()> {
    let mut conn = db::open_read_only(db_path)?;
    let mut findings = 0usize;
    let mut lines = String::new();
    let mut report = |check: &str, problems: Vec<String>| {
        if problems.is_empty() {
            lines.push_str(&format!("ok    {check}\n"));
        }
        for problem in &problems {
            lines.push_str(&format!("FAIL  {check}: {problem}\n"));
        }
        findings += problems.len();
    };

    let integrity: Vec<String> = conn
        .prepare("PRAGMA integrity_check")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    report(
        "integrity_check",
        integrity.into_iter().filter(|line| line != "ok").collect(),
    );

    let foreign: Vec<String> = conn
        .prepare("SELECT \"table\", rowid, parent FROM pragma_foreign_key_check")?
        .query_map([], |row| {
            let (table, parent): (String, String) = (row.get(0)?, row.get(2)?);
            // A link table has no rowid to name the row by.
            Ok(match row.get::<_, Option<i64>>(1)? {
                Some(rowid) => format!("{table} row {rowid} refers to a missing row of {parent}"),
                None => format!("a row of {table} refers to a missing row of {parent}"),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    report("foreign_key_check", foreign);

    let pending: Vec<String> = match db::pending(&mut conn) {
        Ok(pending) => pending
            .iter()
            .map(|m| {
                format!(
                    "migration V{}__{} is pending: run `conflictdb migrate`",
                    m.version(),
                    m.name()
                )
            })
            .collect(),
        Err(e) => vec![format!("{e:#}")],
    };
    report("migrations", pending);

    for (name, sql) in RULES {
        let problems: Vec<String> = conn
            .prepare(sql)?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        report(name, problems);
    }
    for (table, column) in [
        ("actors", "parent_id"),
        ("events", "parent_id"),
        ("sources", "cited_in"),
    ] {
        let cycle = seed::find_cycles(&conn, table, column, None)?
            .into_iter()
            .next();
        report(
            &format!("no cycle in {table}.{column}"),
            cycle
                .map(|(key, parent)| format!("{key} -> {parent} leads back to {key}"))
                .into_iter()
                .collect(),
        );
    }
    report(
        "actor roots match their parents",
        chains::stale_root_findings(&conn)?,
    );
    std::io::Write::write_all(&mut std::io::stdout().lock(), lines.as_bytes())?;
    if findings > 0 {
        bail!(
            "check found {findings} problem{}",
            if findings == 1 { "" } else { "s" }
        );
    }
    Ok(())
}
