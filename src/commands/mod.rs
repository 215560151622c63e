//! One module per subcommand; each returns the process exit code.

mod config;
pub(crate) mod mine;

use std::process::ExitCode;

use crate::cli::{Command, ConfigCommand};
use crate::config::Resolved;

pub(crate) fn run(command: Command, settings: &Resolved) -> anyhow::Result<ExitCode> {
    match command {
        Command::Config(ConfigCommand::Show) => config::show(settings),
        Command::Mine(command) => mine::run(*command, settings),
    }
}
