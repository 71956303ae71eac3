//! conflictdb: an embedded SQLite database of a conflict's events and the claims made about them.

pub mod attribution;
mod chains;
pub mod cli;
pub mod cmd;
pub mod datasets;
pub mod date;
pub mod db;
pub mod dump;
pub mod export;
pub mod import;
pub mod integrity;
pub mod interrupt;
pub mod long_value;
pub mod outfile;
pub mod output;
mod rename;
pub mod reports;
pub mod schema;
pub mod seed;
pub mod sql;
pub mod suggest;
pub mod synth;

use anyhow::Result;

use cli::{Cli, Command};

/// Runs one command line.
pub fn run(cli: Cli) -> Result<()> {
    let db = &cli.db.db;
    db::configure();
    match &cli.command {
        Command::Migrate(args) => cmd::migrate::run(db, args),
        Command::Seed(args) => cmd::seed::run(db, args),
        Command::Reports(args) => cmd::reports::run(args),
        Command::Report(args) => cmd::report::run(db, args),
        Command::Export(args) => cmd::export::run(db, args),
        Command::Query(args) => cmd::query::run(db, args),
        Command::Check => cmd::check::run(db),
        Command::Datasets(args) => cmd::datasets::run(db, args),
        Command::Synth(args) => cmd::synth::run(args),
        Command::Import(args) => cmd::import::run(db, args),
    }
}
