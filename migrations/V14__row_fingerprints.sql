-- conflictdb schema, version 14: a dataset keeps a fingerprint of the rows of its last load, so
-- that seeding it again recognises the rows its files still give as they were, without checking
-- or comparing them one by one.
--
-- For each table file of a dataset's last load (but the vocabularies, which are small and always
-- compared), `row_fingerprints.runs` holds the file's rows in runs of about 8 (a run ends after a
-- row whose key, or a link row's first column, hashes to a multiple of 8, so that an edit moves
-- no run but its own): each run's 128-bit hash of its rows' fields as the file gave them, the
-- ids of the rows it stored, and a keyed row's own 64-bit hash. A run of the new file whose hash
-- is a run's of the last load holds rows that load checked and stored: they are neither checked
-- again nor compared (src/seed/fingerprint.rs); so is a keyed row found by its hash in the run
-- that began with the same key. The fingerprints are trusted only as `edited_since_load` is
-- (V13): while nothing wrote to any dataset's rows outside a load, and the same program loaded
-- them. No row for a table: the next seed checks and compares its every row.
--
-- A table's fingerprint is written in parts of about 1 MB as its file is loaded (`part` 0, 1,
-- ...; read back in order), so that a load never holds it whole.
--
-- The table is the loader's own, like refinery_schema_history: exports, dumps and Datasette's
-- metadata leave it out.

CREATE TABLE row_fingerprints (
    dataset_id INTEGER NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    table_name TEXT NOT NULL,
    part INTEGER NOT NULL,
    runs BLOB NOT NULL,
    PRIMARY KEY (dataset_id, table_name, part)
);
