//! What a format's mapper gives: rows of our seed tables, named by their seed columns, and the
//! values of the file that our tables have no column for (attributes), each on the row it
//! belongs to. A mapper writes into a [`Mapped`] and knows nothing of where the rows go.

/// Where a mapper's rows go.
pub trait Mapped {
    /// One row of the seed table `table` (`events`, `casualties`, ...), as (seed column, value);
    /// a column left out is empty.
    fn row(&mut self, table: &'static str, values: &[(&'static str, &str)]);

    /// A value of the file kept on the row of `table` whose key is `key`, under the file's own
    /// column name.
    fn attribute(&mut self, table: &'static str, key: &str, name: &str, value: &str);
}

/// Rows kept in memory, in the order given: for tests, and for a caller that wants them all.
#[derive(Debug, Default)]
pub struct Collected {
    pub rows: Vec<(&'static str, Vec<(&'static str, String)>)>,
    pub attributes: Vec<(&'static str, String, String, String)>,
}

impl Mapped for Collected {
    fn row(&mut self, table: &'static str, values: &[(&'static str, &str)]) {
        self.rows.push((
            table,
            values.iter().map(|&(c, v)| (c, v.to_string())).collect(),
        ));
    }

    fn attribute(&mut self, table: &'static str, key: &str, name: &str, value: &str) {
        self.attributes
            .push((table, key.to_string(), name.to_string(), value.to_string()));
    }
}

impl Collected {
    /// The rows as seed files, one CSV per table of [`crate::schema::TABLES`] (a table without
    /// rows is its header alone), for [`crate::seed::Input::Files`].
    pub fn seed_files(&self) -> std::collections::BTreeMap<String, Vec<u8>> {
        let mut files = std::collections::BTreeMap::new();
        for table in crate::schema::TABLES {
            let mut writer = csv::Writer::from_writer(Vec::new());
            let columns: Vec<&str> = table.columns.iter().map(|c| c.name).collect();
            writer.write_record(&columns).expect("writing to memory");
            for row in self.table(table.name) {
                writer
                    .write_record(columns.iter().map(|c| value(row, c)))
                    .expect("writing to memory");
            }
            files.insert(
                table.file_name(),
                writer.into_inner().expect("writing to memory"),
            );
        }
        files
    }

    /// The rows of `table`.
    pub fn table(&self, table: &str) -> Vec<&[(&'static str, String)]> {
        self.rows
            .iter()
            .filter(|(t, _)| *t == table)
            .map(|(_, values)| values.as_slice())
            .collect()
    }

    /// The row of `table` whose `key` (or first column) is `key`.
    pub fn find(
        &self,
        table: &str,
        column: &str,
        value: &str,
    ) -> Option<&[(&'static str, String)]> {
        self.table(table)
            .into_iter()
            .find(|row| row.iter().any(|(c, v)| *c == column && v == value))
    }

    /// The value of `attribute` on the row of `table` keyed `key`.
    pub fn attribute_of(&self, table: &str, key: &str, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(t, k, n, _)| *t == table && k == key && n == name)
            .map(|(_, _, _, v)| v.as_str())
    }
}

/// The value of `column` in a collected row, empty when left out.
pub fn value<'r>(row: &'r [(&'static str, String)], column: &str) -> &'r str {
    row.iter()
        .find(|(c, _)| *c == column)
        .map_or("", |(_, v)| v.as_str())
}

/// A refusal of one value of the file: its field, the value, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's place in the record (from 0).
    pub field: usize,
    /// The file's name for the column.
    pub column: String,
    pub value: String,
    pub message: String,
}

impl std::fmt::Display for FieldError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {:?}: {}", self.column, self.value, self.message)
    }
}

#[cfg(test)]
/// The rows of a file, as an import, loaded into a database seeded with the built-in data.
pub(crate) fn load_as_import(
    out: &Collected,
) -> Result<rusqlite::Connection, crate::seed::SeedError> {
    struct AsImport(crate::seed::Input);
    impl crate::seed::Source for AsImport {
        fn name(&self, table: &crate::schema::Table) -> String {
            self.0.name(table)
        }
        fn rows(
            &self,
            table: &crate::schema::Table,
        ) -> Result<Box<dyn crate::seed::Rows + '_>, crate::seed::SeedError> {
            self.0.rows(table)
        }
        fn dataset(&self) -> crate::seed::Dataset {
            crate::seed::Dataset {
                name: "ucdp".into(),
                kind: "import",
                ..crate::seed::Dataset::built_in()
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let mut conn = rusqlite::Connection::open_in_memory().unwrap();
    crate::db::migrate(&mut conn, &dir.path().join("x.db")).unwrap();
    crate::seed::load(&mut conn, &crate::seed::Input::BuiltIn).unwrap();
    crate::seed::load(
        &mut conn,
        &AsImport(crate::seed::Input::Files(out.seed_files())),
    )?;
    Ok(conn)
}

/// Keys made from a dataset's own values: stable across imports of the same data, and within
/// what a key may hold (letters, digits and `-_.:`).
pub mod keys {
    /// `text` in lower case with every run of other characters one `-`, at most `max` bytes.
    pub fn slug(text: &str, max: usize) -> String {
        let mut out = String::new();
        for c in text.chars() {
            if c.is_ascii_alphanumeric() {
                out.push(c.to_ascii_lowercase());
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
            if out.len() >= max {
                break;
            }
        }
        out.trim_end_matches('-').to_string()
    }

    /// A 64-bit FNV-1a hash of the parts, as 16 hex digits: the same on every machine and in every
    /// version, which a hasher seeded per process is not.
    pub fn hash(parts: &[&str]) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                // A separator no text holds, so ("a", "bc") and ("ab", "c") differ.
                hash ^= 0xff;
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
            for byte in part.bytes() {
                hash ^= u64::from(byte);
                hash = hash.wrapping_mul(0x0100_0000_01b3);
            }
        }
        format!("{hash:016x}")
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn slugs_and_hashes() {
            assert_eq!(slug("Line of Contact", 80), "line-of-contact");
            assert_eq!(
                slug("  Ariha (district), Idlib ", 80),
                "ariha-district-idlib"
            );
            assert_eq!(slug("Şuşa", 80), "u-a");
            assert_eq!(hash(&["a", "bc"]).len(), 16);
            assert_ne!(hash(&["a", "bc"]), hash(&["ab", "c"]));
            // Fixed, so that keys made from it never change between versions.
            assert_eq!(hash(&[""]), "cbf29ce484222325");
        }
    }
}
