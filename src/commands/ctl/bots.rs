//! `flowbot ctl bots`: push a bot folder as a new immutable version, list, show, publish.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::Subcommand;
use flowbot_model::wire::BotPackage;
use serde_json::json;

use super::client::Client;
use super::{print, table};
use crate::cli::OutputFormat;

/// Files larger than this are not bot code or small assets; pushing them is refused.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Subcommand)]
pub(crate) enum BotsCommand {
    /// Upload a folder (its .rhai modules and text assets) as the bot's next version; the
    /// control plane checks every script and refuses the version with positions if any fails
    Push {
        /// The bot package folder, or a single script
        path: PathBuf,
        /// The bot's name [default: the folder or script name]
        #[arg(long)]
        name: Option<String>,
        /// The script to run, relative to the folder [default: main.rhai, or the only .rhai file]
        #[arg(long)]
        entry: Option<String>,
    },
    /// Every bot with its published and latest version
    List,
    /// One version's files (0: the published version)
    Show {
        name: String,
        #[arg(long, default_value_t = 0)]
        version: u32,
    },
    /// Make a version the one jobs run by default (an older one rolls back)
    Publish { name: String, version: u32 },
    /// Run at most N of the bot's jobs at once, e.g. when the system it drives allows only
    /// N sessions
    Limit {
        name: String,
        /// The most jobs leased or running at once
        #[arg(
            long,
            value_name = "N",
            conflicts_with = "none",
            required_unless_present = "none"
        )]
        max_concurrent: Option<u32>,
        /// Remove the limit
        #[arg(long)]
        none: bool,
    },
}

pub(super) fn run(
    command: &BotsCommand,
    client: &Client,
    format: OutputFormat,
) -> anyhow::Result<ExitCode> {
    match command {
        BotsCommand::Push { path, name, entry } => {
            let (name, package) = read_package(path, name.as_deref(), entry.as_deref())?;
            let version = client.post(
                &format!("/api/v1/bots/{name}/versions"),
                &serde_json::to_value(&package)?,
            )?;
            print(format, &version, || {
                format!(
                    "pushed {name} v{} ({} file(s), entry {})\n",
                    version["version"],
                    package.files.len(),
                    package.entry
                )
            })
        }
        BotsCommand::List => {
            let bots = client.get("/api/v1/bots", &[])?;
            print(format, &bots, || table::bots(&bots))
        }
        BotsCommand::Show { name, version } => {
            let found = client.get(&format!("/api/v1/bots/{name}/versions/{version}"), &[])?;
            print(format, &found, || {
                let files: Vec<String> = found["package"]["files"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .map(|(path, _)| path.clone())
                    .collect();
                format!(
                    "{name} v{} entry {}\nfiles: {}\n",
                    found["version"],
                    found["package"]["entry"],
                    files.join(", ")
                )
            })
        }
        BotsCommand::Publish { name, version } => {
            let summary = client.post(
                &format!("/api/v1/bots/{name}/publish"),
                &json!({ "version": version }),
            )?;
            print(format, &summary, || {
                format!("{name}: published v{}\n", summary["published_version"])
            })
        }
        BotsCommand::Limit {
            name,
            max_concurrent,
            ..
        } => {
            let summary = client.put(
                &format!("/api/v1/bots/{name}/limit"),
                &json!({ "max_concurrent": max_concurrent }),
            )?;
            print(format, &summary, || match max_concurrent {
                Some(limit) => format!("{name}: at most {limit} jobs at once\n"),
                None => format!("{name}: no concurrency limit\n"),
            })
        }
    }
}

fn read_package(
    path: &Path,
    name: Option<&str>,
    entry: Option<&str>,
) -> anyhow::Result<(String, BotPackage)> {
    let stem = |path: &Path| {
        path.file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
    };
    if path.is_file() {
        let file_name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let name = name
            .map(str::to_owned)
            .or_else(|| stem(path))
            .unwrap_or_default();
        return Ok((
            name,
            BotPackage {
                entry: file_name.clone(),
                files: BTreeMap::from([(file_name, text)]),
            },
        ));
    }
    let mut files = BTreeMap::new();
    collect(path, path, &mut files)?;
    let scripts: Vec<&String> = files
        .keys()
        .filter(|file| file.ends_with(".rhai"))
        .collect();
    let entry = match entry {
        Some(entry) => entry.to_owned(),
        None if files.contains_key("main.rhai") => "main.rhai".to_owned(),
        None if scripts.len() == 1 => scripts[0].clone(),
        None => bail!(
            "{}: cannot tell which script to run; pass --entry (scripts: {})",
            path.display(),
            scripts
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let name = name
        .map(str::to_owned)
        .or_else(|| path.canonicalize().ok().as_deref().and_then(stem))
        .unwrap_or_default();
    Ok((name, BotPackage { entry, files }))
}

/// Every non-hidden text file below `dir`, by `/`-separated path relative to `root`.
fn collect(root: &Path, dir: &Path, files: &mut BTreeMap<String, String>) -> anyhow::Result<()> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot read folder {}", dir.display()))?;
    for entry in entries {
        let path = entry?.path();
        if path
            .file_name()
            .is_some_and(|name| name.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        if path.is_dir() {
            collect(root, &path, files)?;
            continue;
        }
        let size = path.metadata()?.len();
        if size > MAX_FILE_BYTES {
            bail!(
                "{}: {size} bytes; bot packages hold scripts and small text assets (at most 1 MiB each)",
                path.display()
            );
        }
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "{}: not a UTF-8 text file; bot packages hold scripts and text assets",
                path.display()
            )
        })?;
        let relative: Vec<String> = path
            .strip_prefix(root)?
            .components()
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .collect();
        files.insert(relative.join("/"), text);
    }
    Ok(())
}
