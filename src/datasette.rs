//! Datasette metadata for a database (`conflictdb datasette`): its title, the licences and credit
//! lines of its datasets, a description of every table, view and column, and every built-in
//! report as a canned query, so that `datasette conflict.db -m metadata.json` offers the reports
//! with the same rows as `conflictdb report`.
//!
//! Column descriptions come from src/schema.rs (what each seed column holds) and, for a column
//! that holds a vocabulary's code, from the vocabulary's own rows; the few columns no seed file
//! fills (ids, datasets, the views' derived columns) are described in [`EXTRA_COLUMNS`].

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use rusqlite::Connection;
use serde_json::{json, Map, Value as Json};

use crate::schema::{self, Value};
use crate::{attribution, reports};

/// What each table and view holds: Datasette shows it above the rows.
const TABLES: &[(&str, &str)] = &[
    ("casualty_changes", "The fatality log: every change of a casualty claim's figures (low, best, high) a later load made, with the old and new values and when, so that a publisher's revised figures never silently replace the earlier ones."),
    ("v_casualty_changes", "The fatality log with the claim's key, its event and its dataset by name."),
    ("event_attributes", "Values an imported file gives an event that the model has no column for (ACLED tags, source_scale; UCDP event_clarity), under the file's own column names, so nothing in the file is lost."),
    ("v_event_attributes", "The attributes of imported events, with the event's key and dataset by name."),
    ("statement_attributes", "Values an imported file gives a statement that the model has no column for (GDELT GoldsteinScale, AvgTone, mention counts), under the file's own column names."),
    ("v_statement_attributes", "The attributes of imported statements, with the statement's key and dataset by name."),
    ("events", "Events: fights, strikes, ceasefires, talks, each with its dates, the precision they are known to, its place and the larger event it is part of."),
    ("statements", "Statements: who said what, when, with which stance, about which event, as a source reports it."),
    ("casualties", "Casualty and damage figures as claims: who claimed them, whose losses, low/best/high as given, and which source reports the claim. Figures are never altered or averaged."),
    ("allegations", "Who is alleged to have started a fight or carried out an act, who alleges it, and which source reports it."),
    ("event_links", "How two events relate (one answering another, one said to continue another), as a source says."),
    ("actors", "States, governments, armed forces, organisations and people; parent_id links an actor to the one it belongs to."),
    ("actor_aliases", "Other names of actors, by which reports and imports find them."),
    ("places", "Places with their coordinates (WGS 84) and how precisely those are known."),
    ("place_aliases", "Other names of places."),
    ("sources", "The documents every row cites: reports, articles, datasets."),
    ("event_actors", "Which actors took part in which event, and in what role."),
    ("event_places", "Further places of an event beyond its main one."),
    ("event_sources", "Which sources back which event, with the passage that does."),
    ("datasets", "The datasets the database holds: where each was loaded from, when, its format, licence, credit line and citation."),
    ("dataset_files", "The files each dataset was loaded from, with their size, rows and hash."),
    ("v_actor_roots", "Each actor with the top-level actor it belongs to (Lavrov belongs to Russia)."),
    ("v_actors", "Actors with their parent's name and the top-level actor they represent."),
    ("v_events", "Events with their place, the event they are part of and how many sources back them, by name rather than id."),
    ("v_statements", "Statements with speaker, whom the speaker represents, target, event and source by name."),
    ("v_casualties", "Casualty claims with event, side, claimant and source by name."),
    ("v_allegations", "Allegations with event, alleged actor, who alleges it and source by name."),
    ("v_event_links", "Links between events, by the events' keys and titles."),
    ("v_event_actors", "Which actors took part in which event, by name."),
    ("v_event_sources", "Which sources back which event, by title."),
    ("v_events_on_map", "Events at the coordinates of their place (latitude, longitude: WGS 84), with how precisely the place is known: a province's centroid is not the spot where it happened. datasette-cluster-map draws it."),
];

/// Columns no seed file fills, or that views derive: (table or "*" for any, column, meaning).
const EXTRA_COLUMNS: &[(&str, &str, &str)] = &[
    ("*", "dataset", "The name of the dataset the row belongs to (see the datasets table)."),
    ("*", "event_key", "The key of the event the row belongs to."),
    ("dataset_files", "rejected", "How many of the file's records `import --keep-going` set aside in its rejects file (empty for seed files)."),
    ("casualty_changes", "id", "The change's own number, in the order the changes were written."),
    ("casualty_changes", "casualty_id", "The claim whose figures changed (casualties.id)."),
    ("*", "casualty_key", "The key of the claim whose figures changed."),
    ("*", "old_low", "The low figure before the change (empty: none was given)."),
    ("*", "old_best", "The best figure before the change (empty: none was given)."),
    ("*", "old_high", "The high figure before the change (empty: none was given)."),
    ("*", "new_low", "The low figure after the change (empty: none is given)."),
    ("*", "new_best", "The best figure after the change (empty: none is given)."),
    ("*", "new_high", "The high figure after the change (empty: none is given)."),
    ("*", "changed_at", "When the change was written, as ISO 8601 UTC."),
    ("*", "event_id", "The event the row belongs to (events.id)."),
    ("*", "statement_id", "The statement the row belongs to (statements.id)."),
    ("*", "statement_key", "The key of the statement the row belongs to."),
    ("event_attributes", "name", "The imported file's column, as its header names it."),
    ("statement_attributes", "name", "The imported file's column, as its codebook names it."),
    ("v_event_attributes", "name", "The imported file's column, as its header names it."),
    ("v_statement_attributes", "name", "The imported file's column, as its codebook names it."),
    ("*", "value", "The value as the file gives it."),
    ("*", "retracted", "1 when a newer export of the event's dataset no longer holds it: kept and flagged, not deleted (0 otherwise)."),
    ("*", "id", "The row's id, by which other tables refer to it"),
    (
        "*",
        "dataset_id",
        "The dataset the row belongs to (datasets.id)",
    ),
    (
        "*",
        "key",
        "The row's key, as the seed files and reports name it",
    ),
    ("*", "code", "The code other tables use for this entry"),
    ("*", "label", "A short name for people"),
    ("*", "description", "What the entry means"),
    (
        "datasets",
        "name",
        "The dataset's name (the directory it was seeded from, or built-in)",
    ),
    (
        "datasets",
        "kind",
        "built-in, directory (a seed directory) or import (another data set)",
    ),
    (
        "datasets",
        "loaded_from",
        "The directory or file it was last loaded from (empty for the built-in data)",
    ),
    (
        "datasets",
        "loaded_at",
        "When it was last loaded, ISO 8601 UTC",
    ),
    (
        "datasets",
        "program_version",
        "The conflictdb version that last loaded it",
    ),
    (
        "datasets",
        "format",
        "seed (conflictdb's own layout), acled, ucdp-ged or gdelt",
    ),
    (
        "datasets",
        "licence",
        "The licence or terms of use of the dataset's data",
    ),
    (
        "datasets",
        "attribution",
        "The credit line any copy of the dataset's rows must carry",
    ),
    ("datasets", "citation", "How to cite the dataset"),
    (
        "datasets",
        "edited_since_load",
        "1 if a row of the dataset was added, changed or deleted other than by loading it, since it was last loaded (then seeding it again compares every row, even of unchanged files); 0 if not",
    ),
    ("dataset_files", "file", "The file's name"),
    ("dataset_files", "hash", "A hash of the file's bytes"),
    ("dataset_files", "bytes", "The file's size in bytes"),
    ("dataset_files", "rows", "How many rows it held"),
    (
        "dataset_files",
        "format",
        "The file's format, as datasets.format",
    ),
    (
        "dataset_files",
        "layout",
        "The layout of that format it was read as",
    ),
    (
        "actors",
        "root_id",
        "The top-level actor this actor belongs to (itself if none)",
    ),
    ("*", "actor_id", "The actor (actors.id)"),
    ("*", "root_id", "The top-level actor (actors.id)"),
    ("*", "place_id", "The place (places.id)"),
    ("*", "event_id", "The event (events.id)"),
    ("*", "source_id", "The source (sources.id)"),
    (
        "*",
        "parent",
        "The name or title of the row this one belongs to",
    ),
    ("*", "parent_key", "The key of the row this one belongs to"),
    (
        "*",
        "represents",
        "The top-level actor the speaker belongs to (Lavrov represents Russia)",
    ),
    ("*", "speaker", "Who made the statement"),
    (
        "*",
        "speaker_is_party",
        "1 if the speaker is a party to the conflict",
    ),
    ("*", "target", "Whom the statement is addressed to or about"),
    ("*", "event", "The event's title"),
    ("*", "event_key", "The event's key"),
    ("*", "event_start", "The first day of the event"),
    ("*", "source", "The source's title"),
    ("*", "side", "The side whose losses the figure counts"),
    ("*", "claimed_by", "Who made the claim"),
    (
        "*",
        "part_of",
        "The key of the claim whose figure includes this one",
    ),
    ("*", "place", "The place's name"),
    (
        "*",
        "source_count",
        "How many distinct sources back the event",
    ),
    ("*", "alleged_actor", "Who is alleged to have done it"),
    ("*", "alleged_by", "Who alleges it"),
    ("*", "related_key", "The related event's key"),
    ("*", "related_event", "The related event's title"),
    ("*", "actor", "The actor's name"),
    ("*", "actor_key", "The actor's key"),
    ("*", "role", "The actor's role in the event"),
    ("*", "source_key", "The source's key"),
    (
        "*",
        "quote",
        "The passage of the source that says it, verbatim",
    ),
    ("*", "name", "The name"),
    ("*", "alias", "Another name"),
    ("*", "aliases", "The actor's other names"),
    (
        "*",
        "date_precision",
        "How precisely the dates are known: day, month or year",
    ),
    (
        "report_timeline",
        "sources",
        "How many distinct sources back the event",
    ),
    (
        "report_casualty_scopes",
        "claims",
        "How many totals the source gives",
    ),
    (
        "report_casualty_scopes",
        "totals",
        "Each total the source gives, with its scope, side, category, status and claimant",
    ),
    (
        "report_contested_casualties",
        "claims",
        "How many claims about the same losses",
    ),
    (
        "report_contested_casualties",
        "lowest",
        "The lowest figure claimed",
    ),
    (
        "report_contested_casualties",
        "lowest_claimed_by",
        "Who claimed the lowest figure (the source reporting the claim)",
    ),
    (
        "report_contested_casualties",
        "highest",
        "The highest figure claimed",
    ),
    (
        "report_contested_casualties",
        "highest_claimed_by",
        "Who claimed the highest figure (the source reporting the claim)",
    ),
    (
        "report_contested_casualties",
        "compared",
        "Whole figures, or parts of a larger figure compared with parts",
    ),
    (
        "report_reactions_by_stance",
        "statements",
        "How many statements take this stance",
    ),
    (
        "report_reactions_by_stance",
        "actor_count",
        "How many states and organisations take it",
    ),
    (
        "report_reactions_by_stance",
        "actors",
        "The states and organisations that take it",
    ),
    (
        "report_reactions_by_stance",
        "sources",
        "The sources of its statements, with how many each gives",
    ),
    (
        "report_single_source_events",
        "quotes",
        "The passages of the source that back the event",
    ),
    (
        "report_source_coverage",
        "events",
        "How many events the source backs",
    ),
    (
        "report_source_coverage",
        "statements",
        "How many statements it reports",
    ),
    (
        "report_source_coverage",
        "casualty_claims",
        "How many casualty claims it reports",
    ),
    (
        "report_source_coverage",
        "events_on_this_source_alone",
        "How many of its events no other source backs",
    ),
];

/// The metadata for the database `conn`, which Datasette serves as `database` (the file's name
/// without `.db`).
pub fn metadata(conn: &Connection, database: &str) -> Result<Json> {
    let mut tables = Map::new();
    let objects: Vec<(String, String)> = conn
        .prepare(&format!(
            "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view')
             AND name NOT LIKE 'sqlite!_%' ESCAPE '!' AND name NOT IN {}
             -- The full-text indexes and their shadow tables: Datasette finds an index by its
             -- content table, hides it, and offers a search box on that table.
             AND name NOT IN (SELECT name FROM pragma_table_list WHERE type IN ('virtual', 'shadow'))
             ORDER BY name",
            crate::schema::INTERNAL_TABLES
        ))?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let all_reports = reports::all(None)?;
    for (name, _) in &objects {
        let description = table_description(name, &all_reports)?;
        let mut columns = Map::new();
        let names: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info(?1)")?
            .query_map([name], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for column in names {
            let about = column_description(conn, name, &column)?;
            columns.insert(column, Json::String(about));
        }
        tables.insert(
            name.clone(),
            json!({ "description": description, "columns": columns }),
        );
    }
    let mut queries = Map::new();
    for report in all_reports.values() {
        let mut description = report.description.clone();
        for param in &report.params {
            description.push_str(&format!(
                " :{} ({}): {}.",
                param.name,
                param_hint(param),
                param.description
            ));
        }
        queries.insert(
            report.name.clone(),
            json!({
                "title": report.title,
                "description": description,
                "sql": report.sql,
                "params": report.params.iter().map(|p| p.name.clone()).collect::<Vec<_>>(),
            }),
        );
    }
    let datasets: Vec<DatasetRow> = conn
        .prepare("SELECT name, format, licence, attribution FROM datasets ORDER BY id")?
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut licences = Vec::new();
    let mut sources = Vec::new();
    let mut credits = Vec::new();
    let mut urls = Vec::new();
    for (name, format, licence, line) in &datasets {
        let known = attribution::of(format.as_deref());
        let licence = licence.clone().unwrap_or(known.licence.to_string());
        let line = line.clone().unwrap_or(known.line.to_string());
        push_once(&mut licences, format!("{name}: {licence}"));
        push_once(&mut sources, known.publisher.to_string());
        if !known.url.is_empty() {
            push_once(&mut urls, known.url.to_string());
        }
        credits.push(format!("{name}: {line}"));
    }
    let description = format!(
        "Events of a conflict and the claims made about them: who fought where and when, who said \
         what, who claimed how many casualties, and which source reports each. Claims, not \
         verdicts: figures are never altered or averaged. Datasets and their credit lines: {}",
        credits.join(" ")
    );
    let mut database_meta = json!({
        "description": description,
        "tables": tables,
        "queries": queries,
    });
    let mut top = json!({
        "title": format!("conflictdb: {database}"),
        "description": description,
        "license": licences.join("; "),
        "source": sources.join("; "),
    });
    // Datasette links one licence and one source: given only when there is one to give.
    if let [url] = urls.as_slice() {
        top["source_url"] = Json::String(url.clone());
    }
    let ucdp_only =
        datasets.len() == 1 && datasets[0].1.as_deref() == Some(attribution::UCDP_GED.format);
    if ucdp_only {
        top["license_url"] = json!("https://creativecommons.org/licenses/by/4.0/");
    }
    database_meta["source"] = top["source"].clone();
    database_meta["license"] = top["license"].clone();
    top["databases"] = json!({ database: database_meta });
    Ok(top)
}

/// A dataset's name, format, licence and credit line, as `datasets` stores them.
type DatasetRow = (String, Option<String>, Option<String>, Option<String>);

fn push_once(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// How a Datasette user fills in a parameter: the value conflictdb would bind.
fn param_hint(param: &reports::Param) -> String {
    let default = match &param.default {
        reports::ParamDefault::Required => "required".to_string(),
        reports::ParamDefault::Optional => "optional: leave empty for all".to_string(),
        reports::ParamDefault::Value(v) => format!("default {v}"),
    };
    let how = match param.kind.as_str() {
        "date" | "end-date" => "a date YYYY-MM-DD".to_string(),
        "text" | "integer" => param.kind.clone(),
        table => match schema::table(table) {
            Some(t) if t.is_vocabulary => format!("a code of {table}"),
            _ => format!("a key of {table}"),
        },
    };
    format!("{how}, {default}")
}

fn table_description(
    name: &str,
    all_reports: &BTreeMap<String, reports::Report>,
) -> Result<String> {
    if let Some((_, about)) = TABLES.iter().find(|(table, _)| *table == name) {
        return Ok(about.to_string());
    }
    if schema::table(name).is_some_and(|t| t.is_vocabulary) {
        return Ok(format!(
            "A vocabulary: the codes other tables use in {name}, each with a label and what it means."
        ));
    }
    for report in all_reports.values() {
        if let Some((view, _)) = reports::view_of(report) {
            if view == name {
                return Ok(format!(
                    "The report {} ({}) with no filter: {} Run it with filters as the canned query {}.",
                    report.name, report.title, report.description, report.name
                ));
            }
        }
    }
    bail!("table or view {name} has no description in src/datasette.rs")
}

/// A column's meaning: from the seed file that fills it, or [`EXTRA_COLUMNS`]; a vocabulary's
/// codes are listed with their labels.
fn column_description(conn: &Connection, table: &str, column: &str) -> Result<String> {
    // A view describes its columns as the table it reads does (v_events as events).
    let base = table.strip_prefix("v_").map(|b| b.to_string());
    let candidates = [Some(table.to_string()), base];
    for candidate in candidates.iter().flatten() {
        if let Some(spec) = schema::table(candidate) {
            for col in spec.columns {
                let found = if col.db == column {
                    Some(col.about.to_string())
                } else {
                    match col.value {
                        Value::Period { end_db, .. } if end_db == column => {
                            Some(format!("The last day of: {}", col.about))
                        }
                        Value::Period { precision_db, .. } if precision_db == column => {
                            Some(format!(
                                "How precisely it is known (day, month, year): {}",
                                col.about
                            ))
                        }
                        _ => None,
                    }
                };
                if let Some(about) = found.filter(|a| !a.is_empty()) {
                    return Ok(match col.value {
                        Value::Code(vocabulary) if col.db == column => {
                            format!("{about}. {}", codes(conn, vocabulary)?)
                        }
                        _ => about,
                    });
                }
            }
        }
    }
    for (owner, name, about) in EXTRA_COLUMNS {
        if (*owner == table || *owner == "*") && *name == column {
            return Ok(about.to_string());
        }
    }
    // A view's derived column named as a seed column of any table (`stance`, `kind`).
    for spec in schema::TABLES {
        if let Some(col) = spec
            .columns
            .iter()
            .find(|c| c.db == column && !c.about.is_empty())
        {
            return Ok(col.about.to_string());
        }
    }
    bail!("column {table}.{column} has no description in src/schema.rs or src/datasette.rs")
}

/// "One of: clash (Clash), ..." from a vocabulary's rows.
fn codes(conn: &Connection, vocabulary: &str) -> Result<String> {
    let rows: Vec<String> = conn
        .prepare(&format!(
            "SELECT code || ' (' || label || ')' FROM \"{vocabulary}\" ORDER BY code"
        ))?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(format!(
        "One of: {} (see the {vocabulary} table for what each means)",
        rows.join(", ")
    ))
}
