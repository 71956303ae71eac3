//! What each seed file holds: its columns, how each value is checked, and where it is stored.
//!
//! The loader is one general mechanism driven by these tables; a new table or column is a new
//! line here (and a migration), not new loading code.

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
    Period {
        end: Option<&'static str>,
        end_db: &'static str,
        precision_db: &'static str,
    },
    /// The end of a span; read by the `Period` column that names it.
    PeriodEnd,
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
            Value::PeriodEnd => Vec::new(),
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
}

/// What makes two rows the same row, so that seeding again updates instead of duplicating.
#[derive(Debug, PartialEq, Eq)]
pub enum Identity {
    /// The `key` column (or a vocabulary's `code`).
    Key,
    /// The columns of the table's primary key (a link table).
    Columns(&'static [&'static str]),
}

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
    Column {
        name,
        db: name,
        value,
        required,
    }
}

const fn stored_as(name: &'static str, db: &'static str, value: Value, required: bool) -> Column {
    Column {
        name,
        db,
        value,
        required,
    }
}

const REQUIRED: bool = true;
const OPTIONAL: bool = false;

macro_rules! vocabulary {
    ($name:literal $(, $extra:literal : $value:expr)*) => {
        Table {
            name: $name,
            columns: &[
                col("code", Value::Key, REQUIRED),
                col("label", Value::Text, REQUIRED),
                col("description", Value::Text, REQUIRED),
                $(col($extra, $value, OPTIONAL),)*
            ],
            identity: Identity::Key,
            referenced: false,
            is_vocabulary: true,
            ascending: &[],
        }
    };
}

/// Every seed file, in the order they load: a file refers only to itself and to files above it.
pub static TABLES: &[Table] = &[
    vocabulary!("date_precisions", "ucdp_date_prec": Value::Integer, "acled_time_precision": Value::Integer),
    vocabulary!("stances"),
    vocabulary!("statement_kinds", "cameo_code": Value::Text),
    vocabulary!("event_kinds", "acled_event_type": Value::Text, "acled_sub_event_type": Value::Text),
    vocabulary!("roles"),
    vocabulary!("actor_kinds"),
    vocabulary!("casualty_categories", "ucdp_column": Value::Text),
    vocabulary!("casualty_outcomes"),
    vocabulary!("source_kinds"),
    vocabulary!("place_kinds"),
    vocabulary!("geo_precisions", "ucdp_where_prec": Value::Integer, "acled_geo_precision": Value::Integer),
    Table {
        name: "sources",
        columns: &[
            col("key", Value::Key, REQUIRED),
            col("title", Value::Text, REQUIRED),
            col("author", Value::Text, OPTIONAL),
            col("publisher", Value::Text, OPTIONAL),
            col("url", Value::Text, OPTIONAL),
            col("published_on", Value::PartialDate, OPTIONAL),
            col("kind", Value::Code("source_kinds"), REQUIRED),
            col("perspective", Value::Text, OPTIONAL),
            col("cited_in", Value::Ref("sources"), OPTIONAL),
            col("document", Value::Text, OPTIONAL),
            col("notes", Value::Text, OPTIONAL),
        ],
        identity: Identity::Key,
        referenced: true,
        is_vocabulary: false,
        ascending: &[],
    },
    Table {
        name: "actors",
        columns: &[
            col("key", Value::Key, REQUIRED),
            col("name", Value::Text, REQUIRED),
            col("kind", Value::Code("actor_kinds"), REQUIRED),
            stored_as("parent", "parent_id", Value::Ref("actors"), OPTIONAL),
            col("country", Value::Country, OPTIONAL),
            col("is_party", Value::Flag, OPTIONAL),
            col("notes", Value::Text, OPTIONAL),
        ],
        identity: Identity::Key,
        referenced: true,
        is_vocabulary: false,
        ascending: &[],
    },
    Table {
        name: "actor_aliases",
        columns: &[
            stored_as("actor", "actor_id", Value::Ref("actors"), REQUIRED),
            col("alias", Value::Text, REQUIRED),
        ],
        identity: Identity::Columns(&["actor_id", "alias"]),
        referenced: false,
        is_vocabulary: false,
        ascending: &[],
    },
    Table {
        name: "places",
        columns: &[
            col("key", Value::Key, REQUIRED),
            col("name", Value::Text, REQUIRED),
            col("kind", Value::Code("place_kinds"), REQUIRED),
            col("country", Value::Country, OPTIONAL),
            col("admin1", Value::Text, OPTIONAL),
            col("latitude", Value::Latitude, OPTIONAL),
            col("longitude", Value::Longitude, OPTIONAL),
            col("geo_precision", Value::Code("geo_precisions"), OPTIONAL),
            col("notes", Value::Text, OPTIONAL),
        ],
        identity: Identity::Key,
        referenced: true,
        is_vocabulary: false,
        ascending: &[],
    },
    Table {
        name: "place_aliases",
        columns: &[
            stored_as("place", "place_id", Value::Ref("places"), REQUIRED),
            col("alias", Value::Text, REQUIRED),
        ],
        identity: Identity::Columns(&["place_id", "alias"]),
        referenced: false,
        is_vocabulary: false,
        ascending: &[],
    },
    Table {
        name: "events",
        columns: &[
            col("key", Value::Key, REQUIRED),
            col("title", Value::Text, REQUIRED),
            col("kind", Value::Code("event_kinds"), REQUIRED),
            col(
                "start_date",
                Value::Period {
                    end: Some("end_date"),
                    end_db: "end_date",
                    precision_db: "date_precision",
                },
                REQUIRED,
            ),
            col("end_date", Value::PeriodEnd, OPTIONAL),
            stored_as("place", "place_id", Value::Ref("places"), OPTIONAL),
            stored_as("parent", "parent_id", Value::Ref("events"), OPTIONAL),
            col("summary", Value::Text, REQUIRED),
            col("notes", Value::Text, OPTIONAL),
        ],
        identity: Identity::Key,
        referenced: true,
        is_vocabulary: false,
        ascending: &[],
    },
    Table {
        name: "event_places",
        columns: &[
            stored_as("event", "event_id", Value::Ref("events"), REQUIRED),
            stored_as("place", "place_id", Value::Ref("places"), REQUIRED),
        ],
        identity: Identity::Columns(&["event_id", "place_id"]),
        referenced: false,
        is_vocabulary: false,
        ascending: &[],
    },
    Table {
        name: "event_actors",
        columns: &[
            stored_as("event", "event_id", Value::Ref("events"), REQUIRED),
            stored_as("actor", "actor_id", Value::Ref("actors"), REQUIRED),
            col("role", Value::Code("roles"), REQUIRED),
        ],
        identity: Identity::Columns(&["event_id", "actor_id", "role"]),
        referenced: false,
        is_vocabulary: false,
        ascending: &[],
    },
    Table {
        name: "event_sources",
        columns: &[
            stored_as("event", "event_id", Value::Ref("events"), REQUIRED),
            stored_as("source", "source_id", Value::Ref("sources"), REQUIRED),
            col("quote", Value::Text, OPTIONAL),
        ],
        identity: Identity::Columns(&["event_id", "source_id", "quote"]),
        referenced: false,
        is_vocabulary: false,
        ascending: &[],
    },
    Table {
        name: "statements",
        columns: &[
            col("key", Value::Key, REQUIRED),
            stored_as("speaker", "speaker_id", Value::Ref("actors"), REQUIRED),
            col(
                "said_on",
                Value::Period {
                    end: Some("said_until"),
                    end_db: "said_on_end",
                    precision_db: "said_on_precision",
                },
                REQUIRED,
            ),
            // For a statement known only to fall within a span: "between 27 September and
            // October 2020" is said_on 2020-09-27, said_until 2020-10.
            col("said_until", Value::PeriodEnd, OPTIONAL),
            stored_as("event", "event_id", Value::Ref("events"), OPTIONAL),
            col("kind", Value::Code("statement_kinds"), REQUIRED),
            col("stance", Value::Code("stances"), REQUIRED),
            stored_as("target", "target_id", Value::Ref("actors"), OPTIONAL),
            col("summary", Value::Text, REQUIRED),
            col("quote", Value::Text, OPTIONAL),
            stored_as("source", "source_id", Value::Ref("sources"), REQUIRED),
            col("notes", Value::Text, OPTIONAL),
        ],
        identity: Identity::Key,
        referenced: false,
        is_vocabulary: false,
        ascending: &[],
    },
    Table {
        name: "casualties",
        columns: &[
            col("key", Value::Key, REQUIRED),
            stored_as("event", "event_id", Value::Ref("events"), REQUIRED),
            stored_as("side", "side_id", Value::Ref("actors"), REQUIRED),
            col("category", Value::Code("casualty_categories"), REQUIRED),
            col("outcome", Value::Code("casualty_outcomes"), REQUIRED),
            col("count_low", Value::Count, OPTIONAL),
            col("count_best", Value::Count, OPTIONAL),
            col("count_high", Value::Count, OPTIONAL),
            stored_as(
                "claimed_by",
                "claimed_by_id",
                Value::Ref("actors"),
                OPTIONAL,
            ),
            stored_as("source", "source_id", Value::Ref("sources"), REQUIRED),
            col("quote", Value::Text, OPTIONAL),
            col("as_of", Value::PartialDate, OPTIONAL),
            col("notes", Value::Text, OPTIONAL),
        ],
        identity: Identity::Key,
        referenced: false,
        is_vocabulary: false,
        ascending: &["count_low", "count_best", "count_high"],
    },
];

pub fn table(name: &str) -> Option<&'static Table> {
    TABLES.iter().find(|t| t.name == name)
}
