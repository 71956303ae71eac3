-- conflictdb schema, version 10: full-text search (`conflictdb search`) over event titles and
-- summaries, statement quotes and summaries, and source titles.
--
-- Each index is an FTS5 table over the rows of its table (external content: the text is stored
-- once, in the table; the index holds only the terms), ranked by bm25. It has no triggers, which
-- would slow every row of a fresh load: the loader, `datasets remove` and every later writer of
-- these columns rebuild the indexes at the end of their transaction (src/search.rs), and
-- `conflictdb check` (SQLite's integrity check) finds an index out of step with its table.
-- unicode61 with diacritics removed: "Erdogan" finds "Erdoğan".

CREATE VIRTUAL TABLE events_fts USING fts5 (
    title, summary,
    content = 'events', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE statements_fts USING fts5 (
    summary, quote,
    content = 'statements', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE sources_fts USING fts5 (
    title,
    content = 'sources', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- The rows stored before this version.
INSERT INTO events_fts (events_fts) VALUES ('rebuild');
INSERT INTO statements_fts (statements_fts) VALUES ('rebuild');
INSERT INTO sources_fts (sources_fts) VALUES ('rebuild');
