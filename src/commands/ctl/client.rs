//! A small blocking HTTP client for the control plane's JSON API, turning its error shape
//! into one readable line.

use std::time::Duration;

use anyhow::{Context, anyhow};
use serde_json::Value;

pub(super) struct Client {
    base: String,
    http: reqwest::blocking::Client,
}

impl Client {
    pub(super) fn new(base: &str) -> anyhow::Result<Self> {
        let http = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .context("cannot build the HTTP client")?;
        Ok(Self {
            base: base.trim_end_matches('/').to_owned(),
            http,
        })
    }

    pub(super) fn get(&self, path: &str, query: &[(&str, String)]) -> anyhow::Result<Value> {
        self.send(self.http.get(format!("{}{path}", self.base)).query(query))
    }

    pub(super) fn post(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.send(self.http.post(format!("{}{path}", self.base)).json(body))
    }

    pub(super) fn put(&self, path: &str, body: &Value) -> anyhow::Result<Value> {
        self.send(self.http.put(format!("{}{path}", self.base)).json(body))
    }

    pub(super) fn delete(&self, path: &str) -> anyhow::Result<Value> {
        self.send(self.http.delete(format!("{}{path}", self.base)))
    }

    fn send(&self, request: reqwest::blocking::RequestBuilder) -> anyhow::Result<Value> {
        let response = request
            .send()
            .map_err(|error| anyhow!("cannot reach the control plane at {}: {error}", self.base))?;
        let status = response.status();
        // 204 No Content has no body; anything unreadable is reported by status below.
        let body: Value = response.json().unwrap_or(Value::Null);
        if status.is_success() {
            return Ok(body);
        }
        let code = body["error"]["code"].as_str().unwrap_or("http_error");
        let message = body["error"]["message"].as_str().unwrap_or("no message");
        Err(anyhow!(
            "control plane refused ({status}, {code}): {message}"
        ))
    }
}
