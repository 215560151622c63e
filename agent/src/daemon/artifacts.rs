//! After a leased run: upload the files in its `artifacts/` folder to the control plane under
//! the lease, so operators find them by job. (Its log lines were streamed with the step
//! events.) A failed upload is logged and the run's result still goes out: the files stay in
//! the local run folder.

use std::path::Path;

use flowbot_model::LeaseId;

use super::client::Client;
use crate::run::RunReport;

/// Files larger than the control plane accepts stay local.
const MAX_UPLOAD_BYTES: u64 = 64 * 1024 * 1024;

pub(super) fn upload(client: &Client, lease: &LeaseId, report: &RunReport) {
    for artifact in &report.artifacts {
        let name = format!("artifacts/{}", artifact.path);
        let path = report.run_dir.join("artifacts").join(&artifact.path);
        if let Err(error) = upload_one(client, lease, &name, &path) {
            tracing::warn!(%name, %error, "artifact not uploaded; it stays in the run folder");
        }
    }
}

fn upload_one(client: &Client, lease: &LeaseId, name: &str, path: &Path) -> Result<(), String> {
    let size = std::fs::metadata(path)
        .map_err(|error| error.to_string())?
        .len();
    if size > MAX_UPLOAD_BYTES {
        return Err(format!(
            "{size} bytes is over the {MAX_UPLOAD_BYTES}-byte upload limit"
        ));
    }
    let data = std::fs::read(path).map_err(|error| error.to_string())?;
    client
        .put_bytes(&format!("/api/v1/agent/artifacts/{lease}/{name}"), data)
        .map_err(|error| error.to_string())
}
