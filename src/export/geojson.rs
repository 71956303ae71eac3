//! Events with places as a GeoJSON FeatureCollection (RFC 7946: WGS 84, `[longitude, latitude]`,
//! no `crs` member), for QGIS, kepler.gl and geojson.io; and a report's rows with coordinates
//! as one.
//!
//! One feature per event and place with coordinates: an event placed at a province and at a
//! town is two points, each saying which place it is and how precise that place's coordinates
//! are (`geo_precision`: a province's centroid is not an exact point). Casualty figures are
//! claims: each feature lists who claimed which figure from which source, never a sum. The
//! collection's `attribution` member (a foreign member, which RFC 7946 allows) credits every
//! dataset whose rows the file holds, and each feature names its event's dataset.

use std::collections::BTreeSet;
use std::io::Write;

use anyhow::{bail, Result};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, Statement};
use serde_json::{json, Map, Value};

use super::provenance::{self, Credit};

/// The event-place pairs: the event's own place, and the places `event_places` adds.
const FEATURES: &str = "
WITH pairs AS (
    SELECT id AS event_id, place_id, 1 AS own FROM events WHERE place_id IS NOT NULL
    UNION ALL
    SELECT event_id, place_id, 0 FROM event_places
)
SELECT events.id, events.key, events.title, events.kind, events.start_date, events.end_date,
       events.date_precision, events.date_basis, events.summary,
       places.key, places.name, places.longitude, places.latitude, places.geo_precision,
       geo_precisions.label, max(pairs.own), events.dataset_id, places.dataset_id
FROM pairs
JOIN events ON events.id = pairs.event_id
JOIN places ON places.id = pairs.place_id
LEFT JOIN geo_precisions ON geo_precisions.code = places.geo_precision
WHERE places.latitude IS NOT NULL AND places.longitude IS NOT NULL
GROUP BY pairs.event_id, pairs.place_id
ORDER BY events.start_date, events.key, places.key";

const SOURCES: &str = "
SELECT DISTINCT sources.key, sources.title, sources.url, sources.dataset_id
FROM event_sources JOIN sources ON sources.id = event_sources.source_id
WHERE event_sources.event_id = ?1 ORDER BY sources.key";

const CLAIMS: &str = "
SELECT casualties.key, claimant.name, casualties.scope, side.name, casualties.category,
       casualties.outcome, casualties.status, casualties.count_low, casualties.count_best,
       casualties.count_high, sources.title, casualties.as_of, casualties.dataset_id
FROM casualties
LEFT JOIN actors AS claimant ON claimant.id = casualties.claimed_by_id
LEFT JOIN actors AS side ON side.id = casualties.side_id
JOIN sources ON sources.id = casualties.source_id
WHERE casualties.event_id = ?1 ORDER BY casualties.key";

/// Writes every event with a place that has coordinates; returns how many features.
pub fn write_events(conn: &Connection, out: &mut dyn Write) -> Result<u64> {
    let credits = provenance::all(conn)?;
    let mut used = BTreeSet::new();
    let mut sources = conn.prepare(SOURCES)?;
    let mut claims = conn.prepare(CLAIMS)?;
    let mut stmt = conn.prepare(FEATURES)?;
    let mut rows = stmt.query([])?;
    let mut count = 0;
    out.write_all(b"{\"type\": \"FeatureCollection\",\n\"features\": [")?;
    while let Some(row) = rows.next()? {
        let event: i64 = row.get(0)?;
        let event_key: String = row.get(1)?;
        let place_key: String = row.get(9)?;
        let event_dataset: i64 = row.get(16)?;
        used.insert(event_dataset);
        used.insert(row.get::<_, i64>(17)?);
        let event_sources = sources
            .query_map([event], |s| {
                Ok((
                    json!({"key": s.get::<_, String>(0)?, "title": s.get::<_, String>(1)?,
                           "url": s.get::<_, Option<String>>(2)?}),
                    s.get::<_, i64>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let event_claims = claims
            .query_map([event], |c| {
                Ok((
                    json!({
                        "key": c.get::<_, String>(0)?,
                        "claimed_by": c.get::<_, Option<String>>(1)?,
                        "scope": c.get::<_, String>(2)?,
                        "side": c.get::<_, Option<String>>(3)?,
                        "category": c.get::<_, String>(4)?,
                        "outcome": c.get::<_, String>(5)?,
                        "status": c.get::<_, String>(6)?,
                        "count_low": c.get::<_, Option<i64>>(7)?,
                        "count_best": c.get::<_, Option<i64>>(8)?,
                        "count_high": c.get::<_, Option<i64>>(9)?,
                        "source": c.get::<_, String>(10)?,
                        "as_of": c.get::<_, Option<String>>(11)?,
                    }),
                    c.get::<_, i64>(12)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        used.extend(event_sources.iter().map(|(_, d)| *d));
        used.extend(event_claims.iter().map(|(_, d)| *d));
        let feature = json!({
            "type": "Feature",
            "id": format!("{event_key}@{place_key}"),
            "geometry": {
                "type": "Point",
                "coordinates": [row.get::<_, f64>(11)?, row.get::<_, f64>(12)?],
            },
            "properties": {
                "event": event_key,
                "title": row.get::<_, String>(2)?,
                "kind": row.get::<_, String>(3)?,
                "start_date": row.get::<_, String>(4)?,
                "end_date": row.get::<_, String>(5)?,
                "date_precision": row.get::<_, String>(6)?,
                "date_basis": row.get::<_, Option<String>>(7)?,
                "summary": row.get::<_, String>(8)?,
                "place": place_key,
                "place_name": row.get::<_, String>(10)?,
                "place_is_the_events_own": row.get::<_, i64>(15)? == 1,
                "geo_precision": row.get::<_, Option<String>>(13)?,
                "geo_precision_label": row.get::<_, Option<String>>(14)?,
                "sources": event_sources.into_iter().map(|(s, _)| s).collect::<Vec<_>>(),
                "casualty_claims": event_claims.into_iter().map(|(c, _)| c).collect::<Vec<_>>(),
                "dataset": dataset_name(&credits, event_dataset),
            },
        });
        out.write_all(if count == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *out, &feature)?;
        count += 1;
    }
    let credited: Vec<Credit> = credits
        .into_iter()
        .filter(|c| used.contains(&c.id))
        .collect();
    finish(out, &credited)?;
    Ok(count)
}

/// Writes the rows of `stmt` (a report's, its parameters bound) as points: it must have
/// `latitude` and `longitude` columns; every other column is a property. A row without both
/// coordinates has no place on a map and is left out. Returns (features, rows left out).
pub fn write_rows(
    stmt: &mut Statement,
    credits: &[Credit],
    out: &mut dyn Write,
) -> Result<(u64, u64)> {
    let names: Vec<String> = stmt.column_names().map(String::from).collect();
    let find = |wanted: &str| names.iter().position(|n| n.eq_ignore_ascii_case(wanted));
    let (Some(latitude), Some(longitude)) = (find("latitude"), find("longitude")) else {
        bail!(
            "GeoJSON needs latitude and longitude columns; these rows have {}",
            names.join(", ")
        );
    };
    let mut rows = stmt.raw_query();
    let (mut count, mut left_out) = (0, 0);
    out.write_all(b"{\"type\": \"FeatureCollection\",\n\"features\": [")?;
    while let Some(row) = rows.next()? {
        let (Some(lat), Some(lon)) = (
            number(row.get_ref(latitude)?),
            number(row.get_ref(longitude)?),
        ) else {
            left_out += 1;
            continue;
        };
        let mut properties = Map::new();
        for (i, name) in names.iter().enumerate() {
            if i != latitude && i != longitude {
                properties.insert(name.clone(), value(row.get_ref(i)?));
            }
        }
        let feature = json!({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": properties,
        });
        out.write_all(if count == 0 { b"\n" } else { b",\n" })?;
        serde_json::to_writer(&mut *out, &feature)?;
        count += 1;
    }
    finish(out, credits)?;
    Ok((count, left_out))
}

/// Closes the collection with its `attribution` member.
fn finish(out: &mut dyn Write, credits: &[Credit]) -> Result<()> {
    out.write_all(b"\n],\n\"attribution\": ")?;
    serde_json::to_writer_pretty(&mut *out, credits)?;
    out.write_all(b"}\n")?;
    Ok(())
}

fn dataset_name(credits: &[Credit], id: i64) -> Option<&str> {
    credits
        .iter()
        .find(|c| c.id == id)
        .map(|c| c.dataset.as_str())
}

fn number(value: ValueRef) -> Option<f64> {
    match value {
        ValueRef::Integer(i) => Some(i as f64),
        ValueRef::Real(f) if f.is_finite() => Some(f),
        ValueRef::Text(t) => std::str::from_utf8(t).ok()?.trim().parse().ok(),
        _ => None,
    }
}

fn value(value: ValueRef) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => i.into(),
        ValueRef::Real(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        other => crate::output::text(other).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{db, seed};

    #[test]
    fn a_reports_rows_with_coordinates_are_points_longitude_first() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = db::open_for_write(&dir.path().join("c.db")).unwrap();
        seed::load(&mut conn, &seed::Input::BuiltIn).unwrap();
        let credits = provenance::all(&conn).unwrap();
        let mut stmt = conn
            .prepare("SELECT key, name, latitude, longitude FROM places ORDER BY key")
            .unwrap();
        let mut out = Vec::new();
        let (points, left_out) = write_rows(&mut stmt, &credits, &mut out).unwrap();
        let map: Value = serde_json::from_slice(&out).unwrap();
        let (lat, lon, key): (f64, f64, String) = conn
            .query_row(
                "SELECT latitude, longitude, key FROM places WHERE latitude IS NOT NULL ORDER BY key",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .unwrap();
        assert_eq!(
            map["features"][0]["geometry"]["coordinates"],
            json!([lon, lat])
        );
        assert_eq!(map["features"][0]["properties"]["key"], key.as_str());
        assert!(map["features"][0]["properties"].get("latitude").is_none());
        assert_eq!(map["attribution"][0]["dataset"], "built-in");
        let total: i64 = conn
            .query_row("SELECT count(*) FROM places", [], |r| r.get(0))
            .unwrap();
        assert_eq!((points + left_out) as i64, total);

        let mut stmt = conn.prepare("SELECT key FROM events").unwrap();
        let error = write_rows(&mut stmt, &credits, &mut Vec::new()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "GeoJSON needs latitude and longitude columns; these rows have key"
        );
    }
}
