//! The checking proxy: a tiny HTTP/1 reverse proxy in front of latchkeyd that holds every
//! answer against [`OpenApi::latchkeyd`] before passing it on, unchanged.
//!
//! Standing in the way, it sees the answers to the SDK's calls as well as to raw requests.
//! A disagreement is kept, not thrown at the server's caller: [`CheckingProxy::assert_documented`]
//! (called by [`super::TestApp::send`] after each raw request, and on drop) fails the test
//! with every one of them. CORS preflights are passed on unchecked: the CORS layer, not an
//! operation, answers them. When latchkeyd cannot be reached, the proxy drops the
//! connection, as a dead server would.
//!
//! With `LATCHKEY_OPENAPI_COVERAGE=FILE`, each documented response met is appended to
//! FILE as `METHOD /template STATUS`, to find what no test exercises.

use std::collections::HashMap;
use std::io::Write as _;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};

use http_body_util::{BodyExt as _, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderMap};
use hyper::{Method, Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::openapi::{Answer, Documented, OpenApi};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A running checking proxy; it stops when dropped, failing the test if any answer
/// disagreed with the document.
#[derive(Debug)]
pub struct CheckingProxy {
    address: SocketAddr,
    violations: Arc<Mutex<Vec<String>>>,
    task: JoinHandle<()>,
}

struct Upstream {
    base: String,
    /// One client per source address: each request reaches latchkeyd from the address
    /// the test sent it from (any 127.0.0.0/8 address is this host), so tests of
    /// per-address limits see their addresses.
    clients: Mutex<HashMap<IpAddr, reqwest::Client>>,
    violations: Arc<Mutex<Vec<String>>>,
}

impl CheckingProxy {
    /// Serves on `listener`, forwarding to `upstream` (`http://host:port`).
    ///
    /// # Panics
    ///
    /// If the listener has no address.
    pub fn start(listener: TcpListener, upstream: String) -> Self {
        let address = listener.local_addr().unwrap();
        let violations = Arc::default();
        let shared = Arc::new(Upstream {
            base: upstream,
            clients: Mutex::default(),
            violations: Arc::clone(&violations),
        });
        let task = tokio::spawn(async move {
            while let Ok((stream, peer)) = listener.accept().await {
                let shared = Arc::clone(&shared);
                let http = shared.client_from(peer.ip());
                let service = hyper::service::service_fn(move |request| {
                    forward(Arc::clone(&shared), http.clone(), request)
                });
                let connection = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service);
                tokio::spawn(async move {
                    let _ = connection.await;
                });
            }
        });
        Self {
            address,
            violations,
            task,
        }
    }

    /// `http://127.0.0.1:port`: where to send requests.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// Fails (panics) if any answer so far disagreed with the document, naming each.
    ///
    /// # Panics
    ///
    /// As said.
    pub fn assert_documented(&self) {
        let violations = std::mem::take(&mut *self.violations.lock().unwrap());
        if !violations.is_empty() {
            panic!(
                "latchkeyd answered what crates/server/openapi.json does not document \
                 (if the server is right, fix the document):\n  - {}",
                violations.join("\n  - ")
            );
        }
    }
}

impl Drop for CheckingProxy {
    fn drop(&mut self) {
        self.task.abort();
        if !std::thread::panicking() {
            self.assert_documented();
        }
    }
}

/// Headers of one hop, never passed on (RFC 9110 §7.6.1), and the length, which the
/// forwarding client sets itself.
fn strip_hop_by_hop(headers: &mut HeaderMap, request: bool) {
    for name in [
        header::CONNECTION,
        header::TE,
        header::TRAILER,
        header::TRANSFER_ENCODING,
        header::UPGRADE,
    ] {
        headers.remove(name);
    }
    headers.remove("keep-alive");
    headers.remove("proxy-connection");
    if request {
        headers.remove(header::CONTENT_LENGTH);
    }
}

async fn forward(
    upstream: Arc<Upstream>,
    http: reqwest::Client,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, BoxError> {
    let (parts, body) = request.into_parts();
    let body = body.collect().await?.to_bytes();
    let target = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let mut headers = parts.headers.clone();
    strip_hop_by_hop(&mut headers, true);
    let answer = http
        .request(parts.method.clone(), format!("{}{target}", upstream.base))
        .headers(headers)
        .body(body)
        .send()
        .await?;
    let status = answer.status();
    let mut headers = answer.headers().clone();
    let bytes = answer.bytes().await?;
    let preflight = parts.method == Method::OPTIONS
        && parts
            .headers
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    if !preflight {
        upstream.check(
            parts.method.as_str(),
            target,
            status.as_u16(),
            &headers,
            &bytes,
        );
    }
    strip_hop_by_hop(&mut headers, false);
    let mut response = Response::new(Full::new(bytes));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    Ok(response)
}

impl Upstream {
    /// The forwarding client for requests from `source`.
    fn client_from(&self, source: IpAddr) -> reqwest::Client {
        let mut clients = self.clients.lock().unwrap();
        clients
            .entry(source)
            .or_insert_with(|| {
                reqwest::Client::builder()
                    .redirect(reqwest::redirect::Policy::none())
                    .no_proxy()
                    .local_address(source)
                    .build()
                    .unwrap()
            })
            .clone()
    }

    fn check(&self, method: &str, target: &str, status: u16, headers: &HeaderMap, body: &[u8]) {
        let headers: Vec<(String, String)> = headers
            .iter()
            .map(|(name, value)| {
                let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
                (name.as_str().to_owned(), value)
            })
            .collect();
        let answer = Answer {
            method,
            path: target,
            status,
            headers: &headers,
            body,
        };
        match OpenApi::latchkeyd().check(&answer) {
            Ok(Some(documented)) => record_coverage(&documented),
            Ok(None) => {}
            Err(violation) => self.violations.lock().unwrap().push(violation.to_string()),
        }
    }
}

fn record_coverage(documented: &Documented) {
    let Some(file) = std::env::var_os("LATCHKEY_OPENAPI_COVERAGE") else {
        return;
    };
    let appended = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(file)
        .and_then(|mut f| writeln!(f, "{documented}"));
    if let Err(err) = appended {
        eprintln!("cannot record OpenAPI coverage: {err}");
    }
}
