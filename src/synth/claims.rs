//! Statements and casualty claims about the events.

use std::fmt::Write as _;

use anyhow::Result;
use time::Duration;

use super::dates::{any_day, pick_precision, push_date};
use super::generator::Synth;
use super::names::lowercase_first;
use super::rng::{stream, Rng};
use super::vocab::statement_phrase;
use super::writer::TableWriter;

impl Synth<'_> {
    // Claims -------------------------------------------------------------------------------------

    /// An event that statements or claims refer to: half uniformly, half skewed towards the
    /// events many react to.
    pub(super) fn referenced_event(&self, rng: &mut Rng) -> u64 {
        if rng.percent(50) {
            rng.below(self.sizes.events)
        } else {
            self.big_events.pick(rng)
        }
    }

    pub(super) fn statements(&mut self) -> Result<()> {
        let mut out = TableWriter::create(self.dir, "statements")?;
        let [key, speaker, said_on, event, kind, stance, target, summary, quote, source, notes] =
            out.columns([
                "key", "speaker", "said_on", "event", "kind", "stance", "target", "summary",
                "quote", "source", "notes",
            ])?;
        let codes = &self.vocabulary;
        for index in 0..self.sizes.statements {
            let mut rng = self.rng(stream::STATEMENTS, index);
            let speaker_index = self.speakers.pick(&mut rng);
            let about = rng.percent(85).then(|| {
                let event = self.referenced_event(&mut rng);
                (event, self.event(event))
            });
            let day = match &about {
                Some((_, spec)) => spec.span.first() + Duration::days(rng.below(21) as i64),
                None => any_day(&mut rng),
            };
            let precision = pick_precision(&mut rng, 80, 15);
            let kind_index = codes.statement_kinds.pick(&mut rng);
            let target_index = rng
                .percent(35)
                .then(|| self.speakers.pick(&mut rng))
                .filter(|&t| t != speaker_index);

            out.put(key, format_args!("st-{index}"));
            out.put(speaker, &self.actor_keys[speaker_index as usize]);
            push_date(out.field(said_on), day, precision);
            let object = match &about {
                Some((event_index, spec)) => {
                    self.push_event_key(out.field(event), *event_index, spec);
                    lowercase_first(&self.event_title(spec))
                }
                None => match target_index {
                    Some(t) => self.actor_names[t as usize].clone(),
                    None => "the situation on the border".to_string(),
                },
            };
            out.put(kind, codes.statement_kinds.code(kind_index));
            out.put(stance, codes.stances.code(codes.stances.pick(&mut rng)));
            if let Some(t) = target_index {
                out.put(target, &self.actor_keys[t as usize]);
            }
            let speaker_name = &self.actor_names[speaker_index as usize];
            let phrase = statement_phrase(codes.statement_kinds.code(kind_index));
            out.put(summary, format_args!("{speaker_name} {phrase} {object}."));
            if rng.percent(40) {
                let place = &self.place_names[self.hot_places.pick(&mut rng) as usize];
                let field = out.field(quote);
                match rng.below(4) {
                    0 => write!(
                        field,
                        "We will not allow any provocation along the line of contact near {place}."
                    ),
                    1 => write!(
                        field,
                        "The situation around {place} remains tense, and we call on both sides to exercise restraint."
                    ),
                    2 => write!(
                        field,
                        "\"Our positions came under fire,\" the spokesperson said, adding that the attack lasted {} hours.",
                        rng.between(1, 12)
                    ),
                    _ => write!(
                        field,
                        "We mourn the victims in {place}.\nThose responsible must be held to account."
                    ),
                }
                .expect("String");
            }
            out.put(
                source,
                &self.source_keys[self.busy_sources.pick(&mut rng) as usize],
            );
            if rng.percent(5) {
                out.put(
                    notes,
                    "Dated from the context of the article, not its text.",
                );
            }
            out.end_row()?;
        }
        self.finish(out)
    }

    pub(super) fn casualties(&mut self) -> Result<()> {
        let mut out = TableWriter::create(self.dir, "casualties")?;
        let [key, event, scope, side, category, outcome, low, best, high, claimed_by, source, quote, as_of, notes] =
            out.columns([
                "key",
                "event",
                "scope",
                "side",
                "category",
                "outcome",
                "count_low",
                "count_best",
                "count_high",
                "claimed_by",
                "source",
                "quote",
                "as_of",
                "notes",
            ])?;
        let codes = &self.vocabulary;
        // A claim often answers the one before it: the same losses, other figures, another
        // claimant. That is what makes figures contested.
        let mut subject: Option<(u64, u64, usize, usize)> = None;
        for index in 0..self.sizes.casualties {
            let mut rng = self.rng(stream::CASUALTIES, index);
            let (event_index, side_index, category_index, outcome_index) = match subject {
                Some(same) if rng.percent(45) => same,
                _ => {
                    let side = if rng.percent(75) {
                        rng.pick(&self.party_sides)
                    } else {
                        self.speakers.pick(&mut rng)
                    };
                    (
                        self.referenced_event(&mut rng),
                        side,
                        codes.categories.pick(&mut rng),
                        codes.outcomes.pick(&mut rng),
                    )
                }
            };
            subject = Some((event_index, side_index, category_index, outcome_index));
            let spec = self.event(event_index);

            // Figures: low <= best <= high wherever given, at least one given.
            let figure = (10_000f64.powf(rng.unit())) as u64;
            let low_figure = figure * rng.between(50, 100) / 100;
            let high_figure = figure * rng.between(100, 250) / 100;
            let (given_low, given_best, given_high) = match rng.below(100) {
                0..50 => (None, Some(figure), None),
                50..60 => (Some(low_figure), None, Some(high_figure)),
                60..70 => (Some(low_figure), Some(figure), Some(high_figure)),
                70..85 => (Some(low_figure), None, None),
                85..95 => (None, Some(figure), Some(high_figure)),
                _ => (None, None, Some(high_figure)),
            };

            out.put(key, format_args!("cas-{index}"));
            self.push_event_key(out.field(event), event_index, &spec);
            out.put(scope, &codes.one_side);
            out.put(side, &self.actor_keys[side_index as usize]);
            out.put(category, codes.categories.code(category_index));
            out.put(outcome, codes.outcomes.code(outcome_index));
            for (column, value) in [(low, given_low), (best, given_best), (high, given_high)] {
                if let Some(value) = value {
                    out.put(column, value);
                }
            }
            if rng.percent(75) {
                let claimant = if rng.percent(50) {
                    rng.pick(&self.party_sides)
                } else {
                    self.speakers.pick(&mut rng)
                };
                out.put(claimed_by, &self.actor_keys[claimant as usize]);
            }
            out.put(
                source,
                &self.source_keys[self.busy_sources.pick(&mut rng) as usize],
            );
            if rng.percent(50) {
                let outcome_label = codes.outcomes.label(outcome_index).to_lowercase();
                let category_label = codes.categories.code(category_index);
                let field = out.field(quote);
                match (given_low, given_best, given_high) {
                    (Some(l), _, Some(h)) => write!(
                        field,
                        "between {l} and {h} {category_label} losses ({outcome_label})"
                    ),
                    (Some(l), None, None) => {
                        write!(
                            field,
                            "at least {l} {category_label} losses ({outcome_label})"
                        )
                    }
                    (_, Some(b), _) => {
                        write!(
                            field,
                            "{b} {category_label} losses ({outcome_label}), officials said"
                        )
                    }
                    (_, _, h) => write!(
                        field,
                        "up to {} {category_label} losses ({outcome_label})",
                        h.unwrap_or_default()
                    ),
                }
                .expect("String");
            }
            if rng.percent(30) {
                let day = spec.span.last() + Duration::days(rng.below(60) as i64);
                push_date(out.field(as_of), day, pick_precision(&mut rng, 70, 25));
            }
            if rng.percent(5) {
                out.put(notes, "Figure as claimed; not independently verified.");
            }
            out.end_row()?;
        }
        self.finish(out)
    }
}
