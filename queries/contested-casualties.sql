-- title: Contested casualty figures
-- description: Events where claims about the same side, category and outcome disagree: the lowest and the highest figure given, and who claimed each (with the source that reports the claim).
-- param: event [events]: Only this event, by key (optional)
WITH claims AS (
    SELECT
        casualties.event_id,
        casualties.side_id,
        casualties.category,
        casualties.outcome,
        coalesce(casualties.count_low, casualties.count_best, casualties.count_high) AS low_figure,
        coalesce(casualties.count_high, casualties.count_best, casualties.count_low) AS high_figure,
        coalesce(casualties.count_low, '') || '/' || coalesce(casualties.count_best, '') || '/'
            || coalesce(casualties.count_high, '') AS figures,
        coalesce(claimant.name, 'unattributed') || ' (' || sources.title || ')' AS claimant
    FROM casualties
    JOIN sources ON sources.id = casualties.source_id
    LEFT JOIN actors AS claimant ON claimant.id = casualties.claimed_by_id
    WHERE casualties.event_id = (SELECT id FROM events WHERE key = :event) -- if: event
),
ranged AS (
    SELECT
        claims.*,
        min(low_figure) OVER same AS lowest,
        max(high_figure) OVER same AS highest
    FROM claims
    WINDOW same AS (PARTITION BY event_id, side_id, category, outcome)
)
SELECT
    events.start_date AS event_start,
    events.title AS event,
    side.name AS side,
    ranged.category,
    ranged.outcome,
    count(*) AS claims,
    ranged.lowest,
    group_concat(CASE WHEN low_figure = lowest THEN claimant END, '; ') AS lowest_claimed_by,
    ranged.highest,
    group_concat(CASE WHEN high_figure = highest THEN claimant END, '; ') AS highest_claimed_by
FROM ranged
JOIN events ON events.id = ranged.event_id
JOIN actors AS side ON side.id = ranged.side_id
GROUP BY ranged.event_id, ranged.side_id, ranged.category, ranged.outcome
HAVING count(DISTINCT figures) > 1
ORDER BY events.start_date, events.title, side.name, ranged.category, ranged.outcome;
