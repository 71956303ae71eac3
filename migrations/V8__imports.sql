-- conflictdb schema, version 8: what an import of another data set (ACLED, UCDP GED, GDELT)
-- needs beyond the seed tables.
--
-- 1. Attributes: whatever a column of an imported file holds that the model has no place for
--    (ACLED `tags`, `source_scale`, `civilian_targeting`, `interaction`; UCDP `event_clarity`,
--    `priogrid_gid`; GDELT `GoldsteinScale`, `AvgTone`, mention counts) is kept as a name and a
--    value per event, so that nothing in the file is lost: a name/value table rather than a
--    column per attribute, since every format and layout has its own, and a row holds only the
--    attributes its file gave it.
-- 2. Retraction: an event that a newer export of its dataset no longer holds (the publisher
--    deleted it) is kept and flagged, not deleted, unless the user asks for removal.
-- 3. The fatality log: every change of a casualty claim's figures, with the old and the new
--    values and when, written by a trigger so that every way of updating a claim is logged.

CREATE TABLE event_attributes (
    event_id INTEGER NOT NULL REFERENCES events (id),
    -- The column of the imported file, as its header names it (`tags`, `source_scale`).
    name TEXT NOT NULL CHECK (length(name) > 0),
    value TEXT NOT NULL,
    dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id),
    PRIMARY KEY (event_id, name)
) WITHOUT ROWID;

-- The records of an imported file that `--keep-going` set aside (in the rejects file), so that a
-- later import of the same bytes knows whether all of them loaded; NULL for seed files.
ALTER TABLE dataset_files ADD COLUMN rejected INTEGER CHECK (rejected IS NULL OR rejected >= 0);

-- 1 when the dataset's publisher no longer lists the event (missing from a newer export).
ALTER TABLE events ADD COLUMN retracted INTEGER NOT NULL DEFAULT 0 CHECK (retracted IN (0, 1));

-- The log outlives the claims and datasets it names (a claim removed later keeps its history),
-- so its ids are not foreign keys.
CREATE TABLE casualty_changes (
    id INTEGER PRIMARY KEY,
    casualty_id INTEGER NOT NULL,
    -- The claim's key and dataset at the time, so that the log reads without a join.
    casualty_key TEXT NOT NULL,
    dataset_id INTEGER NOT NULL,
    old_low INTEGER,
    old_best INTEGER,
    old_high INTEGER,
    new_low INTEGER,
    new_best INTEGER,
    new_high INTEGER,
    -- When the change was written, as ISO 8601 UTC.
    changed_at TEXT NOT NULL
);

CREATE INDEX casualty_changes_by_casualty ON casualty_changes (casualty_id);

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

CREATE VIEW v_event_attributes AS
SELECT events.key AS event_key, datasets.name AS dataset, event_attributes.name, event_attributes.value
FROM event_attributes
JOIN events ON events.id = event_attributes.event_id
JOIN datasets ON datasets.id = event_attributes.dataset_id;
