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
    match conflictdb::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that closed the pipe (`| head`) has all it wanted.
        Err(e) if e.chain().any(broken_pipe) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("conflictdb: {e:#}");
            ExitCode::FAILURE
        }
    }
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
