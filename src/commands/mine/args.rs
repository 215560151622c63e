//! The `flowbot mine` flags: input options and filters, shared by every subcommand.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use flowbot_miner::filter::{Filter, TimeMode, parse_duration};
use flowbot_miner::import::csv::CsvOptions;
use flowbot_miner::import::{Format, ImportOptions};
use flowbot_miner::time::{self, DateStyle};

#[derive(Debug, Subcommand)]
pub(crate) enum MineCommand {
    /// Counts, start/end activities, directly-follows graph, variants, case durations
    Stats {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        filters: FilterArgs,
        /// How many variants to list
        #[arg(long, default_value_t = 50)]
        top: usize,
    },
    /// Variants (distinct activity sequences) with their case counts and durations
    Variants {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        filters: FilterArgs,
        /// How many variants to list
        #[arg(long, default_value_t = 50)]
        top: usize,
    },
    /// Where cases wait: edges and activities by total waiting time, service times, rework,
    /// slowest variants, SLA breaches
    Bottlenecks {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        filters: FilterArgs,
        /// Report the share of cases longer than this (e.g. 5d, 36h, 90m)
        #[arg(long)]
        sla: Option<String>,
        /// Also report the throughput time from the first FROM to the next TO in each case
        #[arg(long, num_args = 2, value_names = ["FROM", "TO"])]
        between: Option<Vec<String>>,
        /// How many rows per section
        #[arg(long, default_value_t = 10)]
        top: usize,
    },
    /// Draw the process map to .svg, .dot, .json or .html (laid out natively)
    Map {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        filters: FilterArgs,
        /// Output file; its extension chooses the format
        #[arg(short, long)]
        output: PathBuf,
        /// What edges and nodes show
        #[arg(long, value_enum, default_value_t = Overlay::Frequency)]
        overlay: Overlay,
    },
    /// Discover a process model (Inductive Miner, Heuristics Miner or Alpha Miner, as pm4py
    /// runs them) and write it as .pnml, .bpmn (laid out, opens in Camunda Modeler and bpmn.io),
    /// .svg or .dot; prints the log's fitness and precision on it
    Discover {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        filters: FilterArgs,
        /// Discovery algorithm
        #[arg(long, value_enum, default_value_t = Algorithm::Im)]
        algo: Algorithm,
        /// IMf's noise threshold in [0, 1]
        #[arg(long, default_value_t = 0.2)]
        noise: f64,
        /// Heuristics: an arc a→b is kept when (|a>b| − |b>a|) / (|a>b| + |b>a| + 1) reaches this
        #[arg(long, default_value_t = 0.5)]
        dependency_threshold: f64,
        /// Heuristics: two successors (or predecessors) are parallel (AND) from this measure on
        #[arg(long, default_value_t = 0.65)]
        and_threshold: f64,
        /// Heuristics: a b a patterns become a loop of length two from this measure on
        #[arg(long, default_value_t = 0.5)]
        loop_two_threshold: f64,
        /// Where to write the model; the extension chooses the format (.pnml, .bpmn, and the
        /// pictures .svg, .html, .dot)
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// What a picture (.svg, .html, .dot) shows
        #[arg(long, value_enum, default_value_t = ModelView::Net)]
        view: ModelView,
    },
    /// Check how well the log fits a model (a PNML Petri net or a BPMN diagram): token replay,
    /// or alignments with a report of the activities cases skip or insert (and in which variants)
    Conform {
        #[command(flatten)]
        input: InputArgs,
        /// The model: a .pnml or .bpmn file (as `flowbot mine discover -o model.pnml` writes, or
        /// a BPMN diagram drawn in a modeler)
        model: PathBuf,
        #[command(flatten)]
        filters: FilterArgs,
        /// Token-based replay (fast, pm4py's heuristic) or optimal alignments (adds the
        /// deviations report)
        #[arg(long, value_enum, default_value_t = ConformMethod::Replay)]
        method: ConformMethod,
        /// Alignments: seconds allowed per variant before it is cut off and reported
        #[arg(long, default_value_t = 60)]
        timeout: u64,
        /// Also measure precision (ETConformance, token-based, as pm4py): how much behaviour
        /// the model allows that the log never shows (1 = none)
        #[arg(long)]
        precision: bool,
    },
    /// Write the (filtered) log as XES (.xes, .xes.gz), CSV or OCEL 2.0 JSON (.jsonocel)
    Export {
        #[command(flatten)]
        input: InputArgs,
        #[command(flatten)]
        filters: FilterArgs,
        /// Output file; its extension chooses the format
        #[arg(short, long)]
        output: PathBuf,
    },
}

/// Which picture of the model `.svg`, `.dot` and `.html` outputs show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ModelView {
    /// The Petri net: places, transitions, arcs
    Net,
    /// The BPMN diagram, laid out as the .bpmn file is
    Bpmn,
    /// The process tree (Inductive Miner only)
    Tree,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Algorithm {
    /// Inductive Miner: every trace fits the model
    Im,
    /// Inductive Miner – infrequent: rare behaviour (below --noise) is left out
    Imf,
    /// Heuristics Miner: frequent dependencies, AND-splits/joins and short loops; the net may
    /// not fit every trace
    Heuristics,
    /// Alpha Miner: the classic footprint-based miner (no silent steps, short loops are lost)
    Alpha,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ConformMethod {
    Replay,
    Align,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Overlay {
    Frequency,
    Performance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum InputFormat {
    Xes,
    Csv,
    Ocel,
    OcelXml,
    Sqlite,
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DateFormat {
    Iso,
    DayFirst,
    MonthFirst,
    Epoch,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TimeModeArg {
    Contained,
    Intersecting,
    Events,
}

#[derive(Debug, Args)]
pub(crate) struct InputArgs {
    /// Event log (XES, XES.gz, CSV, OCEL 2.0 JSON/XML/SQLite, OCEL 1.0 JSON, JSONL), a run
    /// folder containing events.jsonl, a folder of run folders (each run one case), or a
    /// control plane's run history: its URL (http://host:8640) or its store file
    /// (control-plane.db)
    pub(crate) log: PathBuf,
    /// Input format, when the file name does not tell
    #[arg(long, value_enum)]
    pub(crate) input_format: Option<InputFormat>,
    /// CSV: the case id column [default: detected, e.g. case:concept:name, Case ID]
    #[arg(long, value_name = "COLUMN")]
    pub(crate) case: Option<String>,
    /// CSV: the activity column [default: detected, e.g. concept:name, Activity]
    #[arg(long, value_name = "COLUMN")]
    pub(crate) activity: Option<String>,
    /// CSV: the completion timestamp column [default: detected, e.g. time:timestamp]
    #[arg(long, value_name = "COLUMN")]
    pub(crate) timestamp: Option<String>,
    /// CSV: the start timestamp column [default: detected, e.g. start_timestamp]
    #[arg(long, value_name = "COLUMN")]
    pub(crate) start_timestamp: Option<String>,
    /// CSV: the resource column [default: detected, e.g. org:resource]
    #[arg(long, value_name = "COLUMN")]
    pub(crate) resource: Option<String>,
    /// CSV: the field delimiter [default: sniffed from the header]
    #[arg(long)]
    pub(crate) delimiter: Option<char>,
    /// CSV: how dates are written [default: detected from the first rows]
    #[arg(long, value_enum)]
    pub(crate) date_format: Option<DateFormat>,
    /// Object-centric logs: the object type whose objects are the cases [default: the type
    /// with the most event relations]
    #[arg(long)]
    pub(crate) object_type: Option<String>,
    /// No progress bar
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

impl InputArgs {
    pub(crate) fn import_options(&self) -> anyhow::Result<ImportOptions> {
        let delimiter = match self.delimiter {
            Some(delimiter) if delimiter.is_ascii() => Some(delimiter as u8),
            Some(delimiter) => bail!("--delimiter must be an ASCII character, not {delimiter:?}"),
            None => None,
        };
        Ok(ImportOptions {
            format: self.input_format.map(|format| match format {
                InputFormat::Xes => Format::Xes,
                InputFormat::Csv => Format::Csv,
                InputFormat::Ocel => Format::OcelJson,
                InputFormat::OcelXml => Format::OcelXml,
                InputFormat::Sqlite => Format::OcelSqlite,
                InputFormat::Jsonl => Format::Jsonl,
            }),
            csv: CsvOptions {
                case: self.case.clone(),
                activity: self.activity.clone(),
                timestamp: self.timestamp.clone(),
                start_timestamp: self.start_timestamp.clone(),
                resource: self.resource.clone(),
                delimiter,
                date_style: self.date_format.map(|format| match format {
                    DateFormat::Iso => DateStyle::Iso,
                    DateFormat::DayFirst => DateStyle::DayFirst,
                    DateFormat::MonthFirst => DateStyle::MonthFirst,
                    DateFormat::Epoch => DateStyle::Epoch,
                }),
            },
            object_type: self.object_type.clone(),
        })
    }
}

#[derive(Debug, Args)]
pub(crate) struct FilterArgs {
    /// Keep only events with this lifecycle transition (e.g. complete); events without one stay
    #[arg(long, help_heading = "Filters")]
    pub(crate) lifecycle: Option<String>,
    /// Time window start (ISO date or date-time; UTC if no offset)
    #[arg(long, help_heading = "Filters")]
    pub(crate) from: Option<String>,
    /// Time window end (ISO date or date-time; UTC if no offset)
    #[arg(long, help_heading = "Filters")]
    pub(crate) to: Option<String>,
    /// How the window selects: whole cases inside it, cases touching it, or single events
    #[arg(long, value_enum, default_value_t = TimeModeArg::Intersecting, help_heading = "Filters")]
    pub(crate) time_mode: TimeModeArg,
    /// Keep only events of this activity (repeatable)
    #[arg(long, value_name = "ACTIVITY", help_heading = "Filters")]
    pub(crate) keep_activity: Vec<String>,
    /// Remove events of this activity (repeatable)
    #[arg(long, value_name = "ACTIVITY", help_heading = "Filters")]
    pub(crate) drop_activity: Vec<String>,
    /// Keep cases starting with this activity (repeatable)
    #[arg(long, value_name = "ACTIVITY", help_heading = "Filters")]
    pub(crate) start_activity: Vec<String>,
    /// Keep cases ending with this activity (repeatable)
    #[arg(long, value_name = "ACTIVITY", help_heading = "Filters")]
    pub(crate) end_activity: Vec<String>,
    /// Keep cases with KEY=VALUE on the case or one of its events (repeatable; same key = any of)
    #[arg(long, value_name = "KEY=VALUE", help_heading = "Filters")]
    pub(crate) case_attr: Vec<String>,
    /// Keep only events with KEY=VALUE (repeatable; same key = any of)
    #[arg(long, value_name = "KEY=VALUE", help_heading = "Filters")]
    pub(crate) event_attr: Vec<String>,
    /// Keep cases at least this long (e.g. 1d, 4h)
    #[arg(long, help_heading = "Filters")]
    pub(crate) min_duration: Option<String>,
    /// Keep cases at most this long (e.g. 5d)
    #[arg(long, help_heading = "Filters")]
    pub(crate) max_duration: Option<String>,
    /// Keep the cases of the K most frequent variants
    #[arg(long, value_name = "K", help_heading = "Filters")]
    pub(crate) top_variants: Option<usize>,
    /// Keep the most frequent variants covering this % of cases
    #[arg(long, value_name = "PERCENT", help_heading = "Filters")]
    pub(crate) variant_coverage: Option<f64>,
    /// Keep this % of the activities, most frequent first (map simplification)
    #[arg(long, value_name = "PERCENT", help_heading = "Filters")]
    pub(crate) activities_percent: Option<f64>,
    /// Show this % of the directly-follows edges, most frequent first (maps and stats' dfg)
    #[arg(long, value_name = "PERCENT", help_heading = "Filters")]
    pub(crate) paths_percent: Option<f64>,
}

fn parse_instant(flag: &str, text: &str) -> anyhow::Result<i64> {
    time::parse_any(text)
        .map(|instant| instant.micros)
        .with_context(|| format!("--{flag} {text:?} is not an ISO date or date-time"))
}

fn parse_seconds(flag: &str, text: &str) -> anyhow::Result<f64> {
    parse_duration(text)
        .with_context(|| format!("--{flag} {text:?} is not a duration like 5d, 36h or 90m"))
}

fn key_values(flag: &str, pairs: &[String]) -> anyhow::Result<Vec<(String, Vec<String>)>> {
    let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
    for pair in pairs {
        let (key, value) = pair
            .split_once('=')
            .with_context(|| format!("--{flag} {pair:?} is not KEY=VALUE"))?;
        match grouped.iter_mut().find(|(known, _)| known == key) {
            Some((_, values)) => values.push(value.to_owned()),
            None => grouped.push((key.to_owned(), vec![value.to_owned()])),
        }
    }
    Ok(grouped)
}

impl FilterArgs {
    /// The filters in a fixed order: event-level narrowing first (lifecycle, attributes,
    /// activities), then case selection, then variant selection on what is left.
    pub(crate) fn filters(&self) -> anyhow::Result<Vec<Filter>> {
        let mut filters = Vec::new();
        if let Some(lifecycle) = &self.lifecycle {
            filters.push(Filter::Lifecycle(lifecycle.clone()));
        }
        for (key, values) in key_values("event-attr", &self.event_attr)? {
            filters.push(Filter::EventAttribute { key, values });
        }
        if !self.keep_activity.is_empty() {
            filters.push(Filter::KeepActivities(self.keep_activity.clone()));
        }
        if !self.drop_activity.is_empty() {
            filters.push(Filter::DropActivities(self.drop_activity.clone()));
        }
        if let Some(percent) = self.activities_percent {
            filters.push(Filter::ActivityPercent(percent));
        }
        if self.from.is_some() || self.to.is_some() {
            filters.push(Filter::TimeRange {
                from: self
                    .from
                    .as_deref()
                    .map(|text| parse_instant("from", text))
                    .transpose()?,
                to: self
                    .to
                    .as_deref()
                    .map(|text| parse_instant("to", text))
                    .transpose()?,
                mode: match self.time_mode {
                    TimeModeArg::Contained => TimeMode::Contained,
                    TimeModeArg::Intersecting => TimeMode::Intersecting,
                    TimeModeArg::Events => TimeMode::Events,
                },
            });
        }
        for (key, values) in key_values("case-attr", &self.case_attr)? {
            filters.push(Filter::CaseAttribute { key, values });
        }
        if !self.start_activity.is_empty() {
            filters.push(Filter::StartActivities(self.start_activity.clone()));
        }
        if !self.end_activity.is_empty() {
            filters.push(Filter::EndActivities(self.end_activity.clone()));
        }
        if self.min_duration.is_some() || self.max_duration.is_some() {
            filters.push(Filter::CaseDuration {
                min_s: self
                    .min_duration
                    .as_deref()
                    .map(|text| parse_seconds("min-duration", text))
                    .transpose()?,
                max_s: self
                    .max_duration
                    .as_deref()
                    .map(|text| parse_seconds("max-duration", text))
                    .transpose()?,
            });
        }
        if let Some(k) = self.top_variants {
            filters.push(Filter::TopVariants(k));
        }
        if let Some(percent) = self.variant_coverage {
            filters.push(Filter::VariantCoverage(percent));
        }
        if let Some(percent) = self.paths_percent
            && !(0.0..=100.0).contains(&percent)
        {
            bail!("--paths-percent must be between 0 and 100, not {percent}");
        }
        Ok(filters)
    }
}
