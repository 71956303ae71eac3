-- conflictdb schema, version 9: other datasets' figures load as published, and the event-kind
-- vocabulary carries UCDP's and CAMEO's codes.
--
-- - A published dataset's figures are claims as published: UCDP GED gives low, best and high
--   with `low <= best <= high` broken in about 1% of its rows. Refusing such a row, or changing
--   a figure so that it fits, would alter published data; the rule moves from the table to
--   `conflictdb check`, which lists every claim whose figures are out of order. The loader still
--   refuses such figures in a seed file, where they are a typing slip, and lets an import's
--   through (src/seed/convert.rs). SQLite cannot drop a CHECK in place, so the table is rebuilt
--   with the same columns in the same order and the same ids, and V8's fatality log trigger and
--   view on it made again as they were.
-- - event_kinds map to UCDP GED's type_of_violence and to CAMEO event codes, as statement_kinds
--   already map to CAMEO and date_precisions and geo_precisions to UCDP.
-- - An imported statement keeps what its file's columns hold that the model has no place for
--   (GDELT's GoldsteinScale, AvgTone, mention counts for a verbal event), as an event does in
--   event_attributes (V8).

ALTER TABLE event_kinds ADD COLUMN ucdp_type_of_violence INTEGER;
ALTER TABLE event_kinds ADD COLUMN cameo_code TEXT;

DROP VIEW v_casualties;
-- Views and triggers on the table go with it and come back the same (V8's).
DROP VIEW v_casualty_changes;

CREATE TABLE casualties_v9 (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL CHECK (typeof(key) = 'text' AND length(key) > 0),
    event_id INTEGER NOT NULL REFERENCES events (id),
    -- Whose losses: one side (side_id), all sides combined, or not stated.
    scope TEXT NOT NULL REFERENCES casualty_scopes (code),
    side_id INTEGER REFERENCES actors (id),
    category TEXT NOT NULL REFERENCES casualty_categories (code),
    outcome TEXT NOT NULL REFERENCES casualty_outcomes (code),
    status TEXT NOT NULL DEFAULT 'reported' REFERENCES figure_statuses (code),
    -- As given: low <= best <= high where the claimant keeps it, which `check` reports where not.
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
    dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id),
    CHECK ((scope = 'one_side') = (side_id IS NOT NULL)),
    CHECK (part_of_id IS NULL OR part_of_id <> id),
    CHECK (count_low IS NOT NULL OR count_best IS NOT NULL OR count_high IS NOT NULL)
);

INSERT INTO casualties_v9 (
    id, key, event_id, scope, side_id, category, outcome, status, count_low, count_best,
    count_high, part_of_id, claimed_by_id, source_id, quote, as_of, notes, dataset_id
)
SELECT
    id, key, event_id, scope, side_id, category, outcome, status, count_low, count_best,
    count_high, part_of_id, claimed_by_id, source_id, quote, as_of, notes, dataset_id
FROM casualties;

DROP TABLE casualties;
ALTER TABLE casualties_v9 RENAME TO casualties;
CREATE UNIQUE INDEX casualties_key ON casualties (key);
CREATE INDEX casualties_event ON casualties (event_id);
CREATE INDEX casualties_side ON casualties (side_id);
CREATE INDEX casualties_part_of ON casualties (part_of_id);

-- Every change of a claim's figures is logged, as V8 has it.
CREATE TRIGGER casualty_figures_changed AFTER UPDATE OF count_low, count_best, count_high ON casualties
WHEN OLD.count_low IS NOT NEW.count_low OR OLD.count_best IS NOT NEW.count_best
    OR OLD.count_high IS NOT NEW.count_high
BEGIN
    INSERT INTO casualty_changes (casualty_id, casualty_key, dataset_id, old_low, old_best,
        old_high, new_low, new_best, new_high, changed_at)
    VALUES (NEW.id, NEW.key, NEW.dataset_id, OLD.count_low, OLD.count_best, OLD.count_high,
        NEW.count_low, NEW.count_best, NEW.count_high, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
END;

CREATE VIEW v_casualty_changes AS
SELECT
    casualty_changes.casualty_key,
    events.key AS event_key,
    datasets.name AS dataset,
    casualty_changes.old_low,
    casualty_changes.old_best,
    casualty_changes.old_high,
    casualty_changes.new_low,
    casualty_changes.new_best,
    casualty_changes.new_high,
    casualty_changes.changed_at
FROM casualty_changes
LEFT JOIN datasets ON datasets.id = casualty_changes.dataset_id
LEFT JOIN casualties ON casualties.id = casualty_changes.casualty_id
LEFT JOIN events ON events.id = casualties.event_id;

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

CREATE TABLE statement_attributes (
    statement_id INTEGER NOT NULL REFERENCES statements (id),
    -- The column of the imported file, as its codebook names it (`GoldsteinScale`, `AvgTone`).
    name TEXT NOT NULL CHECK (length(name) > 0),
    value TEXT NOT NULL,
    dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id),
    PRIMARY KEY (statement_id, name)
) WITHOUT ROWID;

CREATE VIEW v_statement_attributes AS
SELECT statements.key AS statement_key, datasets.name AS dataset, statement_attributes.name,
    statement_attributes.value
FROM statement_attributes
JOIN statements ON statements.id = statement_attributes.statement_id
JOIN datasets ON datasets.id = statement_attributes.dataset_id;
