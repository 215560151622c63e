//! `cargo xtask bench-intake`: invoices per minute end to end — `scripts/invoice_intake.rhai`
//! run once per generated invoice (OCR or text layer, extraction, checks, sign-in and the
//! invoice form in headless chromium, archive record) against the sample back office in this
//! process, one invoice after another as `flowbot watch` runs them.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use flowbot_agent::run::{RunOptions, run_script};
use flowbot_agent::secrets::EnvSecrets;

use crate::shell;

/// The sample back office with the sample suppliers as customers, on a free port.
fn start_back_office(
    root: &Path,
) -> anyhow::Result<(
    String,
    tokio::sync::oneshot::Sender<()>,
    std::thread::JoinHandle<()>,
)> {
    let text = std::fs::read_to_string(root.join("samples/invoices/suppliers.csv"))?;
    let seed_customers: Vec<BTreeMap<String, String>> = text
        .lines()
        .skip(1)
        .filter_map(|line| line.split_once(','))
        .map(|(name, reference)| {
            [
                ("ref", reference),
                ("customer_type", "business"),
                ("company_name", name),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
        })
        .collect();
    let options = flowbot_backoffice::Options {
        seed_customers,
        ..Default::default()
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (address_tx, address_rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("tokio runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("a free port");
            let _ = address_tx.send(listener.local_addr().expect("bound"));
            let _ = flowbot_backoffice::serve(listener, options, async {
                stopped.await.ok();
            })
            .await;
        });
    });
    let address = address_rx.recv().context("the back office did not start")?;
    Ok((format!("http://{address}"), stop, thread))
}

pub(crate) fn run(count: usize) -> anyhow::Result<()> {
    if !flowbot_docai::omp_thread_limit_is_one() {
        bail!("run through cargo (its [env] sets OMP_THREAD_LIMIT=1) or export OMP_THREAD_LIMIT=1");
    }
    let root = shell::workspace_root();
    let work = tempfile::tempdir()?;
    let truths = flowbot_docgen::generate(&work.path().join("inbox"), count, 5)?;
    std::fs::copy(
        root.join("samples/invoices/suppliers.csv"),
        work.path().join("suppliers.csv"),
    )?;
    let (app, stop, thread) = start_back_office(&root)?;
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut times = Vec::new();
    let started = Instant::now();
    for (index, truth) in truths.iter().enumerate() {
        // Every form the intake meets: clean PNG, PDF (text layer or image), scanned PNG.
        let file = match index % 3 {
            0 => &truth.files.png,
            1 => &truth.files.pdf,
            _ => &truth.files.scanned_png,
        };
        let mut options = RunOptions::new(
            root.join("scripts/invoice_intake.rhai"),
            work.path(),
            work.path().join("runs"),
        );
        for (key, value) in [
            ("file", format!("inbox/{file}")),
            ("app", app.clone()),
            ("suppliers", "suppliers.csv".to_owned()),
        ] {
            options.inputs.insert(key.to_owned(), value.into());
        }
        options.secrets = Box::new(EnvSecrets::from_vars([(
            "FLOWBOT_SECRET_BACKOFFICE_PASSWORD".to_owned(),
            "flowbot".to_owned(),
        )]));
        let one = Instant::now();
        let report = run_script(options)?;
        times.push(one.elapsed());
        let status = report
            .outputs
            .get("status")
            .and_then(|s| s.as_str())
            .map_or_else(
                || format!("{:?}", report.outcome).to_lowercase(),
                str::to_owned,
            );
        *outcomes.entry(status).or_default() += 1;
    }
    let total = started.elapsed();
    let _ = stop.send(());
    let _ = thread.join();
    times.sort();
    let median: Duration = times[times.len() / 2];
    println!(
        "{count} invoices end to end in {:.1} s: {:.1} invoices/minute (median {:.2} s each, slowest {:.2} s); outcomes {outcomes:?}",
        total.as_secs_f64(),
        count as f64 / total.as_secs_f64() * 60.0,
        median.as_secs_f64(),
        times.last().map_or(0.0, Duration::as_secs_f64),
    );
    println!("Copy the figures, with the date, machine and command, into docs/benchmarks.md.");
    Ok(())
}
