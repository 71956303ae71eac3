//! `conflictdb cite [DATASET]`: how to cite the software and each dataset in the database, as
//! plain text or BibTeX. A dataset's citation, licence and credit line come from its `datasets`
//! row (migration V6), or from src/attribution.rs for a dataset loaded before they were stored;
//! a dataset in conflictdb's own layout also lists the documents its rows were taken from.

use std::fmt::Write;

use anyhow::{bail, Result};
use rusqlite::Connection;

use crate::attribution;

/// The software, as CITATION.cff gives it.
pub const SOFTWARE_TITLE: &str =
    "conflictdb: an embedded SQLite database of a conflict's events and the claims made about them";
pub const SOFTWARE_AUTHOR: &str = "The conflictdb maintainers";
pub const SOFTWARE_LICENCE: &str = "MIT";

/// One dataset, as its citation needs it.
pub struct Dataset {
    pub name: String,
    pub format: String,
    pub licence: String,
    pub attribution: String,
    pub citation: String,
    /// When it was last loaded (ISO 8601), if ever.
    pub loaded_at: Option<String>,
    /// The documents its rows were taken from, as "title (author, publisher, date, url)".
    pub documents: Vec<String>,
}

/// The datasets of the database, or only `only`; an unknown name is refused with the closest.
pub fn datasets(conn: &Connection, only: Option<&str>) -> Result<Vec<Dataset>> {
    let mut stmt = conn.prepare(
        "SELECT id, name, format, licence, attribution, citation, loaded_at FROM datasets ORDER BY id",
    )?;
    let rows = stmt.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, Option<String>>(2)?,
            row.get::<_, Option<String>>(3)?,
            row.get::<_, Option<String>>(4)?,
            row.get::<_, Option<String>>(5)?,
            row.get::<_, Option<String>>(6)?,
        ))
    })?;
    let mut found = Vec::new();
    let mut names = Vec::new();
    for row in rows {
        let (id, name, format, licence, line, citation, loaded_at) = row?;
        names.push(name.clone());
        if only.is_some_and(|only| only != name) {
            continue;
        }
        let credit = attribution::of(format.as_deref());
        found.push(Dataset {
            documents: documents(conn, id)?,
            name,
            format: credit.format.to_string(),
            licence: licence.unwrap_or_else(|| credit.licence.to_string()),
            attribution: line.unwrap_or_else(|| credit.line.to_string()),
            citation: citation.unwrap_or_else(|| credit.citation.to_string()),
            loaded_at,
        });
    }
    if let (Some(only), true) = (only, found.is_empty()) {
        let hint = crate::suggest::closest(only, names.iter().cloned())
            .map(|c| format!(" (did you mean {c:?}?)"))
            .unwrap_or_default();
        bail!(
            "no dataset named {only:?}{hint}; the database holds {}",
            names
                .iter()
                .map(|n| format!("{n:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(found)
}

/// The source documents of a dataset (its sources that name the file they were taken from).
fn documents(conn: &Connection, dataset: i64) -> rusqlite::Result<Vec<String>> {
    conn.prepare(
        "SELECT title, author, publisher, published_on, url FROM sources
         WHERE dataset_id = ?1 AND coalesce(document, '') <> '' ORDER BY document",
    )?
    .query_map([dataset], |row| {
        let title: String = row.get(0)?;
        let details: Vec<String> = (1..5)
            .filter_map(|i| row.get::<_, Option<String>>(i).transpose())
            .collect::<rusqlite::Result<Vec<String>>>()?
            .into_iter()
            .filter(|d| !d.is_empty())
            .collect();
        Ok(match details.is_empty() {
            true => title,
            false => format!("{title} ({})", details.join(", ")),
        })
    })?
    .collect()
}

/// The year of a date written `YYYY...`, or of none.
fn year(date: Option<&str>) -> String {
    date.and_then(|d| d.get(..4)).unwrap_or("n.d.").to_string()
}

/// The plain-text citations: the software, then each dataset.
pub fn text(version: &str, datasets: &[Dataset]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "The software:");
    let _ = writeln!(
        out,
        "  {SOFTWARE_AUTHOR}. {SOFTWARE_TITLE}. Version {version}. {SOFTWARE_LICENCE} licence. (See CITATION.cff.)"
    );
    for dataset in datasets {
        let _ = writeln!(
            out,
            "\nDataset {:?} ({} format):",
            dataset.name, dataset.format
        );
        let _ = writeln!(out, "  Cite: {}", dataset.citation);
        let _ = writeln!(out, "  Credit line: {}", dataset.attribution);
        let _ = writeln!(out, "  Licence: {}", dataset.licence);
        if let Some(loaded) = &dataset.loaded_at {
            let _ = writeln!(out, "  Loaded: {loaded}");
        }
        if !dataset.documents.is_empty() {
            let _ = writeln!(out, "  Taken from:");
            for document in &dataset.documents {
                let _ = writeln!(out, "    - {document}");
            }
        }
    }
    out
}

/// The BibTeX entries: `@software` for the program, `@misc` for each dataset.
pub fn bibtex(version: &str, datasets: &[Dataset]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "@software{{conflictdb,\n  author = {{{{{SOFTWARE_AUTHOR}}}}},\n  title = {{{}}},\n  version = {{{version}}},\n  license = {{{SOFTWARE_LICENCE}}},\n  note = {{See CITATION.cff}}\n}}",
        bib(SOFTWARE_TITLE)
    );
    for dataset in datasets {
        let mut note = format!(
            "Credit line: {}. Licence: {}.",
            dataset.attribution, dataset.licence
        );
        if !dataset.documents.is_empty() {
            note.push_str(&format!(" Taken from: {}.", dataset.documents.join("; ")));
        }
        let _ = writeln!(
            out,
            "\n@misc{{{},\n  title = {{{}}},\n  year = {{{}}},\n  howpublished = {{{}}},\n  note = {{{}}}\n}}",
            bib_key(&dataset.name),
            bib(&format!("Dataset {} (conflictdb, {} format)", dataset.name, dataset.format)),
            year(dataset.loaded_at.as_deref()),
            bib(&dataset.citation),
            bib(&note),
        );
    }
    out
}

/// A BibTeX key: `dataset-` and the name in letters, digits and `-`.
fn bib_key(name: &str) -> String {
    let key: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect();
    format!("dataset-{key}")
}

/// Text made safe inside a BibTeX field: braces balanced by escaping, `%`, `&`, `#`, `_` and `$`
/// escaped.
fn bib(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '{' | '}' | '%' | '&' | '#' | '_' | '$' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn bibtex_fields_escape_what_latex_reads_as_markup() {
        assert_eq!(super::bib("A & B {x} 50%"), "A \\& B \\{x\\} 50\\%");
        assert_eq!(super::bib_key("my data/2"), "dataset-my-data-2");
    }
}
