//! ACLED (Armed Conflict Location & Event Data) files, in the four layouts real exports come in:
//! 2015 (25 upper-case columns), 2016 API pulls written by pandas (27, sorted, an unnamed index
//! column first), 2019–2023 (31) and since March 2023 (31, with `disorder_type`,
//! `civilian_targeting` and `tags`).
//!
//! A row becomes (keys namespaced by the dataset: `acled:` in a dataset named `acled`):
//! - an event `acled:{event_id_cnty}`, of the kind its event type and sub-event type give
//!   (acled/kinds.rs), dated at the precision `time_precision` gives (1 the day, 2 the week the
//!   date is the middle of, 3 its month), summarised by `notes`, at a place found by its
//!   coordinates and name; ACLED's `timestamp` in the event's notes, so that an event ACLED
//!   modified (a new timestamp) is a changed event on re-import;
//! - `actor1` and `actor2` as the event's sides (order means nothing), except in Violence against
//!   civilians, where `actor2` is the victim; the associated actors (`assoc_actor_*`, before 2019
//!   `ally_actor_*`, `;`-lists) in the role `associated`; an actor's kind from its `inter` code,
//!   and state forces named `Military Forces of X (...)` (or Police Forces) belong to the state X;
//! - each publisher of `source` (a `;`-list) a source cited in the ACLED dataset (a source of
//!   its own), with `notes` as the quote;
//! - `fatalities` one casualty claim, all sides combined, claimed by ACLED as its own coding,
//!   with ACLED's rule for the figure in its notes; a 0 is a claim of 0, an empty value no claim;
//! - the columns the model has no place for (`disorder_type`, `interaction`,
//!   `civilian_targeting`, `tags`, `source_scale`, `event_id_no_cnty`) as the event's attributes;
//!   what belongs to the place (`admin2`, `admin3`, `country`, `region`, `iso`, `gwno`) in the
//!   place's notes. Not kept: `data_id` (changes on every export: not a key, the codebook says),
//!   `year` (the date's; checked against it) and the unnamed index column of pandas.

mod kinds;

use super::actor_links::ActorLinks;
pub use kinds::KINDS;

use super::dates::parse_day;
use super::format::{Format, Layout, Options};
use super::keys;
use super::record::{Record, RowError};
use super::sink::Sink;

pub struct Acled;

/// ACLED's layout since March 2023 (`synth --format acled` writes it).
pub const HEADER_2023: &[&str] = &[
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
];

static LAYOUTS: &[Layout] = &[
    Layout {
        name: "2023+",
        columns: HEADER_2023,
        has_header: true,
    },
    Layout {
        name: "2019-2023",
        columns: &[
            "data_id",
            "iso",
            "event_id_cnty",
            "event_id_no_cnty",
            "event_date",
            "year",
            "time_precision",
            "event_type",
            "sub_event_type",
            "actor1",
            "assoc_actor_1",
            "inter1",
            "actor2",
            "assoc_actor_2",
            "inter2",
            "interaction",
            "region",
            "country",
            "admin1",
            "admin2",
            "admin3",
            "location",
            "latitude",
            "longitude",
            "geo_precision",
            "source",
            "source_scale",
            "notes",
            "fatalities",
            "timestamp",
            "iso3",
        ],
        has_header: true,
    },
    Layout {
        name: "2016 API",
        columns: &[
            "",
            "actor1",
            "actor2",
            "admin1",
            "admin2",
            "admin3",
            "ally_actor_1",
            "ally_actor_2",
            "country",
            "data_id",
            "event_date",
            "event_id_cnty",
            "event_id_no_cnty",
            "event_type",
            "fatalities",
            "geo_precision",
            "gwno",
            "inter1",
            "inter2",
            "interaction",
            "latitude",
            "location",
            "longitude",
            "notes",
            "source",
            "time_precision",
            "year",
        ],
        has_header: true,
    },
    Layout {
        name: "2015",
        columns: &[
            "gwno",
            "event_id_cnty",
            "event_id_no_cnty",
            "event_date",
            "year",
            "time_precision",
            "event_type",
            "actor1",
            "ally_actor_1",
            "inter1",
            "actor2",
            "ally_actor_2",
            "inter2",
            "interaction",
            "country",
            "admin1",
            "admin2",
            "admin3",
            "location",
            "latitude",
            "longitude",
            "geo_precision",
            "source",
            "notes",
            "fatalities",
        ],
        has_header: true,
    },
];

/// The columns kept as the event's attributes, where the layout has them.
const ATTRIBUTES: &[&str] = &[
    "disorder_type",
    "interaction",
    "civilian_targeting",
    "tags",
    "source_scale",
    "event_id_no_cnty",
];

/// The columns kept in the place's notes, where the layout has them.
const PLACE_NOTES: &[&str] = &["admin2", "admin3", "country", "region", "iso", "gwno"];

/// How ACLED codes `fatalities`, in the claim's notes (from the ACLED codebook).
const FATALITIES_RULE: &str = "ACLED's coding of reported fatalities: where reports differ, the lowest figure; \"several\" is coded 10, \"dozens\" 12, \"hundreds\" 100; 0 is also coded where no figure was reported.";

/// The dataset as a source, and as the claimant of its fatality figures.
const DATASET_SOURCE: &str = "dataset";
const CODER: &str = "acled";

impl Format for Acled {
    fn name(&self) -> &'static str {
        "acled"
    }

    fn layouts(&self) -> &'static [Layout] {
        LAYOUTS
    }

    fn source_column(&self, table: &str, column: &str) -> Option<&'static str> {
        Some(match (table, column) {
            ("events", "key") => "event_id_cnty",
            ("events", "start_date" | "end_date") => "event_date",
            ("events", "kind") => "event_type",
            ("events", "summary") => "notes",
            ("places", "latitude") => "latitude",
            ("places", "longitude") => "longitude",
            ("places", "geo_precision") => "geo_precision",
            ("places", "admin1") => "admin1",
            ("places", "name") => "location",
            ("places", "country") => "iso3",
            ("casualties", "count_best") => "fatalities",
            ("sources", "title") | ("event_sources", "source") => "source",
            _ => return None,
        })
    }

    fn map(&self, record: &Record, options: &Options, sink: &mut Sink) -> Result<(), RowError> {
        let id = record.required("event_id_cnty")?;
        let event = sink.key(id);
        let event_type = record.required("event_type")?;
        let sub_event_type = record.get("sub_event_type");
        let kind = kinds::kind(event_type, sub_event_type).ok_or_else(|| {
            let column = if sub_event_type.is_empty() {
                "event_type"
            } else {
                "sub_event_type"
            };
            record.refuse(
                column,
                format!("is no ACLED event type and sub-event type import knows (with event_type {event_type:?})"),
            )
        })?;
        let date = event_date(record, options)?;
        let place = place(record, sink)?;
        let location = record.get("location");
        let what = if sub_event_type.is_empty() {
            event_type
        } else {
            sub_event_type
        };
        let title = match location {
            "" => what.to_string(),
            location => [what, " in ", location].concat(),
        };
        let notes = record.get("notes");
        // Every export since 2019 stamps each row; a row without one is cut short.
        let timestamp = match record.has("timestamp") {
            true => record.required("timestamp")?,
            false => "",
        };
        sink.row("events")
            .set("key", event.as_str())
            .set("title", title.as_str())
            .set("kind", kind)
            .set("start_date", date)
            .set("date_basis", "stated")
            .set("place", place.unwrap_or_default())
            .set(
                "summary",
                if notes.is_empty() {
                    title.as_str()
                } else {
                    notes
                },
            )
            .set(
                "notes",
                match timestamp {
                    "" => String::new(),
                    t => ["ACLED timestamp ", t].concat(),
                },
            )
            .set("retracted", "0")
            .add();
        actors(record, sink, &event, event_type, &options.links)?;
        sources(record, sink, &event, notes);
        fatalities(record, sink, &event, id)?;
        for column in ATTRIBUTES {
            let value = record.get(column);
            sink.attribute(&event, column, value);
        }
        Ok(())
    }
}

/// The event's date at ACLED's time precision, written as the loader reads it.
fn event_date(record: &Record, options: &Options) -> Result<String, RowError> {
    let text = record.required("event_date")?;
    let day = parse_day(text, options.century).map_err(|why| record.refuse("event_date", why))?;
    if let Ok(year) = record.get("year").parse::<i32>() {
        if year != day.year() {
            return Err(record.refuse(
                "event_date",
                format!("is in {}, but the row's year is {year}", day.year()),
            ));
        }
    }
    Ok(match record.get("time_precision") {
        "" | "1" => crate::date::iso(day),
        // The middle of the week it happened in: the week from three days before.
        "2" => {
            let mut week = crate::date::iso(day.saturating_sub(time::Duration::days(3)));
            week.push_str(crate::date::WEEK);
            week
        }
        "3" => format!("{:04}-{:02}", day.year(), u8::from(day.month())),
        other => {
            return Err(record.refuse(
                "time_precision",
                format!("is none of ACLED's time precisions 1, 2, 3 ({other:?})"),
            ))
        }
    })
}

/// The event's place, by coordinates and name, written once per dataset; None without either.
fn place(record: &Record, sink: &mut Sink) -> Result<Option<String>, RowError> {
    let (location, latitude, longitude) = (
        record.get("location"),
        record.get("latitude"),
        record.get("longitude"),
    );
    if location.is_empty() && latitude.is_empty() && longitude.is_empty() {
        return Ok(None);
    }
    let coordinate = |column: &str, limit: f64| -> Result<String, RowError> {
        let text = record.get(column);
        if text.is_empty() {
            return Ok(String::new());
        }
        match text.parse::<f64>() {
            Ok(value) if value.abs() <= limit => Ok(text.to_string()),
            _ => Err(record.refuse(
                column,
                format!("is not a {column} in decimal degrees (-{limit} to {limit})"),
            )),
        }
    };
    let (latitude, longitude) = (
        coordinate("latitude", 90.0)?,
        coordinate("longitude", 180.0)?,
    );
    let precision = match record.get("geo_precision") {
        "" => "",
        "1" => "exact",
        "2" => "near",
        "3" => "region",
        _ => {
            return Err(record.refuse("geo_precision", "is none of ACLED's geo precisions 1, 2, 3"))
        }
    };
    let key = sink.key_of(&["place:", &latitude, "_", &longitude, ":", &slug(location)]);
    let country = record.get("iso3");
    if let Some(row) = sink.shared("places", &key) {
        // Only for a place not written before: most rows name a place named before.
        let notes: Vec<String> = PLACE_NOTES
            .iter()
            .filter(|c| !record.get(c).is_empty())
            .map(|c| format!("{c}: {}", record.get(c)))
            .collect();
        row.set(
            "name",
            if location.is_empty() {
                key.as_str()
            } else {
                location
            },
        )
        .set("kind", "location")
        .set("country", country)
        .set("admin1", record.get("admin1"))
        .set("latitude", latitude)
        .set("longitude", longitude)
        .set("geo_precision", precision)
        .set("notes", notes.join("; "))
        .add();
    }
    Ok(Some(key))
}

/// An actor's (place's, publisher's) key within the dataset: its name, lower case, runs of other
/// characters as `-`. A key holds ASCII letters and digits only, so a name with other letters
/// (`Azərbaycan Ordusu (Bakı)`) keeps those it has (`az-rbaycan-ordusu-bak`) and adds 8 hex
/// digits of a hash of its lower-case form, which tells apart names that differ only there.
fn slug(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    // Most names are ASCII: byte by byte, which every row's actors, places and sources pay.
    if name.is_ascii() {
        for b in name.bytes() {
            if b.is_ascii_alphanumeric() {
                slug.push(char::from(b.to_ascii_lowercase()));
            } else if !slug.is_empty() && !slug.ends_with('-') {
                slug.push('-');
            }
        }
        while slug.ends_with('-') {
            slug.pop();
        }
        return slug;
    }
    let lower = crate::names::slug(name);
    let mut ascii = String::with_capacity(lower.len() + 9);
    for c in lower.chars() {
        if c.is_ascii_alphanumeric() {
            ascii.push(c);
        } else if !ascii.is_empty() && !ascii.ends_with('-') {
            ascii.push('-');
        }
    }
    if !ascii.is_empty() && !ascii.ends_with('-') {
        ascii.push('-');
    }
    ascii.push_str(&keys::hash(&[&lower])[..8]);
    ascii
}

/// The actor kind of an `inter` code.
fn kind_of_inter(code: &str) -> Option<&'static str> {
    Some(match code {
        "1" => "armed_force",
        "2" => "rebel_group",
        "3" => "political_militia",
        "4" => "identity_militia",
        "5" => "rioters",
        "6" => "protesters",
        "7" => "population",
        "8" => "external_force",
        "" | "0" => "unspecified",
        _ => return None,
    })
}

/// The state `X` of state forces named `Military Forces of X (2003-)`.
fn state_of(name: &str) -> Option<&str> {
    let (_, rest) = name.split_once(" Forces of ")?;
    let state = rest.split(" (").next()?.trim();
    (!state.is_empty()).then_some(state)
}

/// The event's actors and their roles.
fn actors(
    record: &Record,
    sink: &mut Sink,
    event: &str,
    event_type: &str,
    links: &ActorLinks,
) -> Result<(), RowError> {
    let against_civilians = kinds::is_violence_against_civilians(event_type);
    // An actor named twice in one role (as both sides, or twice in a list) is linked once.
    let mut linked: Vec<(String, &str)> = Vec::new();
    let mut link = |sink: &mut Sink, actor: String, role: &'static str| {
        if !linked.iter().any(|(a, r)| *a == actor && *r == role) {
            sink.row("event_actors")
                .set("event", event)
                .set("actor", actor.as_str())
                .set("role", role)
                .add();
            linked.push((actor, role));
        }
    };
    // Before 2019 the associated actors were `ally_actor_*`.
    let associated = match record.has("assoc_actor_1") {
        true => ["assoc_actor_1", "assoc_actor_2"],
        false => ["ally_actor_1", "ally_actor_2"],
    };
    for (column, inter, associated, role) in [
        ("actor1", "inter1", associated[0], "side"),
        (
            "actor2",
            "inter2",
            associated[1],
            if against_civilians { "victim" } else { "side" },
        ),
    ] {
        let name = record.get(column);
        if name.is_empty() {
            continue;
        }
        let kind = kind_of_inter(record.get(inter))
            .ok_or_else(|| record.refuse(inter, "is none of ACLED's actor types 1 to 8"))?;
        let key = actor(sink, links, name, kind, record.get(inter) == "1");
        link(sink, key, role);
        for name in record.get(associated).split(';').map(str::trim) {
            if !name.is_empty() {
                let key = actor(sink, links, name, "unspecified", false);
                link(sink, key, "associated");
            }
        }
    }
    Ok(())
}

/// The key of the actor named `name`, written the first time it is named; ours where a link
/// (`--link-actors`, or the built-in default) says it is one of ours.
fn actor(
    sink: &mut Sink,
    links: &ActorLinks,
    name: &str,
    kind: &str,
    state_forces: bool,
) -> String {
    let key = sink.key(&slug(name));
    if let Some(ours) = links.get(name, &[&key, &sink.format_key(&slug(name))]) {
        return ours.to_string();
    }
    let parent = match state_forces.then(|| state_of(name)).flatten() {
        Some(state) => {
            let state_key = sink.key(&slug(state));
            if let Some(row) = sink.shared("actors", &state_key) {
                row.set("name", state).set("kind", "state").add();
            }
            state_key
        }
        None => String::new(),
    };
    if let Some(row) = sink.shared("actors", &key) {
        row.set("name", name)
            .set("kind", kind)
            .set("parent", parent)
            .add();
    }
    key
}

/// The ACLED dataset as a source, and each publisher the row lists as one cited in it.
fn sources(record: &Record, sink: &mut Sink, event: &str, notes: &str) {
    if let Some(row) = sink.shared("sources", &sink.key(DATASET_SOURCE)) {
        row.set("title", "ACLED (Armed Conflict Location & Event Data)")
            .set("kind", "dataset")
            .add();
    }
    let mut cited: Vec<&str> = Vec::new();
    for publisher in record.get("source").split(';').map(str::trim) {
        if publisher.is_empty() || cited.contains(&publisher) {
            continue;
        }
        cited.push(publisher);
        let key = sink.key_of(&["source:", &slug(publisher)]);
        if let Some(row) = sink.shared("sources", &key) {
            row.set("title", publisher)
                .set("publisher", publisher)
                .set("kind", "unspecified")
                .set_key("cited_in", DATASET_SOURCE)
                .add();
        }
        sink.row("event_sources")
            .set("event", event)
            .set("source", key)
            .set("quote", notes)
            .add();
    }
}

/// `fatalities` as ACLED's own claim for all sides combined; an empty value is no claim.
fn fatalities(record: &Record, sink: &mut Sink, event: &str, id: &str) -> Result<(), RowError> {
    let text = record.get("fatalities");
    if text.is_empty() {
        return Ok(());
    }
    if text.parse::<u64>().is_err() {
        return Err(record.refuse("fatalities", "is not a count (a whole number of 0 or more)"));
    }
    if let Some(row) = sink.shared("actors", &sink.key(CODER)) {
        row.set("name", "ACLED (Armed Conflict Location & Event Data)")
            .set("kind", "unspecified")
            .add();
    }
    let key = sink.key_of(&[id, ":fatalities"]);
    sink.row("casualties")
        .set("key", key)
        .set("event", event)
        .set("scope", "all_sides")
        .set("category", "unknown")
        .set("outcome", "killed")
        .set("status", "reported")
        .set("count_best", text)
        .set_key("claimed_by", CODER)
        .set_key("source", DATASET_SOURCE)
        .set("notes", FATALITIES_RULE)
        .add();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_becomes_one_key_whatever_its_case_spacing_and_punctuation() {
        assert_eq!(
            slug("Military Forces of Azerbaijan (2003-)"),
            "military-forces-of-azerbaijan-2003"
        );
        assert_eq!(
            slug("  MILITARY forces of Azerbaijan  (2003-) "),
            "military-forces-of-azerbaijan-2003"
        );
        // Not ASCII: letter by letter.
        assert_eq!(
            slug("Azərbaycan Ordusu (Bakı)"),
            format!(
                "az-rbaycan-ordusu-bak-{}",
                &keys::hash(&["azərbaycan-ordusu-bakı"])[..8]
            )
        );
        assert_eq!(
            slug("AZƏRBAYCAN  ordusu (Bakı)"),
            slug("Azərbaycan Ordusu (Bakı)")
        );
        assert_ne!(slug("Şuşa"), slug("Suşa"));
        assert_eq!(&slug("Ağdam")[..3], "a-d");
        assert_eq!(
            state_of("Military Forces of Armenia (2018-)"),
            Some("Armenia")
        );
        assert_eq!(
            state_of("Police Forces of Georgia (2013-)"),
            Some("Georgia")
        );
        assert_eq!(state_of("Protesters (Armenia)"), None);
    }
}
