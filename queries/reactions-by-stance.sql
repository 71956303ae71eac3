-- title: International reactions by stance
-- description: International reactions: statements whose speakers are not parties to the conflict and represent a state or an organisation (Lavrov counts for Russia) based outside the parties' states, grouped by stance, with how many statements and which states and organisations each stance has. Media, unnamed groups, individuals speaking for themselves and bodies based in Armenia or Azerbaijan are left out.
-- param: event [events]: Only statements reacting to this event, by key (optional)
-- param: from [date]: Only statements made on or after this date: YYYY, YYYY-MM or YYYY-MM-DD (optional)
-- param: to [end-date]: Only statements made on or before this date (optional)
-- MATERIALIZED: the statements are read once, however many stances there are.
WITH reactions AS MATERIALIZED (
    SELECT statements.stance, root.name AS represents
    FROM statements
    JOIN actors AS speaker ON speaker.id = statements.speaker_id
    JOIN v_actor_roots AS roots ON roots.actor_id = speaker.id
    JOIN actors AS root ON root.id = roots.root_id
    WHERE speaker.is_party = 0 AND root.is_party = 0
      AND root.kind IN ('state', 'de_facto_state', 'intergovernmental_org', 'ngo')
      AND (root.country IS NULL OR root.country NOT IN (
          SELECT country FROM actors WHERE is_party = 1 AND country IS NOT NULL))
      AND statements.event_id = (SELECT id FROM events WHERE key = :event) -- if: event
      AND statements.said_on_end >= :from -- if: from
      AND statements.said_on <= :to -- if: to
),
per_stance AS (
    SELECT stance, count(*) AS statements FROM reactions GROUP BY stance
),
names AS MATERIALIZED (
    SELECT DISTINCT stance, represents FROM reactions
)
SELECT
    stances.code AS stance,
    coalesce(per_stance.statements, 0) AS statements,
    (SELECT count(*) FROM names WHERE names.stance = stances.code) AS actor_count,
    coalesce((
        SELECT group_concat(represents, ', ')
        FROM (SELECT represents FROM names WHERE names.stance = stances.code ORDER BY represents)
    ), '') AS actors
FROM stances
LEFT JOIN per_stance ON per_stance.stance = stances.code
ORDER BY statements DESC, stances.code;
