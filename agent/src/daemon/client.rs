//! The agent's side of the wire: envelopes over HTTP, with reconnect and backoff, so a control
//! plane restart or a network blip delays work but never loses a result.

use std::time::Duration;

use flowbot_model::wire::{AgentMessage, ControlMessage, Envelope};
use serde::de::DeserializeOwned;

use super::DaemonError;

/// Longer than the control plane's long poll (20 s), so an idle poll ends with `no_work`.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
const MAX_BACKOFF: Duration = Duration::from_secs(10);

pub(super) struct Client {
    base: String,
    http: reqwest::blocking::Client,
    /// Sent as `Authorization: Bearer …` when the control plane requires it.
    token: Option<String>,
}

impl Client {
    pub(super) fn new(base: &str, token: Option<String>) -> Result<Self, DaemonError> {
        let http = reqwest::blocking::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|error| DaemonError::Http(error.to_string()))?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            http,
            token,
        })
    }

    /// Send one message, retrying connection failures with backoff while `keep_trying` says so.
    /// Refusals (4xx) are not retried: the same message would be refused again.
    pub(super) fn exchange(
        &self,
        message: &AgentMessage,
        keep_trying: &dyn Fn() -> bool,
    ) -> Result<ControlMessage, DaemonError> {
        let body = Envelope::new(message.clone());
        let mut backoff = Duration::from_millis(200);
        loop {
            match self.post(&body) {
                Ok(envelope) => {
                    return envelope
                        .open()
                        .map_err(|mismatch| DaemonError::Refused(mismatch.to_string()));
                }
                Err(DaemonError::Unreachable(reason)) if keep_trying() => {
                    tracing::warn!(%reason, retry_in = ?backoff, "control plane unreachable; retrying");
                    std::thread::sleep(backoff);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
                Err(error) => return Err(error),
            }
        }
    }

    fn post(&self, body: &Envelope<AgentMessage>) -> Result<Envelope<ControlMessage>, DaemonError> {
        let response = self
            .authorized(self.http.post(format!("{}/api/v1/agent", self.base)))
            .json(body)
            .send()
            .map_err(|error| DaemonError::Unreachable(format!("{}: {error}", self.base)))?;
        decode(response)
    }

    fn authorized(
        &self,
        request: reqwest::blocking::RequestBuilder,
    ) -> reqwest::blocking::RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    /// Upload a file body; one try (artifacts are best effort, the run folder keeps them).
    pub(super) fn put_bytes(&self, path: &str, data: Vec<u8>) -> Result<(), DaemonError> {
        let response = self
            .authorized(self.http.put(format!("{}{path}", self.base)))
            .body(data)
            .send()
            .map_err(|error| DaemonError::Unreachable(format!("{}: {error}", self.base)))?;
        decode::<serde_json::Value>(response).map(drop)
    }

    pub(super) fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, DaemonError> {
        let response = self
            .authorized(self.http.get(format!("{}{path}", self.base)))
            .send()
            .map_err(|error| DaemonError::Unreachable(format!("{}: {error}", self.base)))?;
        decode(response)
    }
}

fn decode<T: DeserializeOwned>(response: reqwest::blocking::Response) -> Result<T, DaemonError> {
    let status = response.status();
    if status.is_server_error() {
        return Err(DaemonError::Unreachable(format!(
            "control plane answered {status}"
        )));
    }
    let body: serde_json::Value = response
        .json()
        .map_err(|error| DaemonError::Http(error.to_string()))?;
    if !status.is_success() {
        return Err(DaemonError::Refused(format!(
            "{status} {}: {}",
            body["error"]["code"].as_str().unwrap_or("error"),
            body["error"]["message"].as_str().unwrap_or("no message")
        )));
    }
    serde_json::from_value(body)
        .map_err(|error| DaemonError::Http(format!("unexpected answer: {error}")))
}
