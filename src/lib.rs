//! conflictdb: an embedded SQLite database of a conflict's events and the claims made about them.

pub mod attribution;
mod chains;
pub mod cite;
pub mod cli;
pub mod cmd;
pub mod codebook;
pub mod datasets;
pub mod datasette;
pub mod date;
pub mod db;
pub mod dump;
pub mod export;
pub mod import;
pub mod integrity;
pub mod interrupt;
pub mod long_value;
pub mod names;
pub mod outfile;
pub mod output;
mod rename;
pub mod reports;
pub mod schema;
pub mod search;
pub mod seed;
pub mod sql;
pub mod suggest;
pub mod synth;

use anyhow::Result;

use cli::{Cli, Command};

/// Runs one command line.
pub fn run(cli: Cli) -> Result<()> {
    let db = &cli.database()?;
    db::configure();
    let result = match &cli.command {
        Command::Migrate(args) => cmd::migrate::run(db, args),
        Command::Seed(args) => cmd::seed::run(db, args),
        Command::Reports(args) => cmd::reports::run(args),
        Command::Report(args) => cmd::report::run(db, args),
        Command::Export(args) => cmd::export::run(db, args),
        Command::Query(args) => cmd::query::run(db, args),
        Command::Check(_) => cmd::check::run(db),
        Command::Datasets(args) => cmd::datasets::run(db, args),
        Command::Datasette(args) => cmd::datasette::run(db, args),
        Command::Synth(args) => cmd::synth::run(args),
        Command::Help(args) => cmd::help::run(args),
        Command::Cite(args) => cmd::cite::run(db, args),
        Command::Codebook => cmd::codebook::run(),
        Command::Search(args) => cmd::search::run(db, args),
        Command::Import(args) => cmd::import::run(db, args),
    };
    // Every connection is closed by now (and these commands open none).
    if !matches!(
        cli.command,
        Command::Reports(_) | Command::Synth(_) | Command::Help(_) | Command::Codebook
    ) {
        db::remove_side_files(db);
    }
    result
}
