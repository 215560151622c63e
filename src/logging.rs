//! Logs go to stderr so stdout stays clean for `--format json`.

use tracing_subscriber::EnvFilter;

use crate::cli::LogLevel;

pub(crate) fn init(level: LogLevel) {
    let directive = match level {
        LogLevel::Error => "error",
        LogLevel::Warn => "warn",
        LogLevel::Info => "info",
        LogLevel::Debug => "debug",
        LogLevel::Trace => "trace",
    };
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(directive))
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
