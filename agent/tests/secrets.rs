//! A secret must not leave the run by any path: log, print, debug, events, errors, outputs,
//! caught exception maps, run summary.

mod common;

use common::Bot;
use flowbot_agent::secrets::{EnvSecrets, FileSecrets, SecretChain};

const SECRET: &str = "S3cr3t-Pa55w0rd";
const UNASKED: &str = "never-asked-9f8e7d";

fn every_file(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            every_file(&path, out);
        } else {
            out.push((
                path.display().to_string(),
                String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned(),
            ));
        }
    }
}

#[test]
fn a_secret_cannot_leak_by_any_path_the_runtime_controls() {
    let mut bot = Bot::new(
        r#"
        let s = secret("db_password");
        print(s);
        print(`prefix ${s} suffix`);
        debug(s);
        debug(#{ password: s });
        log(s);
        log([s, s]);
        output("plain", s);
        output("nested", #{ list: [s], text: `pw=${s}` });
        step(`login as ${s}`, #{ record: s }, || { sleep(0); });
        try { read_text(`dir/${s}.txt`); } catch (e) { output("caught", e); print(e); }
        try { throw s; } catch (e) { output("thrown", e); }
        try { http_get(`http://127.0.0.1:9/?token=${s}`, #{ timeout_ms: 500 }); } catch (e) { output("http", e.message); }
        try { parse_date(s, "%Y"); } catch (e) { output("date", `${e}`); }
        try { write_text(run_folder() + `/artifacts/${s}.txt`, "x"); } catch (e) { output("named", e.message); }
        write_text(run_folder() + "/artifacts/report.txt", "no secret here");
        print(secret("from_file"));
        log("unasked: never-asked-9f8e7d");
        throw business(`row 4: password ${s} rejected`);
        "#,
    );
    bot.write("bot/secrets.toml", "");
    let file = bot.path("secrets.toml");
    std::fs::write(
        &file,
        format!("from_file = \"file-secret-123\"\nother = \"{UNASKED}\"\n"),
    )
    .unwrap();
    bot.options().secrets = Box::new(SecretChain(vec![
        Box::new(EnvSecrets::from_vars([(
            "FLOWBOT_SECRET_DB_PASSWORD".to_owned(),
            SECRET.to_owned(),
        )])),
        Box::new(FileSecrets::load(&file).unwrap()),
    ]));
    let report = bot.run();
    let error = report.error.clone().unwrap();
    assert_eq!(error.message, "row 4: password *** rejected");

    let mut files = Vec::new();
    every_file(&report.run_dir, &mut files);
    let report_json = serde_json::to_string(&report).unwrap();
    files.push(("report".to_owned(), report_json));
    files.push(("error".to_owned(), error.to_string()));
    files.push(("events".to_owned(), format!("{:?}", bot.events())));
    for (name, text) in &files {
        for secret in [SECRET, "file-secret-123", UNASKED] {
            assert!(
                !text.contains(secret),
                "{secret} leaked into {name}:\n{text}"
            );
        }
    }
    // The redacted places are still there, so the test did look at them.
    let log = &files
        .iter()
        .find(|(name, _)| name.ends_with("run.log"))
        .unwrap()
        .1;
    assert!(log.contains("print ***"), "{log}");
    assert!(log.contains("prefix *** suffix"), "{log}");
    assert!(log.contains("unasked: ***"), "{log}");
    assert_eq!(report.outputs["plain"], "***");
    assert_eq!(report.outputs["nested"]["text"], "pw=***");
    assert_eq!(report.outputs["caught"]["step"], "read_text");
    assert!(
        report.outputs["caught"]["args"][0]
            .as_str()
            .unwrap()
            .contains("***")
    );
    assert!(
        bot.events()
            .iter()
            .any(|event| event.activity == "login as ***")
    );
    // A file named after the secret is refused; the listing shows only the honest artifact.
    let named = report.outputs["named"].as_str().unwrap();
    assert!(named.contains("may not contain a secret"), "{named}");
    let names: Vec<&str> = report.artifacts.iter().map(|a| a.path.as_str()).collect();
    assert_eq!(names, ["report.txt"]);
}
