-- title: Casualty totals at different scopes
-- description: Events where sources give their totals for the same outcome at different scopes (one side's losses, all sides combined, or a side not stated), which contested-casualties cannot set against each other: per event and outcome, one row per source with every total it gives, side by side. A total is a claim that is part of no other claim; a category other than unknown, a status other than reported and the claimant are written beside its figure.
-- param: event [events]: Only this event, by key (optional)
-- The claims to read: those of the event :event names (none if it names none), or, when it is
-- unset (NULL, or the empty text a Datasette form sends), every claim in the order stored. Only
-- the branch whose condition holds reads anything, so the file runs as written in any SQLite tool
-- and a set filter searches the claims' event index.
WITH chosen (id) AS (
    SELECT casualties.id
    FROM events CROSS JOIN casualties ON casualties.event_id = events.id
    WHERE events.key = nullif(:event, '')
    UNION ALL
    SELECT id FROM casualties WHERE nullif(:event, '') IS NULL AND id > 0
),
totals AS MATERIALIZED (
    SELECT
        casualties.event_id,
        casualties.outcome,
        casualties.source_id,
        casualties.scope,
        casualties.side_id,
        casualties.category,
        casualties.key,
        -- One side's losses by the side's name; the other scopes by what they are.
        coalesce(side.name, lower(scopes.label)) || ': '
            || CASE
                WHEN casualties.count_best IS NOT NULL
                    AND casualties.count_low IS NULL AND casualties.count_high IS NULL
                    THEN casualties.count_best
                WHEN casualties.count_best IS NOT NULL
                    THEN casualties.count_best || ' (' || coalesce(casualties.count_low, '') || '–'
                        || coalesce(casualties.count_high, '') || ')'
                WHEN casualties.count_low IS NOT NULL AND casualties.count_high IS NOT NULL
                    THEN casualties.count_low || '–' || casualties.count_high
                WHEN casualties.count_low IS NOT NULL THEN 'at least ' || casualties.count_low
                ELSE 'at most ' || casualties.count_high
            END
            || CASE WHEN casualties.category = 'unknown' THEN '' ELSE ' ' || casualties.category END
            || CASE WHEN casualties.status = 'reported' THEN '' ELSE ' (' || casualties.status || ')' END
            || coalesce(' (claimed by ' || claimant.name || ')', '') AS total,
        side.name AS side_name
    FROM chosen
    CROSS JOIN casualties ON casualties.id = chosen.id
    JOIN casualty_scopes AS scopes ON scopes.code = casualties.scope
    LEFT JOIN actors AS side ON side.id = casualties.side_id
    LEFT JOIN actors AS claimant ON claimant.id = casualties.claimed_by_id
    -- The unary + keeps this test off the part_of index, which would read nearly every claim.
    WHERE +casualties.part_of_id IS NULL
),
-- An event and outcome for which more than one source gives totals, at more than one scope:
-- figures no comparison can set against each other. (Two sides' own losses are two claims
-- about different losses, which casualty-claims lists.)
mixed AS (
    SELECT event_id, outcome
    FROM totals
    GROUP BY event_id, outcome
    HAVING count(DISTINCT source_id) > 1 AND count(DISTINCT scope) > 1
)
-- group_concat takes the totals in the order the subquery gives them: by side, then scope.
SELECT
    events.start_date AS event_start,
    events.title AS event,
    ordered.outcome,
    sources.title AS source,
    count(*) AS claims,
    group_concat(ordered.total, '; ') AS totals
FROM (
    SELECT totals.*
    FROM mixed
    JOIN totals ON totals.event_id = mixed.event_id AND totals.outcome = mixed.outcome
    ORDER BY totals.side_name IS NULL, totals.side_name, totals.scope, totals.category, totals.key
) AS ordered
JOIN events ON events.id = ordered.event_id
JOIN sources ON sources.id = ordered.source_id
GROUP BY ordered.event_id, ordered.outcome, ordered.source_id
ORDER BY events.start_date, events.title, ordered.outcome, sources.title;
