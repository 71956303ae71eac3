//! A row named the way people name it rather than by its key: an actor or a place by its name or
//! an alias, an event or a source by its title, by that title written as a key would be
//! (`second-nagorno-karabakh-war`), or by the end of its key after a date prefix. The loader's
//! "is not a key" and a report's unknown parameter answer with the key found here, so that a
//! user learns the model's keys from their own mistake.

use rusqlite::Connection;

/// How one table's rows are named besides their key.
struct Naming {
    table: &'static str,
    /// The column holding the row's name or title.
    name: &'static str,
    /// What a message calls the row, and its names.
    noun: &'static str,
    names: &'static str,
    /// The table of other names, and its column referring to the row, if any.
    aliases: Option<(&'static str, &'static str)>,
}

const NAMINGS: &[Naming] = &[
    Naming {
        table: "actors",
        name: "name",
        noun: "actor",
        names: "name or alias",
        aliases: Some(("actor_aliases", "actor_id")),
    },
    Naming {
        table: "places",
        name: "name",
        noun: "place",
        names: "name or alias",
        aliases: Some(("place_aliases", "place_id")),
    },
    Naming {
        table: "events",
        name: "title",
        noun: "event",
        names: "title",
        aliases: None,
    },
    Naming {
        table: "sources",
        name: "title",
        noun: "source",
        names: "title",
        aliases: None,
    },
];

/// The rows of a table a value names, and how it named them.
#[derive(Debug, PartialEq, Eq)]
pub struct Named {
    /// The keys, sorted; at most [`SHOWN`] + 1, so that a message can say there are more.
    pub keys: Vec<String>,
    /// "the actor with that name or alias", "the events whose key ends in it", ...
    pub how: String,
}

/// How many keys a message lists.
pub const SHOWN: usize = 5;

impl Named {
    /// "the actor with that name or alias is "lavrov"", or for several rows "the actors ... are
    /// "a", "b" and "c"".
    pub fn sentence(&self) -> String {
        let mut shown: Vec<String> = self
            .keys
            .iter()
            .take(SHOWN)
            .map(|k| format!("{k:?}"))
            .collect();
        if self.keys.len() == 1 {
            return format!("{} is {}", self.how, shown[0]);
        }
        let list = if self.keys.len() > SHOWN {
            format!("{} and more", shown.join(", "))
        } else {
            let last = shown.pop().unwrap_or_default();
            format!("{} and {last}", shown.join(", "))
        };
        format!("{} are {list}", self.how)
    }
}

/// The rows of `table` that `value` names other than by its exact key, trying in turn: a name,
/// alias or title equal to it ignoring case; a name or title that, written as a key (lower case,
/// words joined by `-`), is the value written so; a key that ends in `-` and the value. The first
/// way that finds any row answers. None for a table whose rows have no names, or when nothing
/// matches.
pub fn named(conn: &Connection, table: &str, value: &str) -> Option<Named> {
    let naming = NAMINGS.iter().find(|n| n.table == table)?;
    let Naming {
        name,
        noun,
        names,
        aliases,
        ..
    } = naming;
    let limit = SHOWN as i64 + 1;
    let mut by_name = format!("SELECT key FROM {table} WHERE {name} = ?1 COLLATE NOCASE");
    if let Some((alias_table, id)) = aliases {
        by_name.push_str(&format!(
            " UNION SELECT {table}.key FROM {alias_table} JOIN {table} ON {table}.id = {alias_table}.{id}
              WHERE alias = ?1 COLLATE NOCASE"
        ));
    }
    let found = keys(conn, &format!("{by_name} ORDER BY 1 LIMIT {limit}"), value);
    if !found.is_empty() {
        return Some(described(found, noun, &format!("with that {names}")));
    }
    let wanted = slug(value);
    if !wanted.is_empty() {
        // A slug cannot be compared in SQL, but a name it matches holds its longest word, which
        // SQLite's LIKE finds (ignoring ASCII case) without handing every name to Rust: on 100,000
        // events that is a tenth of the time. A word with other letters is not filtered on, as
        // LIKE folds only ASCII case.
        let longest = wanted.split('-').max_by_key(|w| w.len()).unwrap_or("");
        let word = if longest.is_ascii() { longest } else { "" };
        let pattern = format!("%{word}%");
        let mut all = format!("SELECT key, {name} FROM {table} WHERE {name} LIKE ?1");
        if let Some((alias_table, id)) = aliases {
            all.push_str(&format!(
                " UNION ALL SELECT {table}.key, alias FROM {alias_table} JOIN {table} ON {table}.id = {alias_table}.{id}
                  WHERE alias LIKE ?1"
            ));
        }
        let mut found: Vec<String> = conn
            .prepare(&all)
            .and_then(|mut stmt| {
                stmt.query_map([&pattern], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                })?
                .filter_map(Result::ok)
                .filter(|(_, name)| slug(name) == wanted)
                .map(|(key, _)| Ok(key))
                .collect()
            })
            .unwrap_or_default();
        found.sort();
        found.dedup();
        found.truncate(SHOWN + 1);
        if !found.is_empty() {
            return Some(described(found, noun, &format!("with a {names} like that")));
        }
        let found = keys(
            conn,
            &format!(
                "SELECT key FROM {table} WHERE length(key) > length(?1) + 1
                 AND substr(key, -length(?1) - 1) = '-' || ?1 ORDER BY 1 LIMIT {limit}"
            ),
            &wanted,
        );
        if !found.is_empty() {
            return Some(described(found, noun, "whose key ends in it"));
        }
    }
    None
}

fn keys(conn: &Connection, sql: &str, value: &str) -> Vec<String> {
    conn.prepare(sql)
        .and_then(|mut stmt| stmt.query_map([value], |row| row.get(0))?.collect())
        .unwrap_or_default()
}

fn described(keys: Vec<String>, noun: &str, how: &str) -> Named {
    let noun = if keys.len() == 1 {
        noun.to_string()
    } else {
        format!("{noun}s")
    };
    Named {
        keys,
        how: format!("the {noun} {how}"),
    }
}

/// Every code of a vocabulary with its label, in code order: `clash (Armed clash), war (War)`.
pub fn codes_with_labels(conn: &Connection, vocabulary: &str) -> String {
    conn.prepare(&format!(
        "SELECT code, label FROM {vocabulary} ORDER BY code"
    ))
    .and_then(|mut stmt| {
        stmt.query_map([], |row| {
            Ok(format!(
                "{} ({})",
                row.get::<_, String>(0)?,
                crate::long_value::shown(&row.get::<_, String>(1)?)
            ))
        })?
        .collect::<rusqlite::Result<Vec<String>>>()
    })
    .map(|codes| codes.join(", "))
    .unwrap_or_default()
}

/// A name written as a key is: lower case, letters and digits, words joined by one `-`.
pub fn slug(text: &str) -> String {
    let mut slug = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    fn database() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE actors (id INTEGER PRIMARY KEY, key TEXT, name TEXT);
             CREATE TABLE actor_aliases (actor_id INTEGER, alias TEXT);
             CREATE TABLE events (id INTEGER PRIMARY KEY, key TEXT, title TEXT);
             INSERT INTO actors VALUES (1, 'lavrov', 'Sergey Lavrov'), (2, 'russia', 'Russia'),
                                       (3, 'russia-mfa', 'Russian Federation');
             INSERT INTO actors VALUES (4, 'turkey', 'Turkey');
             INSERT INTO actor_aliases VALUES (1, 'Sergej Lavrov'), (3, 'Russia'), (4, 'Türkiye');
             INSERT INTO events VALUES (1, '2020-09-second-nagorno-karabakh-war', '2020 war over Nagorno-Karabakh'),
                                       (2, '2016-04-clashes', 'April 2016 clashes');",
        )
        .unwrap();
        conn
    }

    #[test]
    fn a_name_alias_title_slug_or_key_suffix_names_its_row() {
        let conn = database();
        let sentence = |table, value| named(&conn, table, value).map(|n| n.sentence());
        assert_eq!(
            sentence("actors", "Sergey Lavrov").as_deref(),
            Some("the actor with that name or alias is \"lavrov\"")
        );
        assert_eq!(
            sentence("actors", "sergej lavrov").as_deref(),
            Some("the actor with that name or alias is \"lavrov\"")
        );
        assert_eq!(
            sentence("actors", "Russia").as_deref(),
            Some("the actors with that name or alias are \"russia\" and \"russia-mfa\"")
        );
        assert_eq!(
            sentence("events", "second-nagorno-karabakh-war").as_deref(),
            Some("the event whose key ends in it is \"2020-09-second-nagorno-karabakh-war\"")
        );
        assert_eq!(
            sentence("events", "2020-war-over-nagorno-karabakh").as_deref(),
            Some("the event with a title like that is \"2020-09-second-nagorno-karabakh-war\"")
        );
        // SQLite folds only ASCII case: a word with other letters is compared in Rust.
        assert_eq!(
            sentence("actors", "TÜRKIYE").as_deref(),
            Some("the actor with a name or alias like that is \"turkey\"")
        );
        assert_eq!(sentence("events", "the war"), None);
        assert_eq!(sentence("sources", "anything"), None);
        assert_eq!(sentence("roles", "side"), None);
    }

    #[test]
    fn a_slug_is_lower_case_words_joined_by_one_dash() {
        assert_eq!(
            slug("2020 war over Nagorno-Karabakh"),
            "2020-war-over-nagorno-karabakh"
        );
        assert_eq!(slug("  Türkiye's army!  "), "türkiye-s-army");
        assert_eq!(slug("--"), "");
    }
}
