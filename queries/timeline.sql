-- title: Timeline of events
-- description: Events in date order, with the precision of their dates and how each is known (date_basis: stated in the text, or inferred from its context; empty for a row loaded before the database recorded it), the larger event each belongs to, its place and how many sources back it. A period given as a month or a year spans all of it.
-- param: from [date]: Only events that end on or after this date: YYYY, YYYY-MM or YYYY-MM-DD (optional)
-- param: to [end-date]: Only events that start on or before this date (optional)
-- param: kind [event_kinds]: Only events of this kind, such as clash or ceasefire (optional)
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
FROM events
LEFT JOIN places ON places.id = events.place_id
LEFT JOIN events AS parent ON parent.id = events.parent_id
WHERE 1
  AND events.end_date >= :from -- if: from
  AND events.start_date <= :to -- if: to
  AND events.kind = :kind -- if: kind
ORDER BY events.start_date, events.end_date, events.title;
