//! Each step family doing real work on real files (and a local HTTP server).

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;

use common::{Bot, activities};
use flowbot_model::wire::JobOutcome;
use serde_json::json;

fn succeed(bot: &mut Bot) -> flowbot_agent::RunReport {
    let report = bot.run();
    assert_eq!(report.outcome, JobOutcome::Succeeded, "{:?}", report.error);
    report
}

#[test]
fn files_write_read_move_copy_list_and_delete() {
    let mut bot = Bot::new(
        r#"
        write_text("a/one.txt", "hello");
        append_text("a/one.txt", " world");
        copy_file("a/one.txt", "b/two.txt");
        move_file("a/one.txt", "b/one.txt");
        make_dir("c/d");
        output("listed", list_files("b/*.txt"));
        output("text", read_text("b/one.txt"));
        output("exists_before", file_exists("b/two.txt"));
        delete_file("b/two.txt");
        output("exists_after", file_exists("b/two.txt"));
        "#,
    );
    let report = succeed(&mut bot);
    assert_eq!(report.outputs["listed"], json!(["b/one.txt", "b/two.txt"]));
    assert_eq!(report.outputs["text"], json!("hello world"));
    assert_eq!(report.outputs["exists_before"], json!(true));
    assert_eq!(report.outputs["exists_after"], json!(false));
    assert!(bot.path("files/c/d").is_dir());
    assert!(!bot.path("files/a/one.txt").exists());
}

#[test]
fn move_refuses_to_overwrite() {
    let mut bot = Bot::new(
        r#"write_text("a.txt", "1"); write_text("b.txt", "2"); move_file("a.txt", "b.txt");"#,
    );
    let error = bot.run().error.unwrap();
    assert!(error.message.contains("already exists"), "{error}");
    assert_eq!(
        std::fs::read_to_string(bot.path("files/b.txt")).unwrap(),
        "2"
    );
}

#[test]
fn csv_round_trip_keeps_columns_and_values() {
    let mut bot = Bot::new(
        r#"
        let rows = read_csv("in.csv", #{ delimiter: ";" });
        for i in 0..rows.len() { rows[i].total = parse_amount(rows[i].amount) * 2.0; }
        write_csv("out.csv", rows, ["id", "total"]);
        output("count", rows.len());
        "#,
    );
    bot.write("files/in.csv", "id;amount\n1;1.234,50\n2;10,00\n");
    let report = succeed(&mut bot);
    assert_eq!(report.outputs["count"], json!(2));
    assert_eq!(
        std::fs::read_to_string(bot.path("files/out.csv")).unwrap(),
        "id,total\n1,2469.0\n2,20.0\n"
    );
}

#[test]
fn xlsx_written_by_one_step_reads_back_with_types() {
    let mut bot = Bot::new(
        r#"
        let rows = [#{ id: "A1", amount: 12.5, count: 3, paid: true }, #{ id: "A2", amount: -4.25, count: 0, paid: false }];
        write_xlsx("out/book.xlsx", rows, ["id", "amount", "count", "paid"]);
        let back = read_xlsx("out/book.xlsx");
        output("back", back);
        output("sheet", read_xlsx("out/book.xlsx", "Sheet1").len());
        "#,
    );
    let report = succeed(&mut bot);
    assert_eq!(
        report.outputs["back"],
        json!([
            {"id": "A1", "amount": 12.5, "count": 3.0, "paid": true},
            {"id": "A2", "amount": -4.25, "count": 0.0, "paid": false}
        ])
    );
    assert_eq!(report.outputs["sheet"], json!(2));
}

#[test]
fn xlsx_names_missing_sheets() {
    let mut bot = Bot::new(r#"write_xlsx("b.xlsx", [#{ a: 1 }]); read_xlsx("b.xlsx", "Nope");"#);
    let error = bot.run().error.unwrap();
    assert!(
        error.message.contains("no sheet `Nope` (sheets: Sheet1)"),
        "{error}"
    );
}

#[test]
fn json_parse_render_read_and_write() {
    let mut bot = Bot::new(
        r#"
        let value = parse_json("{\"a\": [1, 2.5, \"x\", null], \"b\": {\"c\": true}}");
        write_json("v.json", value);
        let back = read_json("v.json");
        output("same", to_json(back) == to_json(value));
        output("b", back.b.c);
        "#,
    );
    let report = succeed(&mut bot);
    assert_eq!(report.outputs["same"], json!(true));
    assert_eq!(report.outputs["b"], json!(true));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(bot.path("files/v.json")).unwrap()).unwrap();
    assert_eq!(written, json!({"a": [1, 2.5, "x", null], "b": {"c": true}}));
}

#[test]
fn dates_parse_format_and_count() {
    let mut bot = Bot::new(
        r#"
        output("parsed", parse_date("02.05.2024", "%d.%m.%Y"));
        output("formatted", format_date("2024-05-02", "%d/%m/%Y"));
        output("plus", add_days("2024-02-28", 2));
        output("between", days_between("2024-01-01", "2024-03-01"));
        output("weekday", weekday("2024-05-04"));
        output("today_len", today().len());
        "#,
    );
    let report = succeed(&mut bot);
    assert_eq!(report.outputs["parsed"], json!("2024-05-02"));
    assert_eq!(report.outputs["formatted"], json!("02/05/2024"));
    assert_eq!(report.outputs["plus"], json!("2024-03-01"));
    assert_eq!(report.outputs["between"], json!(60));
    assert_eq!(report.outputs["weekday"], json!(6));
    assert_eq!(report.outputs["today_len"], json!(10));
}

#[test]
fn regex_helpers() {
    let mut bot = Bot::new(
        r##"
        let text = "Invoices INV-12 and INV-345, due 2024-05";
        output("match", regex_match(text, "INV-\\d+"));
        output("find", regex_find(text, "INV-\\d+"));
        output("all", regex_find_all(text, "INV-\\d+"));
        output("caps", regex_captures(text, "(\\d{4})-(\\d{2})"));
        output("none", regex_find(text, "XYZ") == ());
        output("replaced", regex_replace(text, "INV-(\\d+)", "#$1"));
        output("rounded", round_to(10.0 / 3.0, 2));
        "##,
    );
    let report = succeed(&mut bot);
    assert_eq!(report.outputs["match"], json!(true));
    assert_eq!(report.outputs["find"], json!("INV-12"));
    assert_eq!(report.outputs["all"], json!(["INV-12", "INV-345"]));
    assert_eq!(report.outputs["caps"], json!(["2024-05", "2024", "05"]));
    assert_eq!(report.outputs["none"], json!(true));
    assert_eq!(
        report.outputs["replaced"],
        json!("Invoices #12 and #345, due 2024-05")
    );
    assert_eq!(report.outputs["rounded"], json!(3.33));
}

#[test]
fn bad_regex_is_a_clear_error() {
    let mut bot = Bot::new(r#"regex_match("x", "(unclosed");"#);
    let error = bot.run().error.unwrap();
    assert!(error.message.contains("regex `(unclosed`"), "{error}");
    assert_eq!(error.line, Some(1));
}

/// Serves `responses` one connection each and returns what each request sent.
fn serve(responses: Vec<&'static str>) -> (String, std::thread::JoinHandle<Vec<String>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        let mut requests = Vec::new();
        for response in responses {
            let (mut stream, _) = listener.accept().unwrap();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut head = String::new();
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap();
                }
                head.push_str(&line);
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body).unwrap();
            head.push_str(&String::from_utf8(body).unwrap());
            requests.push(head);
            stream.write_all(response.as_bytes()).unwrap();
        }
        requests
    });
    (url, handle)
}

#[test]
fn http_get_and_post_json_against_a_local_server() {
    let (url, server) = serve(vec![
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\nconnection: close\r\n\r\n{\"ok\":true}",
        "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
    ]);
    let mut bot = Bot::new(
        r#"
        let url = input("url");
        let r = http_get(url + "/health", #{ headers: #{ "x-token": "t1" }, timeout_ms: 5000 });
        output("status", r.status);
        output("body", parse_json(r.body));
        let p = http_request("post", url + "/orders", #{ json: #{ id: 7 } });
        output("post_status", p.status);
        output("post_ok", p.ok);
        "#,
    )
    .input("url", json!(url));
    let report = succeed(&mut bot);
    assert_eq!(report.outputs["status"], json!(200));
    assert_eq!(report.outputs["body"], json!({"ok": true}));
    assert_eq!(report.outputs["post_status"], json!(404));
    assert_eq!(report.outputs["post_ok"], json!(false));
    let requests = server.join().unwrap();
    assert!(requests[0].starts_with("GET /health"), "{}", requests[0]);
    assert!(requests[0].contains("x-token: t1"), "{}", requests[0]);
    assert!(requests[1].starts_with("POST /orders"), "{}", requests[1]);
    assert!(requests[1].ends_with("{\"id\":7}"), "{}", requests[1]);
}

#[test]
fn http_times_out_instead_of_hanging() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/slow", listener.local_addr().unwrap());
    // Accept and never answer.
    let _server = std::thread::spawn(move || {
        let connection = listener.accept();
        std::thread::sleep(std::time::Duration::from_secs(5));
        drop(connection);
    });
    let mut bot =
        Bot::new(r#"http_get(input("url"), #{ timeout_ms: 300 });"#).input("url", json!(url));
    let error = bot.run().error.unwrap();
    assert_eq!(error.step.as_deref(), Some("http_get"));
    assert!(error.message.contains("timed out"), "{error}");
}

#[test]
fn retry_retries_system_exceptions_with_backoff() {
    let mut bot = Bot::new(
        r#"
        let attempts = 0;
        let value = retry(3, 10, || {
            attempts += 1;
            if attempts < 3 { throw system("flaky"); }
            attempts * 10
        });
        output("value", value);
        "#,
    );
    let report = succeed(&mut bot);
    assert_eq!(report.outputs["value"], json!(30));
    let retry = bot
        .events()
        .into_iter()
        .find(|e| e.activity == "retry")
        .unwrap();
    assert_eq!(
        retry.attributes["attempts"],
        flowbot_model::event::AttributeValue::Int(3)
    );
}

#[test]
fn retry_does_not_retry_business_exceptions() {
    let mut bot = Bot::new(
        r#"
        let attempts = 0;
        try {
            retry(5, 10, || { attempts += 1; throw business("row 4: bad IBAN"); });
        } catch (e) {
            output("kind", e.kind);
            output("message", e.message);
        }
        output("attempts", attempts);
        "#,
    );
    let report = succeed(&mut bot);
    assert_eq!(report.outputs["attempts"], json!(1));
    assert_eq!(report.outputs["kind"], json!("business"));
    assert_eq!(report.outputs["message"], json!("row 4: bad IBAN"));
}

#[test]
fn retry_gives_up_after_the_last_attempt() {
    let mut bot = Bot::new(r#"let n = 0; retry(2, 1, || { n += 1; throw system(`down ${n}`); });"#);
    let error = bot.run().error.unwrap();
    assert_eq!(error.message, "down 2");
    assert_eq!(error.kind, flowbot_model::wire::ExceptionKind::System);
}

#[test]
fn wait_until_polls_and_times_out() {
    let mut bot = Bot::new(
        r#"
        let n = 0;
        wait_until(|| { n += 1; n >= 3 }, 5_000, 10);
        output("polls", n);
        wait_until(|| false, 50, 10);
        "#,
    );
    let report = bot.run();
    assert_eq!(report.outputs["polls"], json!(3));
    let error = report.error.unwrap();
    assert_eq!(error.step.as_deref(), Some("wait_until"));
    assert!(error.message.contains("still false after 50 ms"), "{error}");
}

#[test]
fn inputs_defaults_and_missing_inputs() {
    let mut bot =
        Bot::new(r#"output("a", input("a")); output("b", input("b", 5)); input("missing");"#)
            .input("a", json!({"x": [1, 2]}));
    let report = bot.run();
    assert_eq!(report.outputs["a"], json!({"x": [1, 2]}));
    assert_eq!(report.outputs["b"], json!(5));
    let error = report.error.unwrap();
    assert!(error.message.contains("no input `missing`"), "{error}");
    assert!(error.message.contains("--input missing="), "{error}");
    assert_eq!((error.line, error.column), (Some(1), Some(54)), "{error}");
    assert_eq!(error.step.as_deref(), Some("input"));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.run_dir.join("run.json")).unwrap())
            .unwrap();
    assert_eq!(summary["outputs"]["b"], json!(5));
}

#[test]
fn dry_run_skips_writes_but_reads() {
    let mut bot = Bot::new(
        r#"
        output("read", read_text("in.txt"));
        write_text("out.txt", "x");
        output("dry", is_dry_run());
        "#,
    );
    bot.write("files/in.txt", "hello");
    bot.options().dry_run = true;
    let report = succeed(&mut bot);
    assert_eq!(report.outputs["read"], json!("hello"));
    assert_eq!(report.outputs["dry"], json!(true));
    assert!(!bot.path("files/out.txt").exists());
    let events = bot.events();
    assert_eq!(
        activities(&events),
        ["read_text", "output", "write_text", "output"]
    );
    assert_eq!(events[2].status, flowbot_model::event::Status::Skipped);
}

#[test]
fn run_folder_accepts_artifacts() {
    let mut bot = Bot::new(
        r#"write_text(run_folder() + "/artifacts/note.txt", "kept"); write_text(run_folder() + "/artifacts/sub/b.csv", "a,b");"#,
    );
    let report = succeed(&mut bot);
    assert_eq!(
        report.artifacts,
        [
            flowbot_agent::run::Artifact {
                path: "note.txt".to_owned(),
                bytes: 4
            },
            flowbot_agent::run::Artifact {
                path: "sub/b.csv".to_owned(),
                bytes: 3
            },
        ]
    );
    assert_eq!(
        std::fs::read_to_string(report.run_dir.join("artifacts/note.txt")).unwrap(),
        "kept"
    );
}
