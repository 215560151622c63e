//! HTTP with `reqwest` (blocking, rustls). Every request has a timeout, capped by what is left
//! of the run's wall-clock budget; a response is a map, so a 404 is data, not an exception.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rhai::{Dynamic, ImmutableString, Map, NativeCallContext};

use crate::catalogue::ParamType::{Any, Map as MapT, String as Str};
use crate::catalogue::{Category, Effect, Param, Registrar, StepSpec};
use crate::error::StepError;
use crate::runtime::{Runtime, StepRecord};
use crate::steps::json::to_json;
use crate::steps::option;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Bodies larger than this are refused rather than read into a script string.
const MAX_BODY_BYTES: usize = 16 * 1024 * 1024;

pub(crate) fn register(reg: &mut Registrar<'_>, rt: &Arc<Runtime>) {
    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "http_get",
            category: Category::Http,
            effect: Effect::Read,
            doc: "GETs `url`; returns `#{ status, ok, body, headers }`. Times out after 30 s.",
            params: &[Param { name: "url", ty: Str }],
            returns: MapT,
            example: "let r = http_get(\"https://erp.example/api/health\");\nif !r.ok { throw system(`ERP answered ${r.status}`); }",
        },
        move |ctx: NativeCallContext, url: ImmutableString| {
            runtime.step(&ctx, "http_get", &[&url.clone().into()], |record| {
                request(&runtime, record, "GET", &url, &Map::new())
            })
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "http_get",
            category: Category::Http,
            effect: Effect::Read,
            doc: "GETs `url` with options: `headers` (map), `timeout_ms`.",
            params: &[Param { name: "url", ty: Str }, Param { name: "options", ty: MapT }],
            returns: MapT,
            example: "let r = http_get(url, #{ headers: #{ authorization: `Bearer ${secret(\"api_token\")}` }, timeout_ms: 5_000 });",
        },
        move |ctx: NativeCallContext, url: ImmutableString, options: Map| {
            let args = [&url.clone().into(), &options.clone().into()];
            runtime.step(&ctx, "http_get", &args, |record| {
                request(&runtime, record, "GET", &url, &options)
            })
        },
    );

    let runtime = Arc::clone(rt);
    reg.add(
        StepSpec {
            name: "http_request",
            category: Category::Http,
            effect: Effect::Write,
            doc: "Sends `method` (GET, POST, PUT, PATCH, DELETE) to `url`. Options: `headers` (map),\n`timeout_ms`, and a body: `json` (any value, sent as JSON) or `body` (text).\nSkipped in a dry run unless the method is GET.",
            params: &[Param { name: "method", ty: Str }, Param { name: "url", ty: Str }, Param { name: "options", ty: MapT }],
            returns: MapT,
            example: "let r = http_request(\"POST\", url, #{ json: #{ invoice: id, status: \"paid\" } });",
        },
        move |ctx: NativeCallContext, method: ImmutableString, url: ImmutableString, options: Map| {
            let method = method.to_uppercase();
            let args = [&method.clone().into(), &url.clone().into(), &options.clone().into()];
            let effect = if method == "GET" { Effect::Read } else { Effect::Write };
            runtime.step_as(&ctx, "http_request", "http_request", effect, &args, |record| {
                if runtime.dry_run && effect == Effect::Write {
                    record.attr("method", method.as_str());
                    record.attr("url", url.as_str());
                    record.skipped = true;
                    let mut response = Map::new();
                    response.insert("status".into(), Dynamic::from_int(0));
                    response.insert("ok".into(), Dynamic::TRUE);
                    response.insert("body".into(), Dynamic::from(String::new()));
                    response.insert("headers".into(), Map::new().into());
                    return Ok(response);
                }
                request(&runtime, record, &method, &url, &options)
            })
        },
    );

    reg.add(
        StepSpec {
            name: "url_encode",
            category: Category::Http,
            effect: Effect::Pure,
            doc: "`text` percent-encoded for use in a URL query.",
            params: &[Param {
                name: "text",
                ty: Any,
            }],
            returns: Str,
            example: "let url = `https://erp.example/api/find?name=${url_encode(name)}`;",
        },
        |text: Dynamic| percent_encode(&text.to_string()),
    );
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn request(
    runtime: &Runtime,
    record: &mut StepRecord,
    method: &str,
    url: &str,
    options: &Map,
) -> Result<Map, StepError> {
    record.attr("method", method);
    record.attr("url", url);
    let http_error = |message: String| StepError::Http {
        method: method.to_owned(),
        url: runtime.redactor.redact(url),
        message,
    };
    let method_value = reqwest::Method::from_bytes(method.as_bytes())
        .map_err(|_| http_error(format!("unknown method `{method}`")))?;
    let mut timeout = match option(options, "timeout_ms") {
        Some(value) => Duration::from_millis(
            value
                .as_int()
                .map_err(|_| http_error("timeout_ms must be an integer".to_owned()))?
                .max(1)
                .unsigned_abs(),
        ),
        None => DEFAULT_TIMEOUT,
    };
    timeout = timeout.min(
        runtime
            .stopper
            .deadline
            .saturating_duration_since(Instant::now()),
    );
    let client = runtime.http.get_or_init(|| {
        reqwest::blocking::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_else(|_| reqwest::blocking::Client::new())
    });
    let mut builder = client.request(method_value, url).timeout(timeout);
    if let Some(headers) = option(options, "headers") {
        let headers = headers
            .read_lock::<Map>()
            .ok_or_else(|| http_error("headers must be a map".to_owned()))?;
        for (name, value) in headers.iter() {
            builder = builder.header(name.as_str(), value.to_string());
        }
    }
    if let Some(json) = option(options, "json") {
        builder = builder.json(&to_json(json)?);
    } else if let Some(body) = option(options, "body") {
        builder = builder.body(body.to_string());
    }
    let response = builder
        .send()
        .map_err(|error| http_error(redacted_cause(runtime, &error)))?;
    let status = response.status();
    record.attr("status", i64::from(status.as_u16()));
    let mut headers = Map::new();
    for (name, value) in response.headers() {
        headers.insert(
            name.as_str().into(),
            Dynamic::from(String::from_utf8_lossy(value.as_bytes()).into_owned()),
        );
    }
    if response
        .content_length()
        .is_some_and(|length| length > MAX_BODY_BYTES as u64)
    {
        return Err(http_error(format!(
            "response body larger than {MAX_BODY_BYTES} bytes"
        )));
    }
    let body = response
        .text()
        .map_err(|error| http_error(redacted_cause(runtime, &error)))?;
    if body.len() > MAX_BODY_BYTES {
        return Err(http_error(format!(
            "response body larger than {MAX_BODY_BYTES} bytes"
        )));
    }
    let mut result = Map::new();
    result.insert(
        "status".into(),
        Dynamic::from_int(i64::from(status.as_u16())),
    );
    result.insert("ok".into(), Dynamic::from_bool(status.is_success()));
    result.insert("body".into(), Dynamic::from(body));
    result.insert("headers".into(), headers.into());
    Ok(result)
}

/// reqwest's message plus its causes (the useful part: "connection refused", "timed out").
fn redacted_cause(runtime: &Runtime, error: &reqwest::Error) -> String {
    let mut message = if error.is_timeout() {
        "timed out".to_owned()
    } else {
        error.to_string()
    };
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    runtime.redactor.redact(&message)
}

#[cfg(test)]
mod tests {
    #[test]
    fn percent_encoding_keeps_unreserved_characters() {
        assert_eq!(
            super::percent_encode("a b&c/ü-_.~"),
            "a%20b%26c%2F%C3%BC-_.~"
        );
    }
}
