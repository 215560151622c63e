//! The command line chromium is started with, read back through a stand-in executable that
//! records its arguments and exits (so `browser_open` fails, which these tests do not mind).

mod common;

use std::os::unix::fs::PermissionsExt;

use common::Bot;

fn chromium_arguments() -> Vec<String> {
    let recorder = tempfile::tempdir().unwrap();
    let executable = recorder.path().join("chromium");
    let recorded = recorder.path().join("arguments.txt");
    std::fs::write(
        &executable,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\nexit 1\n",
            recorded.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&executable, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut bot = Bot::new(&format!(
        r#"browser_open(#{{ executable: "{}" }});"#,
        executable.display()
    ));
    let report = bot.run();
    assert!(report.error.is_some(), "the stand-in chromium never starts");
    std::fs::read_to_string(&recorded)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_disabled_feature_reaches_chromium_in_one_switch() {
    let arguments = chromium_arguments();
    // Chromium keeps only the last of several --disable-features switches; with two, the
    // off-network list was dropped in about half the runs.
    let switches: Vec<&String> = arguments
        .iter()
        .filter(|argument| argument.starts_with("--disable-features="))
        .collect();
    assert_eq!(switches.len(), 1, "{arguments:?}");
    let features: Vec<&str> = switches[0]["--disable-features=".len()..]
        .split(',')
        .collect();
    for feature in [
        "BackForwardCache",
        "TranslateUI",
        "OptimizationHints",
        "MediaRouter",
        "AutofillServerCommunication",
        "NetworkTimeServiceQuerying",
        "PreconnectToSearch",
    ] {
        assert!(features.contains(&feature), "{feature} in {features:?}");
    }
}

#[test]
fn chromium_starts_without_a_window_of_its_own() {
    // Its first window would show the new-tab page, which Debian's chromium sends to the
    // default search engine's site; the bot's tab is made over CDP instead.
    let arguments = chromium_arguments();
    assert!(
        arguments
            .iter()
            .any(|argument| argument == "--no-startup-window"),
        "{arguments:?}"
    );
}
