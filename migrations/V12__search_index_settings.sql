-- conflictdb schema, version 12: the full-text indexes of version 10 build in fewer, larger steps.
--
-- FTS5 gathers the terms of the rows it is given in memory and writes them out as a new segment
-- of the index each time they pass its hash size (1 MB unless set), merging segments as they
-- pile up. A rebuild of a million events and their two million statements wrote some 170 MB of
-- index in 1 MB steps, with merges on top. At 32 MB a step, the same rebuild took about a third
-- less processor time (see docs/h-search.md); the memory it takes is at most that much more, and
-- only while an index is rebuilt (the loader and `datasets remove` are the only writers). The
-- setting is kept in each index's own configuration table (events_fts_config, ...), where any
-- SQLite that writes to the index finds it; the indexes themselves are unchanged.

INSERT INTO events_fts (events_fts, rank) VALUES ('hashsize', 33554432);
INSERT INTO statements_fts (statements_fts, rank) VALUES ('hashsize', 33554432);
INSERT INTO sources_fts (sources_fts, rank) VALUES ('hashsize', 33554432);
