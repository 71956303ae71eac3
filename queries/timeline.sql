-- title: Timeline of events
-- description: Events in date order, with the precision of their dates and how each is known (date_basis: stated in the text, or inferred from its context; empty for a row loaded before the database recorded it), the larger event each belongs to, its place and how many sources back it. A period given as a month or a year spans all of it.
-- param: from [date]: Only events that end on or after this date: YYYY, YYYY-MM or YYYY-MM-DD (optional)
-- param: to [end-date]: Only events that start on or before this date (optional)
-- param: kind [event_kinds]: Only events of this kind, such as clash or ceasefire (optional)
-- A parameter left unset (NULL, or the empty text a Datasette form sends) filters nothing, so the
-- file runs as written in any SQLite tool. The events are found by one of three branches, of
-- which only the first whose parameter is set reads anything: each searches the index of its own
-- filter, and the last one, with no filter set, reads them all in date order.
WITH chosen (id) AS (
    SELECT id FROM events
    WHERE kind = nullif(:kind, '')
    UNION ALL
    SELECT id FROM events
    WHERE nullif(:kind, '') IS NULL
      AND end_date >= nullif(:from, '')
    UNION ALL
    SELECT id FROM events
    WHERE nullif(:kind, '') IS NULL AND nullif(:from, '') IS NULL
      AND start_date <= coalesce(nullif(:to, ''), '9999-12-31')
)
SELECT
    events.start_date,
    events.end_date,
    events.date_precision,
    events.date_basis,
    events.kind,
    events.title,
    places.name AS place,
    parent.title AS part_of,
    (SELECT count(DISTINCT source_id) FROM event_sources WHERE event_sources.event_id = events.id) AS sources,
    events.key
FROM chosen
CROSS JOIN events ON events.id = chosen.id
LEFT JOIN places ON places.id = events.place_id
LEFT JOIN events AS parent ON parent.id = events.parent_id
WHERE events.end_date >= coalesce(nullif(:from, ''), '')
  AND events.start_date <= coalesce(nullif(:to, ''), '9999-12-31')
ORDER BY events.start_date, events.end_date, events.title;
