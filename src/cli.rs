//! The command line: every subcommand's arguments, with help text and an example each.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::output;
use crate::output::Format;

#[derive(Debug, Parser)]
#[command(
    name = "conflictdb",
    version,
    disable_help_subcommand = true,
    about = "An embedded SQLite database of a conflict's events and the claims made about them",
    long_about = "An embedded SQLite database of a conflict's events and of the claims made about them: \
who fought where and when, who said what, who claimed how many casualties, and which source reports each.\n\n\
Start with `conflictdb seed`, then `conflictdb reports` to see what you can ask. \
`conflictdb help COMMAND` (or `conflictdb COMMAND --help`) explains a command, with an example."
)]
pub struct Cli {
    /// The database file of the commands that open one (they also take it after their name).
    #[arg(long = "db", value_name = "PATH")]
    pub db_before_command: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

/// The database of a command that opens one. Only those commands take `--db`: it would mean
/// nothing to `synth` or `reports`.
#[derive(Debug, Args)]
pub struct DbArgs {
    /// The database file [env: CONFLICTDB_DB] [default: conflict.db].
    #[arg(long, global = true, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

/// The environment variable naming the database when no `--db` does.
pub const DB_ENV: &str = "CONFLICTDB_DB";

impl Cli {
    /// The database file the command opens: its `--db`, or the one given before the command,
    /// or `CONFLICTDB_DB`, or `conflict.db`. A `--db` given to a command that opens no database
    /// is refused rather than ignored.
    pub fn database(&self) -> anyhow::Result<PathBuf> {
        let given = match self.command.db_args() {
            Ok(args) => args.db.clone().or_else(|| self.db_before_command.clone()),
            Err(command) => {
                if let Some(db) = &self.db_before_command {
                    anyhow::bail!(
                        "--db {}: `conflictdb {command}` opens no database",
                        db.display()
                    );
                }
                None
            }
        };
        Ok(given
            .or_else(|| {
                std::env::var_os(DB_ENV)
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .unwrap_or_else(|| PathBuf::from("conflict.db")))
    }
}

impl Command {
    /// The command's `--db`, or the name of a command that opens no database.
    fn db_args(&self) -> Result<&DbArgs, &'static str> {
        match self {
            Command::Migrate(args) => Ok(&args.db),
            Command::Seed(args) => Ok(&args.db),
            Command::Report(args) => Ok(&args.db),
            Command::Export(args) => Ok(&args.db),
            Command::Query(args) => Ok(&args.db),
            Command::Datasets(args) => Ok(&args.db),
            Command::Datasette(args) => Ok(&args.db),
            Command::Check(args) => Ok(&args.db),
            Command::Cite(args) => Ok(&args.db),
            Command::Search(args) => Ok(&args.db),
            Command::Import(args) => Ok(&args.db),
            Command::Codebook => Err("codebook"),
            Command::Reports(_) => Err("reports"),
            Command::Synth(_) => Err("synth"),
            Command::Help(_) => Err("help"),
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending schema migrations, or list them with --status.
    #[command(after_long_help = "Examples:\n  conflictdb migrate\n  conflictdb migrate --status")]
    Migrate(MigrateArgs),
    /// Create the database if needed and load a seed directory into it (the built-in data by
    /// default).
    ///
    /// A seed directory holds one CSV per table it has rows of (see seed/ in the repository); its
    /// rows are a dataset, named after the directory unless --dataset names it, and refer by key to
    /// rows of any dataset. Seeding a dataset again makes its rows what the files say: rows whose
    /// key is stored are updated, rows the files no longer hold are removed (more than half of a
    /// table's only with --allow-removals), and other datasets are left alone. Everything loads in
    /// one transaction: on any error nothing is written. Rows that break a rule `conflictdb check`
    /// reports (an event no source reports) are loaded, with a warning naming them.
    #[command(
        after_long_help = "Examples:\n  conflictdb seed\n  conflictdb seed my-data/ --dry-run\n  conflictdb seed my-data/ --dataset my-data\n  conflictdb seed --db other.db"
    )]
    Seed(SeedArgs),
    /// List the named reports with their parameters.
    #[command(after_long_help = "Example:\n  conflictdb reports")]
    Reports(ReportsArgs),
    /// Run a named report.
    ///
    /// A parameter that names a row takes its key, or what people call it: an actor or a place by
    /// name or alias, an event by its title or by its key without the date (second-nagorno-karabakh-war).
    #[command(
        after_long_help = "Examples:\n  conflictdb report reactions-by-stance\n  \
conflictdb report timeline --param from=2020-09 --param to=2020-11 -o timeline.csv\n  \
conflictdb report casualty-claims --excel -o claims.csv\n  \
conflictdb report actor-statements --param actor=lavrov --format json"
    )]
    Report(ReportArgs),
    /// Write every table and view to DIR/<name>.csv.
    #[command(
        after_long_help = "Examples:\n  conflictdb export\n  conflictdb export --out spreadsheets/ --excel\n  \
conflictdb export --xlsx conflict.xlsx\n  conflictdb export --geojson events.geojson\n  \
conflictdb export --parquet parquet/"
    )]
    Export(ExportArgs),
    /// Run one read-only SQL statement.
    #[command(
        after_long_help = "Example:\n  conflictdb query \"SELECT stance, count(*) FROM v_statements GROUP BY stance\""
    )]
    Query(QueryArgs),
    /// List the datasets the database holds (where each was loaded from, when, and its rows per
    /// table), or remove one.
    ///
    /// Every row belongs to one dataset: the built-in data (`built-in`), or a seed directory, named
    /// after the directory unless `seed --dataset NAME` names it. Removing a dataset removes its
    /// rows, and is refused while rows of another dataset refer to them.
    #[command(
        after_long_help = "Examples:\n  conflictdb datasets\n  conflictdb datasets remove my-data"
    )]
    Datasets(DatasetsArgs),
    /// Write Datasette metadata: the datasets' licences and credit lines, a description of every
    /// table, view and column, and every report as a canned query.
    ///
    /// `datasette conflict.db -m metadata.json` then offers each report under its name, with a
    /// field for each parameter: left empty, a parameter filters nothing; a date is YYYY-MM-DD, and
    /// an actor, event or vocabulary value its key or code. The rows are those of `conflictdb
    /// report NAME --format json`.
    #[command(after_long_help = "Example:\n  conflictdb datasette -o metadata.json")]
    Datasette(DatasetteArgs),
    /// Check the database: integrity, foreign keys, migrations, and the data rules.
    #[command(after_long_help = "Example:\n  conflictdb check")]
    Check(CheckArgs),
    /// Write a synthetic seed directory of any size, for load tests and benchmarks.
    ///
    /// Per million events it writes about two million statements, a million casualty claims,
    /// 50,000 actors (states, governments, ministries, people; a few percent parties to the
    /// conflict), 20,000 places and 10,000 sources, with the link rows between them, dates from
    /// 1918 to 2024 at day, month and year precision, and a few actors making most of the
    /// statements. Smaller runs scale down, with at least 50 actors, 20 places and 20 sources. The
    /// vocabularies are the built-in ones. The same --rng-seed writes the same bytes.
    #[command(
        after_long_help = "Examples:\n  conflictdb synth --events 2000 --out small/ --rng-seed 7\n  conflictdb seed small/ --db small.db"
    )]
    Synth(SynthArgs),
    /// Print how to cite the software and each dataset in the database (or only DATASET).
    ///
    /// A dataset's citation, licence and credit line are those its publisher requires (ACLED's
    /// attribution, UCDP's CC BY 4.0 citation); a dataset in conflictdb's own layout also lists
    /// the documents its rows were taken from.
    #[command(
        after_long_help = "Examples:\n  conflictdb cite\n  conflictdb cite built-in --format bibtex"
    )]
    Cite(CiteArgs),
    /// Print the codebook: every table, column and code, and how the data is coded.
    ///
    /// The same text as docs/CODEBOOK.md in the repository, generated from the schema and the
    /// built-in vocabularies.
    #[command(after_long_help = "Example:\n  conflictdb codebook")]
    Codebook,
    /// Import files of another data set (ACLED, UCDP GED, GDELT) as a dataset.
    ///
    /// The format and its layout are recognised from each file's header (or named with
    /// --format). The files of one command are one dataset, named after the format and the first
    /// file unless --dataset names it, and every key it makes begins with that name
    /// (`ucdp:376126` in a dataset named `ucdp`); its rows go through the same checks as `seed`,
    /// in one transaction. A refused row stops the import, naming the file, line, column and value; with
    /// --keep-going the other rows load, and the refused ones go to a rejects file beside the
    /// database, each with its reason. Importing a newer export of the same dataset updates it:
    /// changed events are updated, events the export no longer holds are kept and flagged
    /// retracted (removed with --remove-missing), and every changed casualty figure is logged in
    /// casualty_changes.
    #[command(after_long_help = "Examples:\n  conflictdb import acled-2023.csv\n  \
conflictdb import ucdp-ged-23.1-sample.csv --format ucdp-ged --dataset ucdp --keep-going")]
    Import(ImportArgs),
    /// Search event titles and summaries, statement summaries and quotes, and source titles.
    ///
    /// Every word must appear (in any order, any case, with or without accents: Erdogan finds
    /// Erdoğan); a word ending in * matches every word it begins. The best matches come first
    /// (SQLite FTS5's bm25), each with a passage around the words found, marked **like this**.
    /// When there are more matches than shown, standard error says how many.
    ///
    /// Ranking takes about a second a million matches: so events, statements and sources each
    /// rank at most --ranked matches, the first ones loaded, and say so when there were more (a
    /// word in that many rows is in a large part of them, which bm25 tells apart little).
    #[command(after_long_help = "Examples:\n  conflictdb search Shusha\n  \
conflictdb search \"ceasefire violat*\" --in statements --format csv")]
    Search(SearchArgs),
    /// Print the help of conflictdb, or of one of its commands.
    #[command(after_long_help = "Examples:\n  conflictdb help\n  conflictdb help seed")]
    Help(HelpArgs),
}

#[derive(Debug, Args)]
pub struct CiteArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The dataset to cite (see `conflictdb datasets`); all of them when none is given.
    pub dataset: Option<String>,
    /// Plain text, or BibTeX entries.
    #[arg(long, short, value_enum, default_value_t = CiteFormat::Text)]
    pub format: CiteFormat,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum CiteFormat {
    Text,
    Bibtex,
}

#[derive(Debug, Args)]
pub struct HelpArgs {
    /// The command (and subcommand) whose help to print.
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The words to search for.
    #[arg(required = true, value_name = "TEXT")]
    pub text: Vec<String>,
    /// Search only events, statements or sources (may be repeated; default: all three).
    #[arg(long = "in", value_enum, value_name = "WHAT")]
    pub scopes: Vec<crate::search::Scope>,
    /// The most results to show.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: u32,
    /// Rank at most N matches each in events, statements and sources: the first N loaded, when
    /// there are more. 0 ranks every match.
    #[arg(long, default_value_t = crate::search::RANKED_AT_MOST, value_name = "N")]
    pub ranked: u64,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub db: DbArgs,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// List each migration (version, name, applied or pending, when) instead of applying them.
    #[arg(long)]
    pub status: bool,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// A directory of seed CSVs to load instead of the built-in data.
    pub dir: Option<PathBuf>,
    /// The dataset the rows belong to (default: the directory's name; the built-in data's is
    /// `built-in`).
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<String>,
    /// Let the seed remove more than half of a table's rows of the dataset (rows its files no
    /// longer hold are removed; so many usually means a file emptied or cut short by mistake).
    #[arg(long)]
    pub allow_removals: bool,
    /// Say what the seed would change, and write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct DatasetsArgs {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub action: Option<DatasetsAction>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum DatasetsAction {
    /// Remove a dataset and every row of it.
    #[command(after_long_help = "Example:\n  conflictdb datasets remove my-data")]
    Remove {
        /// The dataset's name (see `conflictdb datasets`).
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// How many events to write; every other table scales with it.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub events: u64,
    /// The directory to write the seed files to; created if needed. Files of the same names are
    /// replaced. With --format, the file to write.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// The random generator's seed: the same seed writes the same bytes.
    #[arg(long, value_name = "S", default_value_t = 1)]
    pub rng_seed: u64,
    /// Write one file in another data set's layout instead (`acled`: ACLED's since March 2023),
    /// to `--out` as a file, for `conflictdb import`.
    #[arg(long, value_name = "FORMAT", value_parser = ["acled"])]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The files to import: one dataset.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The files' format, when their header does not say (acled, ucdp-ged, gdelt).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// The dataset the rows belong to (default: the format and the first file's name).
    #[arg(long, value_name = "NAME")]
    pub dataset: Option<String>,
    /// Load the rows that can be loaded, and write the refused ones with their reasons to a
    /// rejects file beside the database.
    #[arg(long)]
    pub keep_going: bool,
    /// The century of two-digit years (`9-May-20`): 19 or 20. Without it they are refused.
    #[arg(long, value_name = "CC", value_parser = clap::value_parser!(i32).range(0..100))]
    pub two_digit_years: Option<i32>,
    /// Remove the dataset's events a newer export no longer holds, instead of flagging them
    /// retracted.
    #[arg(long)]
    pub remove_missing: bool,
    /// A CSV of the dataset's actors that are actors of ours: a header row, then the dataset's
    /// actor (its name, its key in the import such as `ucdp:actor:64`, or the format's name for
    /// it in any dataset, `ucdp-ged:actor:64`) and our actor's key. It adds to, and for the same name replaces, the built-in links (UCDP's `Government
    /// of Azerbaijan` and ACLED's `Military Forces of Azerbaijan (2003-)` are `azerbaijan`).
    #[arg(long, value_name = "FILE")]
    pub link_actors: Option<PathBuf>,
    /// Leave out the built-in links (for data on another conflict): only --link-actors links.
    #[arg(long)]
    pub no_default_links: bool,
}

#[derive(Debug, Args)]
pub struct QueriesArgs {
    /// A directory of extra reports (NAME.sql); they add to, or replace, the built-in ones.
    #[arg(long, value_name = "DIR")]
    pub queries: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ReportsArgs {
    #[command(flatten)]
    pub queries: QueriesArgs,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format [default: from the extension of --output (.csv, .json, .md, .xlsx, .geojson,
    /// .parquet), else table]. xlsx and parquet are written to a file only.
    #[arg(long, short, value_enum)]
    pub format: Option<Format>,
    /// Write to FILE instead of standard output ("-" is standard output). Its extension gives
    /// the format unless --format does.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// CSV for spreadsheets (implies --format csv): a UTF-8 byte-order mark, CRLF line ends,
    /// every field holding , ; tab, a line break or " quoted, and a text cell starting with = + -
    /// @ tab or CR written with a leading ' so that it stays text, never a formula (OWASP's
    /// advice against CSV injection). Plain CSV, for programs, is written as stored.
    #[arg(long)]
    pub excel: bool,
}

impl OutputArgs {
    /// The options as output.rs takes them.
    pub fn options(&self) -> output::Options<'_> {
        output::Options {
            format: self.format,
            file: self.output.as_deref(),
            excel: self.excel,
        }
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The report's name (see `conflictdb reports`).
    pub name: String,
    /// A parameter, as key=value; may be repeated.
    #[arg(long = "param", short, value_name = "KEY=VALUE")]
    pub params: Vec<String>,
    /// Show SQLite's query plan for the report with these parameters instead of running it.
    #[arg(long)]
    pub explain: bool,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub queries: QueriesArgs,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The directory to write to; created if needed.
    #[arg(long, default_value = "export", value_name = "DIR")]
    pub out: PathBuf,
    /// Start each file with a UTF-8 byte-order mark, so that Excel reads accents right; the CSV
    /// is otherwise plain (--excel also makes it safe to open in a spreadsheet).
    #[arg(long)]
    pub bom: bool,
    /// CSV for spreadsheets, as `report --excel` writes it: a byte-order mark, CRLF, every field
    /// holding , ; tab, a line break or " quoted, and a text cell starting with = + - @ tab or CR
    /// written with a leading ' so that it stays text (OWASP's advice against CSV injection).
    /// Not with --seed, whose files must load back as they were.
    #[arg(long, conflicts_with = "seed")]
    pub excel: bool,
    /// Write the seed layout instead (one CSV per seed table, rows referring to each other by
    /// key), which `conflictdb seed DIR` loads back.
    #[arg(long)]
    pub seed: bool,
    /// Write one Excel workbook instead: a sheet per table and view, numbers as numbers, full
    /// dates as dates, text always as text (never a formula), and an `attribution` sheet.
    #[arg(long, value_name = "FILE", group = "kind", conflicts_with_all = ["seed", "bom", "out"])]
    pub xlsx: Option<PathBuf>,
    /// Write the events that have places with coordinates as a GeoJSON FeatureCollection
    /// instead (a point per event and place; casualty figures as claims; geo precision a
    /// property; an `attribution` member).
    #[arg(long, value_name = "FILE", group = "kind", conflicts_with_all = ["seed", "bom", "out"])]
    pub geojson: Option<PathBuf>,
    /// Write every table and view as DIR/<name>.parquet instead (typed columns; full dates as
    /// DATE; each file's metadata credits its datasets).
    #[arg(long, value_name = "DIR", group = "kind", conflicts_with_all = ["seed", "bom", "out"])]
    pub parquet: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DatasetteArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// Write to FILE instead of standard output ("-" is standard output).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    #[command(flatten)]
    pub db: DbArgs,
    /// The SQL statement.
    pub sql: String,
    #[command(flatten)]
    pub output: OutputArgs,
}
