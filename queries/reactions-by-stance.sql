-- title: International reactions by stance
-- description: International reactions: statements whose speakers are not parties to the conflict and represent a state or an organisation (Lavrov counts for Russia) based outside the parties' states, grouped by stance, with how many statements, which states and organisations each stance has, and the sources each stance rests on (with how many of its statements each gives), so that a stance one document supplies shows as such. Media, unnamed groups, individuals speaking for themselves and bodies based in Armenia or Azerbaijan are left out, as are statements that take no stance (a monitor's factual report).
-- param: event [events]: Only statements reacting to this event or to any event part of it, by key (optional)
-- param: from [date]: Only statements made on or after this date: YYYY, YYYY-MM or YYYY-MM-DD (optional)
-- param: to [end-date]: Only statements made on or before this date (optional)
-- The event and every event part of it, at any depth (Lavrov's calls during the July 2020
-- clashes are an event of their own, part of the clashes). UNION ends the walk even on a cycle.
-- Empty when the event filter is unset. A parameter left unset (NULL, or the empty text a
-- Datasette form sends) filters nothing, so the file runs as written in any SQLite tool.
WITH RECURSIVE event_and_parts (id) AS (
    SELECT id FROM events WHERE key = nullif(:event, '')
    UNION
    SELECT events.id FROM events JOIN event_and_parts ON events.parent_id = event_and_parts.id
),
-- The statements to consider, found by one of four branches, of which only the first whose
-- parameter is set reads anything: each searches the index of its own filter, and the last one,
-- with no filter set, reads them all in the order stored.
chosen (id) AS (
    SELECT statements.id
    FROM event_and_parts CROSS JOIN statements ON statements.event_id = event_and_parts.id
    UNION ALL
    SELECT id FROM statements
    WHERE nullif(:event, '') IS NULL
      AND said_on_end >= nullif(:from, '')
    UNION ALL
    SELECT id FROM statements
    WHERE nullif(:event, '') IS NULL AND nullif(:from, '') IS NULL
      AND said_on <= nullif(:to, '')
    UNION ALL
    SELECT id FROM statements
    WHERE nullif(:event, '') IS NULL AND nullif(:from, '') IS NULL AND nullif(:to, '') IS NULL
      AND id > 0
),
-- MATERIALIZED: the statements are read once, however many stances there are.
reactions AS MATERIALIZED (
    SELECT statements.stance, statements.source_id, root.name AS represents
    FROM chosen
    CROSS JOIN statements ON statements.id = chosen.id
    JOIN actors AS speaker ON speaker.id = statements.speaker_id
    JOIN v_actor_roots AS roots ON roots.actor_id = speaker.id
    JOIN actors AS root ON root.id = roots.root_id
    WHERE speaker.is_party = 0 AND root.is_party = 0
      AND root.kind IN ('state', 'de_facto_state', 'intergovernmental_org', 'ngo')
      AND (root.country IS NULL OR root.country NOT IN (
          SELECT country FROM actors WHERE is_party = 1 AND country IS NOT NULL))
      AND statements.said_on_end >= coalesce(nullif(:from, ''), '')
      AND statements.said_on <= coalesce(nullif(:to, ''), '9999-12-31')
),
per_stance AS (
    SELECT stance, count(*) AS statements FROM reactions GROUP BY stance
),
names AS MATERIALIZED (
    SELECT DISTINCT stance, represents FROM reactions
),
-- By title: the pages of one report cited apart (Human Rights Watch's "Bloodshed in the
-- Caucasus") are one source to a reader.
per_source AS MATERIALIZED (
    SELECT reactions.stance, sources.title, count(*) AS statements
    FROM reactions
    JOIN sources ON sources.id = reactions.source_id
    GROUP BY reactions.stance, sources.title
)
SELECT
    stances.code AS stance,
    coalesce(per_stance.statements, 0) AS statements,
    (SELECT count(*) FROM names WHERE names.stance = stances.code) AS actor_count,
    coalesce((
        SELECT group_concat(represents, ', ')
        FROM (SELECT represents FROM names WHERE names.stance = stances.code ORDER BY represents)
    ), '') AS actors,
    coalesce((
        SELECT group_concat(title || ' (' || statements || ')', '; ')
        FROM (
            SELECT title, statements FROM per_source WHERE per_source.stance = stances.code
            ORDER BY statements DESC, title
        )
    ), '') AS sources
FROM stances
LEFT JOIN per_stance ON per_stance.stance = stances.code
-- A statement that takes no stance is no reaction for or against anyone.
WHERE stances.code <> 'none'
ORDER BY statements DESC, stances.code;
