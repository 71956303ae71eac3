-- title: Source coverage
-- description: Per source, how many events, statements and casualty claims it backs, and how many of those events rest on it alone. Works a document cites (Wikipedia's references) are listed under their own titles.
-- Each count is one pass over its table, grouped by source, rather than a lookup per source.
WITH event_counts AS (
    SELECT source_id, count(DISTINCT event_id) AS backed FROM event_sources GROUP BY source_id
),
sources_per_event AS (
    SELECT event_id, min(source_id) AS source_id, count(DISTINCT source_id) AS sources
    FROM event_sources GROUP BY event_id
),
alone AS (
    SELECT source_id, count(*) AS backed FROM sources_per_event WHERE sources = 1 GROUP BY source_id
),
statement_counts AS (
    SELECT source_id, count(*) AS backed FROM statements GROUP BY source_id
),
casualty_counts AS (
    SELECT source_id, count(*) AS backed FROM casualties GROUP BY source_id
)
SELECT
    sources.key,
    sources.title,
    sources.kind,
    citing.title AS cited_in,
    coalesce(event_counts.backed, 0) AS events,
    coalesce(statement_counts.backed, 0) AS statements,
    coalesce(casualty_counts.backed, 0) AS casualty_claims,
    coalesce(alone.backed, 0) AS events_on_this_source_alone
FROM sources
LEFT JOIN sources AS citing ON citing.id = sources.cited_in
LEFT JOIN event_counts ON event_counts.source_id = sources.id
LEFT JOIN statement_counts ON statement_counts.source_id = sources.id
LEFT JOIN casualty_counts ON casualty_counts.source_id = sources.id
LEFT JOIN alone ON alone.source_id = sources.id
ORDER BY coalesce(event_counts.backed, 0) + coalesce(statement_counts.backed, 0)
    + coalesce(casualty_counts.backed, 0) DESC, sources.title;
