//! GDELT event files (1.0 daily, 2.0 every 15 minutes) as rows of our tables. The files are
//! tab-separated with no header and no quoting (a `"` is data), and a record's width says its
//! layout: 57 columns (1.0 before April 2013), 58 (1.0 with `SOURCEURL`), 61 (2.0, which adds
//! `Actor1Geo_ADM2Code`, `Actor2Geo_ADM2Code` and `ActionGeo_ADM2Code`). The layout is read per
//! record, so a 1.0 file mixing 57 and 58 columns loads.
//!
//! One record, one row keyed `gdelt:<GLOBALEVENTID>`:
//! - verbal events (QuadClass 1 verbal cooperation, 3 verbal conflict) are statements by Actor1
//!   about Actor2, with no stance (`none`: GDELT codes no side);
//! - material ones (QuadClass 2, 4) are events, Actor1 a participant and Actor2 the target, at the
//!   ActionGeo place;
//! - the kind is the CAMEO root code (`cameo-19` Fight): statement_kinds hold the verbal roots,
//!   event_kinds the material ones, each with its `cameo_code`; the full code (`EventCode`
//!   `0834`, `EventBaseCode`, `EventRootCode`) stays with the row's attributes;
//! - actors by CAMEO actor code (`gdelt:actor:AZEGOV`), their kind from the role code;
//! - `SOURCEURL` is the source (a 57-column row cites the GDELT dataset itself);
//! - every other column (`GoldsteinScale`, `AvgTone`, `NumMentions`, `NumSources`,
//!   `NumArticles`, `IsRootEvent`, the Geo codes, `DATEADDED`, ...) is kept as an attribute.

use std::collections::HashSet;

use super::mapped::{keys, FieldError, Mapped};

/// The GDELT 1.0 columns, in file order; a 58-column row adds `SOURCEURL`.
const V1: [&str; 57] = [
    "GLOBALEVENTID",
    "SQLDATE",
    "MonthYear",
    "Year",
    "FractionDate",
    "Actor1Code",
    "Actor1Name",
    "Actor1CountryCode",
    "Actor1KnownGroupCode",
    "Actor1EthnicCode",
    "Actor1Religion1Code",
    "Actor1Religion2Code",
    "Actor1Type1Code",
    "Actor1Type2Code",
    "Actor1Type3Code",
    "Actor2Code",
    "Actor2Name",
    "Actor2CountryCode",
    "Actor2KnownGroupCode",
    "Actor2EthnicCode",
    "Actor2Religion1Code",
    "Actor2Religion2Code",
    "Actor2Type1Code",
    "Actor2Type2Code",
    "Actor2Type3Code",
    "IsRootEvent",
    "EventCode",
    "EventBaseCode",
    "EventRootCode",
    "QuadClass",
    "GoldsteinScale",
    "NumMentions",
    "NumSources",
    "NumArticles",
    "AvgTone",
    "Actor1Geo_Type",
    "Actor1Geo_FullName",
    "Actor1Geo_CountryCode",
    "Actor1Geo_ADM1Code",
    "Actor1Geo_Lat",
    "Actor1Geo_Long",
    "Actor1Geo_FeatureID",
    "Actor2Geo_Type",
    "Actor2Geo_FullName",
    "Actor2Geo_CountryCode",
    "Actor2Geo_ADM1Code",
    "Actor2Geo_Lat",
    "Actor2Geo_Long",
    "Actor2Geo_FeatureID",
    "ActionGeo_Type",
    "ActionGeo_FullName",
    "ActionGeo_CountryCode",
    "ActionGeo_ADM1Code",
    "ActionGeo_Lat",
    "ActionGeo_Long",
    "ActionGeo_FeatureID",
    "DATEADDED",
];

/// A record's layout, from its width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// GDELT 1.0 before April 2013: 57 columns, no `SOURCEURL`.
    V1,
    /// GDELT 1.0 with `SOURCEURL`: 58 columns.
    V1Url,
    /// GDELT 2.0: 61 columns, with the three `*Geo_ADM2Code`.
    V2,
}

impl Layout {
    pub fn of_width(width: usize) -> Option<Layout> {
        match width {
            57 => Some(Layout::V1),
            58 => Some(Layout::V1Url),
            61 => Some(Layout::V2),
            _ => None,
        }
    }

    /// The column names, in file order.
    pub fn columns(self) -> Vec<&'static str> {
        let mut columns = Vec::with_capacity(61);
        for name in V1 {
            columns.push(name);
            if self == Layout::V2 {
                match name {
                    "Actor1Geo_ADM1Code" => columns.push("Actor1Geo_ADM2Code"),
                    "Actor2Geo_ADM1Code" => columns.push("Actor2Geo_ADM2Code"),
                    "ActionGeo_ADM1Code" => columns.push("ActionGeo_ADM2Code"),
                    _ => {}
                }
            }
        }
        if self != Layout::V1 {
            columns.push("SOURCEURL");
        }
        columns
    }

    /// What messages and the dataset record call it.
    pub fn name(self) -> &'static str {
        match self {
            Layout::V1 => "GDELT 1.0 (57 columns)",
            Layout::V1Url => "GDELT 1.0 (58 columns)",
            Layout::V2 => "GDELT 2.0 (61 columns)",
        }
    }
}

/// Whether a first line is a GDELT event record: tab-separated, of a known width, an event id
/// and a `YYYYMMDD` date first.
pub fn recognise(first_line: &[u8]) -> bool {
    let line = first_line.strip_suffix(b"\n").unwrap_or(first_line);
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let fields: Vec<&[u8]> = line.split(|&b| b == b'\t').collect();
    Layout::of_width(fields.len()).is_some()
        && !fields[0].is_empty()
        && fields[0].iter().all(u8::is_ascii_digit)
        && fields[1].len() == 8
        && fields[1].iter().all(u8::is_ascii_digit)
}

/// The CAMEO roots GDELT codes as verbal (QuadClass 1 and 3), which load as statements; the
/// others are material (QuadClass 2 and 4), and load as events.
const VERBAL_ROOTS: &[&str] = &["01", "02", "03", "04", "05", "09", "10", "11", "12", "13"];

/// Columns the mapping puts into our tables; every other one is kept as an attribute.
const MAPPED: &[&str] = &[
    "GLOBALEVENTID",
    "SQLDATE",
    "Actor1Code",
    "Actor1Name",
    "Actor2Code",
    "Actor2Name",
    "QuadClass",
    "ActionGeo_Type",
    "ActionGeo_FullName",
    "ActionGeo_Lat",
    "ActionGeo_Long",
    "ActionGeo_FeatureID",
    "SOURCEURL",
];

/// The mapping of one file, record by record.
pub struct Gdelt {
    prefix: String,
    actors: HashSet<String>,
    places: HashSet<String>,
    sources: HashSet<String>,
    started: bool,
    /// The layouts seen, for the dataset's record.
    pub layouts: Vec<Layout>,
}

impl Gdelt {
    pub fn new(prefix: &str) -> Gdelt {
        Gdelt {
            prefix: prefix.to_string(),
            actors: HashSet::new(),
            places: HashSet::new(),
            sources: HashSet::new(),
            started: false,
            layouts: Vec::new(),
        }
    }

    pub fn dataset_source(&self) -> String {
        format!("{}:dataset", self.prefix)
    }

    /// Maps one record (the fields of one line, split at tabs) into `out`.
    pub fn record(&mut self, record: &[&str], out: &mut dyn Mapped) -> Result<(), FieldError> {
        if !self.started {
            self.started = true;
            out.row(
                "sources",
                &[
                    ("key", &self.dataset_source()),
                    ("title", "GDELT Event Database"),
                    ("publisher", "The GDELT Project"),
                    ("url", "https://www.gdeltproject.org/"),
                    ("kind", "dataset"),
                    (
                        "notes",
                        "Events machine-coded from news reports in CAMEO; the rows imported from a GDELT file cite it, or the article (SOURCEURL) it was coded from.",
                    ),
                ],
            );
        }
        let Some(layout) = Layout::of_width(record.len()) else {
            return Err(FieldError {
                field: record.len().saturating_sub(1),
                column: "the record".into(),
                value: format!("{} fields", record.len()),
                message: "is not a GDELT event record: GDELT 1.0 has 57 or 58 tab-separated columns, 2.0 has 61".into(),
            });
        };
        if !self.layouts.contains(&layout) {
            self.layouts.push(layout);
        }
        let columns = layout.columns();
        let row = Row {
            record,
            columns: &columns,
        };
        let id = row.get("GLOBALEVENTID");
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(row.error("GLOBALEVENTID", "is not a GDELT event id (a whole number)"));
        }
        let key = format!("{}:{id}", self.prefix);
        let date = row.get("SQLDATE");
        let day = (date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()))
            .then(|| format!("{}-{}-{}", &date[..4], &date[4..6], &date[6..]))
            .filter(|d| crate::date::parse_day(d).is_some())
            .ok_or_else(|| row.error("SQLDATE", "is not a date (YYYYMMDD)"))?;
        let quad = row.get("QuadClass");
        let verbal = match quad {
            "1" | "3" => true,
            "2" | "4" => false,
            _ => {
                return Err(row.error(
                    "QuadClass",
                    "is not a GDELT QuadClass: 1 verbal cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict",
                ))
            }
        };
        let root = match row.get("EventRootCode") {
            r if r.len() == 1 => format!("0{r}"),
            r => r.to_string(),
        };
        let known_root = root.len() == 2 && matches!(root.parse::<u8>(), Ok(1..=20));
        if !known_root {
            return Err(row.error("EventRootCode", "is not a CAMEO root code (01 to 20)"));
        }
        if VERBAL_ROOTS.contains(&root.as_str()) != verbal {
            let (said, root_is) = if verbal {
                ("verbal", "material")
            } else {
                ("material", "verbal")
            };
            return Err(row.error(
                "QuadClass",
                &format!("says {said}, but CAMEO root {root} is {root_is}"),
            ));
        }
        let kind = format!("cameo-{root}");
        let actor1 = self.actor(&row, "Actor1", out);
        let actor2 = self.actor(&row, "Actor2", out);
        let source = self.source(&row, out);
        let name = |code: &Option<String>, which: &str| match code {
            Some(_) => {
                let name = row.get(&format!("{which}Name"));
                if name.is_empty() {
                    row.get(&format!("{which}Code")).to_string()
                } else {
                    name.to_string()
                }
            }
            None => "no actor coded".to_string(),
        };
        let (name1, name2) = (name(&actor1, "Actor1"), name(&actor2, "Actor2"));
        let code = row.get("EventCode");
        let toward = if actor2.is_some() {
            format!(" toward {name2}")
        } else {
            String::new()
        };
        let summary = format!(
            "GDELT codes CAMEO event {code} (root {root}) by {name1}{toward}, from a news report."
        );
        if verbal {
            let speaker = match &actor1 {
                Some(key) => key.clone(),
                None => self.nobody(out),
            };
            out.row(
                "statements",
                &[
                    ("key", &key),
                    ("speaker", &speaker),
                    ("said_on", &day),
                    ("date_basis", "stated"),
                    ("kind", &kind),
                    ("stance", "none"),
                    ("target", actor2.as_deref().unwrap_or("")),
                    ("summary", &summary),
                    ("source", &source),
                ],
            );
        } else {
            let place = self.place(&row, out);
            let title = format!(
                "CAMEO {code}: {name1}{}",
                if actor2.is_some() {
                    format!(" – {name2}")
                } else {
                    String::new()
                }
            );
            out.row(
                "events",
                &[
                    ("key", &key),
                    ("title", &title),
                    ("kind", &kind),
                    ("start_date", &day),
                    ("date_basis", "stated"),
                    ("place", place.as_deref().unwrap_or("")),
                    ("summary", &summary),
                ],
            );
            if let Some(place) = &place {
                out.row("event_places", &[("event", &key), ("place", place)]);
            }
            if let Some(actor) = &actor1 {
                out.row(
                    "event_actors",
                    &[("event", &key), ("actor", actor), ("role", "participant")],
                );
            }
            if let Some(actor) = &actor2 {
                out.row(
                    "event_actors",
                    &[("event", &key), ("actor", actor), ("role", "target")],
                );
            }
            out.row("event_sources", &[("event", &key), ("source", &source)]);
        }
        let table = if verbal { "statements" } else { "events" };
        for (index, name) in columns.iter().enumerate() {
            if MAPPED.contains(name) {
                continue;
            }
            if let Some(value) = record.get(index).filter(|v| !v.is_empty()) {
                out.attribute(table, &key, name, value);
            }
        }
        Ok(())
    }

    /// The key of the actor `which` (`Actor1`, `Actor2`), its row written the first time; none
    /// where GDELT coded no actor.
    fn actor(&mut self, row: &Row, which: &str, out: &mut dyn Mapped) -> Option<String> {
        let code = row.get(&format!("{which}Code"));
        if code.is_empty() {
            return None;
        }
        let safe = code.bytes().all(|b| b.is_ascii_alphanumeric());
        let key = if safe {
            format!("{}:actor:{code}", self.prefix)
        } else {
            format!("{}:actor:{}", self.prefix, keys::hash(&[code]))
        };
        if self.actors.insert(key.clone()) {
            let name = row.get(&format!("{which}Name"));
            let country = row.get(&format!("{which}CountryCode"));
            let role = row.get(&format!("{which}Type1Code"));
            let kind = match role {
                "GOV" | "LEG" | "JUD" => "government_body",
                "MIL" | "COP" | "REB" | "SEP" | "INS" | "SPY" => "armed_force",
                "MED" => "media",
                "NGO" => "ngo",
                "IGO" => "intergovernmental_org",
                "" if code == country => "state",
                _ => "group",
            };
            out.row(
                "actors",
                &[
                    ("key", &key),
                    ("name", if name.is_empty() { code } else { name }),
                    ("kind", kind),
                    ("notes", &format!("GDELT's CAMEO actor code {code}.")),
                ],
            );
        }
        Some(key)
    }

    /// The stand-in speaker of a statement whose speaker GDELT did not code (a statement must
    /// have one).
    fn nobody(&mut self, out: &mut dyn Mapped) -> String {
        let key = format!("{}:actor:none", self.prefix);
        if self.actors.insert(key.clone()) {
            out.row(
                "actors",
                &[
                    ("key", &key),
                    ("name", "(no actor coded by GDELT)"),
                    ("kind", "group"),
                    (
                        "notes",
                        "Stands for the speaker of a GDELT verbal event whose Actor1Code is empty: GDELT coded no actor.",
                    ),
                ],
            );
        }
        key
    }

    /// The key of the row's source: its `SOURCEURL`, or the dataset for a row without one.
    fn source(&mut self, row: &Row, out: &mut dyn Mapped) -> String {
        let url = row.get("SOURCEURL");
        if url.is_empty() {
            return self.dataset_source();
        }
        let key = format!("{}:source:{}", self.prefix, keys::hash(&[url]));
        if self.sources.insert(key.clone()) {
            out.row(
                "sources",
                &[
                    ("key", &key),
                    ("title", url),
                    ("url", url),
                    ("kind", "news"),
                    ("cited_in", &self.dataset_source()),
                ],
            );
        }
        key
    }

    /// The key of the ActionGeo place, its row written the first time; none where GDELT gives
    /// no place.
    fn place(&mut self, row: &Row, out: &mut dyn Mapped) -> Option<String> {
        let name = row.get("ActionGeo_FullName");
        let geo_type = row.get("ActionGeo_Type");
        if name.is_empty() || geo_type.is_empty() || geo_type == "0" {
            return None;
        }
        let feature = row.get("ActionGeo_FeatureID");
        let identity = if feature.is_empty() { name } else { feature };
        let slug = keys::slug(identity, 80);
        let key = if !slug.is_empty() && slug == identity.to_ascii_lowercase() {
            format!("{}:place:{slug}", self.prefix)
        } else {
            format!("{}:place:{}", self.prefix, keys::hash(&[identity]))
        };
        if self.places.insert(key.clone()) {
            // 1 country, 2 US state, 3 US city, 4 world city, 5 world state (ADM1).
            let (kind, precision) = match geo_type {
                "1" => ("country", "country"),
                "2" | "5" => ("region", "province"),
                _ => ("city", "exact"),
            };
            out.row(
                "places",
                &[
                    ("key", &key),
                    ("name", name),
                    ("kind", kind),
                    ("latitude", row.get("ActionGeo_Lat")),
                    ("longitude", row.get("ActionGeo_Long")),
                    ("geo_precision", precision),
                    (
                        "notes",
                        &format!("GDELT ActionGeo_Type {geo_type}, feature {feature:?}."),
                    ),
                ],
            );
        }
        Some(key)
    }
}

/// A record with its layout's column names.
struct Row<'r> {
    record: &'r [&'r str],
    columns: &'r [&'static str],
}

impl<'r> Row<'r> {
    fn field(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| *c == name)
    }

    /// The value of `name`, trimmed; empty if the layout has no such column.
    fn get(&self, name: &str) -> &'r str {
        self.field(name)
            .and_then(|i| self.record.get(i))
            .map_or("", |v| v.trim())
    }

    fn error(&self, name: &str, message: &str) -> FieldError {
        let field = self.field(name).unwrap_or(0);
        FieldError {
            field,
            column: name.to_string(),
            value: self.record.get(field).unwrap_or(&"").to_string(),
            message: message.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::mapped::{value, Collected};
    use super::*;

    /// A synthetic record of `layout` with the given columns set.
    pub(crate) fn record(layout: Layout, set: &[(&str, &str)]) -> Vec<String> {
        layout
            .columns()
            .iter()
            .map(|c| {
                set.iter()
                    .find(|(name, _)| name == c)
                    .map_or(String::new(), |(_, v)| v.to_string())
            })
            .collect()
    }

    fn map(records: &[Vec<String>]) -> Result<Collected, FieldError> {
        let mut gdelt = Gdelt::new("gdelt");
        let mut out = Collected::default();
        for record in records {
            let fields: Vec<&str> = record.iter().map(String::as_str).collect();
            gdelt.record(&fields, &mut out)?;
        }
        Ok(out)
    }

    #[test]
    fn layouts_by_width() {
        assert_eq!(Layout::V1.columns().len(), 57);
        assert_eq!(Layout::V1Url.columns().len(), 58);
        let v2 = Layout::V2.columns();
        assert_eq!(v2.len(), 61);
        assert_eq!(v2[39], "Actor1Geo_ADM2Code");
        assert_eq!(v2[60], "SOURCEURL");
        let line = record(
            Layout::V2,
            &[("GLOBALEVENTID", "1"), ("SQLDATE", "20200927")],
        )
        .join("\t");
        assert!(recognise(line.as_bytes()));
        assert!(!recognise(b"id,relid,year"));
    }

    #[test]
    fn verbal_is_a_statement_material_an_event() {
        let out = map(&[
            record(
                Layout::V1Url,
                &[
                    ("GLOBALEVENTID", "1256322770"),
                    ("SQLDATE", "20200927"),
                    ("Actor1Code", "ARMGOV"),
                    ("Actor1Name", "ARMENIA"),
                    ("Actor1CountryCode", "ARM"),
                    ("Actor1Type1Code", "GOV"),
                    ("Actor2Code", "AZE"),
                    ("Actor2Name", "AZERBAIJAN"),
                    ("Actor2CountryCode", "AZE"),
                    ("EventCode", "112"),
                    ("EventBaseCode", "112"),
                    ("EventRootCode", "11"),
                    ("QuadClass", "3"),
                    ("GoldsteinScale", "-2.0"),
                    ("AvgTone", "-5.5"),
                    ("SOURCEURL", "https://example.org/a?\"quoted\""),
                ],
            ),
            record(
                Layout::V1,
                &[
                    ("GLOBALEVENTID", "1256322771"),
                    ("SQLDATE", "20200928"),
                    ("Actor1Code", "AZEMIL"),
                    ("Actor1Name", "AZERBAIJAN"),
                    ("Actor1Type1Code", "MIL"),
                    ("EventCode", "190"),
                    ("EventBaseCode", "190"),
                    ("EventRootCode", "19"),
                    ("QuadClass", "4"),
                    ("ActionGeo_Type", "4"),
                    ("ActionGeo_FullName", "Stepanakert, Xocali, Azerbaijan"),
                    ("ActionGeo_Lat", "39.8153"),
                    ("ActionGeo_Long", "46.7519"),
                    ("ActionGeo_FeatureID", "-2654195"),
                ],
            ),
        ])
        .unwrap();
        let said = out.find("statements", "key", "gdelt:1256322770").unwrap();
        assert_eq!(value(said, "speaker"), "gdelt:actor:ARMGOV");
        assert_eq!(value(said, "target"), "gdelt:actor:AZE");
        assert_eq!(value(said, "kind"), "cameo-11");
        assert_eq!(value(said, "stance"), "none");
        assert_eq!(value(said, "said_on"), "2020-09-27");
        let source = out.find("sources", "key", value(said, "source")).unwrap();
        assert_eq!(value(source, "url"), "https://example.org/a?\"quoted\"");
        assert_eq!(
            out.attribute_of("statements", "gdelt:1256322770", "GoldsteinScale"),
            Some("-2.0")
        );
        let actor = out.find("actors", "key", "gdelt:actor:AZE").unwrap();
        assert_eq!(value(actor, "kind"), "state");
        let event = out.find("events", "key", "gdelt:1256322771").unwrap();
        assert_eq!(value(event, "kind"), "cameo-19");
        let place = out.find("places", "key", value(event, "place")).unwrap();
        assert_eq!(value(place, "name"), "Stepanakert, Xocali, Azerbaijan");
        let cited = out
            .find("event_sources", "event", "gdelt:1256322771")
            .unwrap();
        assert_eq!(value(cited, "source"), "gdelt:dataset");
        assert_eq!(
            out.attribute_of("events", "gdelt:1256322771", "EventCode"),
            Some("190")
        );
    }

    #[test]
    fn a_quad_class_its_root_contradicts_is_refused() {
        let error = map(&[record(
            Layout::V2,
            &[
                ("GLOBALEVENTID", "5"),
                ("SQLDATE", "20200928"),
                ("EventRootCode", "19"),
                ("QuadClass", "1"),
            ],
        )])
        .err()
        .unwrap();
        assert_eq!(
            error.to_string(),
            "QuadClass \"1\": says verbal, but CAMEO root 19 is material"
        );
        assert_eq!(error.field, 29);
    }

    #[test]
    fn the_fixtures_load_with_quotes_as_data() {
        let mut gdelt = Gdelt::new("gdelt");
        let mut out = Collected::default();
        for file in ["gdelt-1.0-mixed.tsv", "gdelt-2.0.tsv"] {
            let path = format!(
                "{}/tests/fixtures/import/{file}",
                env!("CARGO_MANIFEST_DIR")
            );
            for line in std::fs::read_to_string(path).unwrap().lines() {
                let fields: Vec<&str> = line.split('\t').collect();
                gdelt.record(&fields, &mut out).unwrap();
            }
        }
        assert_eq!(gdelt.layouts, [Layout::V1, Layout::V1Url, Layout::V2]);
        let conn = super::super::mapped::load_as_import(&out).unwrap_or_else(|e| panic!("{e}"));
        let url: String = conn
            .query_row(
                "SELECT sources.url FROM events JOIN event_sources ON event_id = events.id
                 JOIN sources ON sources.id = source_id WHERE events.key = 'gdelt:250000002'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(url, "http://news.example.org/2012/06/05/border-\"clash\"");
        let speaker: String = conn
            .query_row(
                "SELECT actors.name FROM statements JOIN actors ON actors.id = speaker_id
                 WHERE statements.key = 'gdelt:250000003'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(speaker, "(no actor coded by GDELT)");
    }
}
