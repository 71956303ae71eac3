-- title: Events that rest on a single source
-- description: Events backed by only one source, with that source, its perspective and the passages that back the event: the facts to corroborate first.
SELECT
    events.start_date,
    events.title,
    sources.title AS source,
    sources.perspective,
    group_concat(event_sources.quote, ' … ') AS quotes
FROM events
JOIN event_sources ON event_sources.event_id = events.id
JOIN sources ON sources.id = event_sources.source_id
WHERE (SELECT count(DISTINCT source_id) FROM event_sources AS all_sources WHERE all_sources.event_id = events.id) = 1
GROUP BY events.id
ORDER BY events.start_date, events.title;
