//! `browser_open(#{ headless: false })` runs a real, headed chromium on an X display — here an
//! Xvfb server the test starts — and without a display says what is missing.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// An Xvfb server on a free display number, stopped when dropped.
struct Xvfb {
    process: Child,
    display: String,
}

impl Xvfb {
    fn start() -> Self {
        // The number comes from our pid so parallel test processes do not collide; Xvfb itself
        // refuses a display whose lock file exists, which the loop steps past.
        let first = 100 + std::process::id() % 400;
        for number in first..first + 50 {
            if Path::new(&format!("/tmp/.X{number}-lock")).exists() {
                continue;
            }
            let display = format!(":{number}");
            let mut process = Command::new("Xvfb")
                .args([&display, "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("Xvfb starts (cargo xtask setup installs the xvfb package)");
            let socket = format!("/tmp/.X11-unix/X{number}");
            let deadline = Instant::now() + Duration::from_secs(10);
            while Instant::now() < deadline {
                if Path::new(&socket).exists() {
                    return Self { process, display };
                }
                if process.try_wait().ok().flatten().is_some() {
                    break;
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            process.kill().ok();
            process.wait().ok();
        }
        panic!("no free X display between :{first} and :{}", first + 49);
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        self.process.kill().ok();
        self.process.wait().ok();
    }
}

fn run(dir: &Path, script: &str, display: Option<&str>) -> Output {
    std::fs::write(dir.join("bot.rhai"), script).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_flowbot"));
    command
        .args(["--format", "json", "run", "bot.rhai"])
        .current_dir(dir);
    match display {
        Some(display) => command.env("DISPLAY", display),
        None => command.env_remove("DISPLAY"),
    };
    command.output().expect("flowbot starts")
}

const PAGE: &str = "data:text/html,<title>Headed</title><p id=greeting>hello</p>";

#[test]
fn a_headed_browser_runs_on_an_x_display() {
    let xvfb = Xvfb::start();
    let dir = tempfile::tempdir().unwrap();
    let script = format!(
        r##"browser_open(#{{ headless: false }});
navigate("{PAGE}");
output("title", page_title());
output("text", get_text("#greeting"));
output("agent", eval_js("navigator.userAgent"));
output("screen", eval_js("screen.width + 'x' + screen.height"));
browser_close();
"##
    );
    let output = run(dir.path(), &script, Some(&xvfb.display));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let outputs = &report["outputs"];
    assert_eq!(outputs["title"], "Headed");
    assert_eq!(outputs["text"], "hello");
    // Headless chromium says so in its user agent; a headed one on the display does not, and
    // sees the X screen's size.
    let agent = outputs["agent"].as_str().unwrap();
    assert!(!agent.contains("Headless"), "{agent}");
    assert!(agent.contains("Chrome/"), "{agent}");
    assert_eq!(outputs["screen"], "1280x800");
}

#[test]
fn a_headed_browser_without_a_display_says_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), "browser_open(#{ headless: false });\n", None);
    assert_eq!(output.status.code(), Some(1));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        said.contains("a headed browser needs an X display, and DISPLAY is not set"),
        "{said}"
    );
    assert!(said.contains("Xvfb"), "{said}");
}
