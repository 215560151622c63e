//! `flowbot samples backoffice` as a user starts it: port 0, a database file, misbehaviour flags.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{FLOWBOT, Killed};

fn start(args: &[&str]) -> (Killed, String) {
    let mut child = Command::new(FLOWBOT)
        .args(["samples", "backoffice", "--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("flowbot samples backoffice starts");
    let mut first_line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first_line)
        .expect("the app prints its address");
    let url = first_line
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first_line:?}"))
        .to_owned();
    (Killed(child), url)
}

#[test]
fn the_back_office_serves_its_login_page_and_keeps_its_database_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bo.db");
    let (_app, url) = start(&["--db", db.to_str().unwrap(), "--expose-data"]);
    let login = reqwest::blocking::get(format!("{url}/login")).unwrap();
    assert_eq!(login.status(), 200);
    assert!(login.text().unwrap().contains("Sign in"));
    let claims: Vec<serde_json::Value> = reqwest::blocking::get(format!("{url}/api/claims"))
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(claims.len(), flowbot_backoffice::SEEDED_CLAIMS);
    assert!(db.exists());
}

#[test]
fn a_failure_rate_above_one_is_a_usage_error() {
    let output = Command::new(FLOWBOT)
        .args(["samples", "backoffice", "--failure-rate", "1.5"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("must be a number from 0.0 to 1.0"),
        "{stderr}"
    );
}
