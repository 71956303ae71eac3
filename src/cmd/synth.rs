//! `synth`: writes a valid seed directory of any size with the shapes of real data, for load
//! tests and benchmarks.
//!
//! Every table scales with the number of events (see [`Sizes`]). The large tables (events, their
//! link rows, statements, casualty claims) are streamed: an event's key, dates, kind, place and
//! parent are pure functions of the seed and its row number, so a statement that refers to event
//! 123456 computes that event's key instead of looking it up. Only the keys and names of actors,
//! places and sources are held in memory (a few megabytes at a million events). The same
//! `--rng-seed` always writes the same bytes.

use std::fmt::{Display, Write as _};
use std::io::Write as _;
use std::path::Path;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::cli::SynthArgs;
use crate::output::Sink;
use crate::schema::{self, TABLES};
use crate::seed::BUILT_IN;

pub fn run(args: &SynthArgs) -> Result<()> {
    let started = Instant::now();
    let counts = write(&args.out, args.events, args.rng_seed)?;
    let mut bytes = 0u64;
    for (name, _) in &counts {
        let path = args.out.join(format!("{name}.csv"));
        bytes += std::fs::metadata(&path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
    }
    let rows: u64 = counts.iter().map(|(_, rows)| rows).sum();
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "conflictdb: wrote {}: {} files, {rows} rows, {:.1} MB in {:.1}s; `conflictdb seed {}` loads it",
        args.out.display(),
        counts.len(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        args.out.display()
    )?;
    let width = counts.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    for (name, rows) in &counts {
        writeln!(err, "  {name:<width$}  {rows:>9}")?;
    }
    Ok(())
}

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

// Randomness --------------------------------------------------------------------------------------

/// splitmix64's output function: a good 64-bit mixer.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// splitmix64: small, fast and plenty for test data.
struct Rng(u64);

impl Rng {
    /// A generator for row `index` of `stream`: it gives the same values whenever and in
    /// whatever order rows are asked for, which is what lets references be computed.
    fn for_row(seed: u64, stream: u64, index: u64) -> Rng {
        Rng(mix(seed
            ^ mix(
                stream.wrapping_mul(GOLDEN) ^ mix(index.wrapping_add(GOLDEN))
            )))
    }

    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform in 0..n (n > 0).
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in low..=high.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }

    fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Zipf-like choice among n items: rank r comes up in proportion to about 1/(r+1), so a few items
/// get most of the picks. Ranks map to items through a fixed permutation, so the busiest items
/// are spread over the table rather than all at its top.
struct Skew {
    n: u64,
    stride: u64,
    offset: u64,
}

impl Skew {
    fn new(n: u64, seed: u64, stream: u64) -> Skew {
        let mut stride = (n as f64 * 0.618_033_988_7) as u64 | 1;
        while gcd(stride, n) != 1 {
            stride += 1;
        }
        Skew {
            n,
            stride,
            offset: Rng::for_row(seed, stream, 0).below(n),
        }
    }

    fn pick(&self, rng: &mut Rng) -> u64 {
        let rank = ((self.n as f64 + 1.0).powf(rng.unit()) as u64)
            .saturating_sub(1)
            .min(self.n - 1);
        ((u128::from(rank) * u128::from(self.stride) + u128::from(self.offset))
            % u128::from(self.n)) as u64
    }
}

fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Streams of the counter-based generator, one per kind of row.
mod stream {
    pub const ACTORS: u64 = 1;
    pub const PLACES: u64 = 2;
    pub const SOURCES: u64 = 3;
    pub const EVENT: u64 = 4;
    pub const EVENT_LINKS: u64 = 5;
    pub const STATEMENTS: u64 = 6;
    pub const CASUALTIES: u64 = 7;
    pub const SKEW_SPEAKERS: u64 = 10;
    pub const SKEW_PLACES: u64 = 11;
    pub const SKEW_SOURCES: u64 = 12;
    pub const SKEW_EVENTS: u64 = 13;
}

// Vocabularies ------------------------------------------------------------------------------------

/// The built-in vocabularies, copied verbatim into the output so that every code used exists.
struct Vocabularies {
    /// Vocabulary name → (code, label) rows.
    codes: Vec<(String, Vec<(String, String)>)>,
}

impl Vocabularies {
    fn copy_built_in(dir: &Path) -> Result<Vocabularies> {
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

    fn rows(&self, vocabulary: &str) -> Option<u64> {
        self.codes
            .iter()
            .find(|(name, _)| name == vocabulary)
            .map(|(_, rows)| rows.len() as u64)
    }

    /// A weighted choice among codes of `vocabulary`; refuses a code the vocabulary lacks.
    fn choice(&self, vocabulary: &str, weights: &[(&str, u32)]) -> Result<Choice> {
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

    fn code(&self, vocabulary: &str, code: &str) -> Result<String> {
        Ok(self.choice(vocabulary, &[(code, 1)])?.codes.remove(0))
    }
}

struct Choice {
    codes: Vec<String>,
    labels: Vec<String>,
    cumulative: Vec<u32>,
}

impl Choice {
    fn pick(&self, rng: &mut Rng) -> usize {
        let total = *self.cumulative.last().expect("a choice has codes");
        let ticket = rng.below(u64::from(total)) as u32;
        self.cumulative.partition_point(|&c| c <= ticket)
    }

    fn code(&self, index: usize) -> &str {
        &self.codes[index]
    }

    fn label(&self, index: usize) -> &str {
        &self.labels[index]
    }
}

// Dates -------------------------------------------------------------------------------------------

/// (year, month, day) of a day counted from 1970-01-01 (Howard Hinnant's civil_from_days).
fn civil(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let shifted_month = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
    let month = if shifted_month < 10 {
        shifted_month + 3
    } else {
        shifted_month - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The day number (from 1970-01-01) of a date.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (month + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Precision {
    Day,
    Month,
    Year,
}

impl Precision {
    /// Day, month or year in the proportions given (percent of day and of month; the rest year).
    fn pick(rng: &mut Rng, day: u64, month: u64) -> Precision {
        let ticket = rng.below(100);
        if ticket < day {
            Precision::Day
        } else if ticket < day + month {
            Precision::Month
        } else {
            Precision::Year
        }
    }

    /// The first day of the period holding `days`.
    fn floor(self, days: i64) -> i64 {
        let (year, month, _) = civil(days);
        match self {
            Precision::Day => days,
            Precision::Month => days_from_civil(year, month, 1),
            Precision::Year => days_from_civil(year, 1, 1),
        }
    }

    /// The last day of the period holding `days`.
    fn ceil(self, days: i64) -> i64 {
        let (year, month, _) = civil(days);
        match self {
            Precision::Day => days,
            Precision::Month if month == 12 => days_from_civil(year + 1, 1, 1) - 1,
            Precision::Month => days_from_civil(year, month + 1, 1) - 1,
            Precision::Year => days_from_civil(year + 1, 1, 1) - 1,
        }
    }
}

/// Writes `days` at `precision`: `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
fn push_date(out: &mut String, days: i64, precision: Precision) {
    let (year, month, day) = civil(days);
    match precision {
        Precision::Day => write!(out, "{year:04}-{month:02}-{day:02}"),
        Precision::Month => write!(out, "{year:04}-{month:02}"),
        Precision::Year => write!(out, "{year:04}"),
    }
    .expect("writing to a String cannot fail");
}

/// A date as a seed file gives it: a start, an optional end, one precision.
#[derive(Clone, Copy, Debug)]
struct Span {
    start: i64,
    end: Option<i64>,
    precision: Precision,
}

impl Span {
    /// The first day the loader stores.
    fn first(&self) -> i64 {
        self.precision.floor(self.start)
    }

    /// The last day the loader stores.
    fn last(&self) -> i64 {
        self.precision.ceil(self.end.unwrap_or(self.start))
    }

    /// A span from `start` lasting `days`, with an end date only where the end falls in a later
    /// period than the start (an end in the same month of a month-precision date says nothing).
    fn new(start: i64, days: i64, precision: Precision, with_end: bool) -> Span {
        let end = start + days;
        let end = (with_end && precision.floor(end) > precision.ceil(start)).then_some(end);
        Span {
            start,
            end,
            precision,
        }
    }
}

fn year_start(year: i64) -> i64 {
    days_from_civil(year, 1, 1)
}

/// A day in the decades the data covers: mostly 1988–2024, some back to 1918.
fn any_day(rng: &mut Rng) -> i64 {
    let (from, to) = if rng.percent(88) {
        (year_start(1988), year_start(2025))
    } else {
        (year_start(1918), year_start(1988))
    };
    from + rng.below((to - from) as u64) as i64
}

// Output ------------------------------------------------------------------------------------------

/// One seed file, written row by row with one reused record.
struct TableWriter {
    name: &'static str,
    columns: &'static [schema::Column],
    writer: csv::Writer<Sink>,
    record: Vec<String>,
    rows: u64,
}

impl TableWriter {
    fn create(dir: &Path, name: &'static str) -> Result<TableWriter> {
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
    fn columns<const N: usize>(&self, names: [&str; N]) -> Result<[usize; N]> {
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

    fn put(&mut self, column: usize, value: impl Display) {
        write!(self.record[column], "{value}").expect("writing to a String cannot fail");
    }

    fn field(&mut self, column: usize) -> &mut String {
        &mut self.record[column]
    }

    fn end_row(&mut self) -> Result<()> {
        self.writer.write_record(&self.record)?;
        for field in &mut self.record {
            field.clear();
        }
        self.rows += 1;
        Ok(())
    }

    fn finish(self) -> Result<Counted> {
        let sink = self
            .writer
            .into_inner()
            .map_err(|e| anyhow::anyhow!("cannot write {}.csv: {}", self.name, e.error()))?;
        sink.finish()?;
        Ok((self.name, self.rows))
    }
}

// Word lists --------------------------------------------------------------------------------------

/// States with their ISO codes; the first three are the parties to the conflict.
const STATES: &[(&str, &str)] = &[
    ("Armenia", "ARM"),
    ("Azerbaijan", "AZE"),
    ("Republic of Artsakh", ""),
    ("Russia", "RUS"),
    ("Turkey", "TUR"),
    ("Iran", "IRN"),
    ("Georgia", "GEO"),
    ("France", "FRA"),
    ("United States", "USA"),
    ("Germany", "DEU"),
    ("United Kingdom", "GBR"),
    ("Pakistan", "PAK"),
    ("Israel", "ISR"),
    ("Kazakhstan", "KAZ"),
    ("Ukraine", "UKR"),
    ("Greece", "GRC"),
    ("Cyprus", "CYP"),
    ("China", "CHN"),
    ("India", "IND"),
    ("Italy", "ITA"),
    ("Canada", "CAN"),
    ("Belarus", "BLR"),
    ("Moldova", "MDA"),
    ("Uzbekistan", "UZB"),
    ("Turkmenistan", "TKM"),
    ("Hungary", "HUN"),
    ("Poland", "POL"),
    ("Romania", "ROU"),
    ("Saudi Arabia", "SAU"),
    ("Egypt", "EGY"),
    ("Lebanon", "LBN"),
    ("Syria", "SYR"),
    ("Iraq", "IRQ"),
    ("Albania", "ALB"),
    ("Argentina", "ARG"),
    ("Uruguay", "URY"),
];

const ORGANISATIONS: &[(&str, &str)] = &[
    ("United Nations", "intergovernmental_org"),
    ("OSCE Minsk Group", "intergovernmental_org"),
    ("European Union", "intergovernmental_org"),
    (
        "Collective Security Treaty Organization",
        "intergovernmental_org",
    ),
    ("Human Rights Watch", "ngo"),
    ("Amnesty International", "ngo"),
    ("International Committee of the Red Cross", "ngo"),
    ("BBC News", "media"),
    ("Karabakh Armenians", "population"),
    ("Azerbaijanis of Armenia", "population"),
];

const MINISTRIES: &[(&str, &str)] = &[
    ("Ministry of Defence", "MoD"),
    ("Ministry of Foreign Affairs", "MFA"),
    ("Ministry of Internal Affairs", "MIA"),
    ("Ministry of Emergency Situations", "MES"),
    ("National Security Service", "NSS"),
    ("State Border Service", "SBS"),
    ("Office of the Human Rights Defender", "HRD"),
    ("Ministry of Justice", "MoJ"),
    ("Ministry of Health", "MoH"),
    ("Ministry of Economy", "MoE"),
    ("Ministry of Finance", "MoF"),
    ("Ministry of Education", "MoEd"),
    ("Ministry of Culture", "MoC"),
    ("Ministry of Energy", "MoEn"),
    ("Ministry of Transport", "MoT"),
    ("Ministry of Agriculture", "MoA"),
    ("Ministry of Labour", "MoL"),
    ("Ministry of Environment", "MoEnv"),
    ("Ministry of Territorial Administration", "MTA"),
    ("Ministry of Digital Development", "MDD"),
];

const FIRST_NAMES: &[&str] = &[
    "Aram", "Anahit", "Davit", "Gohar", "Narek", "Ani", "Tigran", "Lilit", "Ilham", "Leyla",
    "Elnur", "Aygün", "Rashad", "Günel", "Sergey", "Maria", "Mevlüt", "Ayşe", "Jean", "Anna",
    "John", "Elif", "Nikol", "Jeyhun", "Hikmet", "Zaur", "Armine", "Samvel", "Vagif", "Ruben",
    "Olivier", "Irakli", "Nino", "Hossein", "Zarifa", "Kamran",
];

const SURNAMES: &[&str] = &[
    "Petrosyan",
    "Sargsyan",
    "Grigoryan",
    "Hakobyan",
    "Mirzoyan",
    "Aliyev",
    "Mammadov",
    "Hasanov",
    "Huseynov",
    "Bayramov",
    "Hajizada",
    "Çavuşoğlu",
    "Əhmədov",
    "Ivanov",
    "Zakharova",
    "Müller",
    "Dubois",
    "Smith",
    "Kobakhidze",
    "Rezaei",
    "Karimova",
    "Abdullayev",
    "Tonoyan",
    "Avetisyan",
];

const SYLLABLES: &[&str] = &[
    "ar", "ba", "da", "ga", "ka", "la", "ma", "na", "ra", "sa", "ta", "va", "za", "ber", "dan",
    "gor", "kar", "lin", "mar", "nor", "sar", "tav", "vaz", "zan", "shen", "dzor", "ker", "li",
    "lu", "ri", "ro", "ya", "ash", "gol", "vel", "tash",
];

const PLACE_ENDINGS: &[&str] = &[
    "kert", "shen", "abad", "li", "van", "dzor", "kend", "ashen", "lu", "tap", "", "", "",
];

const STATE_ENDINGS: &[&str] = &["ia", "istan", "ania", "ova", "land", "eria"];

/// Places of the conflict with coordinates and their other names.
const PLACES: &[(&str, &str, &str, &str, f64, f64)] = &[
    ("Stepanakert", "Khankendi", "city", "AZE", 39.8153, 46.7519),
    ("Shusha", "Shushi", "town", "AZE", 39.7539, 46.7465),
    ("Ganja", "Gəncə", "city", "AZE", 40.6828, 46.3606),
    ("Yerevan", "Erevan", "city", "ARM", 40.1792, 44.4991),
    ("Baku", "Bakı", "city", "AZE", 40.4093, 49.8671),
    ("Tavush", "", "region", "ARM", 40.8700, 45.1500),
    ("Tovuz", "", "town", "AZE", 40.9922, 45.6289),
    ("Lachin", "Berdzor", "town", "AZE", 39.6383, 46.5461),
    ("Kalbajar", "Karvachar", "town", "AZE", 40.1075, 46.0389),
    ("Agdam", "Akna", "town", "AZE", 39.9911, 46.9297),
    ("Fuzuli", "Varanda", "town", "AZE", 39.6008, 47.1431),
    ("Jabrayil", "Jrakan", "town", "AZE", 39.3992, 47.0289),
    ("Hadrut", "", "town", "AZE", 39.5200, 46.9800),
    ("Martakert", "Aghdara", "town", "AZE", 40.2167, 46.8167),
    ("Jermuk", "", "town", "ARM", 39.8400, 45.6700),
    ("Vardenis", "Basarkechar", "town", "ARM", 40.1800, 45.7200),
    ("Nakhchivan", "Naxçıvan", "exclave", "AZE", 39.2089, 45.4122),
    ("Syunik", "Zangezur", "region", "ARM", 39.5000, 46.0000),
    ("Goris", "", "town", "ARM", 39.5111, 46.3386),
    ("Sotk", "Zod", "village", "ARM", 40.2167, 45.9500),
];

const PROVINCES: &[(&str, &[&str])] = &[
    (
        "ARM",
        &[
            "Tavush",
            "Syunik",
            "Gegharkunik",
            "Vayots Dzor",
            "Ararat",
            "Lori",
        ],
    ),
    (
        "AZE",
        &[
            "Tovuz", "Gazakh", "Aghdam", "Fuzuli", "Jabrayil", "Lachin", "Kalbajar",
        ],
    ),
    ("GEO", &["Kvemo Kartli", "Samtskhe-Javakheti", "Kakheti"]),
];

const PUBLISHERS: &[(&str, &str)] = &[
    ("BBC News", "bbc.co.uk"),
    ("Reuters", "reuters.com"),
    ("RFE/RL", "rferl.org"),
    ("Eurasianet", "eurasianet.org"),
    ("OC Media", "oc-media.org"),
    ("APA", "apa.az"),
    ("Armenpress", "armenpress.am"),
    ("TASS", "tass.com"),
    ("Anadolu Agency", "aa.com.tr"),
    ("Al Jazeera", "aljazeera.com"),
    ("JAMnews", "jam-news.net"),
    ("Trend", "trend.az"),
    ("CivilNet", "civilnet.am"),
    ("Crisis Group", "crisisgroup.org"),
];

const PERSPECTIVES: &[&str] = &[
    "Azerbaijani state media",
    "Armenian state media",
    "Independent regional outlet",
    "International wire service",
    "Written from the Azerbaijani side",
    "Written from the Armenian side",
    "Neutral explainer",
    "Russian state media",
    "Turkish state media",
];

const SOURCE_TOPICS: &[&str] = &[
    "Clashes on the border near",
    "Ceasefire talks over",
    "Shelling reported around",
    "The humanitarian situation in",
    "Casualty figures from",
    "The road to peace in",
    "Displacement from",
    "International reactions to fighting in",
    "Mines and unexploded ordnance in",
    "Border delimitation around",
];

/// Turns a name into a key fragment: lowercase ASCII letters and digits joined by hyphens, with
/// the letters of the region's alphabets folded to ASCII.
fn push_slug(out: &mut String, text: &str) {
    // A hyphen joins this fragment to one already written, not to a separator like `/`.
    let mut dash = out.ends_with(|c: char| c.is_ascii_alphanumeric());
    for c in text.chars() {
        let folded = match c {
            'a'..='z' | '0'..='9' => Some(c),
            'A'..='Z' => Some(c.to_ascii_lowercase()),
            'ə' | 'Ə' | 'ä' | 'á' | 'à' => Some('a'),
            'ğ' | 'Ğ' => Some('g'),
            'ı' | 'İ' | 'í' => Some('i'),
            'ö' | 'Ö' | 'ó' => Some('o'),
            'ü' | 'Ü' | 'ú' => Some('u'),
            'ş' | 'Ş' => Some('s'),
            'ç' | 'Ç' => Some('c'),
            'é' | 'è' => Some('e'),
            _ => None,
        };
        match folded {
            Some(c) => {
                if dash {
                    out.push('-');
                    dash = false;
                }
                out.push(c);
            }
            None => dash = out.ends_with(|c: char| c.is_ascii_alphanumeric()),
        }
    }
}

fn slug_key(name: &str, index: u64) -> String {
    let mut key = String::with_capacity(name.len() + 8);
    push_slug(&mut key, name);
    write!(key, "-{index}").expect("writing to a String cannot fail");
    key
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn made_up_name(rng: &mut Rng, endings: &[&str]) -> String {
    let mut name = String::new();
    for _ in 0..rng.between(2, 3) {
        name.push_str(rng.pick(SYLLABLES));
    }
    name.push_str(rng.pick(endings));
    capitalized(&name)
}

fn person_name(rng: &mut Rng) -> String {
    format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(SURNAMES))
}

/// Another spelling of a name, as transliterations give them (Petrosyan/Petrosian).
fn other_spelling(name: &str) -> String {
    const CHANGES: &[(&str, &str)] = &[
        ("yan", "ian"),
        ("yev", "ev"),
        ("ov", "off"),
        ("kh", "x"),
        ("sh", "ş"),
        ("ch", "ç"),
        ("ia", "iya"),
        ("k", "q"),
        ("e", "ə"),
        ("u", "ü"),
    ];
    for (from, to) in CHANGES {
        if name.contains(from) {
            return name.replacen(from, to, 1);
        }
    }
    format!("{name} (variant)")
}

// The generator -----------------------------------------------------------------------------------

/// Events form blocks: a top-level event (a war, an offensive), with sub-events every
/// `SUB_BLOCK` rows, and incidents under those.
const BLOCK: u64 = 50;
const SUB_BLOCK: u64 = 10;
/// Incidents whose parent is the next sub-event, defined further down the file.
const FORWARD_PARENT_PERCENT: u64 = 4;

/// What an event is, computed from its row number alone.
struct EventSpec {
    level: usize,
    kind: usize,
    span: Span,
    place: Option<u64>,
    parent: Option<u64>,
}

struct Synth<'a> {
    dir: &'a Path,
    seed: u64,
    sizes: Sizes,
    counts: Vec<(&'static str, u64)>,

    actor_keys: Vec<String>,
    actor_names: Vec<String>,
    /// Party states, their governments, defence ministries and armed forces: the usual sides
    /// of a clash and claimants of its casualties.
    party_sides: Vec<u64>,
    place_keys: Vec<String>,
    place_names: Vec<String>,
    source_keys: Vec<String>,

    speakers: Skew,
    hot_places: Skew,
    busy_sources: Skew,
    big_events: Skew,

    vocabulary: Codes,
}

/// The codes the generator uses, checked against the built-in vocabularies up front.
struct Codes {
    actor_kinds: ActorKinds,
    place_kinds: Choice,
    geo_precisions: Choice,
    document_kinds: Choice,
    cited_kinds: Choice,
    /// Event kinds for top-level events, sub-events and incidents.
    event_kinds: [Choice; 3],
    roles: Roles,
    statement_kinds: Choice,
    stances: Choice,
    categories: Choice,
    outcomes: Choice,
}

struct ActorKinds {
    state: String,
    de_facto_state: String,
    government_body: String,
    armed_force: String,
    person: String,
    organisations: Choice,
}

struct Roles {
    side_a: String,
    side_b: String,
    mediator: String,
    participant: String,
}

impl Codes {
    fn new(v: &Vocabularies) -> Result<Codes> {
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
                side_a: v.code("roles", "side_a")?,
                side_b: v.code("roles", "side_b")?,
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
        })
    }
}

/// How a statement of each kind reads in a summary.
fn statement_phrase(kind: &str) -> &'static str {
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

impl<'a> Synth<'a> {
    fn new(
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

    fn rng(&self, stream: u64, index: u64) -> Rng {
        Rng::for_row(self.seed, stream, index)
    }

    fn finish(&mut self, writer: TableWriter) -> Result<()> {
        let counted = writer.finish()?;
        self.counts.push(counted);
        Ok(())
    }

    // Actors: states → governments → ministries → persons, and organisations ------------------

    fn actors(&mut self) -> Result<()> {
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
            let state_id = out.add(&mut rng, kind, &name, None, &country, party, "", &aliases)?;
            let government_name = format!("Government of {name}");
            let government = out.add(
                &mut rng,
                &kinds.government_body,
                &government_name,
                Some(state_id),
                &country,
                party,
                "",
                &[format!("{name} government"), String::new()],
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
                    &kinds.person,
                    &person,
                    Some(government),
                    &country,
                    party,
                    note,
                    &aliases,
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
                    &kinds.government_body,
                    &full_name,
                    Some(government),
                    &country,
                    party,
                    "",
                    &aliases,
                )?;
                let under = staff / ministries + u64::from(ministry < staff % ministries);
                for member in 0..under {
                    if ministry == 0 && member == 0 {
                        let forces = format!("Armed Forces of {name}");
                        let force = out.add(
                            &mut rng,
                            &kinds.armed_force,
                            &forces,
                            Some(ministry_id),
                            &country,
                            party,
                            "",
                            &[format!("{name} army"), String::new()],
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
                        &kinds.person,
                        &person,
                        Some(ministry_id),
                        &country,
                        party,
                        &note,
                        &aliases,
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
            out.add(&mut rng, &kind, &name, None, "", false, "", &aliases)?;
        }

        self.actor_keys = std::mem::take(&mut out.keys);
        self.actor_names = std::mem::take(&mut out.names);
        self.counts.extend(out.finish()?);
        Ok(())
    }

    // Places -----------------------------------------------------------------------------------

    fn places(&mut self) -> Result<()> {
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

    fn sources(&mut self) -> Result<()> {
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
            let year = civil(day).0;
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
                    Precision::pick(&mut rng, 70, 25),
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

    // Events -------------------------------------------------------------------------------------

    /// Event `index`: a pure function of the seed and the row number.
    fn event(&self, index: u64) -> EventSpec {
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
                let precision = Precision::pick(&mut rng, 45, 40);
                let days = rng.between(30, 1500) as i64;
                Span::new(any_day(&mut rng), days, precision, rng.percent(90))
            }
            (_, parent) => {
                let (from, to) = match parent {
                    Some(parent) => {
                        let span = self.event(parent).span;
                        (span.first(), span.last())
                    }
                    None => (year_start(1988), year_start(2025) - 1),
                };
                let start = from + rng.below((to - from + 1) as u64) as i64;
                let (precision, days, with_end) = if level == 1 {
                    let precision = Precision::pick(&mut rng, 60, 40);
                    (precision, rng.between(3, 90) as i64, rng.percent(70))
                } else {
                    let precision = Precision::pick(&mut rng, 75, 18);
                    (precision, rng.between(1, 14) as i64, rng.percent(15))
                };
                Span::new(start, days.min(to - start).max(1), precision, with_end)
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

    fn push_event_key(&self, out: &mut String, index: u64, spec: &EventSpec) {
        push_date(out, spec.span.start, spec.span.precision);
        out.push('-');
        push_slug(out, self.vocabulary.event_kinds[spec.level].code(spec.kind));
        write!(out, "-{index}").expect("writing to a String cannot fail");
    }

    fn event_title(&self, spec: &EventSpec) -> String {
        let label = self.vocabulary.event_kinds[spec.level].label(spec.kind);
        let place = spec.place.map(|p| self.place_names[p as usize].as_str());
        match (spec.level, place) {
            (0, Some(place)) => format!(
                "{place} {} of {}",
                label.to_lowercase(),
                civil(spec.span.first()).0
            ),
            (0, None) => format!("{label} of {}", civil(spec.span.first()).0),
            (1, Some(place)) => format!("{label} on {place}"),
            (_, Some(place)) => format!("{label} near {place}"),
            (_, None) => label.to_string(),
        }
    }

    fn events(&mut self) -> Result<()> {
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
            let side_a = rng.pick(&self.party_sides);
            let mut rows: [(u64, &str); 4] = [(side_a, roles.side_a.as_str()); 4];
            let mut count = 1;
            if rng.percent(70) {
                let side_b = rng.pick(&self.party_sides);
                if side_b != side_a {
                    rows[count] = (side_b, roles.side_b.as_str());
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

    // Claims -------------------------------------------------------------------------------------

    /// An event that statements or claims refer to: half uniformly, half skewed towards the
    /// events many react to.
    fn referenced_event(&self, rng: &mut Rng) -> u64 {
        if rng.percent(50) {
            rng.below(self.sizes.events)
        } else {
            self.big_events.pick(rng)
        }
    }

    fn statements(&mut self) -> Result<()> {
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
                Some((_, spec)) => spec.span.first() + rng.below(21) as i64,
                None => any_day(&mut rng),
            };
            let precision = Precision::pick(&mut rng, 80, 15);
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

    fn casualties(&mut self) -> Result<()> {
        let mut out = TableWriter::create(self.dir, "casualties")?;
        let [key, event, side, category, outcome, low, best, high, claimed_by, source, quote, as_of, notes] =
            out.columns([
                "key",
                "event",
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
                let day = spec.span.last() + rng.below(60) as i64;
                push_date(out.field(as_of), day, Precision::pick(&mut rng, 70, 25));
            }
            if rng.percent(5) {
                out.put(notes, "Figure as claimed; not independently verified.");
            }
            out.end_row()?;
        }
        self.finish(out)
    }
}

/// Two letters for 0..676: aa, ab, ... zz (uppercase).
fn letters(n: u64) -> String {
    let first = (b'A' + (n / 26) as u8) as char;
    let second = (b'A' + (n % 26) as u8) as char;
    format!("{first}{second}")
}

fn person_aliases(name: &str) -> [String; 2] {
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    let initial: String = first.chars().take(1).collect();
    [format!("{initial}. {last}"), other_spelling(name)]
}

/// A file written and its rows.
type Counted = (&'static str, u64);

/// The actors file and its aliases, written together.
struct ActorWriter {
    actors: TableWriter,
    aliases: TableWriter,
    columns: [usize; 7],
    alias_columns: [usize; 2],
    keys: Vec<String>,
    names: Vec<String>,
}

impl ActorWriter {
    fn new(dir: &Path) -> Result<ActorWriter> {
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

    /// Writes one actor and, for about one in five, one or two of `aliases`; returns its index.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        rng: &mut Rng,
        kind: &str,
        name: &str,
        parent: Option<u64>,
        country: &str,
        party: bool,
        note: &str,
        aliases: &[String; 2],
    ) -> Result<u64> {
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
        out.put(party_column, if party { "1" } else { "0" });
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

    fn finish(self) -> Result<[Counted; 2]> {
        Ok([self.actors.finish()?, self.aliases.finish()?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip_through_calendar_dates() {
        for days in (days_from_civil(1900, 1, 1)..days_from_civil(2100, 1, 1)).step_by(7) {
            let (year, month, day) = civil(days);
            assert_eq!(days_from_civil(year, month, day), days);
            let date = time::Date::from_julian_day(days as i32 + 2_440_588).unwrap();
            assert_eq!(
                (year, month, day),
                (
                    i64::from(date.year()),
                    i64::from(u8::from(date.month())),
                    i64::from(date.day())
                )
            );
        }
    }

    #[test]
    fn month_and_year_periods_cover_their_days() {
        let leap_day = days_from_civil(2020, 2, 29);
        assert_eq!(
            Precision::Month.floor(leap_day),
            days_from_civil(2020, 2, 1)
        );
        assert_eq!(Precision::Month.ceil(leap_day), leap_day);
        assert_eq!(
            Precision::Year.ceil(days_from_civil(2020, 12, 31)),
            days_from_civil(2020, 12, 31)
        );
        assert_eq!(
            Precision::Month.ceil(days_from_civil(2019, 12, 5)),
            days_from_civil(2019, 12, 31)
        );
    }

    #[test]
    fn skewed_picks_favour_a_few_items() {
        let skew = Skew::new(1000, 7, 1);
        let mut rng = Rng::for_row(7, 2, 0);
        let mut counts = vec![0u32; 1000];
        for _ in 0..100_000 {
            counts[skew.pick(&mut rng) as usize] += 1;
        }
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let top_ten: u32 = counts[..10].iter().sum();
        // Under 1/(r+1), the top 1% take about a third of the picks; uniform would give 1%.
        assert!(top_ten > 25_000, "top ten got {top_ten} of 100000");
        assert!(counts.iter().filter(|&&c| c > 0).count() > 900);
    }

    #[test]
    fn slugs_are_lowercase_ascii() {
        let mut slug = String::new();
        push_slug(&mut slug, "Çavuşoğlu, Mevlüt (MFA)");
        assert_eq!(slug, "cavusoglu-mevlut-mfa");
    }
}
