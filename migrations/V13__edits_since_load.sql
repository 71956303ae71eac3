-- conflictdb schema, version 12: a dataset knows whether its rows were written outside a load
-- since it was last loaded, so that seeding it again can trust an unchanged file.
--
-- Seeding a dataset again makes its rows exactly what its files say. A file whose bytes are the
-- ones last loaded (`dataset_files.hash`) gives the rows that load stored, so its rows need not
-- be compared with the stored ones, unless something else wrote to them since: another tool
-- (`sqlite3`, Datasette's write plugins, a script) editing, adding or deleting a row.
-- `datasets.edited_since_load` says so: 1 from the first such write until the dataset is loaded
-- again, which sets it to 0 at the end of its transaction. The triggers below set it, on every
-- table a seed file fills but the vocabularies:
--
-- - a row added, changed or deleted marks its dataset (both, if its dataset_id changed);
-- - on a table other rows refer to by id (sources, actors, places, events, statements and
--   casualties), deleting a row or changing its id or key marks every dataset, since another
--   dataset's rows may refer to it: with foreign keys off (the sqlite3 shell's default) they
--   would be left pointing elsewhere.
--
-- The vocabularies have none: their files are small and always compared, and rows refer to a
-- code by its text, which a file gives as stored.
--
-- A load's own writes fire them too, and the load clears its dataset's mark at the end; a first
-- load into a new file drops them while it inserts and makes them again (src/seed/
-- edit_triggers.rs), as it does its indexes. A dataset with rows stored before this version is
-- marked: whether they were edited is not known.

ALTER TABLE datasets ADD COLUMN edited_since_load INTEGER NOT NULL DEFAULT 1
    CHECK (edited_since_load IN (0, 1));

-- A dataset without rows (the built-in one of a new database, before its first load) has none
-- that could have been edited.
UPDATE datasets SET edited_since_load = 0
    WHERE NOT EXISTS (SELECT 1 FROM date_precisions WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM stances WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM date_bases WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM statement_kinds WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM event_kinds WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM roles WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM actor_kinds WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM casualty_categories WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM casualty_outcomes WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM casualty_scopes WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM figure_statuses WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM allegation_kinds WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM event_link_kinds WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM source_kinds WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM place_kinds WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM geo_precisions WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM sources WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM actors WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM actor_aliases WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM places WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM place_aliases WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM events WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM event_places WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM event_actors WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM event_sources WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM statements WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM casualties WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM allegations WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM event_links WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM event_attributes WHERE dataset_id = datasets.id)
    AND NOT EXISTS (SELECT 1 FROM statement_attributes WHERE dataset_id = datasets.id);

-- sources
CREATE TRIGGER sources_edit_insert AFTER INSERT ON sources BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER sources_edit_update AFTER UPDATE ON sources BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.id IS NOT NEW.id OR OLD.key IS NOT NEW.key);
END;
CREATE TRIGGER sources_edit_delete AFTER DELETE ON sources BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- actors
CREATE TRIGGER actors_edit_insert AFTER INSERT ON actors BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER actors_edit_update AFTER UPDATE ON actors BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.id IS NOT NEW.id OR OLD.key IS NOT NEW.key);
END;
CREATE TRIGGER actors_edit_delete AFTER DELETE ON actors BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- actor_aliases
CREATE TRIGGER actor_aliases_edit_insert AFTER INSERT ON actor_aliases BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER actor_aliases_edit_update AFTER UPDATE ON actor_aliases BEGIN
    UPDATE datasets SET edited_since_load = 1
        WHERE id IN (OLD.dataset_id, NEW.dataset_id) AND edited_since_load = 0;
END;
CREATE TRIGGER actor_aliases_edit_delete AFTER DELETE ON actor_aliases BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = OLD.dataset_id AND edited_since_load = 0;
END;

-- places
CREATE TRIGGER places_edit_insert AFTER INSERT ON places BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER places_edit_update AFTER UPDATE ON places BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.id IS NOT NEW.id OR OLD.key IS NOT NEW.key);
END;
CREATE TRIGGER places_edit_delete AFTER DELETE ON places BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- place_aliases
CREATE TRIGGER place_aliases_edit_insert AFTER INSERT ON place_aliases BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER place_aliases_edit_update AFTER UPDATE ON place_aliases BEGIN
    UPDATE datasets SET edited_since_load = 1
        WHERE id IN (OLD.dataset_id, NEW.dataset_id) AND edited_since_load = 0;
END;
CREATE TRIGGER place_aliases_edit_delete AFTER DELETE ON place_aliases BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = OLD.dataset_id AND edited_since_load = 0;
END;

-- events
CREATE TRIGGER events_edit_insert AFTER INSERT ON events BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER events_edit_update AFTER UPDATE ON events BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.id IS NOT NEW.id OR OLD.key IS NOT NEW.key);
END;
CREATE TRIGGER events_edit_delete AFTER DELETE ON events BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- event_places
CREATE TRIGGER event_places_edit_insert AFTER INSERT ON event_places BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER event_places_edit_update AFTER UPDATE ON event_places BEGIN
    UPDATE datasets SET edited_since_load = 1
        WHERE id IN (OLD.dataset_id, NEW.dataset_id) AND edited_since_load = 0;
END;
CREATE TRIGGER event_places_edit_delete AFTER DELETE ON event_places BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = OLD.dataset_id AND edited_since_load = 0;
END;

-- event_actors
CREATE TRIGGER event_actors_edit_insert AFTER INSERT ON event_actors BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER event_actors_edit_update AFTER UPDATE ON event_actors BEGIN
    UPDATE datasets SET edited_since_load = 1
        WHERE id IN (OLD.dataset_id, NEW.dataset_id) AND edited_since_load = 0;
END;
CREATE TRIGGER event_actors_edit_delete AFTER DELETE ON event_actors BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = OLD.dataset_id AND edited_since_load = 0;
END;

-- event_sources
CREATE TRIGGER event_sources_edit_insert AFTER INSERT ON event_sources BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER event_sources_edit_update AFTER UPDATE ON event_sources BEGIN
    UPDATE datasets SET edited_since_load = 1
        WHERE id IN (OLD.dataset_id, NEW.dataset_id) AND edited_since_load = 0;
END;
CREATE TRIGGER event_sources_edit_delete AFTER DELETE ON event_sources BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = OLD.dataset_id AND edited_since_load = 0;
END;

-- statements
CREATE TRIGGER statements_edit_insert AFTER INSERT ON statements BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER statements_edit_update AFTER UPDATE ON statements BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.id IS NOT NEW.id OR OLD.key IS NOT NEW.key);
END;
CREATE TRIGGER statements_edit_delete AFTER DELETE ON statements BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- casualties
CREATE TRIGGER casualties_edit_insert AFTER INSERT ON casualties BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER casualties_edit_update AFTER UPDATE ON casualties BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.id IS NOT NEW.id OR OLD.key IS NOT NEW.key);
END;
CREATE TRIGGER casualties_edit_delete AFTER DELETE ON casualties BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- allegations
CREATE TRIGGER allegations_edit_insert AFTER INSERT ON allegations BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER allegations_edit_update AFTER UPDATE ON allegations BEGIN
    UPDATE datasets SET edited_since_load = 1
        WHERE id IN (OLD.dataset_id, NEW.dataset_id) AND edited_since_load = 0;
END;
CREATE TRIGGER allegations_edit_delete AFTER DELETE ON allegations BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = OLD.dataset_id AND edited_since_load = 0;
END;

-- event_links
CREATE TRIGGER event_links_edit_insert AFTER INSERT ON event_links BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER event_links_edit_update AFTER UPDATE ON event_links BEGIN
    UPDATE datasets SET edited_since_load = 1
        WHERE id IN (OLD.dataset_id, NEW.dataset_id) AND edited_since_load = 0;
END;
CREATE TRIGGER event_links_edit_delete AFTER DELETE ON event_links BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = OLD.dataset_id AND edited_since_load = 0;
END;

-- event_attributes
CREATE TRIGGER event_attributes_edit_insert AFTER INSERT ON event_attributes BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER event_attributes_edit_update AFTER UPDATE ON event_attributes BEGIN
    UPDATE datasets SET edited_since_load = 1
        WHERE id IN (OLD.dataset_id, NEW.dataset_id) AND edited_since_load = 0;
END;
CREATE TRIGGER event_attributes_edit_delete AFTER DELETE ON event_attributes BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = OLD.dataset_id AND edited_since_load = 0;
END;

-- statement_attributes
CREATE TRIGGER statement_attributes_edit_insert AFTER INSERT ON statement_attributes BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER statement_attributes_edit_update AFTER UPDATE ON statement_attributes BEGIN
    UPDATE datasets SET edited_since_load = 1
        WHERE id IN (OLD.dataset_id, NEW.dataset_id) AND edited_since_load = 0;
END;
CREATE TRIGGER statement_attributes_edit_delete AFTER DELETE ON statement_attributes BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = OLD.dataset_id AND edited_since_load = 0;
END;
