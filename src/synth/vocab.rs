//! The built-in vocabularies, copied into the output, and the codes the generator uses from them.

use std::io::Write as _;
use std::path::Path;

use anyhow::{bail, Context, Result};

use super::rng::Rng;
use crate::output::Sink;
use crate::schema::TABLES;
use crate::seed::BUILT_IN;

/// The built-in vocabularies, copied verbatim into the output so that every code used exists.
pub(super) struct Vocabularies {
    /// Vocabulary name → (code, label) rows.
    pub(super) codes: Vec<(String, Vec<(String, String)>)>,
}

impl Vocabularies {
    pub(super) fn copy_built_in(dir: &Path) -> Result<Vocabularies> {
        let mut codes = Vec::new();
        for table in TABLES.iter().filter(|t| t.is_vocabulary) {
            let file_name = table.file_name();
            let file = BUILT_IN
                .get_file(&file_name)
                .with_context(|| format!("the built-in data has no {file_name}"))?;
            let contents = file.contents();
            if !contents.starts_with(b"code,") {
                bail!("built-in {file_name} does not start with a code column");
            }
            let mut rows = Vec::new();
            let mut reader = csv::Reader::from_reader(contents);
            let headers = reader.headers()?.clone();
            let label = headers
                .iter()
                .position(|h| h == "label")
                .with_context(|| format!("built-in {file_name} has no label column"))?;
            for record in reader.records() {
                let record = record.with_context(|| format!("built-in {file_name}"))?;
                rows.push((record[0].to_string(), record[label].to_string()));
            }
            let path = dir.join(&file_name);
            let mut sink = Sink::file(&path, &path, None)?;
            sink.write_all(contents)?;
            sink.finish()?;
            codes.push((table.name.to_string(), rows));
        }
        Ok(Vocabularies { codes })
    }

    pub(super) fn rows(&self, vocabulary: &str) -> Option<u64> {
        self.codes
            .iter()
            .find(|(name, _)| name == vocabulary)
            .map(|(_, rows)| rows.len() as u64)
    }

    /// A weighted choice among codes of `vocabulary`; refuses a code the vocabulary lacks.
    pub(super) fn choice(&self, vocabulary: &str, weights: &[(&str, u32)]) -> Result<Choice> {
        let rows = &self
            .codes
            .iter()
            .find(|(name, _)| name == vocabulary)
            .with_context(|| format!("no built-in vocabulary {vocabulary}"))?
            .1;
        let mut choice = Choice {
            codes: Vec::new(),
            labels: Vec::new(),
            cumulative: Vec::new(),
        };
        let mut total = 0;
        for &(code, weight) in weights {
            let Some((_, label)) = rows.iter().find(|(c, _)| c == code) else {
                bail!("the built-in vocabulary {vocabulary} has no code {code:?}");
            };
            total += weight;
            choice.codes.push(code.to_string());
            choice.labels.push(label.clone());
            choice.cumulative.push(total);
        }
        Ok(choice)
    }

    pub(super) fn code(&self, vocabulary: &str, code: &str) -> Result<String> {
        Ok(self.choice(vocabulary, &[(code, 1)])?.codes.remove(0))
    }
}

pub(super) struct Choice {
    pub(super) codes: Vec<String>,
    pub(super) labels: Vec<String>,
    pub(super) cumulative: Vec<u32>,
}

impl Choice {
    pub(super) fn pick(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().expect("a choice has codes");
        let ticket = rng.below(u64::from(total)) as u32;
        self.cumulative.partition_point(|&c| c <= ticket)
    }

    pub(super) fn code(&self, index: usize) -> &str {
        &self.codes[index]
    }

    pub(super) fn label(&self, index: usize) -> &str {
        &self.labels[index]
    }
}

/// The codes the generator uses, checked against the built-in vocabularies up front.
pub(super) struct Codes {
    pub(super) actor_kinds: ActorKinds,
    pub(super) place_kinds: Choice,
    pub(super) geo_precisions: Choice,
    pub(super) document_kinds: Choice,
    pub(super) cited_kinds: Choice,
    /// Event kinds for top-level events, sub-events and incidents.
    pub(super) event_kinds: [Choice; 3],
    pub(super) roles: Roles,
    pub(super) statement_kinds: Choice,
    pub(super) stances: Choice,
    pub(super) categories: Choice,
    pub(super) outcomes: Choice,
    /// A claim about the losses of the one side it names.
    pub(super) one_side: String,
}

pub(super) struct ActorKinds {
    pub(super) state: String,
    pub(super) de_facto_state: String,
    pub(super) government_body: String,
    pub(super) armed_force: String,
    pub(super) person: String,
    pub(super) organisations: Choice,
}

pub(super) struct Roles {
    pub(super) side: String,
    pub(super) mediator: String,
    pub(super) participant: String,
}

impl Codes {
    pub(super) fn new(v: &Vocabularies) -> Result<Codes> {
        Ok(Codes {
            actor_kinds: ActorKinds {
                state: v.code("actor_kinds", "state")?,
                de_facto_state: v.code("actor_kinds", "de_facto_state")?,
                government_body: v.code("actor_kinds", "government_body")?,
                armed_force: v.code("actor_kinds", "armed_force")?,
                person: v.code("actor_kinds", "person")?,
                organisations: v.choice(
                    "actor_kinds",
                    &[
                        ("intergovernmental_org", 15),
                        ("ngo", 30),
                        ("media", 30),
                        ("group", 15),
                        ("population", 10),
                    ],
                )?,
            },
            place_kinds: v.choice(
                "place_kinds",
                &[
                    ("village", 45),
                    ("town", 25),
                    ("city", 8),
                    ("area", 12),
                    ("region", 10),
                ],
            )?,
            geo_precisions: v.choice(
                "geo_precisions",
                &[
                    ("exact", 60),
                    ("near", 25),
                    ("district", 10),
                    ("province", 5),
                ],
            )?,
            document_kinds: v.choice(
                "source_kinds",
                &[
                    ("encyclopedia", 20),
                    ("news", 35),
                    ("analysis", 25),
                    ("think_tank", 10),
                    ("official", 10),
                ],
            )?,
            cited_kinds: v.choice(
                "source_kinds",
                &[
                    ("news", 40),
                    ("academic", 10),
                    ("ngo_report", 15),
                    ("book", 10),
                    ("official", 15),
                    ("archive", 5),
                    ("social", 5),
                ],
            )?,
            event_kinds: [
                v.choice(
                    "event_kinds",
                    &[
                        ("war", 70),
                        ("offensive", 15),
                        ("siege", 10),
                        ("population_transfer", 5),
                    ],
                )?,
                v.choice(
                    "event_kinds",
                    &[
                        ("offensive", 30),
                        ("siege", 10),
                        ("shelling", 20),
                        ("ceasefire", 15),
                        ("diplomatic", 10),
                        ("mobilization", 5),
                        ("deployment", 10),
                    ],
                )?,
                v.choice(
                    "event_kinds",
                    &[
                        ("clash", 300),
                        ("shelling", 150),
                        ("drone_strike", 80),
                        ("missile_strike", 50),
                        ("air_strike", 30),
                        ("ceasefire", 40),
                        ("agreement", 15),
                        ("protest", 60),
                        ("political", 60),
                        ("diplomatic", 80),
                        ("massacre", 8),
                        ("pogrom", 4),
                        ("cyberattack", 20),
                        ("deployment", 30),
                        ("military_exercise", 20),
                        ("population_transfer", 10),
                        ("mobilization", 10),
                        ("census", 2),
                        ("military_parade", 6),
                    ],
                )?,
            ],
            roles: Roles {
                side: v.code("roles", "side")?,
                mediator: v.code("roles", "mediator")?,
                participant: v.code("roles", "participant")?,
            },
            statement_kinds: v.choice(
                "statement_kinds",
                &[
                    ("make_statement", 20),
                    ("express_concern", 15),
                    ("condemn", 12),
                    ("accuse", 14),
                    ("deny", 8),
                    ("appeal_ceasefire", 8),
                    ("appeal_negotiate", 6),
                    ("support", 6),
                    ("claim", 10),
                    ("announce", 10),
                    ("demand", 5),
                    ("threaten", 2),
                    ("reject", 4),
                    ("defend", 3),
                    ("express_condolences", 3),
                    ("offer_mediation", 2),
                    ("mediate", 1),
                    ("declare_ceasefire", 1),
                    ("reduce_relations", 1),
                ],
            )?,
            stances: v.choice(
                "stances",
                &[("neutral", 50), ("pro_armenia", 25), ("pro_azerbaijan", 25)],
            )?,
            categories: v.choice(
                "casualty_categories",
                &[("military", 55), ("civilian", 35), ("unknown", 10)],
            )?,
            outcomes: v.choice(
                "casualty_outcomes",
                &[
                    ("killed", 35),
                    ("wounded", 25),
                    ("killed_or_wounded", 5),
                    ("missing", 5),
                    ("captured", 5),
                    ("displaced", 10),
                    ("houses_damaged", 7),
                    ("facilities_damaged", 3),
                    ("equipment_destroyed", 5),
                ],
            )?,
            one_side: v.code("casualty_scopes", "one_side")?,
        })
    }
}

/// How a statement of each kind reads in a summary.
pub(super) fn statement_phrase(kind: &str) -> &'static str {
    match kind {
        "express_concern" => "expressed concern over",
        "express_condolences" => "expressed condolences over",
        "appeal_ceasefire" => "called for a ceasefire in",
        "appeal_negotiate" => "called for talks on",
        "offer_mediation" => "offered to mediate in",
        "mediate" => "mediated in",
        "support" => "voiced support in",
        "defend" => "defended its conduct in",
        "condemn" => "condemned",
        "accuse" => "made accusations over",
        "deny" => "denied reports of",
        "demand" => "made demands over",
        "threaten" => "issued a warning over",
        "reject" => "rejected claims about",
        "claim" => "made claims about",
        "announce" => "made an announcement on",
        "declare_ceasefire" => "declared a ceasefire in",
        "reduce_relations" => "downgraded relations over",
        _ => "commented on",
    }
}
