//! Integration tests: each runs the real binary in its own temporary directory, except the
//! property tests (roundtrip) and the loader-bug regressions (loader_bugs), which call the library.

mod common;

mod bad_input;
mod commands;
mod data;
mod loader_bugs;
mod messages;
mod readers;
mod reliability;
mod reports;
mod roundtrip;
mod synth;
