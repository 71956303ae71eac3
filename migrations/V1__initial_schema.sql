-- conflictdb schema, version 1.
--
-- Plain SQLite that older readers can open: no STRICT tables (SQLite < 3.37 cannot read them);
-- CHECK (typeof(...)) guards the columns whose type matters. Every vocabulary is a lookup table
-- with a description, referenced by foreign key. Rows carry a stable text `key` (the seed CSVs
-- refer to each other by key); integer ids are internal. Unique key indexes are named (not inline
-- UNIQUE constraints) so that bulk loads can rebuild them. Every index costs a full scan of its
-- table when a fresh database is built, so columns no report filters on (statements.target_id,
-- casualties.claimed_by_id, the source_id columns, events.place_id, event_places.place_id,
-- event_actors.actor_id) have none; add one with a migration when a report needs it.

-- Vocabularies ----------------------------------------------------------------------------------

CREATE TABLE date_precisions (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL,
    ucdp_date_prec INTEGER CHECK (ucdp_date_prec IS NULL OR typeof(ucdp_date_prec) = 'integer'),
    acled_time_precision INTEGER CHECK (acled_time_precision IS NULL OR typeof(acled_time_precision) = 'integer')
);

CREATE TABLE stances (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE statement_kinds (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL,
    cameo_code TEXT
);

CREATE TABLE event_kinds (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL,
    acled_event_type TEXT,
    acled_sub_event_type TEXT
);

CREATE TABLE roles (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE actor_kinds (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE casualty_categories (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL,
    ucdp_column TEXT
);

CREATE TABLE casualty_outcomes (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE source_kinds (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE place_kinds (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE geo_precisions (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL,
    ucdp_where_prec INTEGER CHECK (ucdp_where_prec IS NULL OR typeof(ucdp_where_prec) = 'integer'),
    acled_geo_precision INTEGER CHECK (acled_geo_precision IS NULL OR typeof(acled_geo_precision) = 'integer')
);

-- Sources -----------------------------------------------------------------------------------------

CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL CHECK (typeof(key) = 'text' AND length(key) > 0),
    title TEXT NOT NULL,
    author TEXT,
    publisher TEXT,
    url TEXT,
    -- ISO 8601 at the precision known: YYYY, YYYY-MM or YYYY-MM-DD.
    published_on TEXT,
    kind TEXT NOT NULL REFERENCES source_kinds (code),
    perspective TEXT,
    -- A work cited by another source (a Wikipedia reference) names the citing source here.
    cited_in INTEGER REFERENCES sources (id),
    -- The file name of the source document the quotes were copied from, where we hold one.
    document TEXT,
    notes TEXT
);
CREATE UNIQUE INDEX sources_key ON sources (key);
CREATE INDEX sources_cited_in ON sources (cited_in);

-- Actors and places -------------------------------------------------------------------------------

CREATE TABLE actors (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL CHECK (typeof(key) = 'text' AND length(key) > 0),
    name TEXT NOT NULL,
    kind TEXT NOT NULL REFERENCES actor_kinds (code),
    -- The body the actor belongs to: a minister to a ministry, a ministry to a state.
    parent_id INTEGER REFERENCES actors (id),
    -- ISO 3166-1 alpha-3 where one applies.
    country TEXT CHECK (country IS NULL OR (length(country) = 3 AND country = upper(country))),
    -- 1 for a party to the conflict (Armenia, Azerbaijan, the Republic of Artsakh, their bodies and forces).
    is_party INTEGER NOT NULL DEFAULT 0 CHECK (is_party IN (0, 1)),
    notes TEXT,
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE UNIQUE INDEX actors_key ON actors (key);
CREATE INDEX actors_parent ON actors (parent_id);

CREATE TABLE actor_aliases (
    actor_id INTEGER NOT NULL REFERENCES actors (id),
    alias TEXT NOT NULL CHECK (length(alias) > 0)
);
-- A row's identity: seeding again updates it instead of adding it twice.
CREATE UNIQUE INDEX actor_aliases_identity ON actor_aliases (actor_id, alias);
CREATE INDEX actor_aliases_alias ON actor_aliases (alias);

CREATE TABLE places (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL CHECK (typeof(key) = 'text' AND length(key) > 0),
    name TEXT NOT NULL,
    kind TEXT NOT NULL REFERENCES place_kinds (code),
    -- ISO 3166-1 alpha-3 of the state the place is internationally recognised as part of.
    country TEXT CHECK (country IS NULL OR (length(country) = 3 AND country = upper(country))),
    admin1 TEXT,
    latitude REAL CHECK (latitude IS NULL OR (typeof(latitude) = 'real' AND latitude BETWEEN -90 AND 90)),
    longitude REAL CHECK (longitude IS NULL OR (typeof(longitude) = 'real' AND longitude BETWEEN -180 AND 180)),
    geo_precision TEXT REFERENCES geo_precisions (code),
    notes TEXT
);
CREATE UNIQUE INDEX places_key ON places (key);

CREATE TABLE place_aliases (
    place_id INTEGER NOT NULL REFERENCES places (id),
    alias TEXT NOT NULL CHECK (length(alias) > 0)
);
-- A row's identity: seeding again updates it instead of adding it twice.
CREATE UNIQUE INDEX place_aliases_identity ON place_aliases (place_id, alias);
CREATE INDEX place_aliases_alias ON place_aliases (alias);

-- Events ------------------------------------------------------------------------------------------

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL CHECK (typeof(key) = 'text' AND length(key) > 0),
    title TEXT NOT NULL,
    kind TEXT NOT NULL REFERENCES event_kinds (code),
    -- First and last day of the period the source gives (a month: its first and last day), so
    -- that range queries work on every row whatever its precision.
    start_date TEXT NOT NULL CHECK (start_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    end_date TEXT NOT NULL CHECK (end_date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    date_precision TEXT NOT NULL REFERENCES date_precisions (code),
    place_id INTEGER REFERENCES places (id),
    -- The larger event this one is part of (the strike on Ganja belongs to the 2020 war).
    parent_id INTEGER REFERENCES events (id),
    summary TEXT NOT NULL,
    notes TEXT,
    CHECK (end_date >= start_date),
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE UNIQUE INDEX events_key ON events (key);
CREATE INDEX events_start_date ON events (start_date);
CREATE INDEX events_end_date ON events (end_date);
CREATE INDEX events_kind_start_date ON events (kind, start_date);
CREATE INDEX events_parent ON events (parent_id);

CREATE TABLE event_places (
    event_id INTEGER NOT NULL REFERENCES events (id),
    place_id INTEGER NOT NULL REFERENCES places (id)
);
-- A row's identity: seeding again updates it instead of adding it twice.
CREATE UNIQUE INDEX event_places_identity ON event_places (event_id, place_id);

CREATE TABLE event_actors (
    event_id INTEGER NOT NULL REFERENCES events (id),
    actor_id INTEGER NOT NULL REFERENCES actors (id),
    role TEXT NOT NULL REFERENCES roles (code)
);
-- A row's identity: seeding again updates it instead of adding it twice.
CREATE UNIQUE INDEX event_actors_identity ON event_actors (event_id, actor_id, role);

CREATE TABLE event_sources (
    event_id INTEGER NOT NULL REFERENCES events (id),
    source_id INTEGER NOT NULL REFERENCES sources (id),
    -- A verbatim passage of the source that supports the event: one row per passage ('' where
    -- the data gives none).
    quote TEXT NOT NULL DEFAULT ''
);
-- A row's identity: seeding again updates it instead of adding it twice.
CREATE UNIQUE INDEX event_sources_identity ON event_sources (event_id, source_id, quote);

-- Claims ------------------------------------------------------------------------------------------

CREATE TABLE statements (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL CHECK (typeof(key) = 'text' AND length(key) > 0),
    speaker_id INTEGER NOT NULL REFERENCES actors (id),
    said_on TEXT NOT NULL CHECK (said_on GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    said_on_end TEXT NOT NULL CHECK (said_on_end GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
    said_on_precision TEXT NOT NULL REFERENCES date_precisions (code),
    -- The event the statement reacts to, if any.
    event_id INTEGER REFERENCES events (id),
    kind TEXT NOT NULL REFERENCES statement_kinds (code),
    stance TEXT NOT NULL REFERENCES stances (code),
    target_id INTEGER REFERENCES actors (id),
    summary TEXT NOT NULL,
    quote TEXT,
    source_id INTEGER NOT NULL REFERENCES sources (id),
    notes TEXT,
    CHECK (said_on_end >= said_on)
);
CREATE UNIQUE INDEX statements_key ON statements (key);
CREATE INDEX statements_speaker ON statements (speaker_id);
CREATE INDEX statements_event ON statements (event_id);
CREATE INDEX statements_said_on ON statements (said_on);
CREATE INDEX statements_said_on_end ON statements (said_on_end);

-- A casualty figure is a claim: who claimed it, which source reports it, low/best/high as given.
CREATE TABLE casualties (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL CHECK (typeof(key) = 'text' AND length(key) > 0),
    event_id INTEGER NOT NULL REFERENCES events (id),
    -- Whose losses.
    side_id INTEGER NOT NULL REFERENCES actors (id),
    category TEXT NOT NULL REFERENCES casualty_categories (code),
    outcome TEXT NOT NULL REFERENCES casualty_outcomes (code),
    count_low INTEGER CHECK (count_low IS NULL OR (typeof(count_low) = 'integer' AND count_low >= 0)),
    count_best INTEGER CHECK (count_best IS NULL OR (typeof(count_best) = 'integer' AND count_best >= 0)),
    count_high INTEGER CHECK (count_high IS NULL OR (typeof(count_high) = 'integer' AND count_high >= 0)),
    claimed_by_id INTEGER REFERENCES actors (id),
    source_id INTEGER NOT NULL REFERENCES sources (id),
    quote TEXT,
    -- ISO 8601 at the precision known.
    as_of TEXT,
    notes TEXT,
    CHECK (count_low IS NOT NULL OR count_best IS NOT NULL OR count_high IS NOT NULL),
    CHECK (count_low IS NULL OR count_best IS NULL OR count_low <= count_best),
    CHECK (count_best IS NULL OR count_high IS NULL OR count_best <= count_high),
    CHECK (count_low IS NULL OR count_high IS NULL OR count_low <= count_high)
);
CREATE UNIQUE INDEX casualties_key ON casualties (key);
CREATE INDEX casualties_event ON casualties (event_id);
CREATE INDEX casualties_side ON casualties (side_id);

-- Views: the stable public interface, with display names instead of ids -------------------------

-- Each actor with the top of its parent chain (Lavrov -> Russia): the state or organisation it
-- represents. Depth is capped so that a cycle, which `conflictdb check` reports, cannot make the
-- view run forever; an actor caught in one has no row here.
CREATE VIEW v_actor_roots AS
WITH RECURSIVE chain (actor_id, ancestor_id, depth) AS (
    SELECT id, id, 0 FROM actors
    UNION ALL
    SELECT chain.actor_id, actors.parent_id, chain.depth + 1
    FROM chain JOIN actors ON actors.id = chain.ancestor_id
    WHERE actors.parent_id IS NOT NULL AND chain.depth < 32
)
SELECT chain.actor_id, chain.ancestor_id AS root_id
FROM chain JOIN actors AS ancestor ON ancestor.id = chain.ancestor_id
WHERE ancestor.parent_id IS NULL;

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

CREATE VIEW v_casualties AS
SELECT
    casualties.key,
    events.title AS event,
    events.start_date AS event_start,
    side.name AS side,
    casualties.category,
    casualties.outcome,
    casualties.count_low,
    casualties.count_best,
    casualties.count_high,
    claimant.name AS claimed_by,
    sources.title AS source,
    casualties.quote,
    casualties.as_of,
    casualties.notes
FROM casualties
JOIN events ON events.id = casualties.event_id
JOIN actors AS side ON side.id = casualties.side_id
LEFT JOIN actors AS claimant ON claimant.id = casualties.claimed_by_id
JOIN sources ON sources.id = casualties.source_id;

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
