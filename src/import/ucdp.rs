//! UCDP GED (the Georeferenced Event Dataset) files. Columns are found by their header names, so
//! GED 23.1 (49 columns) and older or special releases (fewer columns, in another order, without
//! `relid`, `code_status`, the `*_dset_id` ids, `where_description` or `gwnoa`) load alike; a
//! column a release does not have is simply not there.
//!
//! A row becomes (keys namespaced by the dataset: `ucdp:` in a dataset named `ucdp`):
//! - an event `ucdp-ged:<id>`, part of its dyad `ucdp-ged:dyad:<id>`, part of its conflict
//!   `ucdp-ged:conflict:<id>`: parent events dated by the span of their events in the import;
//! - kind: `type_of_violence` → `state_based`, `non_state`, `one_sided` (event_kinds'
//!   `ucdp_type_of_violence`);
//! - dates: `date_start`..`date_end` at the precision `date_prec` gives: 1 `day`; 2 `window`; 3
//!   `week` (where the dates are the seven days of one, else `window`); 4 `month` where the dates
//!   are a calendar month, else `window`; 5 `year` where they are a calendar year, else `window`;
//! - place: `where_coordinates` at `latitude`/`longitude`, precision from `where_prec` (1 exact,
//!   2 near, 3 district, 4 province, 5 linear, 6 country, 7 sea_air), one place per name and
//!   coordinates;
//! - sides: one actor per UCDP actor id (`ucdp-ged:actor:<id>`), unless linked to one of ours
//!   (`--link-actors`, actor_links.rs); in one-sided violence side B (Civilians) is the victim,
//!   and that side A carried it out is UCDP's allegation;
//! - sources: each `source_office`/`source_date`/`source_headline` item, one source per item
//!   across the import (`1753-01-01` is no date), cited in the UCDP dataset; a row whose lists do
//!   not line up, or that has only `source_article` (`number_of_sources` -1), cites that text as
//!   one source;
//! - figures: all claimed by UCDP as its estimates, from the dataset itself: `low`/`best`/`high`
//!   for all sides, and as parts of it `deaths_a` and `deaths_b` (the side's losses),
//!   `deaths_civilians` (civilians, all sides) and `deaths_unknown` (status unknown, all sides);
//!   `source_original` (who first gave the information) in each claim's notes. Figures load as
//!   published, `low <= best <= high` or not; `conflictdb check` lists the rows where it does not
//!   hold;
//! - every other column (`event_clarity`, `priogrid_gid`, `relid`, the GW codes, ...) as an
//!   attribute of the event, under its own name.

use std::collections::BTreeMap;

use super::format::{normalise, Format, Layout, Options};
use super::record::{Record, RowError};
use super::sink::Sink;
use crate::attribution::UCDP_GED;

mod figures;
mod place;
mod sources;

use figures::figures;
use place::place;
use sources::sources;

pub struct UcdpGed;

/// GED 23.1, as the codebook and the formats README give it.
static LAYOUTS: &[Layout] = &[Layout {
    name: "23.1",
    columns: &[
        "id",
        "relid",
        "year",
        "active_year",
        "code_status",
        "type_of_violence",
        "conflict_dset_id",
        "conflict_new_id",
        "conflict_name",
        "dyad_dset_id",
        "dyad_new_id",
        "dyad_name",
        "side_a_dset_id",
        "side_a_new_id",
        "side_a",
        "side_b_dset_id",
        "side_b_new_id",
        "side_b",
        "number_of_sources",
        "source_article",
        "source_office",
        "source_date",
        "source_headline",
        "source_original",
        "where_prec",
        "where_coordinates",
        "where_description",
        "adm_1",
        "adm_2",
        "latitude",
        "longitude",
        "geom_wkt",
        "priogrid_gid",
        "country",
        "country_id",
        "region",
        "event_clarity",
        "date_prec",
        "date_start",
        "date_end",
        "deaths_a",
        "deaths_b",
        "deaths_civilians",
        "deaths_unknown",
        "best",
        "high",
        "low",
        "gwnoa",
        "gwnob",
    ],
    has_header: true,
}];

/// The columns every release has (one of each group), by which a header of another release is
/// recognised.
const REQUIRED: &[&[&str]] = &[
    &["id"],
    &["type_of_violence"],
    &["conflict_new_id", "conflict_dset_id"],
    &["conflict_name"],
    &["dyad_new_id", "dyad_dset_id"],
    &["dyad_name"],
    &["side_a_new_id", "side_a_dset_id"],
    &["side_a"],
    &["side_b_new_id", "side_b_dset_id"],
    &["side_b"],
    &["date_start"],
    &["date_end"],
    &["best"],
];

/// Columns the mapping puts into our tables; every other one is kept as an attribute.
const MAPPED: &[&str] = &[
    "id",
    "type_of_violence",
    "conflict_new_id",
    "conflict_name",
    "dyad_new_id",
    "dyad_name",
    "side_a_new_id",
    "side_a",
    "side_b_new_id",
    "side_b",
    "source_office",
    "source_date",
    "source_headline",
    "where_prec",
    "where_coordinates",
    "adm_1",
    "latitude",
    "longitude",
    "date_prec",
    "date_start",
    "date_end",
    "deaths_a",
    "deaths_b",
    "deaths_civilians",
    "deaths_unknown",
    "best",
    "high",
    "low",
];

/// The dataset as a source, and UCDP as the claimant of its estimates.
const DATASET_SOURCE: &str = "dataset";
const CODER: &str = "actor:ucdp";

/// A parent event (conflict or dyad) and the span of its events in the import.
struct Parent {
    title: String,
    kind: &'static str,
    parent: Option<String>,
    start: String,
    end: String,
    what: &'static str,
    id: String,
}

/// The conflicts and dyads of the records mapped so far, by key, written by [`Format::finish`]:
/// kept in the import's sink, so that each import (and each try of one) starts with none.
#[derive(Default)]
struct Parents(BTreeMap<String, Parent>);

impl Format for UcdpGed {
    fn name(&self) -> &'static str {
        "ucdp-ged"
    }

    fn layouts(&self) -> &'static [Layout] {
        LAYOUTS
    }

    /// 23.1's header, or any header naming the columns every release has, in any order: an
    /// older or special release (its layout made from its header, once per import).
    fn layout_of_header(&self, header: &[String]) -> Option<&'static Layout> {
        if let Some(layout) = LAYOUTS.iter().find(|l| l.matches(header)) {
            return Some(layout);
        }
        let columns: Vec<String> = header.iter().map(|h| normalise(h)).collect();
        let has = |name: &str| columns.iter().any(|c| c == name);
        if !REQUIRED.iter().all(|names| names.iter().any(|n| has(n))) {
            return None;
        }
        let columns: Vec<&'static str> = columns
            .into_iter()
            .map(|c| &*Box::leak(c.into_boxed_str()))
            .collect();
        let name = format!("another release ({} columns)", columns.len());
        Some(Box::leak(Box::new(Layout {
            name: Box::leak(name.into_boxed_str()),
            columns: Box::leak(columns.into_boxed_slice()),
            has_header: true,
        })))
    }

    fn source_column(&self, table: &str, column: &str) -> Option<&'static str> {
        Some(match (table, column) {
            ("events", "key") => "id",
            ("events", "start_date") => "date_start",
            ("events", "end_date") => "date_end",
            ("events", "kind") => "type_of_violence",
            ("places", "latitude") => "latitude",
            ("places", "longitude") => "longitude",
            ("places", "name") => "where_coordinates",
            ("places", "admin1") => "adm_1",
            ("sources", "published_on") => "source_date",
            ("sources", "title") => "source_headline",
            ("actors", "name") => "side_a",
            _ => return None,
        })
    }

    fn map(&self, record: &Record, options: &Options, sink: &mut Sink) -> Result<(), RowError> {
        let get = |names: &[&str]| -> &str {
            names
                .iter()
                .map(|n| record.get(n))
                .find(|v| !v.is_empty())
                .unwrap_or("")
        };
        let required = |names: &[&str]| -> Result<&str, RowError> {
            match get(names) {
                "" => Err(record.refuse(
                    names.iter().find(|n| record.has(n)).unwrap_or(&names[0]),
                    "is required, and empty",
                )),
                value => Ok(value),
            }
        };
        let id = required(&["id"])?;
        if !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(record.refuse("id", "is not a UCDP event id (a whole number)"));
        }
        let event = sink.key(id);
        let violence = required(&["type_of_violence"])?;
        let (kind, kind_phrase) = match violence {
            "1" => ("state_based", "state-based armed conflict"),
            "2" => ("non_state", "non-state conflict"),
            "3" => ("one_sided", "one-sided violence"),
            _ => {
                return Err(record.refuse(
                    "type_of_violence",
                    "is not a UCDP type of violence: 1 state-based, 2 non-state, 3 one-sided",
                ))
            }
        };
        let start = date(record, "date_start")?;
        let end = date(record, "date_end")?;
        if end < start {
            return Err(record.refuse("date_end", format!("is before date_start {start}")));
        }
        let precision = precision(record.get("date_prec"), &start, &end)
            .ok_or_else(|| record.refuse("date_prec", "is not a UCDP date precision: 1 to 5"))?;
        let place = place(record, sink)?;
        let (name_a, name_b) = (required(&["side_a"])?, required(&["side_b"])?);
        let side_a = actor(record, sink, options, "a", violence)?;
        let side_b = actor(record, sink, options, "b", violence)?;
        let conflict_id = required(&["conflict_new_id", "conflict_dset_id"])?;
        let dyad_id = required(&["dyad_new_id", "dyad_dset_id"])?;
        let (conflict, dyad) = (
            sink.key(&format!("conflict:{conflict_id}")),
            sink.key(&format!("dyad:{dyad_id}")),
        );
        let dyad_name = get(&["dyad_name"]);
        let where_name = record.get("where_coordinates");
        let where_description = record.get("where_description");
        let mut at = String::new();
        if !where_name.is_empty() {
            at = format!(" at {where_name}");
            if !where_description.is_empty() && where_description != where_name {
                at.push_str(&format!(" ({where_description})"));
            }
        }
        let summary = if violence == "3" {
            format!("UCDP GED codes {kind_phrase} by {name_a} against {name_b}{at}.")
        } else {
            format!("UCDP GED codes {kind_phrase} between {name_a} and {name_b}{at}.")
        };
        // A dyad the file does not name is called by its UCDP id, as its parent event is.
        let dyad_title = match dyad_name {
            "" => format!("UCDP dyad {dyad_id}"),
            name => name.to_string(),
        };
        let title = match where_name {
            "" => dyad_title,
            name => format!("{dyad_title}: {name}"),
        };
        sink.row("events")
            .set("key", event.as_str())
            .set("title", title)
            .set("kind", kind)
            .set("start_date", start.as_str())
            .set("end_date", if end == start { "" } else { end.as_str() })
            .set("date_precision", precision)
            .set("date_basis", "stated")
            .set("place", place.clone().unwrap_or_default())
            .set("parent", dyad.as_str())
            .set("summary", summary)
            .set("retracted", "0")
            .add();
        if let Some(place) = place {
            sink.row("event_places")
                .set("event", event.as_str())
                .set("place", place)
                .add();
        }
        let (role_a, role_b) = match violence {
            "3" => ("participant", "victim"),
            _ => ("side", "side"),
        };
        sink.row("event_actors")
            .set("event", event.as_str())
            .set("actor", side_a.as_str())
            .set("role", role_a)
            .add();
        // Both sides linked to one actor of ours are one row.
        if side_b != side_a || role_b != role_a {
            sink.row("event_actors")
                .set("event", event.as_str())
                .set("actor", side_b.as_str())
                .set("role", role_b)
                .add();
        }
        dataset_rows(sink);
        if violence == "3" {
            sink.row("allegations")
                .set("key", format!("{event}:perpetrator"))
                .set("event", event.as_str())
                .set("actor", side_a.as_str())
                .set("kind", "perpetrator")
                .set_key("alleged_by", CODER)
                .set_key("source", DATASET_SOURCE)
                .set(
                    "notes",
                    "UCDP GED codes one-sided violence with the perpetrator as side A.",
                )
                .add();
        }
        for source in sources(record, sink) {
            sink.row("event_sources")
                .set("event", event.as_str())
                .set("source", source)
                .add();
        }
        figures(record, sink, &event, &side_a, &side_b)?;
        for (index, name) in record.layout().columns.iter().enumerate() {
            if !MAPPED.contains(name) {
                if let Some(value) = record.fields.get(index) {
                    sink.attribute(&event, name, value.trim());
                }
            }
        }
        // Last, once nothing can refuse the record: its parents cover its dates.
        let parents = &mut sink.state::<Parents>().0;
        widen(
            parents,
            &conflict,
            get(&["conflict_name"]),
            kind,
            None,
            &start,
            &end,
            "conflict",
            conflict_id,
        );
        widen(
            parents,
            &dyad,
            dyad_name,
            kind,
            Some(conflict),
            &start,
            &end,
            "dyad",
            dyad_id,
        );
        Ok(())
    }

    /// The conflicts and dyads, dated by the span of their events.
    fn finish(&self, sink: &mut Sink) {
        let parents = std::mem::take(&mut sink.state::<Parents>().0);
        if parents.is_empty() {
            return;
        }
        dataset_rows(sink);
        for (key, mut parent) in parents {
            // No record of it named it: it is called by its UCDP id.
            if parent.title.is_empty() {
                parent.title = format!("UCDP {} {}", parent.what, parent.id);
            }
            let summary = format!(
                "UCDP {} {} ({}), the parent of its events in the imported file.",
                parent.what, parent.id, parent.title
            );
            sink.row("events")
                .set("key", key.as_str())
                .set("title", parent.title)
                .set("kind", parent.kind)
                .set("start_date", parent.start.as_str())
                .set("end_date", if parent.end == parent.start { "" } else { parent.end.as_str() })
                .set("date_precision", "day")
                .set("date_basis", "inferred")
                .set("parent", parent.parent.unwrap_or_default())
                .set("summary", summary)
                .set(
                    "notes",
                    "The dates span the imported events of it, from the first start to the last end: UCDP GED gives no dates of its own for a conflict or dyad.",
                )
                .set("retracted", "0")
                .add();
            sink.row("event_sources")
                .set("event", key)
                .set_key("source", DATASET_SOURCE)
                .add();
        }
    }
}

/// Widens the parent event `key` to cover `start`..`end`.
#[allow(clippy::too_many_arguments)]
fn widen(
    parents: &mut BTreeMap<String, Parent>,
    key: &str,
    title: &str,
    kind: &'static str,
    parent: Option<String>,
    start: &str,
    end: &str,
    what: &'static str,
    id: &str,
) {
    let entry = parents.entry(key.to_string()).or_insert_with(|| Parent {
        title: title.to_string(),
        kind,
        parent,
        start: start.to_string(),
        end: end.to_string(),
        what,
        id: id.to_string(),
    });
    // A record that names it, where the first did not.
    if entry.title.is_empty() {
        entry.title = title.to_string();
    }
    if start < entry.start.as_str() {
        entry.start = start.to_string();
    }
    if end > entry.end.as_str() {
        entry.end = end.to_string();
    }
}

/// UCDP as the claimant of its estimates, and the dataset as the source they come from.
fn dataset_rows(sink: &mut Sink) {
    if let Some(row) = sink.shared("actors", &sink.key(CODER)) {
        row.set("name", "Uppsala Conflict Data Program")
            .set("kind", "ngo")
            .set(
                "notes",
                "The research programme at Uppsala University that codes UCDP GED; the claimant of its estimates.",
            )
            .add();
    }
    if let Some(row) = sink.shared("sources", &sink.key(DATASET_SOURCE)) {
        row.set("title", "UCDP Georeferenced Event Dataset (GED)")
            .set("publisher", UCDP_GED.publisher)
            .set("url", UCDP_GED.url)
            .set("kind", "dataset")
            .set(
                "notes",
                format!("Licence: {}. Cite: {}", UCDP_GED.licence, UCDP_GED.citation),
            )
            .add();
    }
}

/// A date as `YYYY-MM-DD` (a time after it, as some releases write, is dropped).
fn date(record: &Record, column: &str) -> Result<String, RowError> {
    let value = record.required(column)?;
    let day = value.get(..10).unwrap_or(value);
    let rest = value.get(10..).unwrap_or("");
    let shaped = day.len() == 10
        && day.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        })
        && (rest.is_empty() || rest.starts_with(' ') || rest.starts_with('T'));
    if !shaped || crate::date::parse_day(day).is_none() {
        return Err(record.refuse(column, "is not a date (YYYY-MM-DD)"));
    }
    Ok(day.to_string())
}

/// Our precision for UCDP's `date_prec` over `start..=end`; None for a code UCDP does not have.
pub fn precision(date_prec: &str, start: &str, end: &str) -> Option<&'static str> {
    let (Some(first), Some(last)) = (crate::date::parse_day(start), crate::date::parse_day(end))
    else {
        return None;
    };
    let days = (last - first).whole_days();
    let whole_month = first.day() == 1
        && last.year() == first.year()
        && last.month() == first.month()
        && last.next_day().is_none_or(|next| next.day() == 1);
    let whole_year =
        start.get(..4) == end.get(..4) && start.ends_with("-01-01") && end.ends_with("-12-31");
    Some(match date_prec {
        "" | "1" => "day",
        "2" | "3" | "4" | "5" if days == 0 => "day",
        "3" if days == 6 => "week",
        "4" if whole_month => "month",
        "5" if whole_year => "year",
        "2" | "3" | "4" | "5" => "window",
        _ => return None,
    })
}

/// The key of side `ab`'s actor (ours where linked), written the first time.
fn actor(
    record: &Record,
    sink: &mut Sink,
    options: &Options,
    ab: &str,
    violence: &str,
) -> Result<String, RowError> {
    let (new_id, dset_id, name_column) = (
        format!("side_{ab}_new_id"),
        format!("side_{ab}_dset_id"),
        format!("side_{ab}"),
    );
    let id_column = if record.get(&new_id).is_empty() && record.has(&dset_id) {
        dset_id
    } else {
        new_id
    };
    let id = record.required(&id_column)?;
    let name = record.required(&name_column)?;
    if !id.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return Err(record.refuse(&id_column, "is not a UCDP actor id (a whole number)"));
    }
    let local = format!("actor:{id}");
    let key = sink.key(&local);
    if let Some(ours) = options.links.get(name, &[&key, &sink.format_key(&local)]) {
        return Ok(ours.to_string());
    }
    let kind = if violence == "3" && ab == "b" {
        "population"
    } else if name.starts_with("Government of ") {
        "government_body"
    } else {
        "armed_force"
    };
    if let Some(row) = sink.shared("actors", &key) {
        row.set("name", name)
            .set("kind", kind)
            .set("notes", format!("UCDP actor id {id}."))
            .add();
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_prec_becomes_our_precision() {
        assert_eq!(precision("1", "2013-01-03", "2013-01-03"), Some("day"));
        assert_eq!(precision("2", "2020-09-27", "2020-09-30"), Some("window"));
        assert_eq!(precision("2", "2020-09-27", "2020-09-27"), Some("day"));
        assert_eq!(precision("3", "1990-02-01", "1990-02-07"), Some("week"));
        assert_eq!(precision("3", "1990-02-01", "1990-02-05"), Some("window"));
        assert_eq!(precision("4", "2021-02-01", "2021-02-28"), Some("month"));
        assert_eq!(precision("4", "2021-02-03", "2021-02-28"), Some("window"));
        assert_eq!(precision("5", "2021-01-01", "2021-12-31"), Some("year"));
        assert_eq!(precision("5", "2021-01-01", "2021-06-30"), Some("window"));
        assert_eq!(precision("6", "2021-01-01", "2021-06-30"), None);
    }
}
