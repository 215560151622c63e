//! The sample back office in this process on a free port, for the browser bots' tests.

use std::collections::BTreeMap;

/// The sample back office on a free port, stopped when dropped.
pub struct BackOffice {
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl BackOffice {
    pub fn start(options: flowbot_backoffice::Options) -> Self {
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (address_tx, address_rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                address_tx.send(listener.local_addr().unwrap()).unwrap();
                flowbot_backoffice::serve(listener, options, async {
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

    pub fn rows(&self, table: &str) -> Vec<BTreeMap<String, String>> {
        reqwest::blocking::get(format!("{}/api/{table}", self.url))
            .unwrap()
            .json()
            .unwrap()
    }
}

impl Drop for BackOffice {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            stop.send(()).ok();
        }
        if let Some(thread) = self.thread.take() {
            thread.join().ok();
        }
    }
}
