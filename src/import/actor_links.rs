//! Which of an imported dataset's actors are actors the database already has: a dataset's
//! `Government of Azerbaijan` (UCDP GED) or `Military Forces of Azerbaijan (2003-)` (ACLED) is
//! our `azerbaijan`, so that their figures stand beside the built-in claims about the same side.
//!
//! A link maps the dataset's actor straight to our key: the imported rows name our actor (a
//! casualty claim's side is `azerbaijan`), and no actor row is made for the dataset's name. The
//! reports compare claims by side, so a claim about `azerbaijan` from UCDP and one from a ministry
//! line up with no change to any query, view or report; a table of links beside a separate
//! `ucdp-ged:actor:64` would have every query that groups by side follow it. What the dataset
//! called the actor is not lost: it stays in the file's columns kept as attributes.
//!
//! The links come from `--link-actors FILE` (a CSV with a header row and two columns: the dataset's
//! actor, by name, by its key in the import (`ucdp:actor:64` in a dataset named `ucdp`) or by the
//! format's name for it, the same in every dataset (`ucdp-ged:actor:64`), and our actor's key),
//! on top of a built-in default for this conflict ([`ActorLinks::built_in`]); a name the file
//! links overrides the default. A default link applies only where its actor exists in the
//! database, so an import into a database without the built-in data keeps the dataset's actors.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, Context, Result};

/// The built-in links: only names that the formats' documentation and the real UCDP sample
/// give, each to an actor of the built-in data (seed/actors.csv).
const BUILT_IN: &[(&str, &str)] = &[
    // UCDP GED (the UCDP actor list and the GED 23.1 sample).
    ("Government of Azerbaijan", "azerbaijan"),
    ("Government of Armenia", "armenia"),
    ("Republic of Artsakh", "artsakh"),
    // ACLED's name for Azerbaijan's state forces.
    ("Military Forces of Azerbaijan (2003-)", "azerbaijan"),
];

/// Dataset actors (by name or import key) → our actor keys.
#[derive(Debug, Default)]
pub struct ActorLinks {
    links: HashMap<String, Link, foldhash::fast::FixedState>,
    /// The `--link-actors` file, as shown in messages, and its size.
    file: Option<(String, u64)>,
    /// Whether a record was mapped to one of our actors: a new database then needs the built-in
    /// data in it before the import's rows (see `import::load`).
    used: AtomicBool,
}

impl Clone for ActorLinks {
    fn clone(&self) -> ActorLinks {
        ActorLinks {
            links: self.links.clone(),
            file: self.file.clone(),
            used: AtomicBool::new(self.used()),
        }
    }
}

#[derive(Clone, Debug)]
struct Link {
    key: String,
    /// Where the user gave it (`links.csv:2`), for a link not built in.
    given: Option<String>,
}

impl ActorLinks {
    /// No links: every dataset actor is an actor of its own.
    pub fn none() -> ActorLinks {
        ActorLinks::default()
    }

    /// The built-in default for the Armenia–Azerbaijan conflict.
    pub fn built_in() -> ActorLinks {
        let mut links = ActorLinks::default();
        for &(name, key) in BUILT_IN {
            links.links.insert(
                name.to_string(),
                Link {
                    key: key.to_string(),
                    given: None,
                },
            );
        }
        links
    }

    /// Adds the links of a `--link-actors` file, which override the defaults for the same names.
    /// Refused naming the file, line and column: a row without two values, or an empty one.
    pub fn read_file(&mut self, path: &Path) -> Result<()> {
        let shown = path.display();
        let bytes = std::fs::read(path).with_context(|| format!("{shown}: cannot read"))?;
        self.file = Some((shown.to_string(), bytes.len() as u64));
        self.read(&bytes, &shown.to_string())
    }

    /// [`ActorLinks::read_file`] on the file's bytes, named `shown` in messages.
    pub fn read(&mut self, bytes: &[u8], shown: &str) -> Result<()> {
        let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .flexible(true)
            .from_reader(bytes);
        let mut record = csv::StringRecord::new();
        loop {
            match reader.read_record(&mut record) {
                Ok(false) => break,
                Ok(true) => {}
                Err(error) => bail!("{shown}: {error}"),
            }
            let line = record.position().map_or(0, |p| p.line());
            if record.len() != 2 {
                bail!(
                    "{shown}:{line}: has {} fields; a link is two: the dataset's actor, and our actor's key",
                    record.len()
                );
            }
            for (column, value) in record.iter().enumerate() {
                if value.trim().is_empty() {
                    bail!(
                        "{shown}:{line}:{}: is empty; a link is the dataset's actor and our actor's key",
                        column + 1
                    );
                }
            }
            let (name, key) = (record[0].trim(), record[1].trim());
            // A dataset's actor is one of ours: a second link of it to another would file its
            // figures under whichever came last.
            if let Some(Link {
                key: first,
                given: Some(at),
            }) = self.links.get(name)
            {
                if first != key {
                    bail!(
                        "{shown}:{line}:2: actor {key:?}: {name:?} is linked to {first:?} already ({at}); a dataset's actor is linked to one actor"
                    );
                }
            }
            self.links.insert(
                name.to_string(),
                Link {
                    key: key.to_string(),
                    given: Some(format!("{shown}:{line}")),
                },
            );
        }
        Ok(())
    }

    /// Drops the default links whose actor `exists` does not know; refuses a link the user gave
    /// to an actor it does not know, naming the file, line and column (the first such, in file
    /// order).
    pub fn keep_existing(&mut self, exists: impl Fn(&str) -> bool) -> Result<()> {
        let mut unknown: Vec<(&str, &str)> = self
            .links
            .values()
            .filter(|link| !exists(&link.key))
            .filter_map(|link| Some((link.given.as_deref()?, link.key.as_str())))
            .collect();
        unknown.sort_by_key(|(at, _)| {
            let line = at.rsplit(':').next().and_then(|l| l.parse::<u64>().ok());
            (line, at.to_string())
        });
        if let Some((at, key)) = unknown.first() {
            bail!("{at}:2: actor {key:?}: is not a key in actors; link the dataset's actor to an actor the database has");
        }
        self.links.retain(|_, link| exists(&link.key));
        Ok(())
    }

    /// Our key for the dataset actor named `name`, or keyed `key` in the import.
    pub fn get(&self, name: &str, keys: &[&str]) -> Option<&str> {
        let ours = keys
            .iter()
            .find_map(|key| self.links.get(*key))
            .or_else(|| self.links.get(name.trim()))
            .map(|link| link.key.as_str());
        if ours.is_some() {
            self.used.store(true, Ordering::Relaxed);
        }
        ours
    }

    /// The links as `dataset_files` records them beside the imported files, since they decide
    /// which actor a record names as much as the files do: an import of the same files with other
    /// links is not the last import again. The `--link-actors` file (or, for the built-in links
    /// alone, `(built-in actor links)`), the SHA-256 of every link in effect, sorted, and how many
    /// there are; None where no link is in effect.
    pub fn as_source_file(&self) -> Option<crate::seed::SourceFile> {
        use sha2::Digest;
        if self.links.is_empty() {
            return None;
        }
        let mut links: Vec<(&String, &String)> = self
            .links
            .iter()
            .map(|(name, link)| (name, &link.key))
            .collect();
        links.sort();
        let mut hasher = sha2::Sha256::default();
        for (name, key) in &links {
            for part in [name.as_bytes(), b"\0", key.as_bytes(), b"\n"] {
                hasher.update(part);
            }
        }
        let hash = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let (file, bytes) = self
            .file
            .clone()
            .unwrap_or_else(|| ("(built-in actor links)".to_string(), 0));
        Some(crate::seed::SourceFile {
            file,
            hash: Some(hash),
            bytes,
            rows: links.len() as u64,
            rejected: Some(0),
            format: "actor-links",
            layout: Some("dataset actor, actor"),
        })
    }

    /// Whether [`ActorLinks::get`] has linked an actor.
    pub fn used(&self) -> bool {
        self.used.load(Ordering::Relaxed)
    }

    /// The keys links lead to, each once, sorted (for the database to confirm they exist).
    pub fn targets(&self) -> Vec<&str> {
        let mut keys: Vec<&str> = self.links.values().map(|l| l.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_links_and_a_file_overriding_them() {
        let mut links = ActorLinks::built_in();
        assert_eq!(
            links.get("Government of Azerbaijan", &["ucdp-ged:actor:64"]),
            Some("azerbaijan")
        );
        assert_eq!(
            links.get("Military Forces of Azerbaijan (2003-)", &["x"]),
            Some("azerbaijan")
        );
        assert_eq!(
            links.get("Syrian insurgents", &["ucdp-ged:actor:4456"]),
            None
        );
        links
            .read(
                "dataset_actor,actor\nucdp-ged:actor:4456,my-rebels\nGovernment of Azerbaijan,azerbaijan-government\n"
                    .as_bytes(),
                "links.csv",
            )
            .unwrap();
        assert_eq!(
            links.get("Syrian insurgents", &["ucdp-ged:actor:4456"]),
            Some("my-rebels")
        );
        assert_eq!(
            links.get("Government of Azerbaijan", &["ucdp-ged:actor:64"]),
            Some("azerbaijan-government")
        );
        // A default whose actor the database lacks goes; one the user gave is refused.
        let error = links.keep_existing(|key| key == "armenia").unwrap_err();
        assert_eq!(
            error.to_string(),
            "links.csv:2:2: actor \"my-rebels\": is not a key in actors; link the dataset's actor to an actor the database has"
        );
        links
            .keep_existing(|key| ["armenia", "my-rebels", "azerbaijan-government"].contains(&key))
            .unwrap();
        assert_eq!(links.get("Government of Armenia", &[""]), Some("armenia"));
        assert_eq!(links.get("Republic of Artsakh", &[""]), None);
        assert_eq!(links.get("", &["ucdp-ged:actor:4456"]), Some("my-rebels"));
    }

    #[test]
    fn an_actor_linked_twice_to_two_actors_is_refused_naming_both_lines() {
        let mut links = ActorLinks::built_in();
        let error = links
            .read(
                "dataset_actor,actor\nGovernment of Azerbaijan,azerbaijan\nGovernment of Azerbaijan,armenia\n"
                    .as_bytes(),
                "links.csv",
            )
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "links.csv:3:2: actor \"armenia\": \"Government of Azerbaijan\" is linked to \"azerbaijan\" already (links.csv:2); a dataset's actor is linked to one actor"
        );
        // The same link twice, or a default overridden, is no conflict.
        let mut links = ActorLinks::built_in();
        links
            .read(
                "a,b\nGovernment of Azerbaijan,armenia\nGovernment of Azerbaijan,armenia\n"
                    .as_bytes(),
                "links.csv",
            )
            .unwrap();
        assert_eq!(
            links.get("Government of Azerbaijan", &[""]),
            Some("armenia")
        );
    }

    #[test]
    fn a_bad_row_is_refused_naming_its_line_and_column() {
        let mut links = ActorLinks::none();
        let error = links
            .read("a,b\nGovernment of Armenia\n".as_bytes(), "links.csv")
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "links.csv:2: has 1 fields; a link is two: the dataset's actor, and our actor's key"
        );
        let error = links
            .read("a,b\nGovernment of Armenia,\n".as_bytes(), "links.csv")
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "links.csv:2:2: is empty; a link is the dataset's actor and our actor's key"
        );
    }
}
