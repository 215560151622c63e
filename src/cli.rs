//! The command line: global flags and the subcommand tree.

use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{Args, Parser, Subcommand, ValueEnum};
use serde::{Deserialize, Serialize};

/// Exit code for bad usage: unknown flags, bad settings, unreadable config. Matches clap's.
pub(crate) const EXIT_USAGE: u8 = 2;

/// Help and version go to stdout as clap prints them; a usage error becomes one line on stderr,
/// keeping clap's suggestion, so scripts and people see the same short message.
pub(crate) fn exit_on_parse_error(error: &clap::Error) -> std::process::ExitCode {
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        error.exit();
    }
    let rendered = error.render().to_string();
    let parts: Vec<&str> = rendered
        .lines()
        .map(str::trim)
        .filter(|line| {
            !line.is_empty()
                && !line.starts_with("Usage:")
                && !line.starts_with("For more information")
        })
        .collect();
    let message = parts.join("; ");
    let message = message.strip_prefix("error: ").unwrap_or(&message);
    eprintln!("error: {message} (see `flowbot --help`)");
    std::process::ExitCode::from(EXIT_USAGE)
}

const PLANNED_AREAS: &str = "\
Areas of Flowbot (each arrives as its subcommands are built; `flowbot --help` lists what this
build has):
  mine      process maps, variants and bottlenecks from event logs (XES, CSV, OCEL 2.0)
  run       run, check and document bot scripts (rhai) locally
  serve     the control plane: bots, jobs and leases today; schedules, triggers, queues next
  agent     a robot that leases jobs from the control plane
  ctl       the control plane's command-line client (bots, jobs, agents)
  samples   the sample back-office web app bots are tested against
  watch     start a bot for every file that lands in a folder

Settings are layered: built-in defaults < flowbot.toml < FLOWBOT_* environment < flags.
See them resolved, with where each came from, with `flowbot config show`.";

/// Flowbot: self-hosted RPA and process mining.
#[derive(Debug, Parser)]
#[command(name = "flowbot", version, about, after_help = PLANNED_AREAS)]
pub(crate) struct Cli {
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Settings file [default: ./flowbot.toml when it exists; env: FLOWBOT_CONFIG]
    #[arg(long, global = true, value_name = "PATH")]
    pub(crate) config: Option<PathBuf>,
    /// Output for people (text) or for scripts (json)
    #[arg(long, global = true, value_enum)]
    pub(crate) format: Option<OutputFormat>,
    /// How much to log to stderr
    #[arg(long, global = true, value_enum)]
    pub(crate) log_level: Option<LogLevel>,
    /// Where Flowbot keeps runs, the store and caches
    #[arg(long, global = true, value_name = "DIR")]
    pub(crate) data_dir: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Inspect Flowbot's settings
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Run the control plane: jobs, leases to agents, run history
    Serve(crate::commands::serve::ServeArgs),
    /// Run a robot that leases jobs from a control plane
    Agent(crate::commands::agent::AgentArgs),
    /// Talk to a running control plane: bots, jobs, agents
    Ctl(crate::commands::ctl::CtlArgs),
    /// Process mining: stats, variants, bottlenecks, maps and export from event logs
    #[command(subcommand)]
    Mine(Box<crate::commands::mine::MineCommand>),
    /// Run a bot script locally, with a progress line per step
    Run(crate::commands::run::RunArgs),
    /// Check bot scripts without running them: syntax, unknown steps, arguments
    Check(crate::commands::check::CheckArgs),
    /// Show the step catalogue, or one step's documentation
    Steps(crate::commands::steps::StepsArgs),
    /// Sample apps to write and test bots against
    #[command(subcommand)]
    Samples(crate::commands::samples::SamplesCommand),
    /// Run a bot for every file that lands in a folder; move each to done/, failed/ or review/
    Watch(crate::commands::watch::WatchArgs),
    /// List, show, correct and approve documents a bot sent to a person, locally or on a control plane
    Validate(crate::commands::validate::ValidateArgs),
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Print every setting with its value and where it came from
    Show,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LogLevel {
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}
