//! The stored keys of a table that only its own file refers to (a casualty claim's `part_of`),
//! looked up in the database as its rows ask rather than held: seeding again, an update holds
//! the stored keys of every table later files refer to (12 bytes a key), and a table referred to
//! by its own rows alone would otherwise hold a million keys (at a million events) for a few
//! references. Only the rows an update checks ask (the rows its fingerprints skip carry their
//! ids), so a few thousand lookups replace a million keys.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};

use crate::schema::Table;

/// Key → id for one table: the keys of the rows this load adds, by their text, and the stored
/// ones from the database as it was before the load (a connection of the reading thread's own).
pub(super) struct KeyLookup {
    conn: Connection,
    sql: String,
    /// The highest id stored before the load: a row with an id above it is new.
    stored: i64,
    added: HashMap<String, i64>,
}

impl KeyLookup {
    /// Looks up the keys of `table` in the database at `path`, whose highest id is `stored`;
    /// None if it cannot be opened.
    pub(super) fn open(path: &std::path::Path, table: &Table, stored: i64) -> Option<KeyLookup> {
        let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY;
        let conn = Connection::open_with_flags(path, flags).ok()?;
        Some(KeyLookup {
            conn,
            sql: format!(
                "SELECT id FROM {} WHERE {} = ?1",
                table.name,
                table.key_column()
            ),
            stored,
            added: HashMap::new(),
        })
    }

    /// The id of `key`: added by this load, or stored. A read that fails finds nothing: the
    /// load then inserts the row, which its key's unique index refuses if it was stored.
    pub(super) fn get(&self, key: &str) -> Option<i64> {
        if let Some(&id) = self.added.get(key) {
            return Some(id);
        }
        let mut stmt = self.conn.prepare_cached(&self.sql).ok()?;
        stmt.query_row([key], |row| row.get(0))
            .optional()
            .ok()
            .flatten()
    }

    /// Adds `key` → `id`; false if this load gave the key to another row. A stored row's key is
    /// found in the database (its id came from there), and is not held.
    pub(super) fn insert(&mut self, key: &str, id: i64) -> bool {
        if id <= self.stored {
            return true;
        }
        match self.added.get(key) {
            Some(&other) => other == id,
            None => {
                self.added.insert(key.to_string(), id);
                true
            }
        }
    }

    pub(super) fn len(&self) -> usize {
        self.added.len()
    }
}
