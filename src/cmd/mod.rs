//! One module per subcommand, each with one `run`.

pub mod check;
pub mod cite;
pub mod codebook;
pub mod datasets;
pub mod datasette;
pub mod export;
pub mod help;
pub mod import;
pub mod migrate;
pub mod query;
pub mod report;
pub mod reports;
pub mod search;
pub mod seed;
pub mod synth;
