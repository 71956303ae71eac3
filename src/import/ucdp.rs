//! UCDP GED (the Georeferenced Event Dataset) as rows of our tables. Columns are found by their
//! header names, so GED 23.1 (49 columns) and older or special releases (fewer columns, in
//! another order, without `relid`, `code_status`, the `*_dset_id` ids, `where_description` or
//! `gwnoa`) load alike; a column a release does not have is simply not there.
//!
//! One record, one event (`ucdp-ged:<id>`), part of its dyad (`ucdp-ged:dyad:<id>`), part of its
//! conflict (`ucdp-ged:conflict:<id>`): parent events whose dates span their events in the file.
//! - kind: `type_of_violence` → `state_based`, `non_state`, `one_sided` (event_kinds'
//!   `ucdp_type_of_violence`);
//! - dates: `date_start`..`date_end` at the precision `date_prec` gives: 1 `day`; 2 `window`; 3
//!   `week`; 4 `month` where the dates are a calendar month, else `window`; 5 `year` where they
//!   are a calendar year, else `window`;
//! - place: `where_coordinates` at `latitude`/`longitude`, precision from `where_prec` (1 exact,
//!   2 near, 3 district, 4 province, 5 linear, 6 country, 7 sea_air), one place per name and
//!   coordinates;
//! - sides: one actor per UCDP actor id (`ucdp-ged:actor:<id>`), unless linked to one of ours
//!   (actor_links.rs); in one-sided violence side B (Civilians) is the victim, and that side A
//!   carried it out is UCDP's allegation;
//! - sources: each `source_office`/`source_date`/`source_headline` item, one source per item
//!   across the file (`1753-01-01` is no date); a row whose lists do not line up, or that has
//!   only `source_article` (`number_of_sources` -1), cites that text as one source;
//! - figures: all claimed by UCDP as its estimates, from the dataset itself: `low`/`best`/`high`
//!   for all sides, and as parts of it `deaths_a` and `deaths_b` (the side's losses),
//!   `deaths_civilians` (civilians, all sides) and `deaths_unknown` (status unknown, all sides);
//!   `source_original` (who first gave the figure) is named in each claim's notes. Figures load
//!   as published, `low <= best <= high` or not; `check` lists the rows where it does not hold.
//! - every other column (`event_clarity`, `priogrid_gid`, `relid`, the GW codes, ...) is kept as
//!   an attribute of the event, under its own name.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::actor_links::ActorLinks;
use super::mapped::{keys, FieldError, Mapped};

/// UCDP's licence and the citation it asks for (UCDP GED is published under CC BY 4.0).
pub const LICENCE: &str = "CC BY 4.0";
pub const ATTRIBUTION: &str = "Uppsala Conflict Data Program (UCDP), Department of Peace and Conflict Research, Uppsala University";
pub const CITATION: &str = "Sundberg, Ralph and Erik Melander (2013) Introducing the UCDP Georeferenced Event Dataset. Journal of Peace Research 50(4): 523–532; Davies, Shawn, Therése Pettersson and Magnus Öberg (2023) Organized violence 1989–2022 and the return of conflicts between states? Journal of Peace Research 60(4).";

/// Whether a header is UCDP GED's: it names the columns every release has.
pub fn recognise(header: &[&str]) -> bool {
    let has = |name: &str| header.iter().any(|h| normalise(h) == name);
    [
        "id",
        "type_of_violence",
        "dyad_name",
        "side_a",
        "side_b",
        "best",
    ]
    .iter()
    .all(|c| has(c))
}

fn normalise(name: &str) -> String {
    name.trim_start_matches('\u{feff}')
        .trim()
        .to_ascii_lowercase()
}

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

/// A parent event (conflict or dyad) and the span of its events in the file.
struct Parent {
    title: String,
    kind: &'static str,
    parent: Option<String>,
    start: String,
    end: String,
    what: &'static str,
    id: String,
}

/// The mapping of one file, record by record; [`Ucdp::finish`] writes what spans the file.
pub struct Ucdp {
    /// The file's header, normalised, and each column's field.
    header: Vec<String>,
    fields: std::rc::Rc<HashMap<String, usize>>,
    /// What keys start with: `ucdp-ged`.
    prefix: String,
    links: ActorLinks,
    actors: HashSet<String>,
    /// Place keys by (name, latitude, longitude), and the places each key was given to.
    places: HashMap<(String, String, String), String>,
    place_keys: HashSet<String>,
    sources: HashSet<String>,
    parents: BTreeMap<String, Parent>,
    started: bool,
}

/// The column that holds `what`: the first of `names` the file has.
fn first_of(fields: &HashMap<String, usize>, names: &[&str]) -> Option<usize> {
    names.iter().find_map(|n| fields.get(*n).copied())
}

impl Ucdp {
    /// A mapping for a file with this header; refused naming a column every release has that the
    /// header lacks.
    pub fn new(header: &[&str], prefix: &str, links: ActorLinks) -> Result<Ucdp, String> {
        let header: Vec<String> = header.iter().map(|h| normalise(h)).collect();
        let fields: HashMap<String, usize> = header
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), i))
            .collect();
        let required: &[&[&str]] = &[
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
        for names in required {
            if first_of(&fields, names).is_none() {
                return Err(format!(
                    "the header has no column {}, which every UCDP GED release has",
                    names.join(" or ")
                ));
            }
        }
        Ok(Ucdp {
            header,
            fields: std::rc::Rc::new(fields),
            prefix: prefix.to_string(),
            links,
            actors: HashSet::new(),
            places: HashMap::new(),
            place_keys: HashSet::new(),
            sources: HashSet::new(),
            parents: BTreeMap::new(),
            started: false,
        })
    }

    /// The key of the dataset's own source row, which figures and parent events cite.
    pub fn dataset_source(&self) -> String {
        format!("{}:dataset", self.prefix)
    }

    /// The key of UCDP as the claimant of its estimates.
    pub fn claimant(&self) -> String {
        format!("{}:actor:ucdp", self.prefix)
    }

    /// Maps one record (a row of the file) into `out`.
    pub fn record(&mut self, record: &[&str], out: &mut dyn Mapped) -> Result<(), FieldError> {
        if !self.started {
            self.started = true;
            self.dataset_rows(out);
        }
        let fields = self.fields.clone();
        let row = Row {
            record,
            fields: &fields,
        };
        let id = row.required(&["id"])?;
        if !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(row.error(&["id"], "is not a UCDP event id (a whole number)"));
        }
        let event = format!("{}:{id}", self.prefix);
        let violence = row.required(&["type_of_violence"])?;
        let (kind, kind_phrase) = match violence {
            "1" => ("state_based", "state-based armed conflict"),
            "2" => ("non_state", "non-state conflict"),
            "3" => ("one_sided", "one-sided violence"),
            _ => {
                return Err(row.error(
                    &["type_of_violence"],
                    "is not a UCDP type of violence: 1 state-based, 2 non-state, 3 one-sided",
                ))
            }
        };
        // Dates and their precision.
        let start = row.date(&["date_start"])?;
        let end = row.date(&["date_end"])?;
        if end < start {
            return Err(row.error(&["date_end"], &format!("is before date_start {start}")));
        }
        let precision = match row.get(&["date_prec"]) {
            "" | "1" => "day",
            _ if start == end => "day",
            "2" => "window",
            "3" => "week",
            "4" if whole_month(&start, &end) => "month",
            "4" => "window",
            "5" if whole_year(&start, &end) => "year",
            "5" => "window",
            _ => return Err(row.error(&["date_prec"], "is not a UCDP date precision: 1 to 5")),
        };

        // Sides.
        let side_a = self.actor(&row, "a", violence, out)?;
        let side_b = self.actor(&row, "b", violence, out)?;

        // Parents: the conflict, and the dyad within it.
        let conflict_id = row.required(&["conflict_new_id", "conflict_dset_id"])?;
        let conflict = format!("{}:conflict:{conflict_id}", self.prefix);
        let dyad_id = row.required(&["dyad_new_id", "dyad_dset_id"])?;
        let dyad = format!("{}:dyad:{dyad_id}", self.prefix);
        let dyad_name = row.get(&["dyad_name"]);
        self.span(
            &conflict,
            row.get(&["conflict_name"]),
            kind,
            None,
            &start,
            &end,
            "conflict",
            conflict_id,
        );
        self.span(
            &dyad,
            dyad_name,
            kind,
            Some(conflict.clone()),
            &start,
            &end,
            "dyad",
            dyad_id,
        );

        // Place.
        let place = self.place(&row, out)?;
        let where_name = row.get(&["where_coordinates"]);
        let where_description = row.get(&["where_description"]);
        let mut at = String::new();
        if !where_name.is_empty() {
            at = format!(" at {where_name}");
            if !where_description.is_empty() && where_description != where_name {
                at.push_str(&format!(" ({})", where_description.trim()));
            }
        }
        let (name_a, name_b) = (row.get(&["side_a"]), row.get(&["side_b"]));
        let summary = if violence == "3" {
            format!("UCDP GED codes {kind_phrase} by {name_a} against {name_b}{at}.")
        } else {
            format!("UCDP GED codes {kind_phrase} between {name_a} and {name_b}{at}.")
        };
        let title = if where_name.is_empty() {
            dyad_name.to_string()
        } else {
            format!("{dyad_name}: {where_name}")
        };
        out.row(
            "events",
            &[
                ("key", &event),
                ("title", &title),
                ("kind", kind),
                ("start_date", &start),
                ("end_date", if end == start { "" } else { &end }),
                ("date_precision", precision),
                ("date_basis", "stated"),
                ("place", place.as_deref().unwrap_or("")),
                ("parent", &dyad),
                ("summary", &summary),
            ],
        );
        if let Some(place) = &place {
            out.row("event_places", &[("event", &event), ("place", place)]);
        }
        let (role_a, role_b) = if violence == "3" {
            ("participant", "victim")
        } else {
            ("side", "side")
        };
        out.row(
            "event_actors",
            &[("event", &event), ("actor", &side_a), ("role", role_a)],
        );
        if side_b != side_a || role_a != role_b {
            out.row(
                "event_actors",
                &[("event", &event), ("actor", &side_b), ("role", role_b)],
            );
        }
        let (claimant, dataset) = (self.claimant(), self.dataset_source());
        if violence == "3" {
            out.row(
                "allegations",
                &[
                    ("key", &format!("{event}:perpetrator")),
                    ("event", &event),
                    ("actor", &side_a),
                    ("kind", "perpetrator"),
                    ("alleged_by", &claimant),
                    ("source", &dataset),
                    (
                        "notes",
                        "UCDP GED codes one-sided violence with the perpetrator as side A.",
                    ),
                ],
            );
        }

        // Sources.
        for source in self.sources(&row, out) {
            out.row("event_sources", &[("event", &event), ("source", &source)]);
        }

        // Figures.
        self.figures(&row, &event, &side_a, &side_b, out)?;

        // Everything else, as published.
        for (index, name) in self.header.iter().enumerate() {
            if MAPPED.contains(&name.as_str()) {
                continue;
            }
            if let Some(value) = record.get(index).filter(|v| !v.is_empty()) {
                out.attribute("events", &event, name, value);
            }
        }
        Ok(())
    }

    /// The rows every UCDP import has once: UCDP as the claimant, and the dataset as the source
    /// its figures and codings come from.
    fn dataset_rows(&mut self, out: &mut dyn Mapped) {
        out.row(
            "actors",
            &[
                ("key", &self.claimant()),
                ("name", "Uppsala Conflict Data Program"),
                ("kind", "ngo"),
                (
                    "notes",
                    "The research programme at Uppsala University that codes UCDP GED; the claimant of its estimates.",
                ),
            ],
        );
        out.row(
            "sources",
            &[
                ("key", &self.dataset_source()),
                ("title", "UCDP Georeferenced Event Dataset (GED)"),
                ("author", ATTRIBUTION),
                ("publisher", "Uppsala Conflict Data Program"),
                ("url", "https://ucdp.uu.se/downloads/"),
                ("kind", "dataset"),
                ("notes", &format!("Licence {LICENCE}. Cite: {CITATION}")),
            ],
        );
    }

    /// The key of side `ab`'s actor (ours where linked), its row written the first time.
    fn actor(
        &mut self,
        row: &Row,
        ab: &str,
        violence: &str,
        out: &mut dyn Mapped,
    ) -> Result<String, FieldError> {
        let id_columns = [format!("side_{ab}_new_id"), format!("side_{ab}_dset_id")];
        let id_columns = [id_columns[0].as_str(), id_columns[1].as_str()];
        let name_column = format!("side_{ab}");
        let id = row.required(&id_columns)?;
        let name = row.required(&[name_column.as_str()])?;
        if keys::slug(id, 40) != id {
            return Err(row.error(&id_columns, "is not a UCDP actor id (a whole number)"));
        }
        let key = format!("{}:actor:{id}", self.prefix);
        if let Some(ours) = self.links.get(name, &key) {
            return Ok(ours.to_string());
        }
        if self.actors.insert(key.clone()) {
            let kind = if violence == "3" && ab == "b" {
                "population"
            } else if name.starts_with("Government of ") {
                "government_body"
            } else {
                "armed_force"
            };
            out.row(
                "actors",
                &[
                    ("key", &key),
                    ("name", name),
                    ("kind", kind),
                    ("notes", &format!("UCDP actor id {id}.")),
                ],
            );
        }
        Ok(key)
    }

    /// Widens the parent event `key` to cover `start`..`end`.
    #[allow(clippy::too_many_arguments)]
    fn span(
        &mut self,
        key: &str,
        title: &str,
        kind: &'static str,
        parent: Option<String>,
        start: &str,
        end: &str,
        what: &'static str,
        id: &str,
    ) {
        let entry = self
            .parents
            .entry(key.to_string())
            .or_insert_with(|| Parent {
                title: title.to_string(),
                kind,
                parent,
                start: start.to_string(),
                end: end.to_string(),
                what,
                id: id.to_string(),
            });
        if start < entry.start.as_str() {
            entry.start = start.to_string();
        }
        if end > entry.end.as_str() {
            entry.end = end.to_string();
        }
    }

    /// The key of the row's place, its row written the first time; none without a name or
    /// coordinates.
    fn place(&mut self, row: &Row, out: &mut dyn Mapped) -> Result<Option<String>, FieldError> {
        let name = row.get(&["where_coordinates"]);
        let (latitude, longitude) = (row.get(&["latitude"]), row.get(&["longitude"]));
        if name.is_empty() && latitude.is_empty() {
            return Ok(None);
        }
        let identity = (
            name.to_string(),
            latitude.to_string(),
            longitude.to_string(),
        );
        if let Some(key) = self.places.get(&identity) {
            return Ok(Some(key.clone()));
        }
        let (geo_precision, kind) = match row.get(&["where_prec"]) {
            "1" => ("exact", "site"),
            "2" => ("near", "site"),
            "3" => ("district", "region"),
            "4" => ("province", "region"),
            "5" => ("linear", "area"),
            "6" => ("country", "country"),
            "7" => ("sea_air", "area"),
            "" => ("", "site"),
            _ => return Err(row.error(&["where_prec"], "is not a UCDP geo precision: 1 to 7")),
        };
        let mut key = format!(
            "{}:place:{}:{latitude}:{longitude}",
            self.prefix,
            keys::slug(name, 80)
        );
        // Two names with the same slug at the same point (case, accents) stay two places.
        if !self.place_keys.insert(key.clone()) {
            key = format!("{key}:{}", &keys::hash(&[name])[..8]);
            self.place_keys.insert(key.clone());
        }
        let shown = if name.is_empty() {
            format!("{latitude}, {longitude}")
        } else {
            name.to_string()
        };
        out.row(
            "places",
            &[
                ("key", &key),
                ("name", &shown),
                ("kind", kind),
                ("admin1", row.get(&["adm_1"])),
                ("latitude", latitude),
                ("longitude", longitude),
                ("geo_precision", geo_precision),
            ],
        );
        self.places.insert(identity, key.clone());
        Ok(Some(key))
    }

    /// The keys of the sources the row cites, their rows written the first time.
    fn sources(&mut self, row: &Row, out: &mut dyn Mapped) -> Vec<String> {
        let offices = split_list(row.get(&["source_office"]));
        let dates = split_list(row.get(&["source_date"]));
        let headlines = split_list(row.get(&["source_headline"]));
        let mut keys_cited = Vec::new();
        if !offices.is_empty() && offices.len() == dates.len() && dates.len() == headlines.len() {
            for ((office, date), headline) in offices.iter().zip(&dates).zip(&headlines) {
                let key = format!(
                    "{}:source:{}",
                    self.prefix,
                    keys::hash(&[office, date, headline])
                );
                if self.sources.insert(key.clone()) {
                    let title = if headline.is_empty() {
                        *office
                    } else {
                        *headline
                    };
                    let published = if *date == "1753-01-01" || !is_partial_date(date) {
                        ""
                    } else {
                        date
                    };
                    let notes = if published.is_empty() && !date.is_empty() && *date != "1753-01-01"
                    {
                        format!("UCDP GED gives the date as {date:?}.")
                    } else {
                        String::new()
                    };
                    out.row(
                        "sources",
                        &[
                            ("key", &key),
                            ("title", title),
                            ("publisher", office),
                            ("published_on", published),
                            ("kind", "news"),
                            ("cited_in", &self.dataset_source()),
                            ("notes", &notes),
                        ],
                    );
                }
                if !keys_cited.contains(&key) {
                    keys_cited.push(key);
                }
            }
            return keys_cited;
        }
        let article = row.get(&["source_article"]).trim();
        if !article.is_empty() {
            let key = format!("{}:source:{}", self.prefix, keys::hash(&[article]));
            if self.sources.insert(key.clone()) {
                out.row(
                    "sources",
                    &[
                        ("key", &key),
                        ("title", article),
                        ("kind", "news"),
                        ("cited_in", &self.dataset_source()),
                        (
                            "notes",
                            "UCDP GED's source_article as given: its office, date and headline lists do not give the source item by item.",
                        ),
                    ],
                );
            }
            return vec![key];
        }
        vec![self.dataset_source()]
    }

    /// UCDP's estimates for the row: all sides (low, best, high), and its parts.
    fn figures(
        &self,
        row: &Row,
        event: &str,
        side_a: &str,
        side_b: &str,
        out: &mut dyn Mapped,
    ) -> Result<(), FieldError> {
        let original = row.get(&["source_original"]).trim();
        let from = if original.is_empty() {
            String::new()
        } else {
            format!(
                " UCDP names the original source of the information (source_original): {original}."
            )
        };
        let (claimant, source) = (self.claimant(), self.dataset_source());
        let total = format!("{event}:deaths");
        let (low, best, high) = (
            row.count(&["low"])?,
            row.count(&["best"])?,
            row.count(&["high"])?,
        );
        let notes = format!("UCDP GED's low, best and high estimates of all deaths in the event (low, best, high).{from}");
        out.row(
            "casualties",
            &[
                ("key", &total),
                ("event", event),
                ("scope", "all_sides"),
                ("category", "unknown"),
                ("outcome", "killed"),
                ("status", "estimate"),
                ("count_low", low),
                ("count_best", best),
                ("count_high", high),
                ("claimed_by", &claimant),
                ("source", &source),
                ("notes", &notes),
            ],
        );
        let parts: [(&str, &str, Option<&str>, &str, &str); 4] = [
            (
                "deaths_a",
                "one_side",
                Some(side_a),
                "military",
                "side A's deaths (deaths_a)",
            ),
            (
                "deaths_b",
                "one_side",
                Some(side_b),
                "military",
                "side B's deaths (deaths_b)",
            ),
            (
                "deaths_civilians",
                "all_sides",
                None,
                "civilian",
                "civilian deaths (deaths_civilians)",
            ),
            (
                "deaths_unknown",
                "all_sides",
                None,
                "unknown",
                "deaths of unknown status (deaths_unknown)",
            ),
        ];
        for (column, scope, side, category, what) in parts {
            let figure = row.count(&[column])?;
            if figure.is_empty() {
                continue;
            }
            // One-sided violence's side B is Civilians: their deaths are civilians'.
            let category = if column == "deaths_b" && row.get(&["type_of_violence"]) == "3" {
                "civilian"
            } else {
                category
            };
            let notes = format!(
                "UCDP GED's best estimate of {what}, part of its all-sides best estimate.{from}"
            );
            out.row(
                "casualties",
                &[
                    ("key", &format!("{event}:{column}")),
                    ("event", event),
                    ("scope", scope),
                    ("side", side.unwrap_or("")),
                    ("category", category),
                    ("outcome", "killed"),
                    ("status", "estimate"),
                    ("count_best", figure),
                    ("part_of", &total),
                    ("claimed_by", &claimant),
                    ("source", &source),
                    ("notes", &notes),
                ],
            );
        }
        Ok(())
    }

    /// Writes what spans the file: the conflicts and dyads, dated by their events.
    pub fn finish(self, out: &mut dyn Mapped) {
        let source = self.dataset_source();
        for (key, parent) in &self.parents {
            let summary = format!(
                "UCDP {} {} ({}), the parent of its events in the imported file.",
                parent.what, parent.id, parent.title
            );
            out.row(
                "events",
                &[
                    ("key", key),
                    ("title", &parent.title),
                    ("kind", parent.kind),
                    ("start_date", &parent.start),
                    (
                        "end_date",
                        if parent.end == parent.start {
                            ""
                        } else {
                            &parent.end
                        },
                    ),
                    ("date_precision", "day"),
                    ("date_basis", "inferred"),
                    ("parent", parent.parent.as_deref().unwrap_or("")),
                    ("summary", &summary),
                    (
                        "notes",
                        "The dates span this file's events of it, from the first start to the last end: UCDP GED gives no dates of its own for a conflict or dyad.",
                    ),
                ],
            );
            out.row("event_sources", &[("event", key), ("source", &source)]);
        }
    }
}

/// A record with its header's fields.
struct Row<'r> {
    record: &'r [&'r str],
    fields: &'r HashMap<String, usize>,
}

impl<'r> Row<'r> {
    fn field(&self, names: &[&str]) -> Option<usize> {
        first_of(self.fields, names)
    }

    /// The value of the first of `names` the file has, trimmed; empty if none, or `NA`.
    fn get(&self, names: &[&str]) -> &'r str {
        let value = self
            .field(names)
            .and_then(|i| self.record.get(i))
            .map_or("", |v| v.trim());
        if value == "NA" {
            ""
        } else {
            value
        }
    }

    fn error(&self, names: &[&str], message: &str) -> FieldError {
        let field = self.field(names).unwrap_or(0);
        FieldError {
            field,
            column: names[0].to_string(),
            value: self.record.get(field).unwrap_or(&"").to_string(),
            message: message.to_string(),
        }
    }

    fn required(&self, names: &[&str]) -> Result<&'r str, FieldError> {
        let value = self.get(names);
        if value.is_empty() {
            return Err(self.error(names, "is required but empty"));
        }
        Ok(value)
    }

    /// A date as `YYYY-MM-DD` (a time after it, as some releases write, is dropped).
    fn date(&self, names: &[&str]) -> Result<String, FieldError> {
        let value = self.required(names)?;
        let day = value.get(..10).unwrap_or(value);
        let rest = value.get(10..).unwrap_or("");
        let shaped = day.len() == 10
            && day.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            })
            && (rest.is_empty() || rest.starts_with(' ') || rest.starts_with('T'));
        if !shaped || crate::date::parse_day(day).is_none() {
            return Err(self.error(names, "is not a date (YYYY-MM-DD)"));
        }
        Ok(day.to_string())
    }

    /// A count of deaths, as given; empty if not given.
    fn count(&self, names: &[&str]) -> Result<&'r str, FieldError> {
        let value = self.get(names);
        if !value.is_empty() && value.parse::<u64>().is_err() {
            return Err(self.error(
                names,
                "is not a count of deaths (a whole number, 0 or more)",
            ));
        }
        Ok(value)
    }
}

/// A `;`-list, each item trimmed.
fn split_list(text: &str) -> Vec<&str> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    text.split(';').map(str::trim).collect()
}

fn is_partial_date(text: &str) -> bool {
    crate::date::parse(text).is_ok()
}

fn whole_month(start: &str, end: &str) -> bool {
    let (Some(first), Some(last)) = (crate::date::parse_day(start), crate::date::parse_day(end))
    else {
        return false;
    };
    first.day() == 1
        && last.year() == first.year()
        && last.month() == first.month()
        && last.next_day().is_none_or(|next| next.day() == 1)
}

fn whole_year(start: &str, end: &str) -> bool {
    start.get(..4) == end.get(..4) && start.ends_with("-01-01") && end.ends_with("-12-31")
}

#[cfg(test)]
mod tests {
    use super::super::mapped::{value, Collected};
    use super::*;

    const HEADER: &str = "id,relid,year,active_year,code_status,type_of_violence,conflict_dset_id,conflict_new_id,conflict_name,dyad_dset_id,dyad_new_id,dyad_name,side_a_dset_id,side_a_new_id,side_a,side_b_dset_id,side_b_new_id,side_b,number_of_sources,source_article,source_office,source_date,source_headline,source_original,where_prec,where_coordinates,where_description,adm_1,adm_2,latitude,longitude,geom_wkt,priogrid_gid,country,country_id,region,event_clarity,date_prec,date_start,date_end,deaths_a,deaths_b,deaths_civilians,deaths_unknown,best,high,low,gwnoa,gwnob";

    /// Three real rows of the GED 23.1 sample: Syria (two sources), Azerbaijan–Artsakh (linked
    /// sides, a window of days on the Line of Contact), and one with high below best.
    const ROWS: &str = r#"300380,SYR-2013-1-11973-99,2013,1,Clear,1,299,299,Syria: Government,11973,11973,Government of Syria - Syrian insurgents,118,118,Government of Syria,4456,4456,Syrian insurgents,2,"""Support Kurds in Syria,2013-01-03, Thursday 3 January 2013"";""VDC,2013-01-03,Abdul Satar Mustafa Hankosh""",Support Kurds in Syria;VDC,2013-01-03;2013-01-03,Thursday 3 January 2013;Abdul Satar Mustafa Hankosh,SOHR; VDC,1,Rami village,in the al-Rami village,Idlib governorate,Ariha district,35.763369,36.558974,POINT (36.558974 35.763369),181154,Syria,652,Middle East,1,1,2013-01-03,2013-01-03,0,2,0,0,2,2,2,652,
376126,AZE-2020-1-833-156,2020,1,Clear,1,388,388,Azerbaijan: Artsakh (Nagorno-Karabakh),833,833,Government of Azerbaijan - Republic of Artsakh,64,64,Government of Azerbaijan,338,338,Republic of Artsakh,1,"""Zagatala district Heydar Aliyev Center ,2020-12-05,Information about our martyrdom""",Zagatala district Heydar Aliyev Center,2020-12-05,Information about our martyrdom,Zagatala district Heydar Aliyev Center,5,Line of Contact,Unknown,,,40.0,47.0,POINT (47 40),187655,Azerbaijan,373,Europe,1,2,2020-09-27,2020-09-30,1,0,0,0,1,1,1,373,
406097,X,2021,1,Clear,3,1,1,Somewhere: civilians,2,2,Some group - Civilians,9,9,Some group,1,1,Civilians,-1,Reuters 2021-01-01 headline,,,,,2,Some town,,,,1.5,2.5,,,,,,2,4,2021-03-01,2021-03-31,0,18,0,0,18,17,18,,"#;

    fn map(links: ActorLinks) -> Collected {
        let header: Vec<&str> = HEADER.split(',').collect();
        let mut ucdp = Ucdp::new(&header, "ucdp-ged", links).unwrap();
        let mut out = Collected::default();
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(ROWS.as_bytes());
        for record in reader.records() {
            let record = record.unwrap();
            let fields: Vec<&str> = record.iter().collect();
            ucdp.record(&fields, &mut out).unwrap();
        }
        ucdp.finish(&mut out);
        out
    }

    #[test]
    fn a_row_becomes_an_event_in_its_dyad_and_conflict() {
        let out = map(ActorLinks::none());
        let event = out.find("events", "key", "ucdp-ged:300380").unwrap();
        assert_eq!(value(event, "kind"), "state_based");
        assert_eq!(value(event, "start_date"), "2013-01-03");
        assert_eq!(value(event, "end_date"), "");
        assert_eq!(value(event, "date_precision"), "day");
        assert_eq!(value(event, "parent"), "ucdp-ged:dyad:11973");
        assert_eq!(
            value(event, "title"),
            "Government of Syria - Syrian insurgents: Rami village"
        );
        let dyad = out.find("events", "key", "ucdp-ged:dyad:11973").unwrap();
        assert_eq!(value(dyad, "parent"), "ucdp-ged:conflict:299");
        assert_eq!(value(dyad, "start_date"), "2013-01-03");
        let place = out.find("places", "key", value(event, "place")).unwrap();
        assert_eq!(value(place, "name"), "Rami village");
        assert_eq!(value(place, "geo_precision"), "exact");
        assert_eq!(value(place, "admin1"), "Idlib governorate");
        // Two sources, item by item.
        let cited: Vec<_> = out
            .table("event_sources")
            .into_iter()
            .filter(|r| value(r, "event") == "ucdp-ged:300380")
            .map(|r| value(r, "source").to_string())
            .collect();
        assert_eq!(cited.len(), 2);
        let vdc = out.find("sources", "key", &cited[1]).unwrap();
        assert_eq!(value(vdc, "title"), "Abdul Satar Mustafa Hankosh");
        assert_eq!(value(vdc, "publisher"), "VDC");
        assert_eq!(value(vdc, "published_on"), "2013-01-03");
        // The figures: all sides, and side B's two deaths as a part of them.
        let total = out
            .find("casualties", "key", "ucdp-ged:300380:deaths")
            .unwrap();
        assert_eq!(
            (
                value(total, "count_low"),
                value(total, "count_best"),
                value(total, "count_high")
            ),
            ("2", "2", "2")
        );
        assert_eq!(value(total, "claimed_by"), "ucdp-ged:actor:ucdp");
        assert!(value(total, "notes").contains("source_original): SOHR; VDC."));
        let b = out
            .find("casualties", "key", "ucdp-ged:300380:deaths_b")
            .unwrap();
        assert_eq!(value(b, "side"), "ucdp-ged:actor:4456");
        assert_eq!(value(b, "count_best"), "2");
        assert_eq!(value(b, "part_of"), "ucdp-ged:300380:deaths");
        assert_eq!(
            out.attribute_of("events", "ucdp-ged:300380", "priogrid_gid"),
            Some("181154")
        );
        assert_eq!(
            out.attribute_of("events", "ucdp-ged:300380", "event_clarity"),
            Some("1")
        );
    }

    #[test]
    fn linked_sides_name_our_actors_and_a_window_stays_a_window() {
        let out = map(ActorLinks::built_in());
        let event = out.find("events", "key", "ucdp-ged:376126").unwrap();
        assert_eq!(value(event, "date_precision"), "window");
        assert_eq!(value(event, "end_date"), "2020-09-30");
        let place = out.find("places", "key", value(event, "place")).unwrap();
        assert_eq!(value(place, "geo_precision"), "linear");
        let a = out
            .find("casualties", "key", "ucdp-ged:376126:deaths_a")
            .unwrap();
        assert_eq!(value(a, "side"), "azerbaijan");
        assert_eq!(value(a, "count_best"), "1");
        assert!(out.find("actors", "key", "ucdp-ged:actor:64").is_none());
        assert!(out.find("actors", "key", "ucdp-ged:actor:118").is_some());
    }

    #[test]
    fn one_sided_violence_and_figures_out_of_order_load_as_published() {
        let out = map(ActorLinks::none());
        let event = out.find("events", "key", "ucdp-ged:406097").unwrap();
        assert_eq!(value(event, "kind"), "one_sided");
        // date_prec 4 over a calendar month is that month.
        assert_eq!(value(event, "date_precision"), "month");
        let total = out
            .find("casualties", "key", "ucdp-ged:406097:deaths")
            .unwrap();
        assert_eq!(
            (
                value(total, "count_low"),
                value(total, "count_best"),
                value(total, "count_high")
            ),
            ("18", "18", "17")
        );
        let b = out
            .find("casualties", "key", "ucdp-ged:406097:deaths_b")
            .unwrap();
        assert_eq!(value(b, "category"), "civilian");
        let victim = out
            .table("event_actors")
            .into_iter()
            .find(|r| value(r, "event") == "ucdp-ged:406097" && value(r, "role") == "victim")
            .unwrap();
        assert_eq!(value(victim, "actor"), "ucdp-ged:actor:1");
        let alleged = out
            .find("allegations", "key", "ucdp-ged:406097:perpetrator")
            .unwrap();
        assert_eq!(value(alleged, "actor"), "ucdp-ged:actor:9");
        // number_of_sources -1: the free text is the source.
        let cited = out
            .table("event_sources")
            .into_iter()
            .find(|r| value(r, "event") == "ucdp-ged:406097")
            .unwrap();
        let source = out.find("sources", "key", value(cited, "source")).unwrap();
        assert_eq!(value(source, "title"), "Reuters 2021-01-01 headline");
    }

    #[test]
    fn an_older_layout_is_read_by_its_header_names() {
        let header = [
            "id",
            "year",
            "type_of_violence",
            "conflict_new_id",
            "conflict_name",
            "dyad_new_id",
            "dyad_name",
            "side_a_new_id",
            "side_a",
            "side_b_new_id",
            "side_b",
            "best",
            "low",
            "high",
            "date_start",
            "date_end",
            "date_prec",
        ];
        let mut ucdp = Ucdp::new(&header, "ucdp-ged", ActorLinks::none()).unwrap();
        let mut out = Collected::default();
        let record = [
            "7",
            "1990",
            "2",
            "5",
            "A: B",
            "6",
            "A - B",
            "10",
            "A",
            "11",
            "B",
            "3",
            "3",
            "4",
            "1990-02-01",
            "1990-02-07",
            "3",
        ];
        ucdp.record(&record, &mut out).unwrap();
        let event = out.find("events", "key", "ucdp-ged:7").unwrap();
        assert_eq!(value(event, "kind"), "non_state");
        assert_eq!(value(event, "date_precision"), "week");
        assert_eq!(
            out.attribute_of("events", "ucdp-ged:7", "year"),
            Some("1990")
        );
        let error = Ucdp::new(&header[..6], "ucdp-ged", ActorLinks::none())
            .err()
            .unwrap();
        assert_eq!(
            error,
            "the header has no column dyad_name, which every UCDP GED release has"
        );
        let bad = [
            "8",
            "1990",
            "4",
            "5",
            "A: B",
            "6",
            "A - B",
            "10",
            "A",
            "11",
            "B",
            "3",
            "3",
            "4",
            "1990-02-01",
            "1990-02-07",
            "3",
        ];
        let error = ucdp.record(&bad, &mut out).unwrap_err();
        assert_eq!(
            error.to_string(),
            "type_of_violence \"4\": is not a UCDP type of violence: 1 state-based, 2 non-state, 3 one-sided"
        );
        assert_eq!(error.field, 2);
    }

    #[test]
    fn the_real_sample_loads_whole() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/import/ucdp-ged-23.1-sample.csv"
        );
        let mut reader = csv::Reader::from_path(path).unwrap();
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        let header: Vec<&str> = header.iter().map(String::as_str).collect();
        let mut ucdp = Ucdp::new(&header, "ucdp-ged", ActorLinks::built_in()).unwrap();
        let mut out = Collected::default();
        for record in reader.records() {
            let record = record.unwrap();
            let fields: Vec<&str> = record.iter().collect();
            ucdp.record(&fields, &mut out).unwrap();
        }
        ucdp.finish(&mut out);
        let conn = super::super::mapped::load_as_import(&out).unwrap_or_else(|e| panic!("{e}"));
        let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
        assert_eq!(
            count("SELECT count(*) FROM events WHERE key GLOB 'ucdp-ged:[0-9]*'"),
            1000
        );
        assert_eq!(
            count(
                "SELECT count(*) FROM casualties WHERE key GLOB 'ucdp-ged:*:deaths'
                 AND (count_low > count_best OR count_best > count_high)"
            ),
            13
        );
        assert_eq!(
            count(
                "SELECT count(*) FROM casualties JOIN actors ON actors.id = side_id
                 WHERE actors.key = 'azerbaijan' AND casualties.key GLOB 'ucdp-ged:*'"
            ),
            3
        );
    }
}
