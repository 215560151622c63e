//! `flowbot watch` with real files in a temporary folder: files written slowly are taken only
//! once complete, partial names wait for their rename, each file runs once and moves to done/,
//! failed/ (with a reason file) or review/, and a restart finishes what a stopped watch left
//! without running a file twice. Bad documents (corrupt, encrypted, empty, blank, without
//! pages, unsupported, 300 pages, missing OCR language) fail with a reason that names the file
//! and the cause.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

const FLOWBOT: &str = env!("CARGO_BIN_EXE_flowbot");

/// Records what it saw of each file, fails `bad*` files, sends `unsure*` ones to a person.
const BOT: &str = r#"
let file = input("file");
let name = file.split("/").pop();
write_text(`seen/${name}`, `${read_text(file).len()}`);
if name.starts_with("bad") { throw business(`bad invoice ${name}`); }
if name.starts_with("unsure") { output("status", "needs_validation"); }
"#;

/// Reads a document the way the intake bot does, and nothing else.
const EXTRACT: &str = r#"
let invoice = extract_invoice(input("file"), #{ lang: "eng" });
output("number", invoice.fields.invoice_number.value);
"#;

struct Watch(Child);

impl Watch {
    fn start(root: &Path, script: &str, env: &[(&str, &str)]) -> Self {
        let child = Command::new(FLOWBOT)
            .args(["--data-dir", "data", "watch", "inbox", "--script", script])
            .args(["--root", ".", "--settle-ms", "600"])
            .current_dir(root)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("flowbot starts");
        Self(child)
    }

    /// SIGTERM, as a service manager stops it; the watch finishes its file and exits 0.
    fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.0.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.0.wait().unwrap();
        assert!(exit.success(), "{exit:?}");
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `flowbot --data-dir data watch inbox --script bot.rhai --once` in `root`: one pass over the
/// inbox, then exit. `flags` and `env` come on top.
fn watch_once(root: &Path, flags: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> Output {
    Command::new(FLOWBOT)
        .args([
            "--data-dir",
            "data",
            "watch",
            "inbox",
            "--script",
            "bot.rhai",
        ])
        .args(flags)
        .arg("--once")
        .current_dir(root)
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn runs(root: &Path) -> usize {
    std::fs::read_dir(root.join("data/runs")).map_or(0, |dir| dir.count())
}

fn setup(script: &str) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().unwrap();
    let inbox = root.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::create_dir_all(root.path().join("seen")).unwrap();
    std::fs::write(root.path().join("bot.rhai"), script).unwrap();
    (root, inbox)
}

#[test]
fn each_file_runs_once_when_complete_and_a_restart_repeats_and_skips_nothing() {
    let (root, inbox) = setup(BOT);
    let root = root.path();
    std::fs::write(inbox.join("a.txt"), "there before the watch").unwrap();
    let watch = Watch::start(root, "bot.rhai", &[]);
    wait_for("a.txt", || inbox.join("done/a.txt").is_file());

    // Written in pieces over 1.2 s: the run must see all of it.
    let mut slow = std::fs::File::create(inbox.join("b.txt")).unwrap();
    for _ in 0..4 {
        slow.write_all(b"0123456789").unwrap();
        slow.flush().unwrap();
        std::thread::sleep(Duration::from_millis(300));
    }
    drop(slow);
    // Downloaded under a partial name, then renamed into place.
    std::fs::write(inbox.join("c.txt.part"), "complete").unwrap();
    std::thread::sleep(Duration::from_millis(1200));
    assert!(
        !root.join("seen/c.txt.part").exists(),
        "a partial name was taken"
    );
    std::fs::rename(inbox.join("c.txt.part"), inbox.join("c.txt")).unwrap();
    std::fs::write(inbox.join("bad.txt"), "x").unwrap();
    std::fs::write(inbox.join("unsure.txt"), "y").unwrap();
    wait_for("every file", || {
        [
            "done/b.txt",
            "done/c.txt",
            "failed/bad.txt",
            "review/unsure.txt",
        ]
        .iter()
        .all(|path| inbox.join(path).is_file())
    });
    assert_eq!(
        std::fs::read_to_string(root.join("seen/b.txt")).unwrap(),
        "40"
    );
    let reason = std::fs::read_to_string(inbox.join("failed/bad.txt.reason.txt")).unwrap();
    assert!(reason.contains("bad invoice bad.txt"), "{reason}");
    watch.stop();
    assert_eq!(runs(root), 5);

    // While stopped: a new file, and one whose run had ended but whose move had not happened
    // (the journal says so): it is moved, not run again.
    std::fs::write(inbox.join("d.txt"), "new").unwrap();
    std::fs::write(inbox.join("e.txt"), "ran already").unwrap();
    let meta = std::fs::metadata(inbox.join("e.txt")).unwrap();
    let modified_ns = meta
        .modified()
        .unwrap()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let journal = serde_json::json!({ "files": { "e.txt": {
        "state": "moving",
        "stamp": { "bytes": meta.len(), "modified_ns": modified_ns },
        "folder": "done", "reason": null, "run_id": "earlier",
    }}});
    std::fs::write(inbox.join(".flowbot-watch.json"), journal.to_string()).unwrap();
    let watch = Watch::start(root, "bot.rhai", &[]);
    wait_for("d.txt and e.txt", || {
        inbox.join("done/d.txt").is_file() && inbox.join("done/e.txt").is_file()
    });
    watch.stop();
    assert_eq!(
        runs(root),
        6,
        "e.txt must not run again, a–c and bad must not repeat"
    );
    assert!(!root.join("seen/e.txt").exists());
}

/// A one-page PDF copied into 300 pages with qpdf.
fn three_hundred_pages(from: &Path, to: &Path) {
    let mut args: Vec<String> = vec!["--empty".into(), "--pages".into()];
    args.extend(std::iter::repeat_n(from.display().to_string(), 300));
    args.extend(["--".into(), to.display().to_string()]);
    let status = Command::new("qpdf")
        .args(&args)
        .status()
        .expect("qpdf is installed");
    assert!(status.success());
}

/// A well-formed PDF with the given page objects (each a dictionary body) and nothing else.
fn pdf_with_pages(pages: &[&str]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    let kids: Vec<String> = (0..pages.len()).map(|i| format!("{} 0 R", i + 3)).collect();
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        ),
    ];
    objects.extend(pages.iter().map(|page| (*page).to_owned()));
    for (index, object) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{object}\nendobj\n", index + 1).as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        pdf.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

#[test]
fn bad_documents_fail_with_a_reason_that_names_the_cause() {
    let (root, inbox) = setup(EXTRACT);
    let root = root.path();
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/documents");
    let pdf = samples.join("invoice-001-classic.pdf");
    let png = std::fs::read(samples.join("invoice-001-classic.png")).unwrap();
    let mut corrupt = png[..200].to_vec();
    corrupt.extend_from_slice(&[0u8; 64]);
    std::fs::write(inbox.join("corrupt.png"), corrupt).unwrap();
    std::fs::write(inbox.join("empty.pdf"), b"").unwrap();
    std::fs::write(
        inbox.join("letter.docx"),
        b"PK\x03\x04 not a document we read",
    )
    .unwrap();
    let status = Command::new("qpdf")
        .args(["--encrypt", "user", "owner", "256", "--"])
        .arg(&pdf)
        .arg(inbox.join("locked.pdf"))
        .status()
        .expect("qpdf is installed");
    assert!(status.success());
    three_hundred_pages(&pdf, &inbox.join("long.pdf"));
    // Valid PDFs with nothing to read: one blank A4 page (no text layer, nothing to OCR), and
    // an empty page tree.
    std::fs::write(
        inbox.join("blank.pdf"),
        pdf_with_pages(&["<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"]),
    )
    .unwrap();
    std::fs::write(inbox.join("no-pages.pdf"), pdf_with_pages(&[])).unwrap();

    let started = std::time::Instant::now();
    let output = watch_once(root, &[], &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "bad input took {:?}",
        started.elapsed()
    );
    let reason = |name: &str| {
        std::fs::read_to_string(inbox.join(format!("failed/{name}.reason.txt")))
            .unwrap_or_else(|_| panic!("{name} has no reason file"))
    };
    for (name, cause) in [
        ("corrupt.png", "corrupt or truncated image"),
        ("empty.pdf", "is empty (0 bytes)"),
        (
            "letter.docx",
            "unsupported format (ZIP archive or Office document)",
        ),
        ("locked.pdf", "is password-protected"),
        ("long.pdf", "has 300 pages, more than the limit of 20"),
        ("blank.pdf", "has no text: 1 page(s) without a text layer"),
        ("no-pages.pdf", "has no pages"),
    ] {
        let text = reason(name);
        assert!(
            text.contains(name) && text.contains(cause),
            "{name}: {text}"
        );
        assert!(inbox.join("failed").join(name).is_file());
    }

    // Missing language data: the reason says which package to install.
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(inbox.join("scan.png"), &png).unwrap();
    let output = watch_once(root, &[], &[("TESSDATA_PREFIX", empty.path().as_os_str())]);
    assert!(output.status.success());
    let text = reason("scan.png");
    assert!(
        text.contains("no OCR language data `eng`") && text.contains("tesseract-ocr-eng"),
        "{text}"
    );
}

#[test]
fn approving_a_validation_task_records_the_correction_and_hands_the_document_back() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    std::fs::create_dir_all(root.join("inbox/review")).unwrap();
    std::fs::create_dir_all(root.join("validation")).unwrap();
    std::fs::write(root.join("inbox/review/scan-7.png"), b"parked").unwrap();
    let task = serde_json::json!({
        "document": "inbox/scan-7.png",
        "document_bytes": 6,
        "status": "pending",
        "created_at": "2026-11-30T04:00:00Z",
        "fields": {
            "total": { "value": "10.00", "confidence": 0.42 },
            "net": { "value": "8.40", "confidence": 0.97 },
        },
        "line_items": [],
        "issues": [{ "code": "low_confidence", "field": "total", "message": "total read with confidence 0.42" }],
    });
    let task_path = root.join("validation/scan-7.png.json");
    std::fs::write(&task_path, task.to_string()).unwrap();
    let flowbot = |args: &[&str]| {
        Command::new(FLOWBOT)
            .args(args)
            .current_dir(root)
            .output()
            .unwrap()
    };

    let listed = flowbot(&["validate", "list", "validation"]);
    let text = String::from_utf8_lossy(&listed.stdout);
    assert!(
        text.contains("1 task(s) waiting") && text.contains("low_confidence"),
        "{text}"
    );

    let refused = flowbot(&[
        "validate",
        "approve",
        "validation/scan-7.png.json",
        "--set",
        "iban=x",
    ]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("unknown field `iban`"));

    let approved = flowbot(&[
        "validate",
        "approve",
        "validation/scan-7.png.json",
        "--set",
        "total=10.50",
        "--by",
        "anna",
    ]);
    assert!(
        approved.status.success(),
        "{}",
        String::from_utf8_lossy(&approved.stderr)
    );
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&task_path).unwrap()).unwrap();
    assert_eq!(saved["status"], "validated");
    assert_eq!(saved["corrections"]["total"], "10.50");
    assert_eq!(saved["validated_by"], "anna");
    // Back in the watched folder, where the watch runs it again with the corrections.
    assert!(root.join("inbox/scan-7.png").is_file());
    assert!(!root.join("inbox/review/scan-7.png").exists());
    let again = flowbot(&["validate", "approve", "validation/scan-7.png.json"]);
    assert!(!again.status.success(), "a task is approved once");
}

#[test]
fn the_intake_script_moves_a_document_that_is_no_invoice_to_failed_naming_its_kind() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/invoice_intake.rhai");
    let (root, inbox) = setup(&std::fs::read_to_string(script).unwrap());
    let root = root.path();
    let letters = flowbot_docgen::generate_letters(&root.join("letters"), 5).unwrap();
    for letter in &letters {
        let file = match (letter.kind, letter.lang.as_str()) {
            (flowbot_docgen::LetterKind::Complaint, "en") => &letter.pdf,
            (flowbot_docgen::LetterKind::InsuranceClaim, "zh") => &letter.png,
            _ => continue,
        };
        std::fs::copy(root.join("letters").join(file), inbox.join(file)).unwrap();
    }
    let output = watch_once(root, &["--root", "."], &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for (name, kind) in [
        ("letter-complaint-en.pdf", "is a complaint ("),
        (
            "letter-insurance_claim-zh.png",
            "is an insurance claim (by the word 理赔)",
        ),
    ] {
        let reason = std::fs::read_to_string(inbox.join(format!("failed/{name}.reason.txt")))
            .unwrap_or_else(|_| panic!("{name} has no reason file"));
        assert!(
            reason.contains(&format!("{name} {kind}")) && reason.contains("not an invoice"),
            "{name}: {reason}"
        );
        assert!(inbox.join("failed").join(name).is_file());
    }
}
