//! `cargo xtask demo`: the deepest end-to-end path Flowbot has, run for real and summarised.

use std::process::Command;

use anyhow::Context;

use crate::shell;

pub(crate) fn run() -> anyhow::Result<()> {
    shell::cargo(&["build", "--quiet", "--bin", "flowbot"])?;
    let flowbot = shell::workspace_root().join("target/debug/flowbot");
    let mut show = Command::new(&flowbot);
    show.args(["config", "show"])
        .current_dir(shell::workspace_root());
    shell::run(show).context("flowbot config show")?;
    println!(
        "\nDemo finished: flowbot resolved its settings (defaults < flowbot.toml < FLOWBOT_* < flags)."
    );
    Ok(())
}
