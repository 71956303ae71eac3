//! Output: the seed files, written row by row.

use std::fmt::{Display, Write as _};
use std::path::Path;

use anyhow::{Context, Result};

use super::names::slug_key;
use super::rng::Rng;
use crate::output::Sink;
use crate::schema;

/// One seed file, written row by row with one reused record.
pub(super) struct TableWriter {
    pub(super) name: &'static str,
    pub(super) columns: &'static [schema::Column],
    pub(super) writer: csv::Writer<Sink>,
    pub(super) record: Vec<String>,
    pub(super) rows: u64,
}

impl TableWriter {
    pub(super) fn create(dir: &Path, name: &'static str) -> Result<TableWriter> {
        let table = schema::table(name).with_context(|| format!("no seed table {name}"))?;
        let path = dir.join(table.file_name());
        let sink = Sink::file(&path, &path, None)?;
        let mut writer = csv::Writer::from_writer(sink);
        writer.write_record(table.columns.iter().map(|c| c.name))?;
        Ok(TableWriter {
            name,
            columns: table.columns,
            writer,
            record: vec![String::new(); table.columns.len()],
            rows: 0,
        })
    }

    /// The positions of the named columns, in the schema's order (which the header follows).
    pub(super) fn columns<const N: usize>(&self, names: [&str; N]) -> Result<[usize; N]> {
        let mut positions = [0; N];
        for (position, name) in positions.iter_mut().zip(names) {
            *position = self
                .columns
                .iter()
                .position(|c| c.name == name)
                .with_context(|| format!("{} has no column {name}", self.name))?;
        }
        Ok(positions)
    }

    pub(super) fn put(&mut self, column: usize, value: impl Display) {
        write!(self.record[column], "{value}").expect("writing to a String cannot fail");
    }

    pub(super) fn field(&mut self, column: usize) -> &mut String {
        &mut self.record[column]
    }

    pub(super) fn end_row(&mut self) -> Result<()> {
        self.writer.write_record(&self.record)?;
        for field in &mut self.record {
            field.clear();
        }
        self.rows += 1;
        Ok(())
    }

    pub(super) fn finish(self) -> Result<Counted> {
        let sink = self
            .writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot write {}.csv: {}", self.name, e.error()))?;
        sink.finish()?;
        Ok((self.name, self.rows))
    }
}

/// A file written and its rows.
pub(super) type Counted = (&'static str, u64);

/// One row of the actors file, and the other names the actor may be known by.
#[derive(Clone, Copy)]
pub(super) struct Actor<'a> {
    pub(super) kind: &'a str,
    pub(super) name: &'a str,
    /// What [`ActorWriter::add`] returned for the parent.
    pub(super) parent: Option<u64>,
    pub(super) country: &'a str,
    pub(super) is_party: bool,
    pub(super) note: &'a str,
    /// Empty strings and copies of the name are skipped.
    pub(super) aliases: &'a [String; 2],
}

/// The actors file and its aliases, written together.
pub(super) struct ActorWriter {
    pub(super) actors: TableWriter,
    pub(super) aliases: TableWriter,
    pub(super) columns: [usize; 7],
    pub(super) alias_columns: [usize; 2],
    pub(super) keys: Vec<String>,
    pub(super) names: Vec<String>,
}

impl ActorWriter {
    pub(super) fn new(dir: &Path) -> Result<ActorWriter> {
        let actors = TableWriter::create(dir, "actors")?;
        let aliases = TableWriter::create(dir, "actor_aliases")?;
        Ok(ActorWriter {
            columns: actors.columns([
                "key", "name", "kind", "parent", "country", "is_party", "notes",
            ])?,
            alias_columns: aliases.columns(["actor", "alias"])?,
            actors,
            aliases,
            keys: Vec::new(),
            names: Vec::new(),
        })
    }

    /// Writes one actor and, for about one in five, one or two of its aliases; returns its index.
    pub(super) fn add(&mut self, rng: &mut Rng, actor: Actor) -> Result<u64> {
        let Actor {
            kind,
            name,
            parent,
            country,
            is_party,
            note,
            aliases,
        } = actor;
        let index = self.keys.len() as u64;
        let key = slug_key(name, index);
        let [key_column, name_column, kind_column, parent_column, country_column, party_column, notes_column] =
            self.columns;
        let out = &mut self.actors;
        out.put(key_column, &key);
        out.put(name_column, name);
        out.put(kind_column, kind);
        if let Some(parent) = parent {
            out.put(parent_column, &self.keys[parent as usize]);
        }
        out.put(country_column, country);
        out.put(party_column, if is_party { "1" } else { "0" });
        out.put(notes_column, note);
        out.end_row()?;
        let wanted = match rng.below(100) {
            0..78 => 0,
            78..95 => 1,
            _ => 2,
        };
        let [actor_column, alias_column] = self.alias_columns;
        for alias in aliases.iter().take(wanted) {
            if !alias.is_empty() && alias != name {
                self.aliases.put(actor_column, &key);
                self.aliases.put(alias_column, alias);
                self.aliases.end_row()?;
            }
        }
        self.keys.push(key);
        self.names.push(name.to_string());
        Ok(index)
    }

    pub(super) fn finish(self) -> Result<[Counted; 2]> {
        Ok([self.actors.finish()?, self.aliases.finish()?])
    }
}
