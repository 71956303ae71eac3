-- title: Casualty claims side by side
-- description: Every casualty and damage figure, per event and side, with who claimed it and which source reports it. Figures that disagree stand side by side; none is averaged or preferred.
-- param: event [events]: Only claims about this event, by key (optional)
-- param: side [actors]: Only claims about this side's losses: key, name or alias (optional)
SELECT
    events.start_date AS event_start,
    events.title AS event,
    side.name AS side,
    casualties.category,
    casualties.outcome,
    casualties.count_low,
    casualties.count_best,
    casualties.count_high,
    claimant.name AS claimed_by,
    sources.title AS source,
    casualties.as_of,
    casualties.quote
FROM casualties
JOIN events ON events.id = casualties.event_id
JOIN actors AS side ON side.id = casualties.side_id
LEFT JOIN actors AS claimant ON claimant.id = casualties.claimed_by_id
JOIN sources ON sources.id = casualties.source_id
WHERE 1
  AND events.key = :event -- if: event
  AND side.key = :side -- if: side
ORDER BY events.start_date, events.title, side.name, casualties.category, casualties.outcome,
    coalesce(casualties.count_best, casualties.count_low, casualties.count_high), casualties.key;
