//! Word lists and the names, keys and other spellings made from them.

use std::fmt::Write as _;

use super::rng::Rng;

/// States with their ISO codes; the first three are the parties to the conflict.
pub(super) const STATES: &[(&str, &str)] = &[
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

pub(super) const ORGANISATIONS: &[(&str, &str)] = &[
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

pub(super) const MINISTRIES: &[(&str, &str)] = &[
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

pub(super) const FIRST_NAMES: &[&str] = &[
    "Aram", "Anahit", "Davit", "Gohar", "Narek", "Ani", "Tigran", "Lilit", "Ilham", "Leyla",
    "Elnur", "Aygün", "Rashad", "Günel", "Sergey", "Maria", "Mevlüt", "Ayşe", "Jean", "Anna",
    "John", "Elif", "Nikol", "Jeyhun", "Hikmet", "Zaur", "Armine", "Samvel", "Vagif", "Ruben",
    "Olivier", "Irakli", "Nino", "Hossein", "Zarifa", "Kamran",
];

pub(super) const SURNAMES: &[&str] = &[
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

pub(super) const SYLLABLES: &[&str] = &[
    "ar", "ba", "da", "ga", "ka", "la", "ma", "na", "ra", "sa", "ta", "va", "za", "ber", "dan",
    "gor", "kar", "lin", "mar", "nor", "sar", "tav", "vaz", "zan", "shen", "dzor", "ker", "li",
    "lu", "ri", "ro", "ya", "ash", "gol", "vel", "tash",
];

pub(super) const PLACE_ENDINGS: &[&str] = &[
    "kert", "shen", "abad", "li", "van", "dzor", "kend", "ashen", "lu", "tap", "", "", "",
];

pub(super) const STATE_ENDINGS: &[&str] = &["ia", "istan", "ania", "ova", "land", "eria"];

/// Places of the conflict with coordinates and their other names.
pub(super) const PLACES: &[(&str, &str, &str, &str, f64, f64)] = &[
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

pub(super) const PROVINCES: &[(&str, &[&str])] = &[
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

pub(super) const PUBLISHERS: &[(&str, &str)] = &[
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

pub(super) const PERSPECTIVES: &[&str] = &[
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

pub(super) const SOURCE_TOPICS: &[&str] = &[
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
pub(super) fn push_slug(out: &mut String, text: &str) {
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

pub(super) fn slug_key(name: &str, index: u64) -> String {
    let mut key = String::with_capacity(name.len() + 8);
    push_slug(&mut key, name);
    write!(key, "-{index}").expect("writing to a String cannot fail");
    key
}

pub(super) fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(super) fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub(super) fn made_up_name(rng: &mut Rng, endings: &[&str]) -> String {
    let mut name = String::new();
    for _ in 0..rng.between(2, 3) {
        name.push_str(rng.pick(SYLLABLES));
    }
    name.push_str(rng.pick(endings));
    capitalized(&name)
}

pub(super) fn person_name(rng: &mut Rng) -> String {
    format!("{} {}", rng.pick(FIRST_NAMES), rng.pick(SURNAMES))
}

/// Another spelling of a name, as transliterations give them (Petrosyan/Petrosian).
pub(super) fn other_spelling(name: &str) -> String {
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

/// Two letters for 0..676: aa, ab, ... zz (uppercase).
pub(super) fn letters(n: u64) -> String {
    let first = (b'A' + (n / 26) as u8) as char;
    let second = (b'A' + (n % 26) as u8) as char;
    format!("{first}{second}")
}

pub(super) fn person_aliases(name: &str) -> [String; 2] {
    let (first, last) = name.split_once(' ').unwrap_or((name, ""));
    let initial: String = first.chars().take(1).collect();
    [format!("{initial}. {last}"), other_spelling(name)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_ascii() {
        let mut slug = String::new();
        push_slug(&mut slug, "Çavuşoğlu, Mevlüt (MFA)");
        assert_eq!(slug, "cavusoglu-mevlut-mfa");
    }
}
