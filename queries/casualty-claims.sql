-- title: Casualty claims side by side
-- description: Every casualty and damage figure, per event and side, with who claimed it and which source reports it. Figures that disagree stand side by side; none is averaged or preferred. The scope says whose losses a figure counts (one_side: the side named; all_sides: all sides combined; not_stated: the text does not say), the status whether it is reported, an estimate, or planned, and part_of the key of the claim whose figure includes it (four officers among seventeen soldiers).
-- param: event [events]: Only claims about this event, by key (optional)
-- param: side [actors]: Only claims about this side's losses: key, name or alias (optional)
-- A parameter left unset (NULL, or the empty text a Datasette form sends) filters nothing, so the
-- file runs as written in any SQLite tool. The claims are found by one of three branches, of
-- which only the first whose parameter is set reads anything: by the event's index, by the
-- side's, or, with neither set, every claim in the order stored.
WITH chosen (id) AS (
    SELECT casualties.id
    FROM events CROSS JOIN casualties ON casualties.event_id = events.id
    WHERE events.key = nullif(:event, '')
    UNION ALL
    SELECT casualties.id
    FROM actors CROSS JOIN casualties ON casualties.side_id = actors.id
    WHERE nullif(:event, '') IS NULL AND actors.key = nullif(:side, '')
    UNION ALL
    SELECT id FROM casualties
    WHERE nullif(:event, '') IS NULL AND nullif(:side, '') IS NULL AND id > 0
)
SELECT
    events.start_date AS event_start,
    events.title AS event,
    casualties.scope,
    side.name AS side,
    casualties.category,
    casualties.outcome,
    casualties.status,
    casualties.count_low,
    casualties.count_best,
    casualties.count_high,
    part_of.key AS part_of,
    claimant.name AS claimed_by,
    sources.title AS source,
    casualties.as_of,
    casualties.quote,
    casualties.key
FROM chosen
CROSS JOIN casualties ON casualties.id = chosen.id
JOIN events ON events.id = casualties.event_id
LEFT JOIN actors AS side ON side.id = casualties.side_id
LEFT JOIN casualties AS part_of ON part_of.id = casualties.part_of_id
LEFT JOIN actors AS claimant ON claimant.id = casualties.claimed_by_id
JOIN sources ON sources.id = casualties.source_id
WHERE (nullif(:side, '') IS NULL OR side.key = nullif(:side, ''))
ORDER BY events.start_date, events.title, side.name IS NULL, side.name, casualties.scope,
    casualties.category, casualties.outcome, casualties.status,
    coalesce(casualties.count_best, casualties.count_low, casualties.count_high), casualties.key;
