-- conflictdb schema, version 11: events where they happened, for map tools.
--
-- Datasette's cluster-map plugin, QGIS and kepler.gl look for columns named latitude and
-- longitude. The places table has them, but no view of events did: v_events names the place only.
-- This view gives each event that has a place with coordinates those coordinates, and how precise
-- they are: a province's centroid is not the spot where a shell fell, and geo_precision says so.

CREATE VIEW v_events_on_map AS
SELECT
    events.key,
    events.title,
    events.kind,
    events.start_date,
    events.end_date,
    events.date_precision,
    places.name AS place,
    places.geo_precision,
    places.latitude,
    places.longitude,
    (SELECT count(DISTINCT source_id) FROM event_sources WHERE event_sources.event_id = events.id) AS source_count
FROM events
JOIN places ON places.id = events.place_id
WHERE places.latitude IS NOT NULL AND places.longitude IS NOT NULL;
