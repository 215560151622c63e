//! Artifacts: agents upload the files a run produced under the run's lease; operators list and
//! download them by job. Files live in the artifact folder beside the store, written to a
//! temporary name and renamed, so a half-uploaded file is never listed.

use std::io::Write;
use std::path::PathBuf;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use flowbot_model::{JobId, LeaseId};
use sha2::{Digest, Sha256};

use super::{AppError, AppState};
use crate::store::{ArtifactRecord, check_artifact_name};

/// Largest artifact accepted in one upload.
pub(super) const MAX_ARTIFACT_BYTES: usize = 64 * 1024 * 1024;

fn folder(state: &AppState) -> Result<PathBuf, AppError> {
    state.artifact_dir.clone().ok_or_else(|| {
        AppError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "no_artifact_store",
            "this control plane keeps no artifacts (it was started without an artifact folder)",
        )
    })
}

/// `PUT /api/v1/agent/artifacts/<lease>/<name>`: the raw file as the body.
pub(super) async fn upload(
    State(state): State<AppState>,
    Path((lease, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<ArtifactRecord>), AppError> {
    state.check_agent_token(&headers)?;
    check_artifact_name(&name)?;
    let root = folder(&state)?;
    let lease = LeaseId(lease);
    let job = {
        let lease = lease.clone();
        state
            .with_store(move |store| store.lease_job(&lease, chrono::Utc::now()))
            .await?
    };
    let path = root.join(job.as_str()).join(&name);
    let digest = format!("{:x}", Sha256::digest(&body));
    let bytes = body.len() as u64;
    tokio::task::spawn_blocking(move || write_atomically(&path, &body))
        .await
        .map_err(|error| AppError::internal(format!("artifact task failed: {error}")))?
        .map_err(|error| AppError::internal(format!("cannot store artifact: {error}")))?;
    let record = state
        .with_store(move |store| {
            store.add_artifact(&lease, &name, bytes, &digest, chrono::Utc::now())
        })
        .await?;
    Ok((StatusCode::CREATED, Json(record)))
}

fn write_atomically(path: &std::path::Path, data: &[u8]) -> std::io::Result<()> {
    let parent = path.parent().unwrap_or(path);
    std::fs::create_dir_all(parent)?;
    let mut temporary = tempfile_in(parent)?;
    temporary.1.write_all(data)?;
    std::fs::rename(&temporary.0, path)
}

/// A new file with a unique hidden name in `dir`.
fn tempfile_in(dir: &std::path::Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let path = dir.join(format!(".upload-{}", uuid::Uuid::now_v7()));
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)?;
    Ok((path, file))
}

pub(super) async fn list(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Vec<ArtifactRecord>>, AppError> {
    Ok(Json(
        state
            .with_store(move |store| store.artifacts(&JobId(id)))
            .await?,
    ))
}

pub(super) async fn download(
    State(state): State<AppState>,
    Path((id, name)): Path<(String, String)>,
) -> Result<Response, AppError> {
    check_artifact_name(&name)?;
    let root = folder(&state)?;
    let job = JobId(id.clone());
    let listed = state.with_store(move |store| store.artifacts(&job)).await?;
    if !listed.iter().any(|artifact| artifact.name == name) {
        return Err(AppError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("job {id} has no artifact {name:?}"),
        ));
    }
    let path = root.join(&id).join(&name);
    let data = tokio::task::spawn_blocking(move || std::fs::read(path))
        .await
        .map_err(|error| AppError::internal(format!("artifact task failed: {error}")))?
        .map_err(|error| AppError::internal(format!("artifact {name} of job {id}: {error}")))?;
    Ok(([(CONTENT_TYPE, "application/octet-stream")], data).into_response())
}
