-- title: Source coverage
-- description: Per source, how many events, statements and casualty claims it backs, and how many of those events rest on it alone. Works a document cites (Wikipedia's references) are listed under their own titles.
SELECT
    sources.key,
    sources.title,
    sources.kind,
    citing.title AS cited_in,
    (SELECT count(DISTINCT event_id) FROM event_sources WHERE event_sources.source_id = sources.id) AS events,
    (SELECT count(*) FROM statements WHERE statements.source_id = sources.id) AS statements,
    (SELECT count(*) FROM casualties WHERE casualties.source_id = sources.id) AS casualty_claims,
    (
        SELECT count(DISTINCT event_id) FROM event_sources
        WHERE event_sources.source_id = sources.id
          AND NOT EXISTS (
              SELECT 1 FROM event_sources AS other
              WHERE other.event_id = event_sources.event_id AND other.source_id <> sources.id
          )
    ) AS events_on_this_source_alone
FROM sources
LEFT JOIN sources AS citing ON citing.id = sources.cited_in
ORDER BY events + statements + casualty_claims DESC, sources.title;
