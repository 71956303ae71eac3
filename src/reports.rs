//! Named reports: `queries/NAME.sql`, compiled in, plus any the user adds with `--queries DIR`.
//!
//! A report file starts with comment lines that describe it:
//!
//! ```sql
//! -- title: Timeline of events
//! -- description: Events in date order.
//! -- param: from [date]: Earliest date, YYYY, YYYY-MM or YYYY-MM-DD (optional)
//! -- param: actor [actors]: An actor's key, name or alias (required)
//! -- param: kind [event_kinds]: An event kind (default: clash)
//! ```
//!
//! A parameter's type is `text` (the default), `integer`, `date` (bound as the first day of the
//! period given), `end-date` (the last day), or a table: the value must name a row of it (by key,
//! or by name or alias for actors and places; by code for a vocabulary) and is bound as its key:
//! an exact key always names its row, and any other value must match one row only, ignoring case.
//! Parameters are bound as SQL named parameters (`:from`), never spliced into the SQL, and one not
//! given is bound as NULL: the file runs as written, here and in any SQLite tool (sqlite3,
//! Datasette, DB Browser), so each filter says in the SQL itself that NULL means no filter
//! (queries/timeline.sql shows forms that still search an index when the filter is set). A
//! report without a required parameter is also a view, `report_NAME` (see [`sync_views`]).

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context, Result};
use include_dir::{include_dir, Dir};
use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, Statement};

use crate::sql::{self, NotAQuery};
use crate::{date, schema, suggest};

static BUILT_IN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/queries");

#[derive(Clone, Debug)]
pub struct Report {
    pub name: String,
    pub title: String,
    pub description: String,
    pub params: Vec<Param>,
    pub sql: String,
}

#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub kind: String,
    pub description: String,
    pub default: ParamDefault,
}

/// What a parameter that is not given takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ParamDefault {
    /// Nothing: the report refuses to run without it.
    Required,
    /// Bound as NULL when not given: the report then leaves that filter out.
    Optional,
    /// This value, as if given.
    Value(String),
}

/// As `conflictdb reports` lists it: `actor [actors] (required): An actor's key, name or alias`.
impl std::fmt::Display for Param {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} [{}] ({}): {}",
            self.name, self.kind, self.default, self.description
        )
    }
}

impl std::fmt::Display for ParamDefault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ParamDefault::Required => f.write_str("required"),
            ParamDefault::Optional => f.write_str("optional"),
            ParamDefault::Value(v) => write!(f, "default: {v}"),
        }
    }
}

/// The built-in reports and those in `extra`, by name.
pub fn all(extra: Option<&Path>) -> Result<BTreeMap<String, Report>> {
    let mut reports = BTreeMap::new();
    for file in BUILT_IN.files() {
        if let Some(name) = report_name(file.path()) {
            let text = file
                .contents_utf8()
                .context("a built-in report is not UTF-8")?;
            reports.insert(
                name.clone(),
                parse(&name, text).with_context(|| format!("queries/{name}.sql"))?,
            );
        }
    }
    if let Some(dir) = extra {
        let entries = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read report directory {}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            if let Some(name) = report_name(&path) {
                // One bad file among the user's reports costs only that report.
                match read_report(&name, &path) {
                    Ok(report) => {
                        reports.insert(name, report);
                    }
                    Err(problem) => {
                        eprintln!("conflictdb: {}: {problem:#}; skipped", path.display())
                    }
                }
            }
        }
    }
    Ok(reports)
}

/// A report file from `--queries`, or why it cannot be one.
fn read_report(name: &str, path: &Path) -> Result<Report> {
    // Reading a FIFO would wait for a writer forever, and a directory is no file.
    let meta = std::fs::metadata(path).context("cannot read it")?;
    if !meta.is_file() {
        bail!(
            "is {}, not a report file",
            crate::db::kind_of(&meta.file_type())
        );
    }
    let bytes = std::fs::read(path).context("cannot read it")?;
    let text = String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "is not UTF-8 text (bad byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })?;
    parse(name, &text)
}

fn report_name(path: &Path) -> Option<String> {
    (path.extension()? == "sql").then(|| path.file_stem()?.to_str().map(String::from))?
}

/// Reads a report's header comments.
pub fn parse(name: &str, text: &str) -> Result<Report> {
    let mut report = Report {
        name: name.to_string(),
        title: String::new(),
        description: String::new(),
        params: Vec::new(),
        sql: text.to_string(),
    };
    for line in text.lines() {
        let Some(comment) = line.trim_start().strip_prefix("--") else {
            if line.trim().is_empty() {
                continue;
            }
            break;
        };
        let comment = comment.trim();
        if let Some(title) = comment.strip_prefix("title:") {
            report.title = title.trim().to_string();
        } else if let Some(description) = comment.strip_prefix("description:") {
            if !report.description.is_empty() {
                report.description.push(' ');
            }
            report.description.push_str(description.trim());
        } else if let Some(param) = comment.strip_prefix("param:") {
            report.params.push(
                parse_param(param.trim()).with_context(|| format!("bad param line {line:?}"))?,
            );
        }
    }
    if report.title.is_empty() {
        bail!("report {name} has no `-- title:` line");
    }
    Ok(report)
}

fn parse_param(text: &str) -> Result<Param> {
    let (head, rest) = text
        .split_once(':')
        .context("expected `NAME [TYPE]: DESCRIPTION`")?;
    let head = head.trim();
    let (name, kind) = match head.split_once('[') {
        Some((name, kind)) => (name.trim(), kind.trim_end_matches(']').trim()),
        None => (head, "text"),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        bail!("parameter name {name:?} must be letters, digits and _");
    }
    let known_kind =
        matches!(kind, "text" | "integer" | "date" | "end-date") || schema::table(kind).is_some();
    if !known_kind {
        bail!("parameter {name} has unknown type {kind:?}");
    }
    let mut description = rest.trim().to_string();
    let mut default = ParamDefault::Optional;
    if let Some(open) = description.rfind('(') {
        if description.ends_with(')') {
            let inner = description[open + 1..description.len() - 1]
                .trim()
                .to_string();
            let recognised = if inner == "required" {
                default = ParamDefault::Required;
                true
            } else if inner == "optional" {
                true
            } else if let Some(value) = inner.strip_prefix("default:") {
                default = ParamDefault::Value(value.trim().to_string());
                true
            } else {
                false
            };
            if recognised {
                description = description[..open].trim().to_string();
            }
        }
    }
    Ok(Param {
        name: name.to_string(),
        kind: kind.to_string(),
        description,
        default,
    })
}

/// A report the user asked for by name, with the `--param` values they gave, checked against
/// its header before any database is opened.
pub struct Request {
    report: Report,
    given: BTreeMap<String, String>,
}

impl Request {
    /// The report `name`, among the built-in ones and those in `extra`, with `params` given as
    /// `KEY=VALUE`.
    pub fn new(extra: Option<&Path>, name: &str, params: &[String]) -> Result<Request> {
        let all = all(extra)?;
        let report = find(&all, name)?.clone();
        let given = parse_params(&report, params)?;
        refuse_empty_range(&report, &given)?;
        Ok(Request { report, given })
    }

    /// The report's statement on `conn`, bound; with `explain`, SQLite's plan for it instead.
    pub fn prepare<'c>(&self, conn: &'c Connection, explain: bool) -> Result<Statement<'c>> {
        prepare(conn, &self.report, &self.given, explain)
    }
}

/// Looks up a report by name, suggesting the closest on a miss.
fn find<'a>(reports: &'a BTreeMap<String, Report>, name: &str) -> Result<&'a Report> {
    reports.get(name).with_context(|| {
        let hint = suggest::closest(name, reports.keys().cloned())
            .map(|c| format!(" (did you mean {c:?}?)"))
            .unwrap_or_default();
        format!(
            "no report named {}{hint}; `conflictdb reports` lists them",
            quoted(name)
        )
    })
}

/// Splits `--param key=value` arguments, refusing unknown and repeated names.
fn parse_params(report: &Report, params: &[String]) -> Result<BTreeMap<String, String>> {
    let mut given = BTreeMap::new();
    for arg in params {
        let (key, value) = arg.split_once('=').with_context(|| {
            format!(
                "report {}: --param {} is not KEY=VALUE",
                report.name,
                quoted(arg)
            )
        })?;
        if !report.params.iter().any(|p| p.name == key) {
            let names: Vec<String> = report.params.iter().map(|p| p.name.clone()).collect();
            let hint = suggest::closest(key, names.clone())
                .map(|c| format!(" (did you mean {c:?}?)"))
                .unwrap_or_default();
            let known = if names.is_empty() {
                "it takes no parameters".to_string()
            } else {
                format!("its parameters are {}", names.join(", "))
            };
            bail!(
                "report {} has no parameter {}{hint}; {known}",
                report.name,
                quoted(key)
            );
        }
        if given.insert(key.to_string(), value.to_string()).is_some() {
            bail!("report {}: parameter {key} is given twice", report.name);
        }
    }
    Ok(given)
}

/// Refuses a `date` parameter whose period starts after an `end-date` parameter's ends (`from`
/// after `to`): the report could only answer with an empty table, as if nothing had happened.
/// A value that is no date is left to be refused with its own message.
fn refuse_empty_range(report: &Report, given: &BTreeMap<String, String>) -> Result<()> {
    let value = |param: &Param| match (given.get(&param.name), &param.default) {
        (Some(value), _) | (None, ParamDefault::Value(value)) => date::parse(value)
            .ok()
            .map(|period| (value.clone(), period)),
        _ => None,
    };
    for start in report.params.iter().filter(|p| p.kind == "date") {
        for end in report.params.iter().filter(|p| p.kind == "end-date") {
            if let (Some((from, first)), Some((to, last))) = (value(start), value(end)) {
                if first.start > last.end {
                    bail!(
                        "report {}: parameter {} {} comes after parameter {} {}, so nothing can fall between them",
                        report.name,
                        start.name,
                        quoted(&from),
                        end.name,
                        quoted(&to)
                    );
                }
            }
        }
    }
    Ok(())
}

/// The report's SQL, prepared as written and bound: every named parameter from the given values,
/// the defaults, or NULL.
fn prepare<'c>(
    conn: &'c Connection,
    report: &Report,
    given: &BTreeMap<String, String>,
    explain: bool,
) -> Result<Statement<'c>> {
    let mut values = BTreeMap::new();
    for param in &report.params {
        let raw = match (given.get(&param.name), &param.default) {
            (Some(value), _) => value.clone(),
            (None, ParamDefault::Value(value)) => value.clone(),
            (None, ParamDefault::Optional) => continue,
            (None, ParamDefault::Required) => bail!(
                "report {} needs parameter {}: {}; pass --param {}=VALUE",
                report.name,
                param.name,
                param.description,
                param.name
            ),
        };
        values.insert(param.name.as_str(), param_value(conn, report, param, &raw)?);
    }
    refuse_conditional_lines(report)?;
    let mut sql = report.sql.clone();
    if explain {
        sql.insert_str(0, "EXPLAIN QUERY PLAN ");
    }
    let mut stmt = conn.prepare(&sql).map_err(|e| {
        anyhow::anyhow!(
            "report {} does not compile: {}",
            report.name,
            sql::compile_error(&e)
        )
    })?;
    match sql::only_reads(&stmt, &sql) {
        Ok(()) => {}
        Err(NotAQuery::Empty) => bail!(
            "report {} holds no SQL statement after its header",
            report.name
        ),
        Err(NotAQuery::Writes(verb)) => bail!(
            "report {} is read-only: it runs SELECT statements, not {verb:?}",
            report.name
        ),
    }
    for index in 1..=stmt.parameter_count() {
        let Some(sql_name) = stmt.parameter_name(index) else {
            bail!(
                "report {} uses a positional parameter; reports use named ones (:name)",
                report.name
            );
        };
        let name = &sql_name[1..];
        if !report.params.iter().any(|p| p.name == name) {
            bail!(
                "report {} uses {sql_name} but its header declares no such parameter",
                report.name
            );
        }
        stmt.raw_bind_parameter(index, values.get(name).cloned().unwrap_or(SqlValue::Null))?;
    }
    Ok(stmt)
}

/// A value the user gave, quoted for a message, and cut short with its size if long: a value
/// pasted by mistake may run to megabytes.
fn quoted(value: &str) -> String {
    match crate::long_value::kept(value) {
        None => format!("{value:?}"),
        Some(kept) => {
            let start = format!("{kept:?}");
            let mark = crate::long_value::cut_mark("\"", value.len());
            format!("{}{mark}", &start[..start.len() - 1])
        }
    }
}

/// Refuses a report that still marks lines `-- if: NAME`, which conflictdb once left out when NAME
/// was not given: run as written, such a filter compares with NULL and silently keeps no row.
fn refuse_conditional_lines(report: &Report) -> Result<()> {
    for (index, line) in report.sql.lines().enumerate() {
        if let Some((_, condition)) = line.split_once("-- if:") {
            bail!(
                "report {}: line {} marks a filter `-- if: {}`, which conflictdb no longer reads: \
                 a report runs as written, so write the filter to keep every row when the \
                 parameter is NULL, such as `AND said_on_end >= coalesce(:from, '')`",
                report.name,
                index + 1,
                condition.trim()
            );
        }
    }
    Ok(())
}

fn param_value(conn: &Connection, report: &Report, param: &Param, raw: &str) -> Result<SqlValue> {
    let refuse = |message: String| {
        anyhow::anyhow!(
            "report {}: parameter {} {}: {message}",
            report.name,
            param.name,
            quoted(raw)
        )
    };
    Ok(match param.kind.as_str() {
        "text" => SqlValue::Text(raw.to_string()),
        "integer" => SqlValue::Integer(
            raw.parse()
                .map_err(|_| refuse("is not a whole number".into()))?,
        ),
        "date" => SqlValue::Text(date::iso(date::parse(raw).map_err(refuse)?.start)),
        "end-date" => SqlValue::Text(date::iso(date::parse(raw).map_err(refuse)?.end)),
        table => SqlValue::Text(resolve(conn, table, raw).map_err(refuse)?),
    })
}

/// The key (or code) of the row of `table` that `value` names.
///
/// A key given exactly, case and all, names its row, whatever else matches: it is the one
/// spelling that is always unambiguous, and the way out of an ambiguity. Otherwise the value is
/// compared, ignoring ASCII case, with every key and (for actors and places) every name and
/// alias: it must name exactly one row. Two rows that differ only in case (`Lavrov` and
/// `lavrov`), or share a name or alias, make it ambiguous, and it is refused naming them, rather
/// than resolved to whichever comes first.
fn resolve(conn: &Connection, table: &str, value: &str) -> std::result::Result<String, String> {
    let spec = schema::table(table).expect("parameter types are checked when reports are read");
    let key = spec.key_column();
    let exact: Option<String> = conn
        .query_row(
            &format!("SELECT {key} FROM {table} WHERE {key} = ?1"),
            [value],
            |row| row.get(0),
        )
        .optional()
        .map_err(|e| e.to_string())?;
    if let Some(found) = exact {
        return Ok(found);
    }
    let mut sql = format!("SELECT {key} FROM {table} WHERE {key} = ?1 COLLATE NOCASE");
    if matches!(table, "actors" | "places") {
        let alias_table = format!("{}_aliases", &table[..table.len() - 1]);
        let id = format!("{}_id", &table[..table.len() - 1]);
        sql.push_str(&format!(
            " UNION SELECT key FROM {table} WHERE name = ?1 COLLATE NOCASE
              UNION SELECT {table}.key FROM {alias_table} JOIN {table} ON {table}.id = {alias_table}.{id}
              WHERE alias = ?1 COLLATE NOCASE"
        ));
    }
    // UNION gives each row's key once, however many of its names match.
    let found: Vec<String> = conn
        .prepare(&format!("{sql} ORDER BY 1 LIMIT 6"))
        .and_then(|mut stmt| stmt.query_map([value], |row| row.get(0))?.collect())
        .map_err(|e| e.to_string())?;
    let what = if spec.is_vocabulary {
        "code"
    } else if matches!(table, "actors" | "places") {
        "key, name or alias"
    } else {
        "key"
    };
    match found.as_slice() {
        [one] => return Ok(one.clone()),
        // A title, a title written as a key, or a key without its date prefix (see names.rs).
        [] => match crate::names::named(conn, table, value) {
            Some(named) if named.keys.len() == 1 => return Ok(named.keys[0].clone()),
            Some(named) => return Err(format!("is ambiguous: {}; give the key", named.sentence())),
            None => {}
        },
        many => {
            let shown: Vec<String> = many.iter().take(5).map(|k| format!("{k:?}")).collect();
            let list = match shown.as_slice() {
                [first, second] => format!("{first} and {second}"),
                _ if many.len() > 5 => format!("{} and more", shown.join(", ")),
                _ => shown.join(", "),
            };
            return Err(format!(
                "is ambiguous: ignoring case, it is the {what} of more than one row of {table} \
                 ({list}); give the {} exactly",
                if spec.is_vocabulary { "code" } else { "key" }
            ));
        }
    }
    // Only keys of about the value's length are read: a table may hold millions.
    let lengths = suggest::lengths(value);
    let candidates: Vec<String> = conn
        .prepare(&format!(
            "SELECT {key} FROM {table} WHERE length({key}) BETWEEN ?1 AND ?2"
        ))
        .and_then(|mut stmt| {
            let bounds = [*lengths.start() as i64, *lengths.end() as i64];
            stmt.query_map(bounds, |row| row.get(0))?.collect()
        })
        .map_err(|e| e.to_string())?;
    let hint = suggest::closest(value, candidates)
        .map(|c| format!(" (did you mean {c:?}?)"))
        .unwrap_or_default();
    let codes = if spec.is_vocabulary {
        format!(
            "; the codes are {}",
            crate::names::codes_with_labels(conn, table)
        )
    } else {
        String::new()
    };
    Err(format!("no row of {table} has this {what}{hint}{codes}"))
}

/// What every report view's SQL carries, so that [`sync_views`] tells its own views from a
/// user's (a user's view named `report_...` is never touched).
const VIEW_MARK: &str = "-- conflictdb: the report view of queries/";

/// The view a built-in report is also kept as, for tools that list views (DB Browser, R, pandas):
/// `report_NAME` with `-` as `_`, its parameters NULL (no filter). None for a report that needs
/// a parameter, which no view can ask for.
pub fn view_of(report: &Report) -> Option<(String, String)> {
    if report
        .params
        .iter()
        .any(|p| p.default == ParamDefault::Required)
    {
        return None;
    }
    let name = format!("report_{}", report.name.replace('-', "_"));
    let body = with_null_parameters(&report.sql);
    let body = body.trim_end().trim_end_matches(';').trim_end();
    Some((
        name.clone(),
        format!(
            "CREATE VIEW \"{name}\" AS\n{VIEW_MARK}{}.sql with every parameter unset; seed and \
             migrate replace it when the report changes.\n{body}",
            report.name
        ),
    ))
}

/// The built-in reports' views created, or replaced where their SQL differs, and views of reports
/// no longer built in dropped; returns how many changed. Run by every migration (`seed` and
/// `migrate` both migrate), so the views follow `queries/`.
pub fn sync_views(conn: &Connection) -> Result<usize> {
    let mut wanted = BTreeMap::new();
    for report in all(None)?.values() {
        if let Some((name, sql)) = view_of(report) {
            wanted.insert(name, sql);
        }
    }
    let existing: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'view' AND instr(sql, ?1) > 0")?
        .query_map([VIEW_MARK], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut changed = 0;
    for (name, sql) in &existing {
        if wanted.get(name) != Some(sql) {
            conn.execute_batch(&format!("DROP VIEW \"{name}\""))?;
            changed += 1;
        }
    }
    for (name, sql) in &wanted {
        if !existing.iter().any(|(n, s)| n == name && s == sql) {
            conn.execute_batch(sql)
                .with_context(|| format!("cannot create view {name}"))?;
            changed += 1;
        }
    }
    Ok(changed)
}

/// Drops every report view: a migration that rebuilds a table (drop, then rename a copy) fails
/// while a view refers to it. [`sync_views`] makes them again.
pub fn drop_views(conn: &Connection) -> Result<()> {
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'view' AND instr(sql, ?1) > 0")?
        .query_map([VIEW_MARK], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for name in names {
        conn.execute_batch(&format!("DROP VIEW \"{name}\""))?;
    }
    Ok(())
}

/// `sql` with every named parameter (`:name`) outside strings, quoted names and comments
/// replaced by NULL: a view cannot take parameters.
fn with_null_parameters(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        match c {
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                out.push(c);
                for (_, inner) in chars.by_ref() {
                    out.push(inner);
                    if inner == close {
                        break;
                    }
                }
            }
            '-' if chars.peek().is_some_and(|(_, n)| *n == '-') => {
                out.push(c);
                for (_, inner) in chars.by_ref() {
                    out.push(inner);
                    if inner == '\n' {
                        break;
                    }
                }
            }
            '/' if chars.peek().is_some_and(|(_, n)| *n == '*') => {
                out.push(c);
                let mut previous = ' ';
                for (_, inner) in chars.by_ref() {
                    out.push(inner);
                    if previous == '*' && inner == '/' {
                        break;
                    }
                    previous = inner;
                }
            }
            ':' if chars
                .peek()
                .is_some_and(|(_, n)| n.is_ascii_alphabetic() || *n == '_') =>
            {
                while chars
                    .peek()
                    .is_some_and(|(_, n)| n.is_ascii_alphanumeric() || *n == '_')
                {
                    chars.next();
                }
                out.push_str("NULL");
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod view_tests {
    use super::*;

    #[test]
    fn parameters_become_null_outside_strings_and_comments() {
        let sql = "-- param: from\nSELECT ':from', \":to\" FROM t /* :x */ WHERE a >= coalesce(:from, '') AND b = :kind_2;";
        assert_eq!(
            with_null_parameters(sql),
            "-- param: from\nSELECT ':from', \":to\" FROM t /* :x */ WHERE a >= coalesce(NULL, '') AND b = NULL;"
        );
    }

    #[test]
    fn every_report_without_a_required_parameter_has_a_view_that_compiles() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::db::migrate(&mut conn, Path::new(":memory:")).unwrap();
        let reports = all(None).unwrap();
        let mut views = 0;
        for report in reports.values() {
            if let Some((name, _)) = view_of(report) {
                conn.prepare(&format!("SELECT * FROM \"{name}\"")).unwrap();
                views += 1;
            }
        }
        assert_eq!(views, reports.len() - 1, "all but actor-statements");
        assert_eq!(sync_views(&conn).unwrap(), 0, "already in step");
    }
}
