//! `cargo xtask bench`: criterion benchmarks of every crate; results go to docs/benchmarks.md.

use crate::shell;

pub(crate) fn run() -> anyhow::Result<()> {
    shell::cargo(&["bench", "--workspace"])?;
    println!("\nCopy the figures, with the date, machine and command, into docs/benchmarks.md.");
    Ok(())
}
