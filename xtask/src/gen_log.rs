//! `cargo xtask gen-log`: a synthetic event log of any size for benchmarks (issue 4 asks for
//! 5M events). A seeded generator walks a small loan-application process with choices,
//! parallel-looking interleavings and rework loops, so variants, ties and self-loops occur as
//! in real logs. Output is CSV (pm4py's column names) or XES, by the file extension.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use anyhow::{Context, bail};

/// splitmix64: tiny, fast, and the same sequence on every machine for a given seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const RESOURCES: [&str; 8] = [
    "Ann",
    "Bob",
    "Chen",
    "Dara",
    "Eli",
    "Fay",
    "Gus",
    "bot@agent-1",
];

/// One case's activities, following the process's choices.
fn trace(rng: &mut Rng) -> Vec<&'static str> {
    let mut steps = vec!["Submit application"];
    if rng.chance(30) {
        steps.push("Auto-check documents");
    }
    steps.push("Check completeness");
    while rng.chance(25) {
        steps.push("Request missing documents");
        steps.push("Receive documents");
        steps.push("Check completeness");
    }
    let (first, second) = ("Credit check", "Fraud screening");
    if rng.chance(50) {
        steps.extend([first, second]);
    } else {
        steps.extend([second, first]);
    }
    steps.push("Assess risk");
    match rng.below(10) {
        0..=1 => {
            steps.push("Reject application");
            steps.push("Notify applicant");
            return steps;
        }
        2 => steps.push("Escalate to manager"),
        _ => {}
    }
    steps.push("Prepare offer");
    while rng.chance(15) {
        steps.push("Revise offer");
    }
    steps.push("Send offer");
    if rng.chance(20) {
        steps.push("Send reminder");
    }
    if rng.chance(80) {
        steps.extend(["Receive signed contract", "Pay out loan", "Close case"]);
    } else {
        steps.extend(["Offer expired", "Close case"]);
    }
    steps
}

fn timestamp(seconds: i64) -> String {
    // 2024-01-01T00:00:00Z plus `seconds`, civil date by Howard Hinnant's algorithm.
    let total = 1_704_067_200 + seconds;
    let days = total.div_euclid(86_400);
    let rest = total.rem_euclid(86_400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+00:00",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('"', "&quot;")
}

pub(crate) fn run(events: u64, out: &Path, seed: u64) -> anyhow::Result<()> {
    let name = out.to_string_lossy().to_lowercase();
    let xes = name.ends_with(".xes");
    if !xes && !name.ends_with(".csv") {
        bail!("{}: use .csv or .xes", out.display());
    }
    let file = File::create(out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let mut rng = Rng(seed);
    if xes {
        writeln!(
            writer,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<log xes.version=\"1849-2016\">"
        )?;
    } else {
        writeln!(
            writer,
            "case:concept:name,concept:name,time:timestamp,org:resource,amount"
        )?;
    }
    let (mut written, mut case, mut arrival) = (0u64, 0u64, 0i64);
    while written < events {
        case += 1;
        arrival += rng.below(600) as i64;
        let mut clock = arrival;
        let amount = 1_000 + rng.below(50_000);
        let steps = trace(&mut rng);
        if xes {
            writeln!(
                writer,
                "<trace><string key=\"concept:name\" value=\"case-{case}\"/><int key=\"amount\" value=\"{amount}\"/>"
            )?;
        }
        for activity in steps {
            if written == events {
                break;
            }
            // Automated steps often share the previous timestamp (ties, as in real logs).
            if !rng.chance(15) {
                let spread = if rng.chance(10) { 500_000 } else { 20_000 };
                clock += 30 + rng.below(spread) as i64;
            }
            let resource = RESOURCES[rng.below(RESOURCES.len() as u64) as usize];
            let time = timestamp(clock);
            if xes {
                writeln!(
                    writer,
                    "<event><string key=\"concept:name\" value=\"{}\"/><date key=\"time:timestamp\" value=\"{time}\"/><string key=\"org:resource\" value=\"{}\"/></event>",
                    escape(activity),
                    escape(resource)
                )?;
            } else {
                writeln!(writer, "case-{case},{activity},{time},{resource},{amount}")?;
            }
            written += 1;
        }
        if xes {
            writeln!(writer, "</trace>")?;
        }
    }
    if xes {
        writeln!(writer, "</log>")?;
    }
    writer.flush()?;
    eprintln!(
        "xtask: wrote {} ({written} events, {case} cases, seed {seed})",
        out.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_civil_dates() {
        assert_eq!(timestamp(0), "2024-01-01T00:00:00+00:00");
        assert_eq!(timestamp(59 * 86_400 + 3_661), "2024-02-29T01:01:01+00:00");
        assert_eq!(timestamp(366 * 86_400), "2025-01-01T00:00:00+00:00");
    }

    #[test]
    fn the_same_seed_gives_the_same_log() {
        let dir = std::env::temp_dir().join(format!("flowbot-gen-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (a, b) = (dir.join("a.csv"), dir.join("b.csv"));
        run(1_000, &a, 7).unwrap();
        run(1_000, &b, 7).unwrap();
        let text = std::fs::read_to_string(&a).unwrap();
        assert_eq!(text, std::fs::read_to_string(&b).unwrap());
        assert_eq!(text.lines().count(), 1_001);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
