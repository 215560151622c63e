//! `cargo xtask bench`: criterion micro-benchmarks of every crate, then whole-program
//! comparisons against the named peers, measured side by side in one run.

mod measure;
mod miner;
use crate::shell;

#[derive(clap::Args)]
pub(crate) struct BenchArgs {
    /// Skip the criterion micro-benchmarks
    #[arg(long)]
    no_micro: bool,
    /// Skip the whole-program comparison of `flowbot mine stats` with pm4py and rust4pm
    #[arg(long)]
    no_miner: bool,
    /// Runs per tool and log (the median is reported)
    #[arg(long, default_value_t = 3)]
    runs: usize,
}

pub(crate) fn run(args: &BenchArgs) -> anyhow::Result<()> {
    if !args.no_micro {
        shell::cargo(&["bench", "--workspace"])?;
    }
    if !args.no_miner {
        miner::compare(args.runs)?;
    }
    println!("\nCopy the figures, with the date, machine and command, into docs/benchmarks.md.");
    Ok(())
}
