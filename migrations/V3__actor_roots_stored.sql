-- conflictdb schema, version 3: each actor stores the top of its parent chain.
--
-- Versions 1 and 2 found an actor's root (the state or organisation it represents: Lavrov ->
-- Russia) with a recursive view capped at 32 levels, so that a cycle could not make it run
-- forever: an actor deeper than that lost its root, and with it its place in the reports that
-- group statements by whom the speaker represents. Here the loader keeps the root in
-- actors.root_id, recomputed after every seed in time linear in the actors, at any depth;
-- `conflictdb check` reports a stored root that no longer matches the chain. root_id is the
-- actor itself for a top-level actor, and NULL for an actor whose chain runs into a cycle.
--
-- The views that read the roots (v_actor_roots, v_actors, and v_statements, which reads v_actors)
-- are dropped first and created again over the column; their columns are unchanged.

DROP VIEW v_statements;
DROP VIEW v_actors;
DROP VIEW v_actor_roots;

ALTER TABLE actors ADD COLUMN root_id INTEGER REFERENCES actors (id);

-- Down from the top-level actors: each actor has one parent, so each is reached at most once, and
-- one on a cycle (or under one) is never reached and keeps NULL.
WITH RECURSIVE descent (id, root_id) AS (
    SELECT id, id FROM actors WHERE parent_id IS NULL
    UNION ALL
    SELECT actors.id, descent.root_id FROM descent JOIN actors ON actors.parent_id = descent.id
)
UPDATE actors SET root_id = descent.root_id FROM descent WHERE descent.id = actors.id;

-- Each actor with the top of its parent chain: the state or organisation it represents. An actor
-- caught in a cycle, which `conflictdb check` reports, has no row here.
CREATE VIEW v_actor_roots AS
SELECT id AS actor_id, root_id FROM actors WHERE root_id IS NOT NULL;

CREATE VIEW v_actors AS
SELECT
    actors.id,
    actors.key,
    actors.name,
    actors.kind,
    parent.name AS parent,
    root.name AS represents,
    actors.country,
    actors.is_party,
    (SELECT group_concat(alias, '; ') FROM actor_aliases WHERE actor_aliases.actor_id = actors.id) AS aliases,
    actors.notes
FROM actors
LEFT JOIN actors AS parent ON parent.id = actors.parent_id
LEFT JOIN actors AS root ON root.id = actors.root_id;

CREATE VIEW v_statements AS
SELECT
    statements.key,
    statements.said_on,
    speaker.name AS speaker,
    speaker_actor.represents,
    statements.stance,
    statements.kind,
    target.name AS target,
    events.title AS event,
    statements.summary,
    statements.quote,
    sources.title AS source,
    statements.said_on_precision,
    speaker_actor.is_party AS speaker_is_party,
    statements.notes
FROM statements
JOIN actors AS speaker ON speaker.id = statements.speaker_id
JOIN v_actors AS speaker_actor ON speaker_actor.id = statements.speaker_id
LEFT JOIN actors AS target ON target.id = statements.target_id
LEFT JOIN events ON events.id = statements.event_id
JOIN sources ON sources.id = statements.source_id;
