//! One module per subcommand; each returns the process exit code.

pub(crate) mod agent;
pub(crate) mod check;
mod config;
pub(crate) mod ctl;
pub(crate) mod mine;
pub(crate) mod run;
pub(crate) mod samples;
pub(crate) mod serve;
pub(crate) mod steps;
pub(crate) mod validate;
pub(crate) mod watch;

use std::process::ExitCode;

use crate::cli::{Command, ConfigCommand};
use crate::config::Resolved;

pub(crate) fn run(command: Command, settings: &Resolved) -> anyhow::Result<ExitCode> {
    match command {
        Command::Config(ConfigCommand::Show) => config::show(settings),
        Command::Serve(args) => serve::serve_command(&args, settings),
        Command::Ctl(args) => ctl::ctl(&args, settings),
        Command::Agent(args) => agent::agent(&args, settings),
        Command::Mine(command) => mine::run(*command, settings),
        Command::Run(args) => run::run(&args, settings),
        Command::Check(args) => check::check(&args, settings),
        Command::Steps(args) => steps::steps(&args, settings),
        Command::Samples(command) => samples::run(&command, settings),
        Command::Watch(args) => watch::watch(&args, settings),
        Command::Validate(args) => validate::validate(&args, settings),
    }
}
