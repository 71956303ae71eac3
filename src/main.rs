use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = conflictdb::cli::Cli::parse();
    match conflictdb::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // A reader that closed the pipe (`| head`) has all it wanted.
            if e.chain().any(|cause| {
                cause
                    .downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("conflictdb: {e:#}");
            ExitCode::FAILURE
        }
    }
}
