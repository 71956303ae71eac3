//! `conflictdb help [COMMAND]`: the long help of the program or of one of its commands, as
//! `COMMAND --help` prints it. Written here rather than left to clap, whose own `help` command
//! has no help of its own (`help --help` was refused).

use anyhow::{bail, Result};
use clap::CommandFactory;

use crate::cli::{Cli, HelpArgs};

pub fn run(args: &HelpArgs) -> Result<()> {
    let mut command = Cli::command();
    command.build();
    let mut current = &mut command;
    for name in &args.command {
        let names: Vec<String> = current
            .get_subcommands()
            .map(|c| c.get_name().to_string())
            .collect();
        let path = current.get_bin_name().unwrap_or("conflictdb").to_string();
        match current.find_subcommand_mut(name) {
            Some(sub) => current = sub,
            None => {
                let hint = crate::suggest::closest(name, names.iter().cloned())
                    .map(|c| format!(" (did you mean {c:?}?)"))
                    .unwrap_or_default();
                bail!(
                    "`{path}` has no command {name:?}{hint}; its commands are {}",
                    names.join(", ")
                );
            }
        }
    }
    current
        .print_long_help()
        .map_err(crate::output::stdout_error)?;
    Ok(())
}
