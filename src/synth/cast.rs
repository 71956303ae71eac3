//! Actors, places and sources: the cast that events and claims refer to, held in memory.

use std::fmt::Write as _;

use anyhow::{Context, Result};

use super::dates::{any_day, pick_precision, push_date};
use super::generator::Synth;
use super::names::{
    letters, lowercase_first, made_up_name, other_spelling, person_aliases, person_name, push_slug,
    slug_key, MINISTRIES, ORGANISATIONS, PERSPECTIVES, PLACES, PLACE_ENDINGS, PROVINCES,
    PUBLISHERS, SOURCE_TOPICS, STATES, STATE_ENDINGS,
};
use super::rng::stream;
use super::writer::{Actor, ActorWriter, TableWriter};

impl Synth<'_> {
    // Actors: states → governments → ministries → persons, and organisations ------------------

    pub(super) fn actors(&mut self) -> Result<()> {
        let mut out = ActorWriter::new(self.dir)?;
        let mut rng = self.rng(stream::ACTORS, 0);
        let total = self.sizes.actors;
        let organisations = total / 5;
        let states = (total / 250).max(8);
        // Every state has at least itself and its government. Each party, being the most written
        // about, gets 1.5% of the rest (three times a typical state's share among 200 states) and
        // at least a ministry, its armed forces and two people; the other states share the rest.
        let party_states = 3;
        let spare = total - organisations - 2 * states;
        let party_extra = (spare * 3 / 200).max(4).min(spare / (2 * party_states));
        let others = states - party_states;
        let others_spare = spare - party_extra * party_states;
        let budgets: Vec<u64> = (0..states)
            .map(|state| {
                2 + if state < party_states {
                    party_extra
                } else {
                    others_spare / others + u64::from(state - party_states < others_spare % others)
                }
            })
            .collect();

        let kinds = &self.vocabulary.actor_kinds;
        for (state, &budget) in budgets.iter().enumerate() {
            let state = state as u64;
            let party = state < party_states;
            let (name, country) = match STATES.get(state as usize) {
                Some(&(name, country)) => (name.to_string(), country.to_string()),
                None => {
                    // ISO 3166 leaves the X and Q ranges to users: made-up states get codes there.
                    let made_up = state - STATES.len() as u64;
                    let country = match made_up / 676 {
                        0 => format!("X{}", letters(made_up % 676)),
                        1 => format!("Q{}", letters(made_up % 676)),
                        _ => String::new(),
                    };
                    (made_up_name(&mut rng, STATE_ENDINGS), country)
                }
            };
            let kind = if STATES.get(state as usize).is_some_and(|s| s.1.is_empty()) {
                &kinds.de_facto_state
            } else {
                &kinds.state
            };
            let aliases = [format!("Republic of {name}"), other_spelling(&name)];
            let state_actor = Actor {
                kind,
                name: &name,
                parent: None,
                country: &country,
                is_party: party,
                note: "",
                aliases: &aliases,
            };
            let state_id = out.add(&mut rng, state_actor)?;
            // Everyone under a state takes its country and its party flag from `state_actor`.
            let government_name = format!("Government of {name}");
            let government = out.add(
                &mut rng,
                Actor {
                    kind: &kinds.government_body,
                    name: &government_name,
                    parent: Some(state_id),
                    aliases: &[format!("{name} government"), String::new()],
                    ..state_actor
                },
            )?;
            if party {
                self.party_sides.extend([state_id, government]);
            }
            let rest = budget - 2;
            let ministries = if rest == 0 {
                0
            } else {
                (rest / 5).clamp(1, MINISTRIES.len() as u64)
            };
            let persons = rest - ministries;
            // The head of state and of government sit under the government itself.
            let heads = persons.min(2);
            for head in 0..heads {
                let person = person_name(&mut rng);
                let note = if head == 0 {
                    "Head of state"
                } else {
                    "Head of government"
                };
                let aliases = person_aliases(&person);
                out.add(
                    &mut rng,
                    Actor {
                        kind: &kinds.person,
                        name: &person,
                        parent: Some(government),
                        note,
                        aliases: &aliases,
                        ..state_actor
                    },
                )?;
            }
            let staff = persons - heads;
            for ministry in 0..ministries {
                let (ministry_name, acronym) = MINISTRIES[ministry as usize];
                let full_name = format!("{ministry_name} of {name}");
                let aliases = [
                    format!("{acronym} of {name}"),
                    format!("{name}'s {}", lowercase_first(ministry_name)),
                ];
                let ministry_id = out.add(
                    &mut rng,
                    Actor {
                        kind: &kinds.government_body,
                        name: &full_name,
                        parent: Some(government),
                        aliases: &aliases,
                        ..state_actor
                    },
                )?;
                let under = staff / ministries + u64::from(ministry < staff % ministries);
                for member in 0..under {
                    if ministry == 0 && member == 0 {
                        let forces = format!("Armed Forces of {name}");
                        let force = out.add(
                            &mut rng,
                            Actor {
                                kind: &kinds.armed_force,
                                name: &forces,
                                parent: Some(ministry_id),
                                aliases: &[format!("{name} army"), String::new()],
                                ..state_actor
                            },
                        )?;
                        if party {
                            self.party_sides.extend([ministry_id, force]);
                        }
                        continue;
                    }
                    let person = person_name(&mut rng);
                    let note = match member {
                        0 => format!("Head of the {ministry_name}"),
                        1 if rng.percent(50) => "Spokesperson".to_string(),
                        _ => String::new(),
                    };
                    let aliases = person_aliases(&person);
                    out.add(
                        &mut rng,
                        Actor {
                            kind: &kinds.person,
                            name: &person,
                            parent: Some(ministry_id),
                            note: &note,
                            aliases: &aliases,
                            ..state_actor
                        },
                    )?;
                }
            }
        }

        for organisation in 0..organisations {
            let (name, kind) = match ORGANISATIONS.get(organisation as usize) {
                Some(&(name, kind)) => {
                    let kind = kinds
                        .organisations
                        .codes
                        .iter()
                        .position(|c| c == kind)
                        .context("organisation kinds")?;
                    (name.to_string(), kind)
                }
                None => {
                    let kind = kinds.organisations.pick(&mut rng);
                    let base = made_up_name(&mut rng, PLACE_ENDINGS);
                    let name = match kinds.organisations.code(kind) {
                        "intergovernmental_org" => format!("{base} Cooperation Council"),
                        "ngo" => format!("{base} Human Rights Centre"),
                        "media" => format!("{base} Daily"),
                        "group" => format!("{base} Volunteer Battalion"),
                        _ => format!("Displaced people of {base}"),
                    };
                    (name, kind)
                }
            };
            let acronym: String = name
                .split(' ')
                .filter(|w| w.chars().next().is_some_and(char::is_uppercase))
                .filter_map(|w| w.chars().next())
                .collect();
            let aliases = [acronym, other_spelling(&name)];
            let kind = kinds.organisations.code(kind).to_string();
            out.add(
                &mut rng,
                Actor {
                    kind: &kind,
                    name: &name,
                    parent: None,
                    country: "",
                    is_party: false,
                    note: "",
                    aliases: &aliases,
                },
            )?;
        }

        self.actor_keys = std::mem::take(&mut out.keys);
        self.actor_names = std::mem::take(&mut out.names);
        self.counts.extend(out.finish()?);
        Ok(())
    }

    // Places -----------------------------------------------------------------------------------

    pub(super) fn places(&mut self) -> Result<()> {
        let mut out = TableWriter::create(self.dir, "places")?;
        let [key, name, kind, country, admin1, latitude, longitude, precision, notes] = out
            .columns([
                "key",
                "name",
                "kind",
                "country",
                "admin1",
                "latitude",
                "longitude",
                "geo_precision",
                "notes",
            ])?;
        let mut aliases = TableWriter::create(self.dir, "place_aliases")?;
        let [alias_place, alias] = aliases.columns(["place", "alias"])?;
        let mut rng = self.rng(stream::PLACES, 0);
        let codes = &self.vocabulary;
        for index in 0..self.sizes.places {
            let (place_name, other_name, kind_code, country_code, position) =
                match PLACES.get(index as usize) {
                    Some(&(place, other, kind, country, lat, lon)) => (
                        place.to_string(),
                        other.to_string(),
                        kind.to_string(),
                        country,
                        Some((lat, lon)),
                    ),
                    None => {
                        let place = made_up_name(&mut rng, PLACE_ENDINGS);
                        let other = if rng.percent(30) {
                            other_spelling(&place)
                        } else {
                            String::new()
                        };
                        let kind = codes.place_kinds.code(codes.place_kinds.pick(&mut rng));
                        let country = match rng.below(100) {
                            0..45 => "ARM",
                            45..95 => "AZE",
                            _ => "GEO",
                        };
                        let position = rng
                            .percent(90)
                            .then(|| (38.5 + 3.3 * rng.unit(), 43.5 + 7.0 * rng.unit()));
                        (place, other, kind.to_string(), country, position)
                    }
                };
            let place_key = slug_key(&place_name, index);
            out.put(key, &place_key);
            out.put(name, &place_name);
            out.put(kind, &kind_code);
            out.put(country, country_code);
            if index >= PLACES.len() as u64 && rng.percent(70) {
                if let Some((_, provinces)) = PROVINCES.iter().find(|(c, _)| *c == country_code) {
                    out.put(admin1, rng.pick(provinces));
                }
            }
            if let Some((lat, lon)) = position {
                out.put(latitude, format_args!("{lat:.4}"));
                out.put(longitude, format_args!("{lon:.4}"));
                let geo = codes.geo_precisions.pick(&mut rng);
                out.put(precision, codes.geo_precisions.code(geo));
            }
            if rng.percent(5) {
                out.put(
                    notes,
                    "Coordinates of the centre; the source names only the place.",
                );
            }
            out.end_row()?;
            let mut written_alias = false;
            for other in [other_name.as_str(), ""] {
                let other = if other.is_empty() && written_alias && rng.percent(15) {
                    format!("{place_name} District")
                } else {
                    other.to_string()
                };
                if !other.is_empty() && other != place_name {
                    aliases.put(alias_place, &place_key);
                    aliases.put(alias, &other);
                    aliases.end_row()?;
                    written_alias = true;
                }
            }
            self.place_keys.push(place_key);
            self.place_names.push(place_name);
        }
        self.finish(out)?;
        self.finish(aliases)
    }

    // Sources: documents, and the works they cite -------------------------------------------------

    pub(super) fn sources(&mut self) -> Result<()> {
        let mut out = TableWriter::create(self.dir, "sources")?;
        let [key, title, author, publisher, url, published_on, kind, perspective, cited_in, document, notes] =
            out.columns([
                "key",
                "title",
                "author",
                "publisher",
                "url",
                "published_on",
                "kind",
                "perspective",
                "cited_in",
                "document",
                "notes",
            ])?;
        let mut rng = self.rng(stream::SOURCES, 0);
        let documents = (self.sizes.sources / 10).max(2);
        let codes = &self.vocabulary;
        for index in 0..self.sizes.sources {
            let is_document = index < documents;
            let place = &self.place_names[self.hot_places.pick(&mut rng) as usize];
            let day = any_day(&mut rng);
            let year = day.year();
            let source_title = format!("{} {place} ({year})", rng.pick(SOURCE_TOPICS));
            let (publisher_name, domain) = rng.pick(PUBLISHERS);
            let mut source_key = String::from("src-");
            push_slug(&mut source_key, publisher_name);
            write!(source_key, "-{year}-{index}").expect("writing to a String cannot fail");
            out.put(key, &source_key);
            out.put(title, &source_title);
            if rng.percent(60) {
                out.put(author, person_name(&mut rng));
            }
            if rng.percent(70) {
                out.put(publisher, publisher_name);
            }
            if rng.percent(60) {
                let field = out.field(url);
                write!(field, "https://www.{domain}/{year}/").expect("String");
                push_slug(field, &source_title);
                write!(field, "-{index}").expect("String");
            }
            if rng.percent(85) {
                push_date(
                    out.field(published_on),
                    day,
                    pick_precision(&mut rng, 70, 25),
                );
            }
            let kinds = if is_document {
                &codes.document_kinds
            } else {
                &codes.cited_kinds
            };
            out.put(kind, kinds.code(kinds.pick(&mut rng)));
            if rng.percent(40) {
                out.put(perspective, rng.pick(PERSPECTIVES));
            }
            if is_document {
                out.put(document, format_args!("{index:03}_{:016x}.txt", rng.next()));
            } else if rng.percent(40) {
                out.put(cited_in, &self.source_keys[rng.below(documents) as usize]);
            }
            if rng.percent(5) {
                out.put(
                    notes,
                    "Publication date inferred from the events it reports.",
                );
            }
            out.end_row()?;
            self.source_keys.push(source_key);
        }
        self.finish(out)
    }
}
