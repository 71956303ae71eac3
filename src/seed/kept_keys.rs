//! Which key maps a fresh load keeps, and until when. A table's keys are kept only while a file
//! still to come has rows that refer to it (or while its own file is read, when it refers to its
//! own rows): at a million events, the two million keys of `statements`, which only
//! `statement_attributes` refers to and which a seed directory usually leaves with its header
//! alone, took some 60 MB. A table whose keys are not kept has its repeated keys found by its
//! unique index instead (way 7 in seed.rs), which names both lines the same way.

use super::input::Source;
use crate::schema::{Table, Value, TABLES};

/// For each table of the load, when its keys can go.
pub(super) struct KeptKeys {
    /// (table, the place in [`TABLES`] of the last file that uses its keys); None for a table
    /// whose keys are not kept at all.
    last_use: Vec<(&'static str, Option<usize>)>,
}

impl KeptKeys {
    /// Looks at which files of `source` have rows (each opened, its header and first record
    /// read) to find, for each table other files may refer to, the last file that does.
    pub(super) fn plan(source: &dyn Source) -> KeptKeys {
        let has_rows: Vec<bool> = TABLES.iter().map(|t| has_rows(source, t)).collect();
        let last_use = TABLES
            .iter()
            .enumerate()
            .filter(|(_, table)| table.referenced)
            .map(|(at, table)| {
                let refers = |other: &Table| {
                    other
                        .columns
                        .iter()
                        .any(|c| c.value == Value::Ref(table.name))
                };
                // Its own file resolves references to its own rows through the map.
                let own = refers(table).then_some(at);
                let later = (at + 1..TABLES.len())
                    .rev()
                    .find(|&other| has_rows[other] && refers(&TABLES[other]));
                (table.name, later.or(own))
            })
            .collect();
        KeptKeys { last_use }
    }

    /// The tables other files may refer to whose keys are not kept at all.
    pub(super) fn not_kept(&self) -> Vec<&'static str> {
        TABLES
            .iter()
            .filter(|t| t.referenced && !self.kept(t.name))
            .map(|t| t.name)
            .collect()
    }

    /// The tables whose keys only their own file uses (to refer to its own rows).
    pub(super) fn own_only(&self) -> Vec<&'static str> {
        self.last_use
            .iter()
            .filter(|(name, last)| *last == TABLES.iter().position(|t| t.name == *name))
            .map(|(name, _)| *name)
            .collect()
    }

    /// Whether the keys of `table` are kept at all.
    pub(super) fn kept(&self, table: &str) -> bool {
        self.last_use
            .iter()
            .any(|(name, last)| *name == table && last.is_some())
    }

    /// Whether a file after the one at `place` in [`TABLES`] uses the keys of that file's table.
    pub(super) fn used_after(&self, place: usize) -> bool {
        let table = TABLES[place].name;
        self.last_use
            .iter()
            .any(|(name, last)| *name == table && last.is_some_and(|last| last > place))
    }

    /// The tables whose keys no file from the one at `place` in [`TABLES`] on uses.
    pub(super) fn done_before(&self, place: usize) -> impl Iterator<Item = &'static str> + '_ {
        self.last_use
            .iter()
            .filter(move |(_, last)| last.is_some_and(|last| last < place))
            .map(|(name, _)| *name)
    }
}

/// Whether the table's rows hold a record beyond the header: a file that cannot be read, or whose
/// first record cannot, counts as having rows (reading it says why).
fn has_rows(source: &dyn Source, table: &Table) -> bool {
    let Ok(mut rows) = source.rows(table) else {
        return true;
    };
    let mut record = csv::ByteRecord::new();
    match rows.next(&mut record) {
        Ok(true) => !matches!(rows.next(&mut record), Ok(false)),
        Ok(false) => false,
        Err(_) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::Input;

    fn place(table: &str) -> usize {
        TABLES.iter().position(|t| t.name == table).unwrap()
    }

    #[test]
    fn keys_are_kept_until_the_last_file_with_rows_that_refers_to_them() {
        let header = |table: &str| {
            let table = crate::schema::table(table).unwrap();
            let names: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
            format!("{}\n", names.join(",")).into_bytes()
        };
        // The built-in files, but statement_attributes and casualties with their header alone.
        let files = [
            (
                "statement_attributes.csv".to_string(),
                header("statement_attributes"),
            ),
            ("casualties.csv".to_string(), header("casualties")),
            (
                "event_attributes.csv".to_string(),
                header("event_attributes"),
            ),
        ];
        let plan = KeptKeys::plan(&Input::Files(files.into()));
        // Only statement_attributes refers to statements.
        assert!(!plan.kept("statements"));
        assert!(!plan.used_after(place("statements")));
        // Casualties refer to their own rows (part_of): kept while their file is read.
        assert!(plan.kept("casualties"));
        assert!(!plan.used_after(place("casualties")));
        // Events: up to the last file with rows that refers to them.
        assert!(plan.used_after(place("events")));
        let last_use = plan
            .last_use
            .iter()
            .find(|(t, _)| *t == "events")
            .unwrap()
            .1;
        let built_in_last = (0..TABLES.len())
            .rev()
            .find(|&at| {
                TABLES[at].name != "casualties"
                    && TABLES[at].name != "event_attributes"
                    && TABLES[at]
                        .columns
                        .iter()
                        .any(|c| c.value == Value::Ref("events"))
                    && has_rows(&Input::BuiltIn, &TABLES[at])
            })
            .unwrap();
        assert_eq!(last_use, Some(built_in_last));
        assert!(plan.done_before(built_in_last + 1).any(|t| t == "events"));
        assert!(!plan.done_before(built_in_last).any(|t| t == "events"));
        // With a row in statement_attributes, statements' keys are kept up to it.
        let files = [(
            "statement_attributes.csv".to_string(),
            b"statement,name,value\nst-1,tone,1\n".to_vec(),
        )];
        let plan = KeptKeys::plan(&Input::Files(files.into()));
        assert!(plan.kept("statements"));
        assert!(plan.used_after(place("statements")));
        assert!(!plan
            .done_before(place("statement_attributes"))
            .any(|t| t == "statements"));
    }
}
