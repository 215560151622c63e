//! `flowbot`: parse arguments, load settings, hand over to one subcommand module.

mod cli;
mod commands;
mod config;
mod logging;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    limit_openmp_threads();
    exit_quietly_when_stdout_closes();
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
    flowbot_agent::language::use_models(flowbot_nlp::ModelPaths::new(&settings.value.models_dir));
    match commands::run(cli.command, &settings) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// `flowbot steps | head` closes stdout early; end quietly with the shell's SIGPIPE status, as
/// Unix tools do, instead of panicking inside `println!`.
fn exit_quietly_when_stdout_closes() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

/// Debian's libtesseract uses OpenMP, which reads `OMP_THREAD_LIMIT` when the process loads;
/// without a limit of 1 each OCR'd page is ~5× slower on a small machine (measured,
/// `shared/notes/dependencies.md` A), and setting the variable after start has no effect. So a
/// process started without it replaces itself with one that has it, before any thread starts.
/// If the re-exec fails the process carries on, only slower.
fn limit_openmp_threads() {
    if std::env::var_os(flowbot_docai::OMP_THREAD_LIMIT).is_some() {
        return;
    }
    #[cfg(unix)]
    if let Ok(exe) = std::env::current_exe() {
        use std::os::unix::process::CommandExt;
        let error = std::process::Command::new(exe)
            .args(std::env::args_os().skip(1))
            .env(flowbot_docai::OMP_THREAD_LIMIT, "1")
            .exec();
        eprintln!("warning: cannot restart with OMP_THREAD_LIMIT=1 ({error}); OCR will be slower");
    }
}
