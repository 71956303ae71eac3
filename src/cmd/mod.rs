//! One module per subcommand, each with one `run`.

pub mod check;
pub mod datasets;
pub mod export;
pub mod import;
pub mod migrate;
pub mod query;
pub mod report;
pub mod reports;
pub mod seed;
pub mod synth;
