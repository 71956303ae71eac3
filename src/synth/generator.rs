//! The generator's state: the seed, the sizes, and the keys and names of the cast that later
//! tables refer to.

use std::path::Path;

use anyhow::Result;

use super::rng::{stream, Rng, Skew};
use super::vocab::{Codes, Vocabularies};
use super::writer::TableWriter;
use super::Sizes;

pub(super) struct Synth<'a> {
    pub(super) dir: &'a Path,
    pub(super) seed: u64,
    pub(super) sizes: Sizes,
    pub(super) counts: Vec<(&'static str, u64)>,

    pub(super) actor_keys: Vec<String>,
    pub(super) actor_names: Vec<String>,
    /// Party states, their governments, defence ministries and armed forces: the usual sides
    /// of a clash and claimants of its casualties.
    pub(super) party_sides: Vec<u64>,
    pub(super) place_keys: Vec<String>,
    pub(super) place_names: Vec<String>,
    pub(super) source_keys: Vec<String>,

    pub(super) speakers: Skew,
    pub(super) hot_places: Skew,
    pub(super) busy_sources: Skew,
    pub(super) big_events: Skew,

    pub(super) vocabulary: Codes,
}

impl<'a> Synth<'a> {
    pub(super) fn new(
        dir: &'a Path,
        seed: u64,
        sizes: Sizes,
        vocabularies: &Vocabularies,
    ) -> Result<Synth<'a>> {
        Ok(Synth {
            dir,
            seed,
            sizes,
            counts: Vec::new(),
            actor_keys: Vec::with_capacity(sizes.actors as usize),
            actor_names: Vec::with_capacity(sizes.actors as usize),
            party_sides: Vec::new(),
            place_keys: Vec::with_capacity(sizes.places as usize),
            place_names: Vec::with_capacity(sizes.places as usize),
            source_keys: Vec::with_capacity(sizes.sources as usize),
            speakers: Skew::new(sizes.actors, seed, stream::SKEW_SPEAKERS),
            hot_places: Skew::new(sizes.places, seed, stream::SKEW_PLACES),
            busy_sources: Skew::new(sizes.sources, seed, stream::SKEW_SOURCES),
            big_events: Skew::new(sizes.events, seed, stream::SKEW_EVENTS),
            vocabulary: Codes::new(vocabularies)?,
        })
    }

    pub(super) fn rng(&self, stream: u64, index: u64) -> Rng {
        Rng::for_row(self.seed, stream, index)
    }

    pub(super) fn finish(&mut self, writer: TableWriter) -> Result<()> {
        let counted = writer.finish()?;
        self.counts.push(counted);
        Ok(())
    }
}
