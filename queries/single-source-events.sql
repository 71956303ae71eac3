-- title: Events that rest on a single source
-- description: Events backed by only one source, with that source and its perspective: the facts to corroborate first.
SELECT
    events.start_date,
    events.title,
    sources.title AS source,
    sources.perspective,
    event_sources.quote
FROM events
JOIN event_sources ON event_sources.event_id = events.id
JOIN sources ON sources.id = event_sources.source_id
WHERE (SELECT count(*) FROM event_sources AS all_sources WHERE all_sources.event_id = events.id) = 1
ORDER BY events.start_date, events.title;
