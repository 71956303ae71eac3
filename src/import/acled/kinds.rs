//! ACLED's event types and sub-event types, old and new, and the event kind of
//! `seed/event_kinds.csv` each becomes (a test checks that the built-in vocabulary holds each
//! code with these ACLED values).

/// (event_type, sub_event_type, our event kind). Since 2019 a row has both; older files have an
/// event type alone, in the older names. Compared without case.
pub static KINDS: &[(&str, &str, &str)] = &[
    ("Battles", "Armed clash", "acled_armed_clash"),
    (
        "Battles",
        "Government regains territory",
        "acled_government_regains_territory",
    ),
    (
        "Battles",
        "Non-state actor overtakes territory",
        "acled_non_state_actor_overtakes_territory",
    ),
    (
        "Explosions/Remote violence",
        "Chemical weapon",
        "acled_chemical_weapon",
    ),
    (
        "Explosions/Remote violence",
        "Air/drone strike",
        "acled_air_drone_strike",
    ),
    (
        "Explosions/Remote violence",
        "Suicide bomb",
        "acled_suicide_bomb",
    ),
    (
        "Explosions/Remote violence",
        "Shelling/artillery/missile attack",
        "acled_shelling_artillery_missile_attack",
    ),
    (
        "Explosions/Remote violence",
        "Remote explosive/landmine/IED",
        "acled_remote_explosive_landmine_ied",
    ),
    ("Explosions/Remote violence", "Grenade", "acled_grenade"),
    (
        "Violence against civilians",
        "Sexual violence",
        "acled_sexual_violence",
    ),
    ("Violence against civilians", "Attack", "acled_attack"),
    (
        "Violence against civilians",
        "Abduction/forced disappearance",
        "acled_abduction_forced_disappearance",
    ),
    ("Protests", "Peaceful protest", "acled_peaceful_protest"),
    (
        "Protests",
        "Protest with intervention",
        "acled_protest_with_intervention",
    ),
    (
        "Protests",
        "Excessive force against protesters",
        "acled_excessive_force_against_protesters",
    ),
    (
        "Riots",
        "Violent demonstration",
        "acled_violent_demonstration",
    ),
    ("Riots", "Mob violence", "acled_mob_violence"),
    ("Strategic developments", "Agreement", "acled_agreement"),
    ("Strategic developments", "Arrests", "acled_arrests"),
    (
        "Strategic developments",
        "Change to group/activity",
        "acled_change_to_group_activity",
    ),
    (
        "Strategic developments",
        "Disrupted weapons use",
        "acled_disrupted_weapons_use",
    ),
    (
        "Strategic developments",
        "Headquarters or base established",
        "acled_headquarters_or_base_established",
    ),
    (
        "Strategic developments",
        "Looting/property destruction",
        "acled_looting_property_destruction",
    ),
    (
        "Strategic developments",
        "Non-violent transfer of territory",
        "acled_non_violent_transfer_of_territory",
    ),
    ("Strategic developments", "Other", "acled_strategic_other"),
    // Before 2019: an event type alone.
    (
        "Battle-No change of territory",
        "",
        "acled_battle_no_change_of_territory",
    ),
    (
        "Battle-Government regains territory",
        "",
        "acled_battle_government_regains_territory",
    ),
    (
        "Battle-Non-state actor overtakes territory",
        "",
        "acled_battle_non_state_actor_overtakes_territory",
    ),
    ("Remote violence", "", "acled_remote_violence"),
    ("Riots/Protests", "", "acled_riots_protests"),
    ("Strategic development", "", "acled_strategic_development"),
    (
        "Violence against civilians",
        "",
        "acled_violence_against_civilians",
    ),
];

/// Spellings ACLED's files use besides the codebook's.
const ALSO: &[(&str, &str)] = &[(
    "excessive force against protestors",
    "excessive force against protesters",
)];

/// The event kind of an event type and sub-event type (empty before 2019).
pub fn kind(event_type: &str, sub_event_type: &str) -> Option<&'static str> {
    let sub = sub_event_type.to_lowercase();
    let sub = ALSO
        .iter()
        .find(|(other, _)| *other == sub)
        .map_or(sub.as_str(), |(_, ours)| ours);
    KINDS
        .iter()
        .find(|(t, s, _)| t.eq_ignore_ascii_case(event_type) && s.eq_ignore_ascii_case(sub))
        .map(|(_, _, kind)| *kind)
}

/// Whether the event type is Violence against civilians, where `actor2` is the victim.
pub fn is_violence_against_civilians(event_type: &str) -> bool {
    event_type.eq_ignore_ascii_case("Violence against civilians")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each kind is in the built-in vocabulary with its ACLED type and sub-type.
    #[test]
    fn every_kind_is_in_the_built_in_vocabulary_with_its_acled_values() {
        let file = crate::seed::BUILT_IN
            .get_file("event_kinds.csv")
            .unwrap()
            .contents();
        let mut reader = csv::Reader::from_reader(file);
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        for (event_type, sub, kind) in KINDS {
            let row = rows
                .iter()
                .find(|r| &r[0] == *kind)
                .unwrap_or_else(|| panic!("{kind} is not in seed/event_kinds.csv"));
            assert_eq!((&row[3], &row[4]), (*event_type, *sub), "{kind}");
            assert!(!row[2].is_empty(), "{kind} has a description");
        }
    }

    #[test]
    fn case_and_spelling_vary() {
        assert_eq!(
            kind("VIOLENCE AGAINST CIVILIANS", ""),
            Some("acled_violence_against_civilians")
        );
        assert_eq!(
            kind("Protests", "Excessive force against protestors"),
            Some("acled_excessive_force_against_protesters")
        );
        assert_eq!(kind("Battles", "Skirmish"), None);
    }
}
