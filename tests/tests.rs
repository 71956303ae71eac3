//! Integration tests: each runs the real binary in its own temporary directory, except the
//! property tests (roundtrip) and the loader-bug regressions (loader_bugs), which call the library.

mod common;

mod bad_input;
mod chains;
mod check_search_index;
mod claims;
mod clients;
mod codebook;
mod commands;
mod damaged;
mod data;
mod datasets;
mod exports;
mod fresh_seed;
mod golden;
mod import;
mod import_datasets;
mod import_new_database;
mod import_ucdp_gdelt;
mod loader_bugs;
mod messages;
mod output_safety;
mod parquet;
mod readers;
mod readme;
mod reliability;
mod report_files;
mod reports;
mod reseed;
mod reseed_fingerprints;
mod reseed_unchanged;
mod roundtrip;
mod seam;
mod search;
mod side_files;
mod synth;
mod teaching;
