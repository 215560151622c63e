//! `flowbot mine export`: write the filtered log as XES, XES.gz, CSV or OCEL 2.0 JSON.

use std::path::Path;
use std::process::ExitCode;

use flowbot_miner::Log;
use flowbot_miner::export::write_path;

pub(crate) fn write(log: &Log, output: &Path) -> anyhow::Result<ExitCode> {
    let format = write_path(log, output)?;
    eprintln!(
        "wrote {} as {format:?} ({} cases, {} events)",
        output.display(),
        log.num_cases(),
        log.num_events()
    );
    Ok(ExitCode::SUCCESS)
}
