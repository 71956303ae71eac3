-- conflictdb schema, version 5: every row belongs to a dataset.
--
-- A database holds one or more datasets: the built-in data, a user's seed directory, later an
-- import of another data set. `datasets` records each (its name, kind, where it was loaded from,
-- when, by which version of the program), `dataset_files` the files it was loaded from (a hash,
-- the bytes and the rows of each), and every row of every table carries the dataset it belongs to,
-- so that seeding a dataset again can remove the rows its files no longer hold, and leave the
-- rows of other datasets alone.
--
-- The files are a table of their own rather than a JSON column: another tool reads them with
-- plain SQL, each value has its type, and a dataset's row counts are one join away.
--
-- The built-in dataset is always id 1, the default of every `dataset_id`: rows stored before
-- this version were loaded before datasets existed, and are taken to be the built-in data
-- (seeding it again mirrors its files, and the mass-removal guard stops a re-seed that would
-- remove most of them).
--
-- SQLite adds a column with a REFERENCES clause and a default other than NULL only while foreign
-- keys are not enforced: the migrations run with them off (see db/migrations.rs), and every row
-- here refers to dataset 1, which is created first.

CREATE TABLE datasets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE CHECK (typeof(name) = 'text' AND length(name) > 0),
    -- built-in: shipped with the program; directory: a seed directory; import: another data set.
    kind TEXT NOT NULL CHECK (kind IN ('built-in', 'directory', 'import')),
    -- The directory or file it was last loaded from (NULL for the built-in data).
    loaded_from TEXT,
    -- When it was last loaded, as ISO 8601 UTC; NULL if never (rows from before this version).
    loaded_at TEXT,
    -- The conflictdb version that last loaded it.
    program_version TEXT
);

CREATE TABLE dataset_files (
    dataset_id INTEGER NOT NULL REFERENCES datasets (id),
    file TEXT NOT NULL,
    -- A hash of the file's bytes, by which a later load can tell an unchanged file; NULL until
    -- the loader computes one.
    hash TEXT,
    bytes INTEGER NOT NULL CHECK (bytes >= 0),
    rows INTEGER NOT NULL CHECK (rows >= 0),
    PRIMARY KEY (dataset_id, file)
) WITHOUT ROWID;

INSERT INTO datasets (id, name, kind) VALUES (1, 'built-in', 'built-in');

ALTER TABLE date_precisions ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE stances ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE date_bases ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE statement_kinds ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE event_kinds ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE roles ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE actor_kinds ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE casualty_categories ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE casualty_outcomes ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE casualty_scopes ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE figure_statuses ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE allegation_kinds ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE event_link_kinds ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE source_kinds ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE place_kinds ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE geo_precisions ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE sources ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE actors ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE actor_aliases ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE places ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE place_aliases ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE events ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE event_places ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE event_actors ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE event_sources ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE statements ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE casualties ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE allegations ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
ALTER TABLE event_links ADD COLUMN dataset_id INTEGER NOT NULL DEFAULT 1 REFERENCES datasets (id);
