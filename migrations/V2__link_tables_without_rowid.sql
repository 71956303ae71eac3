-- conflictdb schema, version 2: each link table is keyed by its own columns.
--
-- A link row (an actor's alias, an event's place, actor, or source passage) is identified by all
-- its columns. Version 1 kept such rows in a rowid table plus a unique index over the same
-- columns, which stored every row twice (the event_sources passages too) and cost a sort of the
-- whole table to build. Here the table is a WITHOUT ROWID table whose primary key is those
-- columns: one copy, and a load of rows grouped by event appends to it in order. SQLite has
-- read WITHOUT ROWID tables since 3.8.2 (2013).
--
-- SQLite cannot change a table's kind in place, so each table is rebuilt under a new name, its
-- rows copied, and the old one replaced; the views that read these tables (and v_statements,
-- which reads v_actors) are dropped first and created again unchanged.

DROP VIEW v_statements;
DROP VIEW v_actors;
DROP VIEW v_events;
DROP VIEW v_event_actors;
DROP VIEW v_event_sources;

CREATE TABLE actor_aliases_v2 (
    actor_id INTEGER NOT NULL REFERENCES actors (id),
    alias TEXT NOT NULL CHECK (length(alias) > 0),
    PRIMARY KEY (actor_id, alias)
) WITHOUT ROWID;
INSERT INTO actor_aliases_v2 (actor_id, alias) SELECT actor_id, alias FROM actor_aliases;
DROP TABLE actor_aliases;
ALTER TABLE actor_aliases_v2 RENAME TO actor_aliases;
CREATE INDEX actor_aliases_alias ON actor_aliases (alias);

CREATE TABLE place_aliases_v2 (
    place_id INTEGER NOT NULL REFERENCES places (id),
    alias TEXT NOT NULL CHECK (length(alias) > 0),
    PRIMARY KEY (place_id, alias)
) WITHOUT ROWID;
INSERT INTO place_aliases_v2 (place_id, alias) SELECT place_id, alias FROM place_aliases;
DROP TABLE place_aliases;
ALTER TABLE place_aliases_v2 RENAME TO place_aliases;
CREATE INDEX place_aliases_alias ON place_aliases (alias);

CREATE TABLE event_places_v2 (
    event_id INTEGER NOT NULL REFERENCES events (id),
    place_id INTEGER NOT NULL REFERENCES places (id),
    PRIMARY KEY (event_id, place_id)
) WITHOUT ROWID;
INSERT INTO event_places_v2 (event_id, place_id) SELECT event_id, place_id FROM event_places;
DROP TABLE event_places;
ALTER TABLE event_places_v2 RENAME TO event_places;

CREATE TABLE event_actors_v2 (
    event_id INTEGER NOT NULL REFERENCES events (id),
    actor_id INTEGER NOT NULL REFERENCES actors (id),
    role TEXT NOT NULL REFERENCES roles (code),
    PRIMARY KEY (event_id, actor_id, role)
) WITHOUT ROWID;
INSERT INTO event_actors_v2 (event_id, actor_id, role) SELECT event_id, actor_id, role FROM event_actors;
DROP TABLE event_actors;
ALTER TABLE event_actors_v2 RENAME TO event_actors;

CREATE TABLE event_sources_v2 (
    event_id INTEGER NOT NULL REFERENCES events (id),
    source_id INTEGER NOT NULL REFERENCES sources (id),
    -- A verbatim passage of the source that supports the event: one row per passage ('' where
    -- the data gives none).
    quote TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (event_id, source_id, quote)
) WITHOUT ROWID;
INSERT INTO event_sources_v2 (event_id, source_id, quote) SELECT event_id, source_id, quote FROM event_sources;
DROP TABLE event_sources;
ALTER TABLE event_sources_v2 RENAME TO event_sources;

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
LEFT JOIN v_actor_roots AS roots ON roots.actor_id = actors.id
LEFT JOIN actors AS root ON root.id = roots.root_id;

CREATE VIEW v_events AS
SELECT
    events.key,
    events.title,
    events.kind,
    events.start_date,
    events.end_date,
    events.date_precision,
    places.name AS place,
    parent.title AS parent,
    events.summary,
    (SELECT count(DISTINCT source_id) FROM event_sources WHERE event_sources.event_id = events.id) AS source_count,
    events.notes
FROM events
LEFT JOIN places ON places.id = events.place_id
LEFT JOIN events AS parent ON parent.id = events.parent_id;

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

CREATE VIEW v_event_actors AS
SELECT events.key AS event_key, events.title AS event, actors.name AS actor, event_actors.role
FROM event_actors
JOIN events ON events.id = event_actors.event_id
JOIN actors ON actors.id = event_actors.actor_id;

CREATE VIEW v_event_sources AS
SELECT events.key AS event_key, events.title AS event, sources.title AS source, event_sources.quote
FROM event_sources
JOIN events ON events.id = event_sources.event_id
JOIN sources ON sources.id = event_sources.source_id;
