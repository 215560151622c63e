//! A small blocking HTTP client for the control plane's JSON API, turning its error shape
//! into one readable line.

use std::time::Duration;

use anyhow::{Context, anyhow};
use serde_json::Value;

pub(crate) struct Client {
    base: String,
    http: reqwest::blocking::Client,
}

impl Client {
    pub(crate) fn new(base: &str) -> anyhow::Result<Self> {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            http,
        })
    }

    pub(crate) fn get(&self, path: &str, query: &[(&str, String)]) -> anyhow::Result<Value> {
        self.send(self.http.get(format!("{}{path}", self.base)).query(query))
    }

    pub(crate) fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.send(self.http.post(format!("{}{path}", self.base)).json(body))
    }

    pub(crate) fn put(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.send(self.http.put(format!("{}{path}", self.base)).json(body))
    }

    pub(crate) fn delete(&self, path: &str) -> anyhow::Result<Value> {
        self.send(self.http.delete(format!("{}{path}", self.base)))
    }

    /// A binary answer (an artifact); errors read like every other call's.
    pub(crate) fn get_bytes(&self, path: &str) -> anyhow::Result<Vec<u8>> {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .map_err(|error| anyhow!("cannot reach the control plane at {}: {error}", self.base))?;
        if response.status().is_success() {
            return Ok(response.bytes()?.to_vec());
        }
        self.send_refused(response)
    }

    fn send(&self, request: reqwest::blocking::RequestBuilder) -> anyhow::Result<Value> {
        let response = request
            .send()
            .map_err(|error| anyhow!("cannot reach the control plane at {}: {error}", self.base))?;
        let status = response.status();
        if !status.is_success() {
            return self.send_refused(response);
        }
        // 204 No Content has no body.
        Ok(response.json().unwrap_or(Value::Null))
    }

    fn send_refused<T>(&self, response: reqwest::blocking::Response) -> anyhow::Result<T> {
        let status = response.status();
        let body: Value = response.json().unwrap_or(Value::Null);
        let code = body["error"]["code"].as_str().unwrap_or("http_error");
        let message = body["error"]["message"].as_str().unwrap_or("no message");
        Err(anyhow!(
            "control plane refused ({status}, {code}): {message}"
        ))
    }
}
