//! `check`'s rules, and the cycle finding that the loader shares with them: what a sound
//! conflictdb database holds (SQLite's own integrity and foreign keys, every migration applied,
//! the schema the migrations build, every row sourced, no parent chain looping back, every
//! actor's stored root where its parents lead, every search index in step with its table), each
//! rule giving one line per problem.

use std::path::Path;

use anyhow::Result;
use rusqlite::{Connection, OptionalExtension};

use crate::chains::{self, Chains, StaleRoot};
use crate::db;

mod search_index;

/// One rule's result: its name, and its problems, none when the database keeps it.
pub struct Outcome {
    pub rule: String,
    pub problems: Vec<String>,
    /// For a note rather than a rule: the rows a reader should know of (figures published out
    /// of order), which are not problems.
    pub notes: Vec<String>,
}

/// Runs every rule on the database at `db_path`, in the order `check` prints them.
pub fn check(db_path: &Path) -> Result<Vec<Outcome>> {
    // A file SQLite refuses to open as malformed is still checked, rule by rule, with the
    // refusal as the first finding of the integrity rule.
    let (mut conn, mut damage) = match db::open_read_only(db_path) {
        Ok(conn) => (conn, None),
        Err(error) => match db::open_damaged(db_path) {
            Some(conn) => (conn, Some(format!("{error:#}"))),
            None => return Err(error),
        },
    };
    let mut outcomes = Vec::new();
    // Each rule runs on its own: one that cannot finish (a damaged page, a dropped table) is a
    // finding, and the others still run.
    for rule in rules(db_path) {
        let mut problems = (rule.find)(&mut conn).unwrap_or_else(|error| {
            let cause = error
                .chain()
                .find_map(|c| c.downcast_ref::<rusqlite::Error>())
                .and_then(|e| db::describe_failure(e, db_path))
                .unwrap_or_else(|| sqlite_message(&error));
            vec![format!("could not finish: {cause}")]
        });
        if let Some(damage) = damage.take() {
            problems.insert(0, damage);
        }
        let (problems, notes) = if rule.note {
            let (failures, notes) = problems
                .into_iter()
                .partition(|p: &String| p.starts_with("could not finish: "));
            (failures, notes)
        } else {
            (problems, Vec::new())
        };
        outcomes.push(Outcome {
            rule: rule.name,
            problems,
            notes,
        });
    }
    Ok(outcomes)
}

/// Rules written as SQL: a name, the table whose rows they judge, SQL returning one line per
/// finding, ending in its WHERE clause (so that `seed` can add a condition on that table's rows),
/// and whether a load's rows can break it at all.
///
/// A statement or casualty claim without a source is a dangling reference: `source_id` is NOT
/// NULL, a load resolves every source it names or refuses the row, an update runs with the
/// foreign keys enforced, and a removal that leaves rows referring to nothing is refused. So
/// after a load no row of its dataset breaks those rules, and `seed` does not read the whole
/// table to find none (1.8 s at a million events); `check` still runs them, for a database
/// written by other tools.
const SQL_RULES: &[(&str, &str, &str, Breakable)] = &[
    (
        "every event has a source",
        "events",
        "SELECT 'event ' || key || ' has no source' FROM events
         WHERE NOT EXISTS (SELECT 1 FROM event_sources WHERE event_sources.event_id = events.id)",
        Breakable::ByLoads,
    ),
    (
        "every statement has a source",
        "statements",
        "SELECT 'statement ' || statements.key || ' has no source' FROM statements
         LEFT JOIN sources ON sources.id = statements.source_id WHERE sources.id IS NULL",
        Breakable::OutsideLoads,
    ),
    (
        "every casualty claim has a source",
        "casualties",
        "SELECT 'casualty claim ' || casualties.key || ' has no source' FROM casualties
         LEFT JOIN sources ON sources.id = casualties.source_id WHERE sources.id IS NULL",
        Breakable::OutsideLoads,
    ),
];

/// Who can write rows that break a rule of [`SQL_RULES`].
#[derive(Clone, Copy, PartialEq)]
enum Breakable {
    /// A load: the rule judges what the files say (an event no source reports).
    ByLoads,
    /// Only a write outside `seed` and `import`, with the foreign keys off.
    OutsideLoads,
}

/// [`dataset_findings`] in the database at `db_path`.
pub fn findings_of_dataset(
    db_path: &Path,
    dataset: &str,
) -> Result<Vec<(&'static str, Vec<String>)>> {
    let conn = db::open_read_only(db_path)?;
    Ok(dataset_findings(&conn, dataset)?)
}

/// The data rules of `check` that the rows of dataset `dataset` break, as (rule, findings), for
/// the rules with findings only: what `seed` warns about once the rows are in.
pub fn dataset_findings(
    conn: &Connection,
    dataset: &str,
) -> rusqlite::Result<Vec<(&'static str, Vec<String>)>> {
    let mut broken = Vec::new();
    let breakable = SQL_RULES.iter().filter(|rule| rule.3 == Breakable::ByLoads);
    for &(name, table, sql, _) in breakable {
        let sql = format!(
            "{sql} AND {table}.dataset_id = (SELECT id FROM datasets WHERE name = ?1) ORDER BY {table}.id"
        );
        let findings: Vec<String> = conn
            .prepare(&sql)?
            .query_map([dataset], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        if !findings.is_empty() {
            broken.push((name, findings));
        }
    }
    Ok(broken)
}

/// Notes on the data as published, written as SQL: a name, and SQL returning one line per row a
/// reader should know of. They are not problems: another dataset's figures load as it publishes
/// them (V9 lets them into the schema; a seed file's are refused), and `check` lists them.
const NOTES: &[(&str, &str)] = &[(
    "casualty figures in order (low <= best <= high)",
    "SELECT 'casualty claim ' || casualties.key || ' (dataset ' || datasets.name || '): low '
             || coalesce(count_low, '-') || ', best ' || coalesce(count_best, '-') || ', high '
             || coalesce(count_high, '-') || ': ' || trim(
                 CASE WHEN count_low > count_best THEN 'low is above best; ' ELSE '' END
                 || CASE WHEN count_best > count_high THEN 'best is above high; ' ELSE '' END
                 || CASE WHEN count_low > count_high THEN 'low is above high; ' ELSE '' END, '; ')
             || ' (loaded as published)'
         FROM casualties JOIN datasets ON datasets.id = casualties.dataset_id
         WHERE count_low > count_best OR count_best > count_high OR count_low > count_high
         ORDER BY casualties.key",
)];

/// The columns that make parent chains, which must not loop.
const CHAINS: &[(&str, &str)] = &[
    ("actors", "parent_id"),
    ("events", "parent_id"),
    ("sources", "cited_in"),
];

/// What a rule finds in the database, one line per finding.
type Finder = dyn Fn(&mut Connection) -> Result<Vec<String>>;

/// One rule: its name, and what it finds.
struct Rule {
    name: String,
    find: Box<Finder>,
    /// Whether what it finds are notes on the data, not problems.
    note: bool,
}

fn rule(
    name: impl Into<String>,
    find: impl Fn(&mut Connection) -> Result<Vec<String>> + 'static,
) -> Rule {
    Rule {
        name: name.into(),
        find: Box::new(find),
        note: false,
    }
}

/// Every rule, in the order `check` prints them; `db_path` as the user named the database, for
/// the commands a finding gives.
fn rules(db_path: &Path) -> Vec<Rule> {
    let mut rules = vec![
        rule("integrity_check", integrity_check),
        rule("foreign_key_check", foreign_key_check),
        rule("migrations", pending_migrations),
        rule("schema", |conn| db::schema_differences(conn)),
    ];
    for &(name, _, sql, _) in SQL_RULES {
        rules.push(rule(name, move |conn| {
            Ok(conn
                .prepare(sql)?
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?)
        }));
    }
    for &(table, column) in CHAINS {
        rules.push(rule(format!("no cycle in {table}.{column}"), move |conn| {
            Ok(find_cycles(conn, table, column, None)?
                .into_iter()
                .take(1)
                .map(|(key, parent)| format!("{key} -> {parent} leads back to {key}"))
                .collect())
        }));
    }
    rules.push(rule("actor roots match their parents", |conn| {
        Ok(stale_root_findings(conn)?)
    }));
    let db_path = db_path.to_path_buf();
    rules.push(rule("search indexes match their tables", move |conn| {
        search_index::findings(conn, &db_path)
    }));
    for &(name, sql) in NOTES {
        let mut note = rule(name, move |conn| {
            Ok(conn
                .prepare(sql)?
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<_>>()?)
        });
        note.note = true;
        rules.push(note);
    }
    rules
}

fn integrity_check(conn: &mut Connection) -> Result<Vec<String>> {
    let whole = integrity_check_of(conn, None);
    let Err(error) = whole else {
        return whole;
    };
    // SQLite stops at damage it cannot step over. Checked table by table, the damage is pinned
    // to the tables it is in, and the others are still checked.
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()
        .map_err(|_| error)?;
    let mut findings = Vec::new();
    for table in tables {
        match integrity_check_of(conn, Some(&table)) {
            Ok(lines) => findings.extend(lines),
            Err(e) => findings.push(format!("table {table}: {}", sqlite_message(&e))),
        }
    }
    Ok(findings)
}

/// The problems `PRAGMA integrity_check` finds, in the whole database or in one table.
fn integrity_check_of(conn: &Connection, table: Option<&str>) -> Result<Vec<String>> {
    let rows: Vec<String> = conn
        .prepare("SELECT * FROM pragma_integrity_check(?1)")?
        .query_map([table], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    // SQLite names a damaged b-tree by its root page: say which table or index that is.
    let trees: std::collections::HashMap<i64, String> = conn
        .prepare("SELECT rootpage, type || ' ' || name FROM sqlite_master WHERE rootpage > 0")
        .and_then(|mut stmt| {
            stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
                .collect()
        })
        .unwrap_or_default();
    // SQLite gives several problems of one tree in one row, a line each, under a heading.
    Ok(rows
        .iter()
        .flat_map(|row| row.lines())
        .filter(|line| *line != "ok" && !line.starts_with("*** in database "))
        .map(|line| {
            let tree = line
                .strip_prefix("Tree ")
                .and_then(|rest| rest.split(' ').next())
                .and_then(|root| root.parse::<i64>().ok())
                .and_then(|root| Some((root, trees.get(&root)?)));
            match tree {
                Some((root, name)) => line.replacen(
                    &format!("Tree {root} "),
                    &format!("Tree {root} ({name}) "),
                    1,
                ),
                None => line.to_string(),
            }
        })
        .collect())
}

/// SQLite's own words for an error, without rusqlite's error code.
fn sqlite_message(error: &anyhow::Error) -> String {
    match error
        .chain()
        .find_map(|c| c.downcast_ref::<rusqlite::Error>())
    {
        Some(rusqlite::Error::SqliteFailure(_, Some(message))) => message.clone(),
        Some(e) => e.to_string(),
        None => format!("{error:#}"),
    }
}

fn foreign_key_check(conn: &mut Connection) -> Result<Vec<String>> {
    let broken: Vec<(String, Option<i64>, String, i64)> = conn
        .prepare("SELECT \"table\", rowid, parent, fkid FROM pragma_foreign_key_check")?
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut findings = Vec::new();
    // A link table has no rowid: its rows that break a reference are found once per reference,
    // and named by their columns.
    let mut named_links: Vec<(&str, i64)> = Vec::new();
    for (table, rowid, parent, fkid) in &broken {
        let schema_table = crate::schema::TABLES.iter().find(|t| t.name == table);
        match (rowid, schema_table) {
            (Some(rowid), Some(t)) if t.identity == crate::schema::Identity::Key => {
                let label: Option<String> = conn
                    .query_row(
                        &format!(
                            "SELECT {} FROM {table} AS t WHERE t.rowid = ?1",
                            crate::datasets::row_label_sql(t, "t")
                        ),
                        [rowid],
                        |row| crate::datasets::row_label(t, row, 0),
                    )
                    .optional()?;
                let label = label.unwrap_or_else(|| format!("row {rowid}"));
                findings.push(format!(
                    "{table} {label} refers to a missing row of {parent}"
                ));
            }
            (Some(rowid), _) => findings.push(format!(
                "{table} row {rowid} refers to a missing row of {parent}"
            )),
            (None, Some(t)) => {
                if named_links.contains(&(t.name, *fkid)) {
                    continue;
                }
                named_links.push((t.name, *fkid));
                let (from, to): (String, Option<String>) = conn.query_row(
                    &format!("SELECT \"from\", \"to\" FROM pragma_foreign_key_list('{table}') WHERE id = ?1"),
                    [fkid],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )?;
                let to = to.unwrap_or_else(|| "rowid".to_string());
                let sql = format!(
                    "SELECT {} FROM {table} AS t WHERE t.{from} IS NOT NULL
                     AND NOT EXISTS (SELECT 1 FROM {parent} AS p WHERE p.{to} = t.{from})",
                    crate::datasets::row_label_sql(t, "t")
                );
                let mut stmt = conn.prepare(&sql)?;
                for label in stmt.query_map([], |row| crate::datasets::row_label(t, row, 0))? {
                    findings.push(format!(
                        "{table} {} refers to a missing row of {parent}",
                        label?
                    ));
                }
            }
            (None, None) => findings.push(format!(
                "a row of {table} refers to a missing row of {parent}"
            )),
        }
    }
    Ok(findings)
}

fn pending_migrations(conn: &mut Connection) -> Result<Vec<String>> {
    let pending = match db::pending(conn) {
        Ok(pending) => pending,
        // The history could not be read: the rule could not finish.
        Err(e)
            if e.chain()
                .any(|c| c.downcast_ref::<rusqlite::Error>().is_some()) =>
        {
            return Err(e)
        }
        // An unknown or edited migration: the message says what to do.
        Err(e) => return Ok(vec![format!("{e:#}")]),
    };
    Ok(pending
        .iter()
        .map(|m| {
            format!(
                "migration V{}__{} is pending: run `conflictdb migrate`",
                m.version(),
                m.name()
            )
        })
        .collect())
}

/// The actors whose stored root is not where their parents lead, one line each.
fn stale_root_findings(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut key = conn.prepare("SELECT key FROM actors WHERE id = ?1")?;
    let mut name = |id: Option<i64>| -> rusqlite::Result<String> {
        Ok(match id {
            Some(id) => key
                .query_row([id], |row| row.get(0))
                .optional()?
                .unwrap_or_else(|| format!("missing actor {id}")),
            None => "none".to_string(),
        })
    };
    chains::stale_roots(conn)?
        .into_iter()
        .map(|StaleRoot { id, stored, root }| {
            Ok(format!(
                "{} has root {} stored, but its parents lead to {}",
                name(Some(id))?,
                name(stored)?,
                name(root)?
            ))
        })
        .collect()
}

/// The rows whose chain of `column` leads back to themselves, as (key, parent key), ordered by
/// key. With `starts`, only chains starting at those row ids are followed (any cycle in a table
/// loaded in file order passes through a row that referred forward).
pub fn find_cycles(
    conn: &Connection,
    table: &str,
    column: &str,
    starts: Option<&[i64]>,
) -> rusqlite::Result<Vec<(String, String)>> {
    let chains = match starts {
        Some(starts) => Chains::from_rows(conn, table, column, starts)?,
        None => Chains::of_table(conn, table, column)?,
    };
    let mut keys = conn.prepare(&format!(
        "SELECT child.key, parent.key FROM {table} AS child
         JOIN {table} AS parent ON parent.id = child.{column} WHERE child.id = ?1"
    ))?;
    let mut cycles = chains
        .cycles
        .iter()
        .map(|id| keys.query_row([id], |row| Ok((row.get(0)?, row.get(1)?))))
        .collect::<rusqlite::Result<Vec<(String, String)>>>()?;
    cycles.sort();
    Ok(cycles)
}
