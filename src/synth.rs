//! `synth`: writes a valid seed directory of any size with the shapes of real data, for load
//! tests and benchmarks.
//!
//! Every table scales with the number of events (see [`Sizes`]). The large tables (events, their
//! link rows, statements, casualty claims) are streamed: an event's key, dates, kind, place and
//! parent are pure functions of the seed and its row number, so a statement that refers to event
//! 123456 computes that event's key instead of looking it up. Only the keys and names of actors,
//! places and sources are held in memory (a few megabytes at a million events). The same
//! `--rng-seed` always writes the same bytes.

pub mod acled;
mod cast;
mod claims;
mod dates;
mod events;
mod generator;
mod names;
mod rng;
mod vocab;
mod writer;

use std::path::Path;

use anyhow::{bail, Context, Result};

use crate::schema::TABLES;
use generator::Synth;
use vocab::Vocabularies;
use writer::TableWriter;

/// How many rows each table gets for a given number of events: per million events, two million
/// statements, a million casualty claims, 50,000 actors, 20,000 places and 10,000 sources, with
/// floors so that a small run still has a plausible cast.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    pub events: u64,
    pub statements: u64,
    pub casualties: u64,
    pub actors: u64,
    pub places: u64,
    pub sources: u64,
}

impl Sizes {
    pub fn for_events(events: u64) -> Sizes {
        Sizes {
            events,
            statements: 2 * events,
            casualties: events,
            actors: (events / 20).max(50),
            places: (events / 50).max(20),
            sources: (events / 100).max(20),
        }
    }
}

/// Writes the seed directory; returns the rows written per file, in load order.
pub fn write(dir: &Path, events: u64, seed: u64) -> Result<Vec<(&'static str, u64)>> {
    if events == 0 {
        bail!("--events must be at least 1");
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let vocabularies = Vocabularies::copy_built_in(dir)?;
    let sizes = Sizes::for_events(events);
    let mut synth = Synth::new(dir, seed, sizes, &vocabularies)?;
    synth.actors()?;
    synth.places()?;
    synth.sources()?;
    synth.events()?;
    synth.statements()?;
    synth.casualties()?;
    // Allegations, links between events and attributes are not generated: their files hold only
    // a header.
    for table in [
        "allegations",
        "event_links",
        "event_attributes",
        "statement_attributes",
    ] {
        synth.finish(TableWriter::create(dir, table)?)?;
    }

    let mut counts = Vec::new();
    for table in TABLES {
        let rows = if table.is_vocabulary {
            vocabularies.rows(table.name)
        } else {
            synth
                .counts
                .iter()
                .find(|(name, _)| *name == table.name)
                .map(|(_, rows)| *rows)
        };
        let rows = rows.with_context(|| format!("synth wrote no {}", table.file_name()))?;
        counts.push((table.name, rows));
    }
    Ok(counts)
}
