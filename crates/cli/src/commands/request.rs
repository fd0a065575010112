//! `request [METHOD] URL [-d BODY]`: an authenticated call, refreshed and retried once
//! after a 401 by the SDK's token source.

use std::io::Write as _;

use anyhow::{Context as _, bail};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};

use super::token::{self, Which};
use crate::args::Request;
use crate::context::Context;
use crate::explain::explain;

pub async fn run(context: &mut Context, args: Request) -> anyhow::Result<()> {
    let (method, url) = target(context, &args)?;
    let mut headers = parse_headers(&args.headers)?;
    if args.data.is_some() && !headers.contains_key(CONTENT_TYPE) {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    let which = Which::choose(context, args.account);
    let source = token::source(context, which)?;
    // Fail early, with the usual advice, when there is no token to send.
    let first = token::valid(&source, which).await;
    token::persist(context, &source, which)?;
    first?;

    let http = reqwest::Client::new();
    let dpop = token::dpop_key(context)?.filter(|_| which == Which::Client);
    let response = source
        .send(|token| {
            let request = http.request(method.clone(), &url).headers(headers.clone());
            let request = match &dpop {
                Some(key) => key.authorize(request, method.as_str(), &url, token),
                None => request.bearer_auth(token),
            };
            match &args.data {
                Some(body) => request.body(body.clone()),
                None => request,
            }
        })
        .await;
    token::persist(context, &source, which)?;
    let response = response.map_err(|e| explain(e, &format!("call {url}")))?;
    let status = response.status();
    let body = response
        .bytes()
        .await
        .with_context(|| format!("cannot read the answer of {url}"))?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&body)?;
    if !body.ends_with(b"\n") && !body.is_empty() {
        stdout.write_all(b"\n")?;
    }
    if status.is_success() {
        return Ok(());
    }
    Err(refusal(&url, status, &body))
}

/// The method (GET, or POST with a body, unless given) and the full URL (a path is taken
/// on the Latchkey service).
fn target(context: &Context, args: &Request) -> anyhow::Result<(Method, String)> {
    let (method, target) = match args.target.as_slice() {
        [method, target] => {
            let method = Method::from_bytes(method.to_ascii_uppercase().as_bytes())
                .with_context(|| format!("invalid method {method:?}"))?;
            (method, target)
        }
        [target] if args.data.is_some() => (Method::POST, target),
        [target] => (Method::GET, target),
        _ => bail!("give a URL, or a method and a URL"),
    };
    let url = if target.starts_with("http://") || target.starts_with("https://") {
        target.clone()
    } else if target.starts_with('/') {
        format!("{}{target}", context.server().trim_end_matches('/'))
    } else {
        bail!("{target:?} is neither a URL nor a path starting with '/'");
    };
    Ok((method, url))
}

/// `Name: value` pairs as headers; `Authorization` is the token source's to set.
fn parse_headers(lines: &[String]) -> anyhow::Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .with_context(|| format!("header {line:?} is not `Name: value`"))?;
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .with_context(|| format!("invalid header name in {line:?}"))?;
        if name == AUTHORIZATION {
            bail!("the Authorization header is set by latchkey; use --account to choose the token");
        }
        let value = HeaderValue::from_str(value.trim())
            .with_context(|| format!("invalid header value in {line:?}"))?;
        headers.append(name, value);
    }
    Ok(headers)
}

/// The error for a non-2xx answer, with its Latchkey error code when it has one.
fn refusal(url: &str, status: StatusCode, body: &[u8]) -> anyhow::Error {
    let code = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("error")?.as_str().map(str::to_owned));
    match code.as_deref() {
        Some("insufficient_token_kind") => anyhow::anyhow!(
            "{url} answered HTTP {status}: it needs the account access token, add --account"
        ),
        Some(code) => anyhow::anyhow!("{url} answered HTTP {status} ({code})"),
        None => anyhow::anyhow!("{url} answered HTTP {status}"),
    }
}
