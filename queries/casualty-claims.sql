-- title: Casualty claims side by side
-- description: Every casualty and damage figure, per event and side, with who claimed it and which source reports it. Figures that disagree stand side by side; none is averaged or preferred. The scope says whose losses a figure counts (one_side: the side named; all_sides: all sides combined; not_stated: the text does not say), the status whether it is reported, an estimate, or planned, and part_of the key of the claim whose figure includes it (four officers among seventeen soldiers).
-- param: event [events]: Only claims about this event, by key (optional)
-- param: side [actors]: Only claims about this side's losses: key, name or alias (optional)
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
FROM casualties
JOIN events ON events.id = casualties.event_id
LEFT JOIN actors AS side ON side.id = casualties.side_id
LEFT JOIN casualties AS part_of ON part_of.id = casualties.part_of_id
LEFT JOIN actors AS claimant ON claimant.id = casualties.claimed_by_id
JOIN sources ON sources.id = casualties.source_id
WHERE 1
  AND events.key = :event -- if: event
  AND side.key = :side -- if: side
ORDER BY events.start_date, events.title, side.name IS NULL, side.name, casualties.scope,
    casualties.category, casualties.outcome, casualties.status,
    coalesce(casualties.count_best, casualties.count_low, casualties.count_high), casualties.key;
