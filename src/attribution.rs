//! How each kind of dataset must be credited: its licence or terms, the line every copy of its
//! rows carries, and how to cite it. The loader writes these into `datasets` on every load
//! (migrations/V6__dataset_attribution.sql); exports, `cite` and the Datasette metadata read them
//! from there, or from here for a dataset loaded before they existed.
//!
//! The texts are the publishers' own requirements: ACLED's attribution policy asks for its name
//! and a link to its website wherever its data is used, UCDP publishes under CC BY 4.0 with a
//! recommended citation, GDELT asks to be cited with a link.

/// The credit a dataset's rows carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Attribution {
    /// The format's name as `datasets.format` stores it.
    pub format: &'static str,
    /// The publisher, as a reader would name it.
    pub publisher: &'static str,
    pub url: &'static str,
    pub licence: &'static str,
    /// The line every copy of the rows carries.
    pub line: &'static str,
    /// How to cite the data, as plain text.
    pub citation: &'static str,
}

/// conflictdb's own seed layout: the built-in data, or a user's directory (whose own sources
/// are in its `sources` rows).
pub const SEED: Attribution = Attribution {
    format: "seed",
    publisher: "conflictdb",
    url: "",
    licence: "see the sources each row cites",
    line: "Each row cites its sources in the database (the sources table and the *_sources link tables); claims are attributed to their claimants.",
    citation: "conflictdb data set; every event, statement and claim cites the source documents it was extracted from (the sources table).",
};

pub const ACLED: Attribution = Attribution {
    format: "acled",
    publisher: "Armed Conflict Location & Event Data (ACLED)",
    url: "https://acleddata.com",
    licence: "ACLED Terms of Use and Attribution Policy (see https://acleddata.com): use must be acknowledged with a link; the raw data may not be redistributed",
    line: "Source: Armed Conflict Location & Event Data (ACLED); https://acleddata.com",
    citation: "Raleigh, Clionadh, Andrew Linke, Håvard Hegre and Joakim Karlsen. 2010. \"Introducing ACLED: An Armed Conflict Location and Event Dataset.\" Journal of Peace Research 47(5): 651–660. Data from https://acleddata.com.",
};

pub const UCDP_GED: Attribution = Attribution {
    format: "ucdp-ged",
    publisher: "Uppsala Conflict Data Program (UCDP)",
    url: "https://ucdp.uu.se/downloads/",
    licence: "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)",
    line: "Source: UCDP Georeferenced Event Dataset (GED), Uppsala Conflict Data Program, CC BY 4.0; https://ucdp.uu.se",
    citation: "Sundberg, Ralph and Erik Melander. 2013. \"Introducing the UCDP Georeferenced Event Dataset.\" Journal of Peace Research 50(4): 523–532. Davies, Shawn, Therese Pettersson and Magnus Öberg. 2023. \"Organized violence 1989–2022 and the return of conflicts between states?\" Journal of Peace Research 60(4).",
};

pub const GDELT: Attribution = Attribution {
    format: "gdelt",
    publisher: "The GDELT Project",
    url: "https://www.gdeltproject.org",
    licence: "GDELT terms of use (see https://www.gdeltproject.org): free and open, with a citation and a link",
    line: "Source: The GDELT Project; https://www.gdeltproject.org",
    citation: "Leetaru, Kalev and Philip A. Schrodt. 2013. \"GDELT: Global Data on Events, Location and Tone, 1979–2012.\" International Studies Association Annual Convention. Data from https://www.gdeltproject.org.",
};

/// Every format a dataset can have.
pub const ALL: [Attribution; 4] = [SEED, ACLED, UCDP_GED, GDELT];

/// The attribution of a format, by the name `datasets.format` stores; an unknown or missing
/// format (a dataset loaded before formats were recorded) is conflictdb's own.
pub fn of(format: Option<&str>) -> Attribution {
    ALL.into_iter()
        .find(|a| Some(a.format) == format)
        .unwrap_or(SEED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_is_found_by_its_name_and_an_unknown_one_is_conflictdbs_own() {
        for a in ALL {
            assert_eq!(of(Some(a.format)), a);
        }
        assert_eq!(of(None).format, "seed");
        assert_eq!(of(Some("shapefile")).format, "seed");
    }
}
