//! Time and peak memory of one program run, the way a user would experience it: a fresh
//! process, wall-clock time, and the peak resident set reported by GNU time.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{Context, bail};

const GNU_TIME: &str = "/usr/bin/time";

#[derive(Debug, Clone)]
pub(crate) struct Measurement {
    pub(crate) wall_s: f64,
    pub(crate) peak_rss_mb: f64,
}

/// Run `program args` `runs` times; report the median wall time and the largest peak RSS.
pub(crate) fn measure(
    program: &Path,
    args: &[&str],
    runs: usize,
    scratch: &Path,
) -> anyhow::Result<Measurement> {
    let mut walls = Vec::with_capacity(runs);
    let mut peak_rss_mb: f64 = 0.0;
    let rss_file = scratch.join("rss.txt");
    for _ in 0..runs.max(1) {
        let started = Instant::now();
        let output = Command::new(GNU_TIME)
            .arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&rss_file)
            .arg(program)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .with_context(|| format!("cannot start {GNU_TIME} (Debian package `time`)"))?;
        walls.push(started.elapsed().as_secs_f64());
        if !output.status.success() {
            bail!(
                "{} {} failed: {}",
                program.display(),
                args.join(" "),
                String::from_utf8_lossy(&output.stderr)
                    .lines()
                    .last()
                    .unwrap_or("")
            );
        }
        let kilobytes: f64 = std::fs::read_to_string(&rss_file)?
            .lines()
            .last()
            .and_then(|line| line.trim().parse().ok())
            .context("GNU time wrote no peak RSS")?;
        peak_rss_mb = peak_rss_mb.max(kilobytes / 1024.0);
    }
    walls.sort_by(f64::total_cmp);
    Ok(Measurement {
        wall_s: walls[walls.len() / 2],
        peak_rss_mb,
    })
}
