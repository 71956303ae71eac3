//! A UCDP GED row's place: one per name and coordinates, at the precision `where_prec` gives.

use crate::import::keys;
use crate::import::record::{Record, RowError};
use crate::import::sink::Sink;

/// The key of the row's place, written the first time; none without a name or coordinates.
pub(super) fn place(record: &Record, sink: &mut Sink) -> Result<Option<String>, RowError> {
    let name = record.get("where_coordinates");
    let (latitude, longitude) = (record.get("latitude"), record.get("longitude"));
    if name.is_empty() && latitude.is_empty() {
        return Ok(None);
    }
    let (geo_precision, kind) = match record.get("where_prec") {
        "1" => ("exact", "location"),
        "2" => ("near", "location"),
        "3" => ("district", "region"),
        "4" => ("province", "region"),
        "5" => ("linear", "area"),
        "6" => ("country", "country"),
        "7" => ("sea_air", "area"),
        "" => ("", "location"),
        _ => return Err(record.refuse("where_prec", "is not a UCDP geo precision: 1 to 7")),
    };
    // By name and coordinates; a name the slug does not keep whole (accents, other scripts) has
    // a hash of it too, so that two such names at one point stay two places.
    let slug = keys::slug(name, 80);
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " -,.'()".contains(c));
    let local = match plain {
        true => format!("place:{slug}:{latitude}:{longitude}"),
        false => format!(
            "place:{slug}:{latitude}:{longitude}:{}",
            &keys::hash(&[name])[..8]
        ),
    };
    let key = sink.key(&local);
    if let Some(row) = sink.shared("places", &key) {
        let shown = match name {
            "" => format!("{latitude}, {longitude}"),
            name => name.to_string(),
        };
        row.set("name", shown)
            .set("kind", kind)
            .set("admin1", record.get("adm_1"))
            .set("latitude", latitude)
            .set("longitude", longitude)
            .set("geo_precision", geo_precision)
            .add();
    }
    Ok(Some(key))
}
