//! Events and their links to places, actors and sources, each computed from its row number.

use std::fmt::Write as _;

use anyhow::Result;
use time::Duration;

use super::dates::{any_day, day_between, new_year, pick_precision, push_date, Span};
use super::generator::Synth;
use super::names::push_slug;
use super::rng::stream;
use super::writer::TableWriter;
use crate::date::Precision;

/// Events form blocks: a top-level event (a war, an offensive), with sub-events every
/// `SUB_BLOCK` rows, and incidents under those.
pub(super) const BLOCK: u64 = 50;
pub(super) const SUB_BLOCK: u64 = 10;
/// Incidents whose parent is the next sub-event, defined further down the file.
pub(super) const FORWARD_PARENT_PERCENT: u64 = 4;

/// What an event is, computed from its row number alone.
pub(super) struct EventSpec {
    pub(super) level: usize,
    pub(super) kind: usize,
    pub(super) span: Span,
    pub(super) place: Option<u64>,
    pub(super) parent: Option<u64>,
}

impl Synth<'_> {
    // Events -------------------------------------------------------------------------------------

    /// Event `index`: a pure function of the seed and the row number.
    pub(super) fn event(&self, index: u64) -> EventSpec {
        let mut rng = self.rng(stream::EVENT, index);
        let position = index % BLOCK;
        let block = index - position;
        let level = match position {
            0 => 0,
            p if p % SUB_BLOCK == 0 => 1,
            _ => 2,
        };
        let parent = match level {
            0 => None,
            1 => Some(block),
            _ if rng.percent(8) => None,
            _ => {
                let sub = position / SUB_BLOCK;
                let next = block + (sub + 1) * SUB_BLOCK;
                if rng.percent(FORWARD_PARENT_PERCENT)
                    && sub + 1 < BLOCK / SUB_BLOCK
                    && next < self.sizes.events
                {
                    Some(next)
                } else {
                    Some(block + sub * SUB_BLOCK)
                }
            }
        };
        let kind = self.vocabulary.event_kinds[level].pick(&mut rng);
        let place = rng.percent(90).then(|| self.hot_places.pick(&mut rng));
        let span = match (level, parent) {
            (0, _) => {
                let precision = pick_precision(&mut rng, 45, 40);
                let length = Duration::days(rng.between(30, 1500) as i64);
                Span::new(any_day(&mut rng), length, precision, rng.percent(90))
            }
            (_, parent) => {
                let (from, to) = match parent {
                    Some(parent) => {
                        let span = self.event(parent).span;
                        (span.first(), span.last())
                    }
                    None => (new_year(1988), new_year(2025) - Duration::DAY),
                };
                let start = day_between(&mut rng, from, to + Duration::DAY);
                let (precision, days, with_end) = if level == 1 {
                    let precision = pick_precision(&mut rng, 60, 40);
                    (precision, rng.between(3, 90) as i64, rng.percent(70))
                } else {
                    let precision = pick_precision(&mut rng, 75, 18);
                    (precision, rng.between(1, 14) as i64, rng.percent(15))
                };
                let length = Duration::days(days).min(to - start).max(Duration::DAY);
                Span::new(start, length, precision, with_end)
            }
        };
        EventSpec {
            level,
            kind,
            span,
            place,
            parent,
        }
    }

    pub(super) fn push_event_key(&self, out: &mut String, index: u64, spec: &EventSpec) {
        push_date(out, spec.span.start, spec.span.precision);
        out.push('-');
        push_slug(out, self.vocabulary.event_kinds[spec.level].code(spec.kind));
        write!(out, "-{index}").expect("writing to a String cannot fail");
    }

    pub(super) fn event_title(&self, spec: &EventSpec) -> String {
        let label = self.vocabulary.event_kinds[spec.level].label(spec.kind);
        let place = spec.place.map(|p| self.place_names[p as usize].as_str());
        match (spec.level, place) {
            (0, Some(place)) => format!(
                "{place} {} of {}",
                label.to_lowercase(),
                spec.span.first().year()
            ),
            (0, None) => format!("{label} of {}", spec.span.first().year()),
            (1, Some(place)) => format!("{label} on {place}"),
            (_, Some(place)) => format!("{label} near {place}"),
            (_, None) => label.to_string(),
        }
    }

    pub(super) fn events(&mut self) -> Result<()> {
        let mut out = TableWriter::create(self.dir, "events")?;
        let [key, title, kind, start_date, end_date, place, parent, summary, notes] =
            out.columns([
                "key",
                "title",
                "kind",
                "start_date",
                "end_date",
                "place",
                "parent",
                "summary",
                "notes",
            ])?;
        let mut places = TableWriter::create(self.dir, "event_places")?;
        let [places_event, places_place] = places.columns(["event", "place"])?;
        let mut actors = TableWriter::create(self.dir, "event_actors")?;
        let [actors_event, actors_actor, actors_role] =
            actors.columns(["event", "actor", "role"])?;
        let mut sources = TableWriter::create(self.dir, "event_sources")?;
        let [sources_event, sources_source, sources_quote] =
            sources.columns(["event", "source", "quote"])?;

        let mut event_key = String::new();
        let mut chosen: Vec<u64> = Vec::with_capacity(4);
        for index in 0..self.sizes.events {
            let spec = self.event(index);
            let mut rng = self.rng(stream::EVENT_LINKS, index);
            event_key.clear();
            self.push_event_key(&mut event_key, index, &spec);
            let event_title = self.event_title(&spec);
            let kinds = &self.vocabulary.event_kinds[spec.level];

            out.put(key, &event_key);
            out.put(title, &event_title);
            out.put(kind, kinds.code(spec.kind));
            push_date(out.field(start_date), spec.span.start, spec.span.precision);
            if let Some(end) = spec.span.end {
                push_date(out.field(end_date), end, spec.span.precision);
            }
            if let Some(p) = spec.place {
                out.put(place, &self.place_keys[p as usize]);
            }
            if let Some(p) = spec.parent {
                self.push_event_key(out.field(parent), p, &self.event(p));
            }
            let field = out.field(summary);
            write!(field, "{} reported", kinds.label(spec.kind)).expect("String");
            if let Some(p) = spec.place {
                write!(field, " in the area of {}", self.place_names[p as usize]).expect("String");
            }
            field.push_str(" on ");
            push_date(field, spec.span.start, spec.span.precision);
            if let Some(end) = spec.span.end {
                field.push_str(" through ");
                push_date(field, end, spec.span.precision);
            }
            field.push('.');
            if spec.span.precision != Precision::Day && rng.percent(30) {
                out.put(notes, "The source gives no exact day.");
            } else if spec.parent.is_some_and(|p| p > index) {
                out.put(notes, "Listed before the larger event it belongs to.");
            }
            out.end_row()?;

            // Where: the event's own place and sometimes one or two more.
            chosen.clear();
            chosen.extend(spec.place);
            let extra = match rng.below(100) {
                0..75 => 0,
                75..95 => 1,
                _ => 2,
            };
            for _ in 0..extra {
                let other = self.hot_places.pick(&mut rng);
                if !chosen.contains(&other) {
                    chosen.push(other);
                }
            }
            for &p in &chosen {
                places.put(places_event, &event_key);
                places.put(places_place, &self.place_keys[p as usize]);
                places.end_row()?;
            }

            // Who: two sides from the parties, sometimes a mediator or another participant.
            let roles = &self.vocabulary.roles;
            let first = rng.pick(&self.party_sides);
            let mut rows: [(u64, &str); 4] = [(first, roles.side.as_str()); 4];
            let mut count = 1;
            if rng.percent(70) {
                let second = rng.pick(&self.party_sides);
                if second != first {
                    rows[count] = (second, roles.side.as_str());
                    count += 1;
                }
            }
            if rng.percent(15) {
                rows[count] = (self.speakers.pick(&mut rng), roles.mediator.as_str());
                count += 1;
            }
            if rng.percent(20) {
                rows[count] = (self.speakers.pick(&mut rng), roles.participant.as_str());
                count += 1;
            }
            for &(actor, role) in &rows[..count] {
                actors.put(actors_event, &event_key);
                actors.put(actors_actor, &self.actor_keys[actor as usize]);
                actors.put(actors_role, role);
                actors.end_row()?;
            }

            // Which sources: at least one, a few for the events many wrote about.
            chosen.clear();
            let wanted = 1 + u64::from(rng.percent(40)) + u64::from(rng.percent(10));
            for _ in 0..wanted {
                let source = self.busy_sources.pick(&mut rng);
                if !chosen.contains(&source) {
                    chosen.push(source);
                }
            }
            for &s in &chosen {
                sources.put(sources_event, &event_key);
                sources.put(sources_source, &self.source_keys[s as usize]);
                if rng.percent(60) {
                    let field = sources.field(sources_quote);
                    match spec.place {
                        Some(p) => write!(
                            field,
                            "According to the ministry, {} positions near {} came under fire",
                            rng.between(2, 40),
                            self.place_names[p as usize]
                        ),
                        None => write!(
                            field,
                            "\"{}\" was reported by several outlets, citing officials",
                            event_title
                        ),
                    }
                    .expect("String");
                }
                sources.end_row()?;
            }
        }
        self.finish(out)?;
        self.finish(places)?;
        self.finish(actors)?;
        self.finish(sources)
    }
}
