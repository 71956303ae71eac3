//! The `conflictdb` binary: parses the command line, runs it (lib.rs), and prints a refusal as
//! one line on stderr with its exit code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = conflictdb::cli::Cli::parse();
    if let Err(e) = conflictdb::interrupt::install() {
        eprintln!("conflictdb: cannot handle Ctrl-C and SIGTERM: {e}");
        return ExitCode::FAILURE;
    }
    let result = conflictdb::run(cli);
    // Interrupted: the command has stopped and closed its databases; it exits as a signal ends it.
    conflictdb::interrupt::exit_if_stopped();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that closed the pipe (`| head`) has all it wanted.
        Err(e) if e.chain().any(broken_pipe) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("conflictdb: {}", one_line(&e));
            ExitCode::FAILURE
        }
    }
}

/// The refusal and its causes, as `{:#}` gives them, less the name of SQLite's result code
/// after SQLite's own message, which says it already ("integer overflow", not "integer
/// overflow: Error code 1: SQL logic error"). Each message shows a value it names escaped and
/// cut short (long_value.rs); a control character that got through all the same is escaped
/// here, so that a refusal is one line whatever the input held.
fn one_line(error: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut explained = false;
    for cause in error.chain() {
        if explained && cause.downcast_ref::<rusqlite::ffi::Error>().is_some() {
            explained = false;
            continue;
        }
        explained = matches!(
            cause.downcast_ref::<rusqlite::Error>(),
            Some(rusqlite::Error::SqliteFailure(_, Some(_)))
        );
        parts.push(cause.to_string());
    }
    conflictdb::long_value::escaped(&parts.join(": ")).into_owned()
}

/// Whether `cause` is a broken pipe, also inside the CSV and JSON writers' own error types.
fn broken_pipe(cause: &(dyn std::error::Error + 'static)) -> bool {
    use std::io::ErrorKind::BrokenPipe;
    if let Some(io) = cause.downcast_ref::<std::io::Error>() {
        return io.kind() == BrokenPipe;
    }
    if let Some(csv) = cause.downcast_ref::<csv::Error>() {
        return matches!(csv.kind(), csv::ErrorKind::Io(io) if io.kind() == BrokenPipe);
    }
    if let Some(json) = cause.downcast_ref::<serde_json::Error>() {
        return json.io_error_kind() == Some(BrokenPipe);
    }
    false
}
