//! The command line: every subcommand's arguments, with help text and an example each.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::output;
use crate::output::Format;

#[derive(Debug, Parser)]
#[command(
    name = "conflictdb",
    version,
    about = "An embedded SQLite database of a conflict's events and the claims made about them",
    long_about = "An embedded SQLite database of a conflict's events and of the claims made about them: \
who fought where and when, who said what, who claimed how many casualties, and which source reports each.\n\n\
Start with `conflictdb seed`, then `conflictdb reports` to see what you can ask."
)]
pub struct Cli {
    #[command(flatten)]
    pub db: DbArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct DbArgs {
    /// The database file.
    #[arg(
        long,
        global = true,
        env = "CONFLICTDB_DB",
        default_value = "conflict.db",
        value_name = "PATH"
    )]
    pub db: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Apply pending schema migrations, or list them with --status.
    #[command(after_long_help = "Examples:\n  conflictdb migrate\n  conflictdb migrate --status")]
    Migrate(MigrateArgs),
    /// Create the database if needed and load a seed directory into it (the built-in data by default).
    #[command(
        after_long_help = "Examples:\n  conflictdb seed\n  conflictdb seed my-data/ --db my.db\n  conflictdb seed my-data/ --dry-run\n\n\
A seed directory holds one CSV per table it has rows of (see seed/ in the repository); its rows are a
dataset, named after the directory unless --dataset names it, and refer by key to rows of any dataset.
Seeding a dataset again makes its rows what the files say: rows whose key is stored are updated, rows
the files no longer hold are removed (more than half of a table's only with --allow-removals), and
other datasets are left alone. Everything loads in one transaction: on any error nothing is written."
    )]
    Seed(SeedArgs),
    /// List the named reports with their parameters.
    #[command(after_long_help = "Example:\n  conflictdb reports")]
    Reports(ReportsArgs),
    /// Run a named report.
    #[command(
        after_long_help = "Examples:\n  conflictdb report reactions-by-stance\n  \
conflictdb report timeline --param from=2020-09 --param to=2020-11 --format csv -o timeline.csv\n  \
conflictdb report actor-statements --param actor=lavrov --format json"
    )]
    Report(ReportArgs),
    /// Write every table and view to DIR/<name>.csv.
    #[command(
        after_long_help = "Examples:\n  conflictdb export\n  conflictdb export --out spreadsheets/ --bom"
    )]
    Export(ExportArgs),
    /// Run one read-only SQL statement.
    #[command(
        after_long_help = "Example:\n  conflictdb query \"SELECT stance, count(*) FROM v_statements GROUP BY stance\""
    )]
    Query(QueryArgs),
    /// List the datasets the database holds (where each was loaded from, when, and its rows per
    /// table), or remove one.
    #[command(
        after_long_help = "Examples:\n  conflictdb datasets\n  conflictdb datasets remove my-data\n\n\
Every row belongs to one dataset: the built-in data (`built-in`), or a seed directory, named
after the directory unless `seed --dataset NAME` names it. Removing a dataset removes its rows,
and is refused while rows of another dataset refer to them."
    )]
    Datasets(DatasetsArgs),
    /// Check the database: integrity, foreign keys, migrations, and the data rules.
    #[command(after_long_help = "Example:\n  conflictdb check")]
    Check,
    /// Write a synthetic seed directory of any size, for load tests and benchmarks.
    #[command(
        after_long_help = "Examples:\n  conflictdb synth --events 1000000 --out big/\n  \
conflictdb synth --events 2000 --out small/ --rng-seed 7 && conflictdb seed small/ --db small.db\n\n\
Per million events it writes about two million statements, a million casualty claims, 50,000 actors
(states, governments, ministries, people; a few percent parties to the conflict), 20,000 places and
10,000 sources, with the link rows between them, dates from 1918 to 2024 at day, month and year
precision, and a few actors making most of the statements. Smaller runs scale down, with at least
50 actors, 20 places and 20 sources. The vocabularies are the built-in ones. The same --rng-seed
writes the same bytes."
    )]
    Synth(SynthArgs),
    /// Import files of another data set (ACLED, UCDP GED, GDELT) as a dataset.
    #[command(after_long_help = "Examples:\n  conflictdb import acled-2020.csv\n  \
conflictdb import export.csv --format acled --dataset acled-caucasus --keep-going\n\n\
The format and its layout are recognised from each file's header (or named with --format). The files
of one command are one dataset, named after the format and the first file unless --dataset names it;
its rows go through the same checks as `seed`, in one transaction. A refused row stops the import,
naming the file, line, column and value; with --keep-going the other rows load, and the refused ones
go to a rejects file beside the database, each with its reason. Importing a newer export of the same
dataset updates it: changed events are updated, events the export no longer holds are kept and
flagged retracted (removed with --remove-missing), and every changed casualty figure is logged in
casualty_changes.")]
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// List each migration (version, name, applied or pending, when) instead of applying them.
    #[arg(long)]
    pub status: bool,
}

#[derive(Debug, Args)]
pub struct SeedArgs {
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
    #[command(subcommand)]
    pub action: Option<DatasetsAction>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Subcommand)]
pub enum DatasetsAction {
    /// Remove a dataset and every row of it.
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
    /// actor (its name, or its key in the import such as `ucdp-ged:actor:64`) and our actor's
    /// key. It adds to, and for the same name replaces, the built-in links (UCDP's `Government
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
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to FILE instead of standard output ("-" is standard output).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl OutputArgs {
    /// The options as output.rs takes them.
    pub fn options(&self) -> output::Options<'_> {
        output::Options {
            format: self.format,
            file: self.output.as_deref(),
        }
    }
}

#[derive(Debug, Args)]
pub struct ReportArgs {
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
    /// The directory to write to; created if needed.
    #[arg(long, default_value = "export", value_name = "DIR")]
    pub out: PathBuf,
    /// Start each file with a UTF-8 byte-order mark, so that Excel reads accents right.
    #[arg(long)]
    pub bom: bool,
    /// Write the seed layout instead (one CSV per seed table, rows referring to each other by
    /// key), which `conflictdb seed DIR` loads back.
    #[arg(long)]
    pub seed: bool,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The SQL statement.
    pub sql: String,
    #[command(flatten)]
    pub output: OutputArgs,
}
