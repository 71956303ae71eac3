-- conflictdb schema, version 6: a dataset says what it is and how its rows must be credited.
--
-- Data from ACLED, UCDP or GDELT comes with terms: ACLED requires every use to name it with a
-- link, UCDP's data is CC BY 4.0, GDELT asks to be cited. So that a database handed on (or a file
-- exported from it) still says where its rows came from and under what terms, each dataset
-- records its format, the licence of its data, the line any copy of its rows must carry, and how
-- to cite it. The loader fills them in from the format on every load (src/attribution.rs holds
-- the texts); another tool reads them with plain SQL.
--
-- `dataset_files` gains the format and layout of each file (an ACLED export of 2019 has another
-- layout than one of 2024), so a later import can tell what it read.

-- seed (conflictdb's own CSV layout), acled, ucdp-ged or gdelt.
ALTER TABLE datasets ADD COLUMN format TEXT;
-- The licence or terms of use of the dataset's data, as its publisher states them.
ALTER TABLE datasets ADD COLUMN licence TEXT;
-- The credit line any copy of the dataset's rows must carry (an export, a chart, a table).
ALTER TABLE datasets ADD COLUMN attribution TEXT;
-- How to cite the dataset, as plain text.
ALTER TABLE datasets ADD COLUMN citation TEXT;

-- The file's format (as datasets.format) and the layout of that format it was read as.
ALTER TABLE dataset_files ADD COLUMN format TEXT;
ALTER TABLE dataset_files ADD COLUMN layout TEXT;

-- The built-in data (id 1) is in conflictdb's own layout; the loader fills in its texts on the
-- next seed, and `conflictdb cite` and the exports take them from src/attribution.rs meanwhile.
UPDATE datasets SET format = 'seed' WHERE id = 1;
