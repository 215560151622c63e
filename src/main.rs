//! `flowbot`: parse arguments, load settings, hand over to one subcommand module.

mod cli;
mod commands;
mod config;
mod logging;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return cli::exit_on_parse_error(&error),
    };
    let settings = match config::load(&cli.global) {
        Ok(settings) => settings,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(cli::EXIT_USAGE);
        }
    };
    logging::init(settings.value.log_level);
    match commands::run(cli.command, &settings) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
