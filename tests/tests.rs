//! Integration tests: each runs the real binary in its own temporary directory.

mod common;

mod bad_input;
mod commands;
mod data;
mod readers;
mod reports;
mod roundtrip;
