//! Helpers the end-to-end tests share: real `flowbot` processes that are killed when dropped.
// Each test file compiles this module and uses part of it.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub(crate) const FLOWBOT: &str = env!("CARGO_BIN_EXE_flowbot");

/// A child process killed (SIGKILL) when dropped, so a failing test leaves nothing running.
pub(crate) struct Killed(pub(crate) Child);

impl Drop for Killed {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// `flowbot serve` on a free port, with its URL read from the first line it prints.
pub(crate) struct Server {
    pub(crate) process: Killed,
    pub(crate) url: String,
}

impl Server {
    pub(crate) fn start(db: &Path) -> Self {
        Self::start_with(db, &[])
    }

    pub(crate) fn start_with(db: &Path, extra_args: &[&str]) -> Self {
        let mut child = Command::new(FLOWBOT)
            .args(["serve", "--listen", "127.0.0.1:0", "--db"])
            .arg(db)
            .args(extra_args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("flowbot serve starts");
        let mut first_line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut first_line)
            .expect("serve prints its address");
        let url = first_line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {first_line:?}"))
            .to_owned();
        Self {
            process: Killed(child),
            url,
        }
    }

    /// SIGKILL: no chance to flush or shut down.
    pub(crate) fn kill(&mut self) {
        self.process.0.kill().unwrap();
        self.process.0.wait().unwrap();
    }
}

/// `flowbot ctl --server URL ARGS` with a clean environment.
pub(crate) fn ctl(server: &str, args: &[&str]) -> Output {
    Command::new(FLOWBOT)
        .args(["ctl", "--server", server])
        .args(args)
        .env_clear()
        .output()
        .expect("flowbot ctl starts")
}

/// `flowbot agent` with its own data dir, killed when dropped.
pub(crate) fn agent(url: &str, name: &str, data_dir: &Path, files_root: &Path) -> Killed {
    agent_with(url, name, data_dir, files_root, &[])
}

/// [`agent`] with more of `flowbot agent`'s flags.
pub(crate) fn agent_with(
    url: &str,
    name: &str,
    data_dir: &Path,
    files_root: &Path,
    flags: &[&str],
) -> Killed {
    let child = Command::new(FLOWBOT)
        .args(["--data-dir"])
        .arg(data_dir)
        .args(["agent", "--server", url, "--name", name, "--files-root"])
        .arg(files_root)
        .args(flags)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("agent starts");
    Killed(child)
}

pub(crate) fn ctl_json(url: &str, args: &[&str]) -> Value {
    let output = ctl(url, &[&["--format", "json"], args].concat());
    assert!(
        output.status.success(),
        "ctl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

pub(crate) fn push(url: &str, dir: &Path, name: &str, script: &str) {
    let bot = dir.join(name);
    std::fs::create_dir_all(&bot).unwrap();
    std::fs::write(bot.join("main.rhai"), script).unwrap();
    ctl_json(
        url,
        &["bots", "push", bot.to_str().unwrap(), "--name", name],
    );
}

pub(crate) fn wait_for(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `flowbot mine stats SOURCE --format json --quiet` (a log, run folder, store file or URL),
/// which must succeed.
pub(crate) fn mine_stats(source: &Path) -> Value {
    let mined = Command::new(FLOWBOT)
        .args(["mine", "stats", "--format", "json", "--quiet"])
        .arg(source)
        .output()
        .unwrap();
    assert!(
        mined.status.success(),
        "{}",
        String::from_utf8_lossy(&mined.stderr)
    );
    serde_json::from_slice(&mined.stdout).unwrap()
}

/// `../shared/data` beside the repository: the real logs and pm4py's references.
pub(crate) fn data_dir() -> std::path::PathBuf {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data");
    assert!(
        dir.join("logs").is_dir(),
        "reference data not found at {} (shared/data beside the repository)",
        dir.display()
    );
    dir
}

/// pm4py's reference output for a log in `shared/data/logs`.
pub(crate) fn reference(name: &str) -> Value {
    let path = data_dir().join("reference").join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// `flowbot ARGS` in `cwd` with a clean environment.
pub(crate) fn flowbot(cwd: &Path, args: &[&str]) -> Output {
    Command::new(FLOWBOT)
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .output()
        .expect("flowbot starts")
}
