-- conflictdb schema, version 4: claims, not verdicts, in the model itself.
--
-- - Sides carry no verdict. The roles side_a ("the side the source reports as attacking first")
--   and side_b become one role, `side`, whose order means nothing. Who started a fight or carried
--   out a contested act is an allegation (`allegations`): who is alleged, by whom, reported by
--   which source. A denial is a statement.
-- - A casualty claim says whose losses by its `scope` (one side, all sides combined, or a side
--   the text does not state), not through a pseudo-actor: `side_id` is set only for one side.
--   The built-in data's `both-sides` actor ("both sides combined") goes; its claims become
--   `all_sides`. A claim can be `part_of` another (four officers among seventeen soldiers), and
--   a figure has a `status`: reported, estimate, or planned (an agreement to relocate people is
--   not a count of people displaced).
-- - A statement can take no stance (`none`): a monitor's factual report, an observer's remark.
-- - Events and statements say how their date is known (`date_basis`): stated in the text, or
--   inferred from its context. Rows loaded before this version have no basis recorded (NULL)
--   until they are seeded again.
-- - Relations between events other than "part of" (`parent_id`) are typed links with a source:
--   in response to, a consequence of, violates.
--
-- SQLite cannot make casualties.side_id nullable in place, so the table is rebuilt (same ids).
-- The views keep their columns in their order; the new ones come last.

CREATE TABLE casualty_scopes (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL
);
-- A vocabulary's rows come from its seed file; a migration adds only those that rows already
-- stored need (a fresh load expects empty tables).
INSERT INTO casualty_scopes (code, label, description)
SELECT * FROM (VALUES
    ('one_side', 'One side', 'The losses of one side, the actor named in side.'),
    ('all_sides', 'All sides combined', 'The losses of all sides together, not split by side.'))
WHERE EXISTS (SELECT 1 FROM casualties);

CREATE TABLE figure_statuses (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL
);
INSERT INTO figure_statuses (code, label, description)
SELECT 'reported', 'Reported', 'A figure given as what happened.'
WHERE EXISTS (SELECT 1 FROM casualties);

CREATE TABLE date_bases (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE allegation_kinds (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE event_link_kinds (
    code TEXT NOT NULL PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL
);

-- One role for every side of a fight.
INSERT OR IGNORE INTO roles (code, label, description)
SELECT 'side', 'Side', 'One side of a fight. The order of sides means nothing; who started a fight is an allegation.'
WHERE EXISTS (SELECT 1 FROM event_actors WHERE role IN ('side_a', 'side_b'));
UPDATE OR IGNORE event_actors SET role = 'side' WHERE role IN ('side_a', 'side_b');
DELETE FROM event_actors WHERE role IN ('side_a', 'side_b');
DELETE FROM roles WHERE code IN ('side_a', 'side_b');

ALTER TABLE events ADD COLUMN date_basis TEXT REFERENCES date_bases (code);
ALTER TABLE statements ADD COLUMN date_basis TEXT REFERENCES date_bases (code);

DROP VIEW v_casualties;
DROP VIEW v_statements;
DROP VIEW v_events;

CREATE TABLE casualties_v4 (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL CHECK (typeof(key) = 'text' AND length(key) > 0),
    event_id INTEGER NOT NULL REFERENCES events (id),
    -- Whose losses: one side (side_id), all sides combined, or not stated.
    scope TEXT NOT NULL REFERENCES casualty_scopes (code),
    side_id INTEGER REFERENCES actors (id),
    category TEXT NOT NULL REFERENCES casualty_categories (code),
    outcome TEXT NOT NULL REFERENCES casualty_outcomes (code),
    status TEXT NOT NULL DEFAULT 'reported' REFERENCES figure_statuses (code),
    count_low INTEGER CHECK (count_low IS NULL OR (typeof(count_low) = 'integer' AND count_low >= 0)),
    count_best INTEGER CHECK (count_best IS NULL OR (typeof(count_best) = 'integer' AND count_best >= 0)),
    count_high INTEGER CHECK (count_high IS NULL OR (typeof(count_high) = 'integer' AND count_high >= 0)),
    -- The claim whose figures include these (four officers among seventeen soldiers).
    part_of_id INTEGER REFERENCES casualties (id),
    claimed_by_id INTEGER REFERENCES actors (id),
    source_id INTEGER NOT NULL REFERENCES sources (id),
    quote TEXT,
    -- ISO 8601 at the precision known.
    as_of TEXT,
    notes TEXT,
    CHECK ((scope = 'one_side') = (side_id IS NOT NULL)),
    CHECK (part_of_id IS NULL OR part_of_id <> id),
    CHECK (count_low IS NOT NULL OR count_best IS NOT NULL OR count_high IS NOT NULL),
    CHECK (count_low IS NULL OR count_best IS NULL OR count_low <= count_best),
    CHECK (count_best IS NULL OR count_high IS NULL OR count_best <= count_high),
    CHECK (count_low IS NULL OR count_high IS NULL OR count_low <= count_high)
);

-- The built-in data's pseudo-actor `both-sides` meant "both sides combined".
INSERT INTO casualties_v4 (
    id, key, event_id, scope, side_id, category, outcome, status, count_low, count_best,
    count_high, claimed_by_id, source_id, quote, as_of, notes
)
SELECT
    casualties.id, casualties.key, casualties.event_id,
    CASE WHEN side.key = 'both-sides' THEN 'all_sides' ELSE 'one_side' END,
    CASE WHEN side.key = 'both-sides' THEN NULL ELSE casualties.side_id END,
    casualties.category, casualties.outcome, 'reported', casualties.count_low,
    casualties.count_best, casualties.count_high, casualties.claimed_by_id, casualties.source_id,
    casualties.quote, casualties.as_of, casualties.notes
FROM casualties
JOIN actors AS side ON side.id = casualties.side_id;

DROP TABLE casualties;
ALTER TABLE casualties_v4 RENAME TO casualties;
CREATE UNIQUE INDEX casualties_key ON casualties (key);
CREATE INDEX casualties_event ON casualties (event_id);
CREATE INDEX casualties_side ON casualties (side_id);
CREATE INDEX casualties_part_of ON casualties (part_of_id);

-- The pseudo-actor goes where nothing else names it.
DELETE FROM actor_aliases
WHERE actor_id IN (SELECT id FROM actors WHERE key = 'both-sides');
DELETE FROM actors
WHERE key = 'both-sides'
  AND NOT EXISTS (SELECT 1 FROM event_actors WHERE actor_id = actors.id)
  AND NOT EXISTS (SELECT 1 FROM statements WHERE speaker_id = actors.id OR target_id = actors.id)
  AND NOT EXISTS (SELECT 1 FROM casualties WHERE side_id = actors.id OR claimed_by_id = actors.id)
  AND NOT EXISTS (SELECT 1 FROM actors AS child WHERE child.parent_id = actors.id);

-- Who is alleged to have started a fight or carried out an act, by whom, and where reported.
CREATE TABLE allegations (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL CHECK (typeof(key) = 'text' AND length(key) > 0),
    event_id INTEGER NOT NULL REFERENCES events (id),
    -- Who is alleged to have done it.
    actor_id INTEGER NOT NULL REFERENCES actors (id),
    kind TEXT NOT NULL REFERENCES allegation_kinds (code),
    -- Who alleges it: for a document's own voice, its authors.
    alleged_by_id INTEGER NOT NULL REFERENCES actors (id),
    source_id INTEGER NOT NULL REFERENCES sources (id),
    quote TEXT,
    notes TEXT
);
CREATE UNIQUE INDEX allegations_key ON allegations (key);
CREATE INDEX allegations_event ON allegations (event_id);
CREATE INDEX allegations_actor ON allegations (actor_id);

-- A relation between two events other than "part of", as a source reports it.
CREATE TABLE event_links (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL CHECK (typeof(key) = 'text' AND length(key) > 0),
    event_id INTEGER NOT NULL REFERENCES events (id),
    kind TEXT NOT NULL REFERENCES event_link_kinds (code),
    related_id INTEGER NOT NULL REFERENCES events (id),
    source_id INTEGER NOT NULL REFERENCES sources (id),
    quote TEXT,
    notes TEXT,
    CHECK (related_id <> event_id)
);
CREATE UNIQUE INDEX event_links_key ON event_links (key);
CREATE INDEX event_links_event ON event_links (event_id);
CREATE INDEX event_links_related ON event_links (related_id);

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
    events.notes,
    events.date_basis
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
    statements.notes,
    statements.said_on_end,
    statements.date_basis
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
    casualties.notes,
    casualties.scope,
    casualties.status,
    part_of.key AS part_of
FROM casualties
JOIN events ON events.id = casualties.event_id
LEFT JOIN actors AS side ON side.id = casualties.side_id
LEFT JOIN casualties AS part_of ON part_of.id = casualties.part_of_id
LEFT JOIN actors AS claimant ON claimant.id = casualties.claimed_by_id
JOIN sources ON sources.id = casualties.source_id;

CREATE VIEW v_allegations AS
SELECT
    allegations.key,
    events.key AS event_key,
    events.title AS event,
    allegations.kind,
    actor.name AS alleged_actor,
    alleged_by.name AS alleged_by,
    sources.title AS source,
    allegations.quote,
    allegations.notes
FROM allegations
JOIN events ON events.id = allegations.event_id
JOIN actors AS actor ON actor.id = allegations.actor_id
JOIN actors AS alleged_by ON alleged_by.id = allegations.alleged_by_id
JOIN sources ON sources.id = allegations.source_id;

CREATE VIEW v_event_links AS
SELECT
    event_links.key,
    events.key AS event_key,
    events.title AS event,
    event_links.kind,
    related.key AS related_key,
    related.title AS related_event,
    sources.title AS source,
    event_links.quote,
    event_links.notes
FROM event_links
JOIN events ON events.id = event_links.event_id
JOIN events AS related ON related.id = event_links.related_id
JOIN sources ON sources.id = event_links.source_id;
