//! What a format of another data set implements to plug into `import`: its layouts (the headers
//! of the files it has been published in), how its files are split into fields, and `map`, which
//! turns one record of the file into rows of our tables, written into a [`Sink`].

use super::record::{Record, RowError};
use super::sink::Sink;

/// One layout a format's files have been published in: the columns in file order.
#[derive(Debug)]
pub struct Layout {
    /// How the import names it (`2023+`, `23.1`, `1.0 with SOURCEURL`).
    pub name: &'static str,
    /// The columns in file order, lower case (a header is compared without case); `""` is a
    /// column the header leaves unnamed (the index pandas writes first).
    pub columns: &'static [&'static str],
    /// Whether the file's first line is this header (GDELT's files have none).
    pub has_header: bool,
}

impl Layout {
    /// Whether `header` is this layout's, compared without case, surrounding blanks or a
    /// byte-order mark.
    pub fn matches(&self, header: &[String]) -> bool {
        self.has_header
            && header.len() == self.columns.len()
            && header
                .iter()
                .zip(self.columns)
                .all(|(given, ours)| normalise(given) == *ours)
    }
}

/// A header name as layouts give it: lower case, without blanks around it or a byte-order mark.
pub fn normalise(name: &str) -> String {
    name.trim_start_matches('\u{feff}').trim().to_lowercase()
}

/// How a format's files split into records and fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// RFC 4180 CSV: quoted fields may hold commas and line breaks; CRLF or LF line ends.
    Csv,
    /// Tab-separated with quoting off: a quote character is data (GDELT).
    TabsUnquoted,
}

/// What the user said about the file that the file cannot say itself.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// The century of two-digit years (`--two-digit-years 20`: `20` → 2020); None refuses them.
    pub century: Option<i32>,
    /// The dataset's actors that are actors of ours (`--link-actors`, and the built-in default).
    pub links: super::actor_links::ActorLinks,
}

/// A format of another data set (ACLED, UCDP GED, GDELT).
pub trait Format: Sync {
    /// The format's name on the command line, the start of a new dataset's default name, and the
    /// namespace of the keys a `--link-actors` file may name in any dataset (`ucdp-ged:actor:64`).
    fn name(&self) -> &'static str;

    /// Every layout its files have been published in.
    fn layouts(&self) -> &'static [Layout];

    fn dialect(&self) -> Dialect {
        Dialect::Csv
    }

    /// Whether `R`'s `NA` stands for an empty value in the format's files.
    fn na_is_empty(&self) -> bool {
        true
    }

    /// The layout of a file whose first line is `header`: by default one of [`Format::layouts`],
    /// column for column; a format whose releases differ in their columns (UCDP GED) may
    /// recognise a header by the names it holds.
    fn layout_of_header(&self, header: &[String]) -> Option<&'static Layout> {
        self.layouts().iter().find(|l| l.matches(header))
    }

    /// The layout of a file without a header, from its first record (GDELT); formats whose files
    /// have a header are recognised by it.
    fn recognise_headerless(&self, _first: &[String]) -> Option<&'static Layout> {
        None
    }

    /// The layout of a record whose width is not its file's layout's, where the format allows
    /// layouts to mix within a file (GDELT 1.0's 57 and 58 columns); None refuses the record.
    fn layout_of_width(&self, _width: usize) -> Option<&'static Layout> {
        None
    }

    /// Turns one record into rows of our tables. On an error, nothing the record wrote is kept.
    fn map(&self, record: &Record, options: &Options, sink: &mut Sink) -> Result<(), RowError>;

    /// Writes what only the whole import shows, once every record is mapped (UCDP GED's
    /// conflicts and dyads, dated by the span of their events).
    fn finish(&self, _sink: &mut Sink) {}

    /// The column of the file that `table.column` is made from, so that a refusal by the loader
    /// names the file's own column.
    fn source_column(&self, _table: &str, _column: &str) -> Option<&'static str> {
        None
    }
}
