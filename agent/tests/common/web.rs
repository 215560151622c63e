//! What browser tests need: a web server for test pages on port 0, and a check that no
//! chromium from a run is left behind.

use std::path::Path;

/// Serves `pages` (path → HTML) on a free port until dropped.
pub struct Pages {
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Pages {
    pub fn serve(pages: &[(&str, &str)]) -> Self {
        let mut router = axum::Router::new();
        for (path, html) in pages {
            let html = (*html).to_owned();
            router = router.route(
                path,
                axum::routing::get(move || async move { axum::response::Html(html) }),
            );
        }
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (address_tx, address_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                address_tx.send(listener.local_addr().unwrap()).unwrap();
                axum::serve(listener, router)
                    .with_graceful_shutdown(async {
                        stopped.await.ok();
                    })
                    .await
                    .unwrap();
            });
        });
        let address = address_rx.recv().unwrap();
        Self {
            url: format!("http://{address}"),
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        if let Some(thread) = self.thread.take() {
            thread.join().ok();
        }
    }
}

/// Processes whose command line mentions `marker` (a run folder: the browser profile lives in
/// it), and zombie children of this test process.
pub fn leftover_processes(marker: &Path) -> Vec<String> {
    let marker = marker.display().to_string();
    let me = std::process::id().to_string();
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !name.chars().all(|c| c.is_ascii_digit()) {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // stat: "pid (comm) state ppid …"; comm may hold spaces, so split after the ')'.
        let after = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest.trim().to_owned())
            .unwrap_or_default();
        let mut fields = after.split_whitespace();
        let (state, parent) = (fields.next().unwrap_or(""), fields.next().unwrap_or(""));
        if cmdline.contains(&marker) || (state == "Z" && parent == me) {
            found.push(format!("{name} {state} {cmdline}"));
        }
    }
    found
}
