-- title: Contested casualty figures
-- description: Events where claims about the same losses disagree: the lowest and the highest figure given, and who claimed each (with the source that reports the claim). Claims are compared only with claims of the same event, scope (one side, all sides combined, or side not stated), side, category, outcome and status (a planned figure is never set against a reported one), and never with a claim they are part of or that is part of them: four officers among seventeen soldiers is no dispute. A figure that is part of a larger one is compared with figures that are parts too (the compared column says which). Records of one event in two datasets, linked as the same event (an event link of kind same_event, such as an imported UCDP event and a built-in one), are one event here: the event column names each record.
-- param: event [events]: Only this event, by key, with the events linked to it as the same event (optional)
-- Pairs of events linked as the same event, both ways round, and every event each is the same
-- as through any chain of such links (UNION ends the walk).
WITH RECURSIVE pairs (event_id, other_id) AS (
    SELECT event_id, related_id FROM event_links WHERE kind = 'same_event'
    UNION ALL
    SELECT related_id, event_id FROM event_links WHERE kind = 'same_event'
),
same_as (event_id, other_id) AS (
    SELECT event_id, other_id FROM pairs
    UNION
    SELECT same_as.event_id, pairs.other_id
    FROM same_as
    JOIN pairs ON pairs.event_id = same_as.other_id
),
-- Each event that is the same as others, with the first of them (by id): the one the claims of
-- all of them are compared under.
grouped (event_id, group_id) AS MATERIALIZED (
    SELECT event_id, min(event_id, min(other_id)) FROM same_as GROUP BY event_id
),
-- The claims to read: those of the event :event names and of the events it is the same as
-- (none if it names none), or, when it is unset (NULL, or the empty text a Datasette form
-- sends), every claim in the order stored. Only the branches whose condition holds read
-- anything, so the file runs as written in any SQLite tool and a set filter searches the
-- claims' event index.
chosen (id) AS (
    SELECT casualties.id
    FROM events CROSS JOIN casualties ON casualties.event_id = events.id
    WHERE events.key = nullif(:event, '')
    UNION ALL
    SELECT casualties.id
    FROM events
    CROSS JOIN same_as ON same_as.event_id = events.id
    CROSS JOIN casualties ON casualties.event_id = same_as.other_id
    WHERE events.key = nullif(:event, '') AND same_as.other_id <> events.id
    UNION ALL
    SELECT id FROM casualties WHERE nullif(:event, '') IS NULL AND id > 0
),
claims AS MATERIALIZED (
    SELECT
        casualties.id,
        casualties.event_id,
        coalesce(grouped.group_id, casualties.event_id) AS group_id,
        casualties.scope,
        casualties.side_id,
        casualties.category,
        casualties.outcome,
        casualties.status,
        casualties.part_of_id,
        coalesce(casualties.count_low, casualties.count_best, casualties.count_high) AS low_figure,
        coalesce(casualties.count_high, casualties.count_best, casualties.count_low) AS high_figure,
        coalesce(casualties.count_low, '') || '/' || coalesce(casualties.count_best, '') || '/'
            || coalesce(casualties.count_high, '') AS figures,
        coalesce(claimant.name, 'unattributed') || ' (' || sources.title || ')' AS claimant
    FROM chosen
    CROSS JOIN casualties ON casualties.id = chosen.id
    JOIN sources ON sources.id = casualties.source_id
    LEFT JOIN actors AS claimant ON claimant.id = casualties.claimed_by_id
    LEFT JOIN grouped ON grouped.event_id = casualties.event_id
),
-- Every claim each claim is part of, at any depth. UNION ends the walk even on a cycle.
wholes (claim_id, whole_id) AS (
    SELECT id, part_of_id FROM claims WHERE part_of_id IS NOT NULL
    UNION
    SELECT wholes.claim_id, casualties.part_of_id
    FROM wholes
    JOIN casualties ON casualties.id = wholes.whole_id
    WHERE casualties.part_of_id IS NOT NULL
),
-- How many claims about the same losses a claim is part of: a claim is compared only with
-- claims as deep as itself, so never with the whole it is part of, nor with a part of it.
leveled AS MATERIALIZED (
    SELECT
        claims.*,
        (SELECT count(*)
         FROM wholes
         JOIN casualties AS whole ON whole.id = wholes.whole_id
         WHERE wholes.claim_id = claims.id
           AND whole.event_id = claims.event_id
           AND whole.scope = claims.scope
           AND whole.side_id IS claims.side_id
           AND whole.category = claims.category
           AND whole.outcome = claims.outcome
           AND whole.status = claims.status) AS depth
    FROM claims
),
ranged AS (
    SELECT
        leveled.*,
        min(low_figure) OVER same AS lowest,
        max(high_figure) OVER same AS highest
    FROM leveled
    WINDOW same AS (PARTITION BY group_id, scope, side_id, category, outcome, status, depth)
)
SELECT
    events.start_date AS event_start,
    CASE WHEN ranged.group_id IN (SELECT group_id FROM grouped)
        THEN (SELECT group_concat(title, ' = ') FROM (
            SELECT same.title FROM events AS same
            WHERE same.id IN (SELECT event_id FROM grouped WHERE group_id = ranged.group_id)
            ORDER BY same.id))
        ELSE events.title
    END AS event,
    coalesce(side.name, scopes.label) AS side,
    ranged.category,
    ranged.outcome,
    count(*) AS claims,
    ranged.lowest,
    group_concat(CASE WHEN low_figure = lowest THEN claimant END, '; ') AS lowest_claimed_by,
    ranged.highest,
    group_concat(CASE WHEN high_figure = highest THEN claimant END, '; ') AS highest_claimed_by,
    ranged.status,
    CASE ranged.depth
        WHEN 0 THEN 'whole figures'
        WHEN 1 THEN 'parts of a larger figure'
        ELSE 'parts, ' || ranged.depth || ' levels down'
    END AS compared
FROM ranged
JOIN events ON events.id = ranged.group_id
JOIN casualty_scopes AS scopes ON scopes.code = ranged.scope
LEFT JOIN actors AS side ON side.id = ranged.side_id
GROUP BY ranged.group_id, ranged.scope, ranged.side_id, ranged.category, ranged.outcome,
    ranged.status, ranged.depth
HAVING count(DISTINCT figures) > 1
ORDER BY events.start_date, event, side.name IS NULL, side.name, ranged.scope,
    ranged.category, ranged.outcome, ranged.status, ranged.depth;
