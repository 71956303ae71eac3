//! What each seed file holds: its columns, how each value is checked, and where it is stored.
//!
//! The loader is one general mechanism driven by these tables; a new table or column is a new
//! line here (and a migration), not new loading code.

pub mod seed_columns;

/// How a CSV value is validated and stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Value {
    /// The row's own key (or a vocabulary's code): unique within the file.
    Key,
    /// Free text, stored as given.
    Text,
    /// The key of a row of another table (or of this one), stored as that row's id.
    Ref(&'static str),
    /// A code from a vocabulary table, stored as the code.
    Code(&'static str),
    /// A date at the precision given (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`), stored as the first day of
    /// the period in `db`, the last day in `end_db` and the precision in `precision_db`. With
    /// `end`, the named column of the row holds the end of a span.
    /// With `precision`, the named column may give the precision where the dates alone do not
    /// say it (a week, a window of days).
    Period {
        end: Option<&'static str>,
        end_db: &'static str,
        precision_db: &'static str,
        precision: Option<&'static str>,
    },
    /// The end of a span; read by the `Period` column that names it.
    PeriodEnd,
    /// A code of `date_precisions` standing in for the precision a `Period`'s dates give; read by
    /// the `Period` column that names it.
    PeriodPrecision,
    /// A date at the precision given, stored as written.
    PartialDate,
    /// An integer.
    Integer,
    /// A count: an integer of zero or more.
    Count,
    Latitude,
    Longitude,
    /// `1`/`0` (also `true`/`false`); empty is 0.
    Flag,
    /// An ISO 3166-1 alpha-3 code such as `ARM`.
    Country,
}

impl Column {
    /// The database columns this CSV column fills: a `Period` fills three, a `PeriodEnd` none.
    pub fn db_columns(&self) -> Vec<&'static str> {
        match self.value {
            Value::PeriodEnd | Value::PeriodPrecision => Vec::new(),
            Value::Period {
                end_db,
                precision_db,
                ..
            } => vec![self.db, end_db, precision_db],
            _ => vec![self.db],
        }
    }
}

#[derive(Debug)]
pub struct Column {
    /// The CSV header name.
    pub name: &'static str,
    /// The database column, when it differs from `name` (`side` is stored as `side_id`).
    pub db: &'static str,
    pub value: Value,
    pub required: bool,
    /// What the column holds, for a person filling in the file (the README's seed-file tables
    /// are generated from it, with `value` saying how it is written).
    pub about: &'static str,
    /// What an empty or absent optional value stands for, stored in its place.
    pub default: Option<&'static str>,
}

/// What makes two rows the same row, so that seeding again updates instead of duplicating.
#[derive(Debug, PartialEq, Eq)]
pub enum Identity {
    /// The `key` column (or a vocabulary's `code`).
    Key,
    /// The columns of the table's primary key (a link table).
    Columns(&'static [&'static str]),
}

/// The kind of source a published data set is (the source row an import makes for its
/// dataset): a casualty claim citing one keeps its figures as published, in order or not, as the
/// import did, so that an export of the seed layout loads back; elsewhere figures out of order in
/// a seed file are a slip of the hand, and refused.
pub const PUBLISHED_DATA: &str = "dataset";

#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [Column],
    pub identity: Identity,
    /// Whether other files refer to this table's rows by key.
    pub referenced: bool,
    pub is_vocabulary: bool,
    /// Columns whose values, where present, must not decrease from left to right
    /// (count_low <= count_best <= count_high).
    pub ascending: &'static [&'static str],
    /// (column, other, value): the column is given exactly when the other column holds this
    /// value (a casualty claim names a side only when its scope is one side).
    pub given_when: &'static [(&'static str, &'static str, &'static str)],
}

impl Table {
    pub fn file_name(&self) -> String {
        format!("{}.csv", self.name)
    }

    /// The database column holding the key: `code` for vocabularies.
    pub fn key_column(&self) -> &'static str {
        self.columns
            .iter()
            .find(|c| c.value == Value::Key)
            .map_or("key", |c| c.db)
    }

    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

const fn col(name: &'static str, value: Value, required: bool) -> Column {
    stored_as(name, name, value, required)
}

const fn stored_as(name: &'static str, db: &'static str, value: Value, required: bool) -> Column {
    Column {
        name,
        db,
        value,
        required,
        about: "",
        default: None,
    }
}

impl Column {
    const fn about(self, about: &'static str) -> Column {
        Column { about, ..self }
    }

    const fn or(self, default: &'static str) -> Column {
        Column {
            default: Some(default),
            ..self
        }
    }
}

const REQUIRED: bool = true;
const OPTIONAL: bool = false;

macro_rules! vocabulary {
    ($name:literal $(, $extra:literal : $value:expr => $about:literal)* $(,)?) => {
        Table {
            name: $name,
            columns: &[
                col("code", Value::Key, REQUIRED)
                    .about("The code other files use for this entry"),
                col("label", Value::Text, REQUIRED).about("A short name for people"),
                col("description", Value::Text, REQUIRED)
                    .about("What the entry means, for whoever codes the data"),
                $(col($extra, $value, OPTIONAL).about($about),)*
            ],
            identity: Identity::Key,
            referenced: false,
            is_vocabulary: true,
            ascending: &[],
            given_when: &[],
        }
    };
}

/// The tables that are the program's own bookkeeping, not data: refinery's migration history and
/// the loader's row fingerprints (migrations/V14__row_fingerprints.sql). Exports, dumps and
/// Datasette's metadata leave them out.
pub const INTERNAL_TABLES: &str = "('refinery_schema_history', 'row_fingerprints')";

/// Every seed file, in the order they load: a file refers only to itself and to files above it.
pub static TABLES: &[Table] = &[
    vocabulary!(
        "date_precisions",
        "ucdp_date_prec": Value::Integer => "UCDP GED's date_prec for this precision",
        "acled_time_precision": Value::Integer => "ACLED's time_precision for this precision",
    ),
    vocabulary!("stances"),
    vocabulary!("date_bases"),
    vocabulary!(
        "statement_kinds",
        "cameo_code": Value::Text => "The CAMEO event code this kind corresponds to",
    ),
    vocabulary!(
        "event_kinds",
        "acled_event_type": Value::Text => "ACLED's event_type for this kind",
        "acled_sub_event_type": Value::Text => "ACLED's sub_event_type for this kind",
        "ucdp_type_of_violence": Value::Integer => "UCDP GED's type_of_violence for this kind",
        "cameo_code": Value::Text => "The CAMEO event code this kind corresponds to",
    ),
    vocabulary!("roles"),
    vocabulary!("actor_kinds"),
    vocabulary!(
        "casualty_categories",
        "ucdp_column": Value::Text => "The UCDP GED column(s) that count this category",
    ),
    vocabulary!("casualty_outcomes"),
    vocabulary!("casualty_scopes"),
    vocabulary!("figure_statuses"),
    vocabulary!("allegation_kinds"),
    vocabulary!("event_link_kinds"),
    vocabulary!("source_kinds"),
    vocabulary!("place_kinds"),
    vocabulary!(
        "geo_precisions",
        "ucdp_where_prec": Value::Integer => "UCDP GED's where_prec for this precision",
        "acled_geo_precision": Value::Integer => "ACLED's geo_precision for this precision",
    ),
    Table {
        name: "sources",
        columns: &[
            col("key", Value::Key, REQUIRED).about(
                "The source's key, by which events, statements, claims and other sources name it",
            ),
            col("title", Value::Text, REQUIRED).about("The title of the document or work"),
            col("author", Value::Text, OPTIONAL).about("Who wrote it, as the source names them"),
            col("publisher", Value::Text, OPTIONAL).about("Who published it"),
            col("url", Value::Text, OPTIONAL).about("Where it can be read"),
            col("published_on", Value::PartialDate, OPTIONAL)
                .about("When it was published, as precisely as known"),
            col("kind", Value::Code("source_kinds"), REQUIRED).about("What kind of source it is"),
            col("perspective", Value::Text, OPTIONAL)
                .about("Whose side or vantage point it is written from, in a few words"),
            col("cited_in", Value::Ref("sources"), OPTIONAL).about(
                "The source that cites this one, for a work known through a document's references",
            ),
            col("document", Value::Text, OPTIONAL)
                .about("The file name of the source document the rows were taken from"),
            col("notes", Value::Text, OPTIONAL)
                .about("Anything a reader should know about the source or its dating"),
        ],
        identity: Identity::Key,
        referenced: true,
        is_vocabulary: false,
        ascending: &[],
        given_when: &[],
    },
    Table {
        name: "actors",
        columns: &[
            col("key", Value::Key, REQUIRED).about("The actor's key, by which other files name it"),
            col("name", Value::Text, REQUIRED)
                .about("The actor's name as usually written in English"),
            col("kind", Value::Code("actor_kinds"), REQUIRED).about(
                "What kind of actor it is: a state, an organisation, a ministry, a person, ...",
            ),
            stored_as("parent", "parent_id", Value::Ref("actors"), OPTIONAL).about(
                "The body the actor belongs to or speaks for (Lavrov → Russia's foreign ministry)",
            ),
            col("country", Value::Country, OPTIONAL).about("The country the actor is based in"),
            col("is_party", Value::Flag, OPTIONAL)
                .about("Whether the actor is a party to the conflict"),
            col("notes", Value::Text, OPTIONAL)
                .about("Anything a reader should know about the actor"),
        ],
        identity: Identity::Key,
        referenced: true,
        is_vocabulary: false,
        ascending: &[],
        given_when: &[],
    },
    Table {
        name: "actor_aliases",
        columns: &[
            stored_as("actor", "actor_id", Value::Ref("actors"), REQUIRED)
                .about("The actor this is another name for"),
            col("alias", Value::Text, REQUIRED)
                .about("Another name or spelling of the actor (Türkiye, Sergej Lavrov)"),
        ],
        identity: Identity::Columns(&["actor_id", "alias"]),
        referenced: false,
        is_vocabulary: false,
        ascending: &[],
        given_when: &[],
    },
    Table {
        name: "places",
        columns: &[
            col("key", Value::Key, REQUIRED).about("The place's key, by which other files name it"),
            col("name", Value::Text, REQUIRED)
                .about("The place's name as usually written in English"),
            col("kind", Value::Code("place_kinds"), REQUIRED)
                .about("What kind of place it is: a country, a region, a city, ..."),
            col("country", Value::Country, OPTIONAL).about("The country the place lies in"),
            col("admin1", Value::Text, OPTIONAL)
                .about("Its first-level administrative division (province, region)"),
            col("latitude", Value::Latitude, OPTIONAL)
                .about("The latitude of the place, in decimal degrees"),
            col("longitude", Value::Longitude, OPTIONAL)
                .about("The longitude of the place, in decimal degrees"),
            col("geo_precision", Value::Code("geo_precisions"), OPTIONAL)
                .about("How precisely the coordinates locate the place"),
            col("notes", Value::Text, OPTIONAL)
                .about("Anything a reader should know about the place"),
        ],
        identity: Identity::Key,
        referenced: true,
        is_vocabulary: false,
        ascending: &[],
        given_when: &[],
    },
    Table {
        name: "place_aliases",
        columns: &[
            stored_as("place", "place_id", Value::Ref("places"), REQUIRED)
                .about("The place this is another name for"),
            col("alias", Value::Text, REQUIRED)
                .about("Another name or spelling of the place (Khankendi for Stepanakert)"),
        ],
        identity: Identity::Columns(&["place_id", "alias"]),
        referenced: false,
        is_vocabulary: false,
        ascending: &[],
        given_when: &[],
    },
    Table {
        name: "events",
        columns: &[
            col("key", Value::Key, REQUIRED).about("The event's key, by which other files name it"),
            col("title", Value::Text, REQUIRED).about("A short, neutral title"),
            col("kind", Value::Code("event_kinds"), REQUIRED).about("What kind of event it is"),
            col(
                "start_date",
                Value::Period {
                    end: Some("end_date"),
                    end_db: "end_date",
                    precision_db: "date_precision",
                    precision: Some("date_precision"),
                },
                REQUIRED,
            )
            .about("When the event happened or began, as precisely as the source gives it"),
            col("end_date", Value::PeriodEnd, OPTIONAL)
                .about("When a span ended; empty for an event within one day, month or year"),
            // An imported event known only to lie within a week or a window of days (UCDP GED's
            // date_prec 2-5, ACLED's time_precision 2) has dates to the day that are bounds, not
            // a span: the precision says so.
            col("date_precision", Value::PeriodPrecision, OPTIONAL).about(
                "How precisely the date is known, where start and end dates alone do not say it: a week, or a window of days it happened within",
            ),
            col("date_basis", Value::Code("date_bases"), OPTIONAL)
                .or("stated")
                .about("Whether the text states the date or it is inferred from its context"),
            stored_as("place", "place_id", Value::Ref("places"), OPTIONAL)
                .about("Where it happened (more places in event_places.csv)"),
            stored_as("parent", "parent_id", Value::Ref("events"), OPTIONAL)
                .about("The larger event it is part of (a battle of a war)"),
            col("summary", Value::Text, REQUIRED).about("What happened, in neutral words"),
            col("notes", Value::Text, OPTIONAL)
                .about("Anything a reader should know, such as how the date was inferred"),
            col("retracted", Value::Flag, OPTIONAL).about(
                "Whether the dataset's publisher no longer lists the event (kept, not deleted)",
            ),
        ],
        identity: Identity::Key,
        referenced: true,
        is_vocabulary: false,
        ascending: &[],
        given_when: &[],
    },
    Table {
        name: "event_places",
        columns: &[
            stored_as("event", "event_id", Value::Ref("events"), REQUIRED).about("The event"),
            stored_as("place", "place_id", Value::Ref("places"), REQUIRED)
                .about("A place where it happened"),
        ],
        identity: Identity::Columns(&["event_id", "place_id"]),
        referenced: false,
        is_vocabulary: false,
        ascending: &[],
        given_when: &[],
    },
    Table {
        name: "event_actors",
        columns: &[
            stored_as("event", "event_id", Value::Ref("events"), REQUIRED).about("The event"),
            stored_as("actor", "actor_id", Value::Ref("actors"), REQUIRED)
                .about("An actor that took part"),
            col("role", Value::Code("roles"), REQUIRED).about("The part the actor played"),
        ],
        identity: Identity::Columns(&["event_id", "actor_id", "role"]),
        referenced: false,
        is_vocabulary: false,
        ascending: &[],
        given_when: &[],
    },
    Table {
        name: "event_sources",
        columns: &[
            stored_as("event", "event_id", Value::Ref("events"), REQUIRED).about("The event"),
            stored_as("source", "source_id", Value::Ref("sources"), REQUIRED)
                .about("A source that reports it"),
            col("quote", Value::Text, OPTIONAL)
                .about("The source's passage that backs the event, verbatim"),
        ],
        identity: Identity::Columns(&["event_id", "source_id", "quote"]),
        referenced: false,
        is_vocabulary: false,
        ascending: &[],
        given_when: &[],
    },
    Table {
        name: "statements",
        columns: &[
            col("key", Value::Key, REQUIRED).about("The statement's key"),
            stored_as("speaker", "speaker_id", Value::Ref("actors"), REQUIRED)
                .about("Who made the statement"),
            col(
                "said_on",
                Value::Period {
                    end: Some("said_until"),
                    end_db: "said_on_end",
                    precision_db: "said_on_precision",
                    precision: None,
                },
                REQUIRED,
            )
            .about("When it was made, as precisely as the source gives it"),
            // For a statement known only to fall within a span: "between 27 September and
            // October 2020" is said_on 2020-09-27, said_until 2020-10.
            col("said_until", Value::PeriodEnd, OPTIONAL)
                .about("The end of a span the statement is known only to fall within"),
            col("date_basis", Value::Code("date_bases"), OPTIONAL)
                .or("stated")
                .about("Whether the text states the date or it is inferred from its context"),
            stored_as("event", "event_id", Value::Ref("events"), OPTIONAL)
                .about("The event it reacts to or is about"),
            col("kind", Value::Code("statement_kinds"), REQUIRED)
                .about("What kind of statement it is (CAMEO-coded)"),
            col("stance", Value::Code("stances"), REQUIRED)
                .about("Which side it favours, or `none` for a statement that takes no side"),
            stored_as("target", "target_id", Value::Ref("actors"), OPTIONAL)
                .about("The actor it is addressed to or about"),
            col("summary", Value::Text, REQUIRED).about("What was said, in neutral words"),
            col("quote", Value::Text, OPTIONAL)
                .about("The statement or the source's report of it, verbatim"),
            stored_as("source", "source_id", Value::Ref("sources"), REQUIRED)
                .about("The source that reports it"),
            col("notes", Value::Text, OPTIONAL)
                .about("Anything a reader should know, such as how the date was inferred"),
        ],
        identity: Identity::Key,
        // The attributes of imported statements refer to them (statement_attributes).
        referenced: true,
        is_vocabulary: false,
        ascending: &[],
        given_when: &[],
    },
    Table {
        name: "casualties",
        columns: &[
            col("key", Value::Key, REQUIRED).about("The claim's key"),
            stored_as("event", "event_id", Value::Ref("events"), REQUIRED)
                .about("The event the figures are about"),
            col("scope", Value::Code("casualty_scopes"), REQUIRED)
                .about("Whose losses: one side, all sides combined, or not stated"),
            stored_as("side", "side_id", Value::Ref("actors"), OPTIONAL)
                .about("The side whose losses they are, when the scope is one side"),
            col("category", Value::Code("casualty_categories"), REQUIRED)
                .about("Who or what was hit: military, civilian, ..."),
            col("outcome", Value::Code("casualty_outcomes"), REQUIRED)
                .about("What happened to them: killed, wounded, displaced, ..."),
            col("status", Value::Code("figure_statuses"), OPTIONAL)
                .or("reported")
                .about("Whether the figure is reported, an estimate, or planned or projected"),
            col("count_low", Value::Count, OPTIONAL)
                .about("The lowest figure given (\"at least\"); low ≤ best ≤ high where given"),
            col("count_best", Value::Count, OPTIONAL).about("The figure given as the count"),
            col("count_high", Value::Count, OPTIONAL).about("The highest figure given (\"up to\")"),
            stored_as("part_of", "part_of_id", Value::Ref("casualties"), OPTIONAL)
                .about("The claim whose figures include these (four officers among 17 soldiers)"),
            stored_as(
                "claimed_by",
                "claimed_by_id",
                Value::Ref("actors"),
                OPTIONAL,
            )
            .about("Who made the claim; empty when the source attributes it to no one"),
            stored_as("source", "source_id", Value::Ref("sources"), REQUIRED)
                .about("The source that reports the claim"),
            col("quote", Value::Text, OPTIONAL)
                .about("The source's words giving the figures, verbatim"),
            col("as_of", Value::PartialDate, OPTIONAL)
                .about("The date the figures are given as of"),
            col("notes", Value::Text, OPTIONAL)
                .about("Anything a reader should know, such as how words became figures"),
        ],
        identity: Identity::Key,
        referenced: true,
        is_vocabulary: false,
        ascending: &["count_low", "count_best", "count_high"],
        given_when: &[("side", "scope", "one_side")],
    },
    Table {
        name: "allegations",
        columns: &[
            col("key", Value::Key, REQUIRED).about("The allegation's key"),
            stored_as("event", "event_id", Value::Ref("events"), REQUIRED)
                .about("The event the allegation is about"),
            stored_as("actor", "actor_id", Value::Ref("actors"), REQUIRED)
                .about("Who is alleged to have done it"),
            col("kind", Value::Code("allegation_kinds"), REQUIRED)
                .about("What is alleged: carrying out the act, or starting the fighting"),
            stored_as(
                "alleged_by",
                "alleged_by_id",
                Value::Ref("actors"),
                REQUIRED,
            )
            .about("Who alleges it; for a document's own voice, its authors"),
            stored_as("source", "source_id", Value::Ref("sources"), REQUIRED)
                .about("The source that reports the allegation"),
            col("quote", Value::Text, OPTIONAL)
                .about("The source's words making or reporting the allegation, verbatim"),
            col("notes", Value::Text, OPTIONAL).about("Anything a reader should know"),
        ],
        identity: Identity::Key,
        referenced: false,
        is_vocabulary: false,
        ascending: &[],
        given_when: &[],
    },
    Table {
        name: "event_links",
        columns: &[
            col("key", Value::Key, REQUIRED).about("The link's key"),
            stored_as("event", "event_id", Value::Ref("events"), REQUIRED).about("The event"),
            col("kind", Value::Code("event_link_kinds"), REQUIRED)
                .about("How it relates to the other event: in response to, a consequence of, ..."),
            stored_as("related", "related_id", Value::Ref("events"), REQUIRED)
                .about("The other event"),
            stored_as("source", "source_id", Value::Ref("sources"), REQUIRED)
                .about("The source that reports the relation"),
            col("quote", Value::Text, OPTIONAL)
                .about("The source's words giving the relation, verbatim"),
            col("notes", Value::Text, OPTIONAL).about("Anything a reader should know"),
        ],
        identity: Identity::Key,
        referenced: false,
        is_vocabulary: false,
        ascending: &[],
        given_when: &[],
    },
    Table {
        name: "event_attributes",
        columns: &[
            stored_as("event", "event_id", Value::Ref("events"), REQUIRED).about("The event"),
            col("name", Value::Text, REQUIRED)
                .about("The imported file's column the value comes from (`tags`, `source_scale`)"),
            col("value", Value::Text, REQUIRED)
                .about("What the column holds for the event, as the file gives it"),
        ],
        identity: Identity::Columns(&["event_id", "name"]),
        referenced: false,
        is_vocabulary: false,
        ascending: &[],
        given_when: &[],
    },
    Table {
        name: "statement_attributes",
        columns: &[
            stored_as("statement", "statement_id", Value::Ref("statements"), REQUIRED)
                .about("The statement"),
            col("name", Value::Text, REQUIRED).about(
                "The imported file's column the value comes from (GDELT's `GoldsteinScale`, `AvgTone`)",
            ),
            col("value", Value::Text, REQUIRED)
                .about("What the column holds for the statement, as the file gives it"),
        ],
        identity: Identity::Columns(&["statement_id", "name"]),
        referenced: false,
        is_vocabulary: false,
        ascending: &[],
        given_when: &[],
    },
];

pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}
