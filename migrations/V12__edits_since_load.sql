-- conflictdb schema, version 12: a dataset knows whether its rows were written outside a load
-- since it was last loaded, so that seeding it again can trust an unchanged file.
--
-- Seeding a dataset again makes its rows exactly what its files say. A file whose bytes are the
-- ones last loaded (`dataset_files.hash`) gives the rows that load stored, so its rows need not
-- be compared with the stored ones, unless something else wrote to them since: another tool
-- (`sqlite3`, Datasette's write plugins, a script) editing, adding or deleting a row.
-- `datasets.edited_since_load` says so: 1 from the first such write until the dataset is loaded
-- again, which sets it to 0 at the end of its transaction. The triggers below set it, on every
-- table a seed file fills:
--
-- - a row added, changed or deleted marks its dataset (both, if its dataset_id changed);
-- - on a table other rows refer to (the vocabularies, by code; sources, actors, places, events,
--   statements and casualties, by id and key), deleting a row or changing its id or key marks
--   every dataset, since another dataset's rows may refer to it: with foreign keys off (the
--   sqlite3 shell's default) they would be left pointing elsewhere.
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

-- date_precisions
CREATE TRIGGER date_precisions_edit_insert AFTER INSERT ON date_precisions BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER date_precisions_edit_update AFTER UPDATE ON date_precisions BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.code IS NOT NEW.code);
END;
CREATE TRIGGER date_precisions_edit_delete AFTER DELETE ON date_precisions BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- stances
CREATE TRIGGER stances_edit_insert AFTER INSERT ON stances BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER stances_edit_update AFTER UPDATE ON stances BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.code IS NOT NEW.code);
END;
CREATE TRIGGER stances_edit_delete AFTER DELETE ON stances BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- date_bases
CREATE TRIGGER date_bases_edit_insert AFTER INSERT ON date_bases BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER date_bases_edit_update AFTER UPDATE ON date_bases BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.code IS NOT NEW.code);
END;
CREATE TRIGGER date_bases_edit_delete AFTER DELETE ON date_bases BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- statement_kinds
CREATE TRIGGER statement_kinds_edit_insert AFTER INSERT ON statement_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER statement_kinds_edit_update AFTER UPDATE ON statement_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.code IS NOT NEW.code);
END;
CREATE TRIGGER statement_kinds_edit_delete AFTER DELETE ON statement_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- event_kinds
CREATE TRIGGER event_kinds_edit_insert AFTER INSERT ON event_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER event_kinds_edit_update AFTER UPDATE ON event_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.code IS NOT NEW.code);
END;
CREATE TRIGGER event_kinds_edit_delete AFTER DELETE ON event_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- roles
CREATE TRIGGER roles_edit_insert AFTER INSERT ON roles BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER roles_edit_update AFTER UPDATE ON roles BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.code IS NOT NEW.code);
END;
CREATE TRIGGER roles_edit_delete AFTER DELETE ON roles BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- actor_kinds
CREATE TRIGGER actor_kinds_edit_insert AFTER INSERT ON actor_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER actor_kinds_edit_update AFTER UPDATE ON actor_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.code IS NOT NEW.code);
END;
CREATE TRIGGER actor_kinds_edit_delete AFTER DELETE ON actor_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- casualty_categories
CREATE TRIGGER casualty_categories_edit_insert AFTER INSERT ON casualty_categories BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER casualty_categories_edit_update AFTER UPDATE ON casualty_categories BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.code IS NOT NEW.code);
END;
CREATE TRIGGER casualty_categories_edit_delete AFTER DELETE ON casualty_categories BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- casualty_outcomes
CREATE TRIGGER casualty_outcomes_edit_insert AFTER INSERT ON casualty_outcomes BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER casualty_outcomes_edit_update AFTER UPDATE ON casualty_outcomes BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.code IS NOT NEW.code);
END;
CREATE TRIGGER casualty_outcomes_edit_delete AFTER DELETE ON casualty_outcomes BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- casualty_scopes
CREATE TRIGGER casualty_scopes_edit_insert AFTER INSERT ON casualty_scopes BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER casualty_scopes_edit_update AFTER UPDATE ON casualty_scopes BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.code IS NOT NEW.code);
END;
CREATE TRIGGER casualty_scopes_edit_delete AFTER DELETE ON casualty_scopes BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- figure_statuses
CREATE TRIGGER figure_statuses_edit_insert AFTER INSERT ON figure_statuses BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER figure_statuses_edit_update AFTER UPDATE ON figure_statuses BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.code IS NOT NEW.code);
END;
CREATE TRIGGER figure_statuses_edit_delete AFTER DELETE ON figure_statuses BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- allegation_kinds
CREATE TRIGGER allegation_kinds_edit_insert AFTER INSERT ON allegation_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER allegation_kinds_edit_update AFTER UPDATE ON allegation_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.code IS NOT NEW.code);
END;
CREATE TRIGGER allegation_kinds_edit_delete AFTER DELETE ON allegation_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- event_link_kinds
CREATE TRIGGER event_link_kinds_edit_insert AFTER INSERT ON event_link_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER event_link_kinds_edit_update AFTER UPDATE ON event_link_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.code IS NOT NEW.code);
END;
CREATE TRIGGER event_link_kinds_edit_delete AFTER DELETE ON event_link_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- source_kinds
CREATE TRIGGER source_kinds_edit_insert AFTER INSERT ON source_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER source_kinds_edit_update AFTER UPDATE ON source_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.code IS NOT NEW.code);
END;
CREATE TRIGGER source_kinds_edit_delete AFTER DELETE ON source_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- place_kinds
CREATE TRIGGER place_kinds_edit_insert AFTER INSERT ON place_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER place_kinds_edit_update AFTER UPDATE ON place_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.code IS NOT NEW.code);
END;
CREATE TRIGGER place_kinds_edit_delete AFTER DELETE ON place_kinds BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

-- geo_precisions
CREATE TRIGGER geo_precisions_edit_insert AFTER INSERT ON geo_precisions BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE id = NEW.dataset_id AND edited_since_load = 0;
END;
CREATE TRIGGER geo_precisions_edit_update AFTER UPDATE ON geo_precisions BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0
        AND (id IN (OLD.dataset_id, NEW.dataset_id) OR OLD.code IS NOT NEW.code);
END;
CREATE TRIGGER geo_precisions_edit_delete AFTER DELETE ON geo_precisions BEGIN
    UPDATE datasets SET edited_since_load = 1 WHERE edited_since_load = 0;
END;

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
