//! `synth --format acled`: a synthetic file in ACLED's layout since March 2023, of any size, for
//! `import`'s tests and benchmark (ACLED's own data may not be redistributed). Every row is a
//! function of the seed and its row number; actors, places and sources come from pools that grow
//! with the file, a few of them named by most rows, as in real exports.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};

use super::rng::{Rng, Skew};
use crate::import::acled::{HEADER_2023, KINDS};

/// States whose forces, civilians and protesters the rows name.
const STATES: &[&str] = &[
    "Azerbaijan",
    "Armenia",
    "Georgia",
    "Turkey",
    "Iran",
    "Russia",
];

/// Writes `events` rows to `path`; returns the bytes written.
pub fn write(path: &Path, events: u64, seed: u64) -> Result<u64> {
    let file =
        std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut out = csv::WriterBuilder::new()
        .flexible(false)
        .from_writer(std::io::BufWriter::with_capacity(1 << 20, file));
    out.write_record(HEADER_2023)?;
    let actors = Skew::new((events / 200).max(50), seed, 1);
    let places = Skew::new((events / 50).max(20), seed, 2);
    let sources = Skew::new((events / 100).max(20), seed, 3);
    // Types a real file holds most of: battles, remote violence, protests.
    let kinds: Vec<(&str, &str)> = KINDS
        .iter()
        .filter(|(_, sub, _)| !sub.is_empty())
        .map(|(t, s, _)| (*t, *s))
        .collect();
    let mut row: Vec<String> = vec![String::new(); HEADER_2023.len()];
    for n in 0..events {
        let mut rng = Rng::for_row(seed, 10, n);
        let state = STATES[rng.below(STATES.len() as u64) as usize];
        let (event_type, sub_event_type) = kinds[rng.below(kinds.len() as u64) as usize];
        let day = time::Date::from_calendar_date(2018, time::Month::January, 1)
            .expect("a date")
            .saturating_add(time::Duration::days(rng.below(6 * 365) as i64));
        let (actor1, inter1) = actor(actors.pick(&mut rng), state);
        let against_civilians = event_type == "Violence against civilians";
        let (actor2, inter2) = match (against_civilians, rng.percent(70)) {
            (true, _) => (format!("Civilians ({state})"), 7),
            (false, true) => actor(actors.pick(&mut rng), state),
            (false, false) => (String::new(), 0),
        };
        let place = places.pick(&mut rng);
        let location = format!("Town {place}");
        let latitude = 38.0 + (place % 400) as f64 / 100.0;
        let longitude = 44.0 + (place / 400 % 600) as f64 / 100.0;
        let listed: Vec<String> = (0..rng.between(1, 3))
            .map(|_| format!("Synthetic Wire {}", sources.pick(&mut rng)))
            .collect();
        let fatalities = match rng.below(100) {
            0..=59 => "0".to_string(),
            60..=97 => rng.between(1, 20).to_string(),
            _ => "NA".to_string(),
        };
        let values: [String; 31] = [
            format!("SYN{}", n + 1),
            format!("{} {} {}", day.day(), day.month(), day.year()),
            day.year().to_string(),
            match rng.below(100) {
                0..=84 => "1",
                85..=94 => "2",
                _ => "3",
            }
            .to_string(),
            if event_type == "Protests" || event_type == "Riots" {
                "Demonstrations".into()
            } else {
                "Political violence".into()
            },
            event_type.into(),
            sub_event_type.into(),
            actor1,
            if rng.percent(10) {
                format!("Residents ({state})")
            } else {
                String::new()
            },
            inter1.to_string(),
            actor2,
            String::new(),
            if inter2 == 0 {
                String::new()
            } else {
                inter2.to_string()
            },
            // The two inter codes, the lower first (one alone with a 0).
            match inter2 {
                0 => format!("{inter1}0"),
                _ => format!("{}{}", inter1.min(inter2), inter1.max(inter2)),
            },
            if against_civilians {
                "Civilian targeting".into()
            } else {
                String::new()
            },
            "31".into(),
            "Caucasus and Central Asia".into(),
            state.into(),
            format!("Province {}", place % 40),
            format!("District {}", place % 400),
            String::new(),
            location.clone(),
            format!("{latitude:.4}"),
            format!("{longitude:.4}"),
            rng.between(1, 3).to_string(),
            listed.join("; "),
            "National".into(),
            format!(
                "Synthetic event {}: {sub_event_type} reported near {location}; the sources give no further detail of the event or of those involved.",
                n + 1
            ),
            fatalities,
            if rng.percent(10) {
                "crowd size=no report".into()
            } else {
                String::new()
            },
            (1_600_000_000 + n).to_string(),
        ];
        for (slot, value) in row.iter_mut().zip(values) {
            *slot = value;
        }
        out.write_record(&row)?;
    }
    let mut inner = out.into_inner().map_err(|e| e.into_error())?;
    inner.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// The `n`th actor of the pool and its inter code: state forces, rebels, militias, protesters.
fn actor(n: u64, state: &str) -> (String, u64) {
    match n % 10 {
        0..=2 => (format!("Military Forces of {state} (2003-)"), 1),
        3 => (format!("Police Forces of {state} (2003-)"), 1),
        4 | 5 => (format!("Synthetic Rebel Group {n}"), 2),
        6 => (format!("Synthetic Political Militia {n}"), 3),
        7 => (format!("Communal Militia {n} ({state})"), 4),
        8 => (format!("Protesters ({state})"), 6),
        _ => (format!("Rioters ({state})"), 5),
    }
}
