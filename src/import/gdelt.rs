//! GDELT event files (1.0 daily, 2.0 every 15 minutes): tab-separated, no header, no quoting (a
//! `"` is data). A record's width says its layout: 57 columns (1.0 before April 2013), 58 (1.0
//! with `SOURCEURL`), 61 (2.0, which adds `Actor1Geo_ADM2Code`, `Actor2Geo_ADM2Code` and
//! `ActionGeo_ADM2Code`); it is read per record, so a 1.0 file mixing 57 and 58 columns loads.
//!
//! A record becomes one row keyed `gdelt:<GLOBALEVENTID>`:
//! - verbal events (QuadClass 1 verbal cooperation, 3 verbal conflict) a statement by Actor1
//!   about Actor2, with no stance (`none`: GDELT codes no side);
//! - material ones (QuadClass 2, 4) an event, Actor1 a participant and Actor2 the target, at the
//!   ActionGeo place;
//! - its kind the CAMEO root code (`cameo-19` Fight): statement_kinds hold the verbal roots
//!   (01–05, 09–13), event_kinds the material ones (06–08, 14–20), each with its `cameo_code`;
//!   the full code (`EventCode` `0834`, `EventBaseCode`, `EventRootCode`) stays with the row's
//!   attributes; a QuadClass its root contradicts is refused;
//! - actors by CAMEO actor code (`gdelt:actor:AZEGOV`), their kind from the role code; a verbal
//!   event with no Actor1 is said by `gdelt:actor:none` (a statement must have a speaker);
//! - `SOURCEURL` the source, cited in the GDELT dataset (a 57-column row cites the dataset);
//! - every other column (`GoldsteinScale`, `AvgTone`, `NumMentions`, `NumSources`,
//!   `NumArticles`, `IsRootEvent`, the Geo codes, `DATEADDED`, ...) an attribute, under the
//!   codebook's name.

use super::format::{Dialect, Format, Layout, Options};
use super::keys;
use super::record::{Record, RowError};
use super::sink::Sink;
use crate::attribution::GDELT;

pub struct Gdelt;

/// The GDELT 1.0 columns as the codebook names them, in file order; 2.0 adds an ADM2 code after
/// each ADM1 code, and both add `SOURCEURL` last.
const CODEBOOK: [&str; 61] = [
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
    "Actor1Geo_ADM2Code",
    "Actor1Geo_Lat",
    "Actor1Geo_Long",
    "Actor1Geo_FeatureID",
    "Actor2Geo_Type",
    "Actor2Geo_FullName",
    "Actor2Geo_CountryCode",
    "Actor2Geo_ADM1Code",
    "Actor2Geo_ADM2Code",
    "Actor2Geo_Lat",
    "Actor2Geo_Long",
    "Actor2Geo_FeatureID",
    "ActionGeo_Type",
    "ActionGeo_FullName",
    "ActionGeo_CountryCode",
    "ActionGeo_ADM1Code",
    "ActionGeo_ADM2Code",
    "ActionGeo_Lat",
    "ActionGeo_Long",
    "ActionGeo_FeatureID",
    "DATEADDED",
    "SOURCEURL",
];

macro_rules! columns {
    ($($name:literal),* $(,)?) => { &[$($name),*] };
}

/// The three layouts, lower case as layouts are compared.
static LAYOUTS: &[Layout] = &[
    Layout {
        name: "1.0 (57 columns)",
        columns: columns!(
            "globaleventid",
            "sqldate",
            "monthyear",
            "year",
            "fractiondate",
            "actor1code",
            "actor1name",
            "actor1countrycode",
            "actor1knowngroupcode",
            "actor1ethniccode",
            "actor1religion1code",
            "actor1religion2code",
            "actor1type1code",
            "actor1type2code",
            "actor1type3code",
            "actor2code",
            "actor2name",
            "actor2countrycode",
            "actor2knowngroupcode",
            "actor2ethniccode",
            "actor2religion1code",
            "actor2religion2code",
            "actor2type1code",
            "actor2type2code",
            "actor2type3code",
            "isrootevent",
            "eventcode",
            "eventbasecode",
            "eventrootcode",
            "quadclass",
            "goldsteinscale",
            "nummentions",
            "numsources",
            "numarticles",
            "avgtone",
            "actor1geo_type",
            "actor1geo_fullname",
            "actor1geo_countrycode",
            "actor1geo_adm1code",
            "actor1geo_lat",
            "actor1geo_long",
            "actor1geo_featureid",
            "actor2geo_type",
            "actor2geo_fullname",
            "actor2geo_countrycode",
            "actor2geo_adm1code",
            "actor2geo_lat",
            "actor2geo_long",
            "actor2geo_featureid",
            "actiongeo_type",
            "actiongeo_fullname",
            "actiongeo_countrycode",
            "actiongeo_adm1code",
            "actiongeo_lat",
            "actiongeo_long",
            "actiongeo_featureid",
            "dateadded",
        ),
        has_header: false,
    },
    Layout {
        name: "1.0 with SOURCEURL (58 columns)",
        columns: columns!(
            "globaleventid",
            "sqldate",
            "monthyear",
            "year",
            "fractiondate",
            "actor1code",
            "actor1name",
            "actor1countrycode",
            "actor1knowngroupcode",
            "actor1ethniccode",
            "actor1religion1code",
            "actor1religion2code",
            "actor1type1code",
            "actor1type2code",
            "actor1type3code",
            "actor2code",
            "actor2name",
            "actor2countrycode",
            "actor2knowngroupcode",
            "actor2ethniccode",
            "actor2religion1code",
            "actor2religion2code",
            "actor2type1code",
            "actor2type2code",
            "actor2type3code",
            "isrootevent",
            "eventcode",
            "eventbasecode",
            "eventrootcode",
            "quadclass",
            "goldsteinscale",
            "nummentions",
            "numsources",
            "numarticles",
            "avgtone",
            "actor1geo_type",
            "actor1geo_fullname",
            "actor1geo_countrycode",
            "actor1geo_adm1code",
            "actor1geo_lat",
            "actor1geo_long",
            "actor1geo_featureid",
            "actor2geo_type",
            "actor2geo_fullname",
            "actor2geo_countrycode",
            "actor2geo_adm1code",
            "actor2geo_lat",
            "actor2geo_long",
            "actor2geo_featureid",
            "actiongeo_type",
            "actiongeo_fullname",
            "actiongeo_countrycode",
            "actiongeo_adm1code",
            "actiongeo_lat",
            "actiongeo_long",
            "actiongeo_featureid",
            "dateadded",
            "sourceurl",
        ),
        has_header: false,
    },
    Layout {
        name: "2.0 (61 columns)",
        columns: columns!(
            "globaleventid",
            "sqldate",
            "monthyear",
            "year",
            "fractiondate",
            "actor1code",
            "actor1name",
            "actor1countrycode",
            "actor1knowngroupcode",
            "actor1ethniccode",
            "actor1religion1code",
            "actor1religion2code",
            "actor1type1code",
            "actor1type2code",
            "actor1type3code",
            "actor2code",
            "actor2name",
            "actor2countrycode",
            "actor2knowngroupcode",
            "actor2ethniccode",
            "actor2religion1code",
            "actor2religion2code",
            "actor2type1code",
            "actor2type2code",
            "actor2type3code",
            "isrootevent",
            "eventcode",
            "eventbasecode",
            "eventrootcode",
            "quadclass",
            "goldsteinscale",
            "nummentions",
            "numsources",
            "numarticles",
            "avgtone",
            "actor1geo_type",
            "actor1geo_fullname",
            "actor1geo_countrycode",
            "actor1geo_adm1code",
            "actor1geo_adm2code",
            "actor1geo_lat",
            "actor1geo_long",
            "actor1geo_featureid",
            "actor2geo_type",
            "actor2geo_fullname",
            "actor2geo_countrycode",
            "actor2geo_adm1code",
            "actor2geo_adm2code",
            "actor2geo_lat",
            "actor2geo_long",
            "actor2geo_featureid",
            "actiongeo_type",
            "actiongeo_fullname",
            "actiongeo_countrycode",
            "actiongeo_adm1code",
            "actiongeo_adm2code",
            "actiongeo_lat",
            "actiongeo_long",
            "actiongeo_featureid",
            "dateadded",
            "sourceurl",
        ),
        has_header: false,
    },
];

/// The CAMEO roots GDELT codes as verbal (QuadClass 1 and 3), which load as statements; the
/// others are material (QuadClass 2 and 4), and load as events.
const VERBAL_ROOTS: &[&str] = &["01", "02", "03", "04", "05", "09", "10", "11", "12", "13"];

/// Columns the mapping puts into our tables; every other one is kept as an attribute.
const MAPPED: &[&str] = &[
    "globaleventid",
    "sqldate",
    "actor1code",
    "actor1name",
    "actor2code",
    "actor2name",
    "quadclass",
    "actiongeo_type",
    "actiongeo_fullname",
    "actiongeo_lat",
    "actiongeo_long",
    "actiongeo_featureid",
    "sourceurl",
];

const DATASET_SOURCE: &str = "dataset";

impl Format for Gdelt {
    fn name(&self) -> &'static str {
        "gdelt"
    }

    fn layouts(&self) -> &'static [Layout] {
        LAYOUTS
    }

    fn dialect(&self) -> Dialect {
        Dialect::TabsUnquoted
    }

    fn na_is_empty(&self) -> bool {
        false
    }

    /// A first record of a known width, an event id and a `YYYYMMDD` date first.
    fn recognise_headerless(&self, first: &[String]) -> Option<&'static Layout> {
        let layout = self.layout_of_width(first.len())?;
        let digits = |text: &str| !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
        (digits(&first[0]) && first[1].len() == 8 && digits(&first[1])).then_some(layout)
    }

    fn layout_of_width(&self, width: usize) -> Option<&'static Layout> {
        LAYOUTS.iter().find(|l| l.columns.len() == width)
    }

    fn source_column(&self, table: &str, column: &str) -> Option<&'static str> {
        Some(match (table, column) {
            ("events" | "statements", "key") => "globaleventid",
            ("events", "start_date") | ("statements", "said_on") => "sqldate",
            ("places", "latitude") => "actiongeo_lat",
            ("places", "longitude") => "actiongeo_long",
            ("places", "name") => "actiongeo_fullname",
            ("sources", "title" | "url") => "sourceurl",
            _ => return None,
        })
    }

    fn map(&self, record: &Record, _options: &Options, sink: &mut Sink) -> Result<(), RowError> {
        let id = record.required("globaleventid")?;
        if !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err(record.refuse("globaleventid", "is not a GDELT event id (a whole number)"));
        }
        let key = sink.key(id);
        let date = record.required("sqldate")?;
        let day = (date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit()))
            .then(|| format!("{}-{}-{}", &date[..4], &date[4..6], &date[6..]))
            .filter(|d| crate::date::parse_day(d).is_some())
            .ok_or_else(|| record.refuse("sqldate", "is not a date (YYYYMMDD)"))?;
        let verbal = match record.get("quadclass") {
            "1" | "3" => true,
            "2" | "4" => false,
            _ => {
                return Err(record.refuse(
                    "quadclass",
                    "is not a GDELT QuadClass: 1 verbal cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict",
                ))
            }
        };
        let root = match record.get("eventrootcode") {
            r if r.len() == 1 => format!("0{r}"),
            r => r.to_string(),
        };
        if root.len() != 2 || !matches!(root.parse::<u8>(), Ok(1..=20)) {
            return Err(record.refuse("eventrootcode", "is not a CAMEO root code (01 to 20)"));
        }
        if VERBAL_ROOTS.contains(&root.as_str()) != verbal {
            let (said, is) = match verbal {
                true => ("verbal", "material"),
                false => ("material", "verbal"),
            };
            return Err(record.refuse(
                "quadclass",
                format!("says {said}, but CAMEO root {root} is {is}"),
            ));
        }
        let kind = format!("cameo-{root}");
        let actor1 = actor(record, sink, "actor1");
        let actor2 = actor(record, sink, "actor2");
        let source = source(record, sink);
        let name = |actor: &Option<String>, which: &str| match actor {
            None => "no actor coded".to_string(),
            Some(_) => match record.get(&format!("{which}name")) {
                "" => record.get(&format!("{which}code")).to_string(),
                name => name.to_string(),
            },
        };
        let (name1, name2) = (name(&actor1, "actor1"), name(&actor2, "actor2"));
        let code = record.get("eventcode");
        let toward = match &actor2 {
            Some(_) => format!(" toward {name2}"),
            None => String::new(),
        };
        let summary = format!(
            "GDELT codes CAMEO event {code} (root {root}) by {name1}{toward}, from a news report."
        );
        let table = if verbal {
            let speaker = match &actor1 {
                Some(key) => key.clone(),
                None => nobody(sink),
            };
            sink.row("statements")
                .set("key", key.as_str())
                .set("speaker", speaker)
                .set("said_on", day)
                .set("date_basis", "stated")
                .set("kind", kind)
                .set("stance", "none")
                .set("target", actor2.unwrap_or_default())
                .set("summary", summary)
                .set("source", source)
                .add();
            "statements"
        } else {
            let place = place(record, sink);
            let title = match &actor2 {
                Some(_) => format!("CAMEO {code}: {name1} – {name2}"),
                None => format!("CAMEO {code}: {name1}"),
            };
            sink.row("events")
                .set("key", key.as_str())
                .set("title", title)
                .set("kind", kind)
                .set("start_date", day)
                .set("date_basis", "stated")
                .set("place", place.clone().unwrap_or_default())
                .set("summary", summary)
                .set("retracted", "0")
                .add();
            if let Some(place) = place {
                sink.row("event_places")
                    .set("event", key.as_str())
                    .set("place", place)
                    .add();
            }
            for (actor, role) in [(actor1, "participant"), (actor2, "target")] {
                if let Some(actor) = actor {
                    sink.row("event_actors")
                        .set("event", key.as_str())
                        .set("actor", actor)
                        .set("role", role)
                        .add();
                }
            }
            sink.row("event_sources")
                .set("event", key.as_str())
                .set("source", source)
                .add();
            "events"
        };
        for (index, column) in record.layout().columns.iter().enumerate() {
            if MAPPED.contains(column) {
                continue;
            }
            let name = CODEBOOK
                .iter()
                .find(|n| n.eq_ignore_ascii_case(column))
                .copied()
                .unwrap_or(column);
            let value = record.fields.get(index).unwrap_or("");
            match table {
                "events" => sink.attribute(&key, name, value),
                _ => sink.statement_attribute(&key, name, value),
            }
        }
        Ok(())
    }
}

/// The key of the actor `which` (`actor1`, `actor2`), written the first time; none where GDELT
/// coded no actor.
fn actor(record: &Record, sink: &mut Sink, which: &str) -> Option<String> {
    let code = record.get(&format!("{which}code"));
    if code.is_empty() {
        return None;
    }
    let key = match code.bytes().all(|b| b.is_ascii_alphanumeric()) {
        true => sink.key(&format!("actor:{code}")),
        false => sink.key(&format!("actor:{}", keys::hash(&[code]))),
    };
    if let Some(row) = sink.shared("actors", &key) {
        let name = record.get(&format!("{which}name"));
        let country = record.get(&format!("{which}countrycode"));
        let kind = match record.get(&format!("{which}type1code")) {
            "GOV" | "LEG" | "JUD" => "government_body",
            "MIL" | "COP" | "REB" | "SEP" | "INS" | "SPY" => "armed_force",
            "MED" => "media",
            "NGO" => "ngo",
            "IGO" => "intergovernmental_org",
            "" if code == country => "state",
            _ => "group",
        };
        row.set("name", if name.is_empty() { code } else { name })
            .set("kind", kind)
            .set("notes", format!("GDELT's CAMEO actor code {code}."))
            .add();
    }
    Some(key)
}

/// The stand-in speaker of a verbal event whose speaker GDELT did not code.
fn nobody(sink: &mut Sink) -> String {
    let key = sink.key("actor:none");
    if let Some(row) = sink.shared("actors", &key) {
        row.set("name", "(no actor coded by GDELT)")
            .set("kind", "group")
            .set(
                "notes",
                "Stands for the speaker of a GDELT verbal event whose Actor1Code is empty: GDELT coded no actor, and a statement has a speaker.",
            )
            .add();
    }
    key
}

/// The key of the row's source: its `SOURCEURL`, or the dataset for a row without one.
fn source(record: &Record, sink: &mut Sink) -> String {
    if let Some(row) = sink.shared("sources", &sink.key(DATASET_SOURCE)) {
        row.set("title", "GDELT Event Database")
            .set("publisher", GDELT.publisher)
            .set("url", GDELT.url)
            .set("kind", "dataset")
            .set(
                "notes",
                format!("Events machine-coded in CAMEO from news reports; each imported row cites the article it was coded from (SOURCEURL), or this dataset where the file gives none. Licence: {}. Cite: {}", GDELT.licence, GDELT.citation),
            )
            .add();
    }
    let url = record.get("sourceurl");
    if url.is_empty() {
        return sink.key(DATASET_SOURCE);
    }
    let key = sink.key(&format!("source:{}", keys::hash(&[url])));
    if let Some(row) = sink.shared("sources", &key) {
        row.set("title", url)
            .set("url", url)
            .set("kind", "news")
            .set_key("cited_in", DATASET_SOURCE)
            .add();
    }
    key
}

/// The key of the ActionGeo place, written the first time; none where GDELT gives no place.
fn place(record: &Record, sink: &mut Sink) -> Option<String> {
    let name = record.get("actiongeo_fullname");
    let geo_type = record.get("actiongeo_type");
    if name.is_empty() || matches!(geo_type, "" | "0") {
        return None;
    }
    let feature = record.get("actiongeo_featureid");
    let identity = if feature.is_empty() { name } else { feature };
    let plain = identity
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let key = match plain {
        true => sink.key(&format!("place:{identity}")),
        false => sink.key(&format!("place:{}", keys::hash(&[identity]))),
    };
    if let Some(row) = sink.shared("places", &key) {
        // 1 country, 2 US state, 3 US city, 4 world city, 5 world state (ADM1).
        let (kind, precision) = match geo_type {
            "1" => ("country", "country"),
            "2" | "5" => ("region", "province"),
            _ => ("city", "exact"),
        };
        row.set("name", name)
            .set("kind", kind)
            .set("latitude", record.get("actiongeo_lat"))
            .set("longitude", record.get("actiongeo_long"))
            .set("geo_precision", precision)
            .set(
                "notes",
                format!("GDELT ActionGeo_Type {geo_type}, ActionGeo_FeatureID {feature:?}."),
            )
            .add();
    }
    Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layouts_are_the_codebook_s_columns() {
        let codebook = |skip_adm2: bool, url: bool| -> Vec<String> {
            CODEBOOK
                .iter()
                .filter(|c| !(skip_adm2 && c.ends_with("ADM2Code")))
                .filter(|c| url || **c != "SOURCEURL")
                .map(|c| c.to_ascii_lowercase())
                .collect()
        };
        assert_eq!(LAYOUTS[0].columns, codebook(true, false));
        assert_eq!(LAYOUTS[1].columns, codebook(true, true));
        assert_eq!(LAYOUTS[2].columns, codebook(false, true));
    }
}
