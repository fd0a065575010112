//! `/metrics` in the Prometheus text format (version 0.0.4).
//!
//! - `latchkey_http_request_duration_seconds{method,route,status}`: a latency histogram
//!   per route template (axum's matched path, never the raw path, so that junk URLs
//!   cannot blow up the series count: they all count as `route="unmatched"`); its
//!   `_count` is the number of requests.
//! - `latchkey_tokens_issued_total{kind}`, `latchkey_login_failures_total`,
//!   `latchkey_lockouts_total`, `latchkey_refresh_token_reuse_total{outcome}`,
//!   `latchkey_signing_key_rotations_total`, `latchkey_signing_key_revocations_total`:
//!   the domain's [`Telemetry`] counters.
//! - `latchkey_db_pool_connections{pool,state}` and `latchkey_db_pool_max_connections{pool}`.
//!
//! The exposition is written by hand rather than with `prometheus-client`: that crate's
//! histogram takes a mutex on every observation, while here an observation is a
//! read-locked map lookup (no allocation once a series exists) and three relaxed atomic
//! adds — a few tens of nanoseconds on the request path (see the test at the bottom).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use latchkey_core::Telemetry;
use latchkey_core::telemetry::KINDS;
use latchkey_store::PoolProbe;

/// Upper bounds of the latency buckets, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// The label of requests that matched no route.
const UNMATCHED: &str = "unmatched";

/// One latency series: cumulative buckets are computed at exposition time.
#[derive(Debug, Default)]
struct Series {
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    sum_nanos: AtomicU64,
}

impl Series {
    fn observe(&self, elapsed: Duration) {
        let seconds = elapsed.as_secs_f64();
        if let Some(i) = BUCKETS.iter().position(|le| seconds <= *le) {
            self.buckets[i].fetch_add(1, Ordering::Relaxed);
        }
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.count.fetch_add(1, Ordering::Relaxed);
    }
}

/// (method, status) → route template → series.
type SeriesMap = HashMap<(&'static str, u16), HashMap<String, Arc<Series>>>;

/// The metrics of one `latchkeyd`.
pub struct Metrics {
    requests: RwLock<SeriesMap>,
    telemetry: Arc<Telemetry>,
    pools: Option<Arc<dyn PoolProbe>>,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

/// The method label: the standard methods by name, anything else as `other` (so that a
/// client cannot make up new series).
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::DELETE => "DELETE",
        Method::HEAD => "HEAD",
        Method::OPTIONS => "OPTIONS",
        Method::PATCH => "PATCH",
        _ => "other",
    }
}

impl Metrics {
    /// Metrics exporting `telemetry` and, if given, the database pools' use.
    #[must_use]
    pub fn new(telemetry: Arc<Telemetry>, pools: Option<Arc<dyn PoolProbe>>) -> Self {
        Self {
            requests: RwLock::default(),
            telemetry,
            pools,
        }
    }

    /// Records one request.
    pub fn observe(&self, method: &'static str, route: &str, status: u16, elapsed: Duration) {
        let found = {
            let map = self.requests.read().unwrap_or_else(PoisonError::into_inner);
            map.get(&(method, status))
                .and_then(|routes| routes.get(route))
                .cloned()
        };
        let series = found.unwrap_or_else(|| {
            let mut map = self
                .requests
                .write()
                .unwrap_or_else(PoisonError::into_inner);
            Arc::clone(
                map.entry((method, status))
                    .or_default()
                    .entry(route.to_owned())
                    .or_default(),
            )
        });
        series.observe(elapsed);
    }

    /// The exposition.
    #[must_use]
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(8 * 1024);
        self.render_requests(&mut out);
        self.render_domain(&mut out);
        self.render_pools(&mut out);
        out
    }

    fn render_requests(&self, out: &mut String) {
        let name = "latchkey_http_request_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} HTTP request latency by method, route template and status; _count is the number of requests.\n# TYPE {name} histogram"
        );
        let map = self.requests.read().unwrap_or_else(PoisonError::into_inner);
        let mut series: Vec<_> = map
            .iter()
            .flat_map(|(&(method, status), routes)| {
                routes
                    .iter()
                    .map(move |(route, s)| (route.as_str(), method, status, s))
            })
            .collect();
        series.sort_by(|a, b| (a.0, a.1, a.2).cmp(&(b.0, b.1, b.2)));
        for (route, method, status, s) in series {
            let labels = format!(
                "method=\"{method}\",route=\"{}\",status=\"{status}\"",
                escape(route)
            );
            let mut cumulative = 0;
            for (le, bucket) in BUCKETS.iter().zip(&s.buckets) {
                cumulative += bucket.load(Ordering::Relaxed);
                let _ = writeln!(out, "{name}_bucket{{{labels},le=\"{le}\"}} {cumulative}");
            }
            let count = s.count.load(Ordering::Relaxed);
            let sum = Duration::from_nanos(s.sum_nanos.load(Ordering::Relaxed)).as_secs_f64();
            let _ = writeln!(out, "{name}_bucket{{{labels},le=\"+Inf\"}} {count}");
            let _ = writeln!(out, "{name}_sum{{{labels}}} {sum}");
            let _ = writeln!(out, "{name}_count{{{labels}}} {count}");
        }
    }

    fn render_domain(&self, out: &mut String) {
        let t = self.telemetry.snapshot();
        counter_header(
            out,
            "latchkey_tokens_issued_total",
            "Tokens signed, by kind.",
        );
        for (kind, value) in KINDS.iter().zip(t.tokens_issued) {
            let kind = kind_label(*kind);
            let _ = writeln!(
                out,
                "latchkey_tokens_issued_total{{kind=\"{kind}\"}} {value}"
            );
        }
        let simple = [
            (
                "latchkey_login_failures_total",
                "Failed password logins.",
                t.login_failures,
            ),
            (
                "latchkey_lockouts_total",
                "Requests refused by a brute-force lockout.",
                t.lockouts,
            ),
            (
                "latchkey_signing_key_rotations_total",
                "New signing keys seen by this instance's key reloads (rotations, and the key taking over from a revoked one).",
                t.signing_key_rotations,
            ),
            (
                "latchkey_signing_key_revocations_total",
                "Signing keys seen revoked by this instance's key reloads.",
                t.signing_key_revocations,
            ),
        ];
        for (name, help, value) in simple {
            counter_header(out, name, help);
            let _ = writeln!(out, "{name} {value}");
        }
        let name = "latchkey_refresh_token_reuse_total";
        counter_header(
            out,
            name,
            "Rotated refresh tokens presented again: within the grace window, or detected (family revoked).",
        );
        let _ = writeln!(out, "{name}{{outcome=\"grace\"}} {}", t.refresh_reuse_grace);
        let _ = writeln!(
            out,
            "{name}{{outcome=\"detected\"}} {}",
            t.refresh_reuse_detected
        );
    }

    fn render_pools(&self, out: &mut String) {
        let Some(pools) = &self.pools else { return };
        let usage = pools.pool_usage();
        let name = "latchkey_db_pool_connections";
        let _ = writeln!(
            out,
            "# HELP {name} Open database connections, in use or idle.\n# TYPE {name} gauge"
        );
        for p in &usage {
            let in_use = p.open.saturating_sub(p.idle);
            let _ = writeln!(
                out,
                "{name}{{pool=\"{}\",state=\"in_use\"}} {in_use}",
                p.pool
            );
            let _ = writeln!(
                out,
                "{name}{{pool=\"{}\",state=\"idle\"}} {}",
                p.pool, p.idle
            );
        }
        let name = "latchkey_db_pool_max_connections";
        let _ = writeln!(
            out,
            "# HELP {name} Most connections a pool may open.\n# TYPE {name} gauge"
        );
        for p in &usage {
            let _ = writeln!(out, "{name}{{pool=\"{}\"}} {}", p.pool, p.max);
        }
    }
}

fn counter_header(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter");
}

fn kind_label(kind: latchkey_core::Kind) -> &'static str {
    match kind {
        latchkey_core::Kind::AccountAccess => "account_access",
        latchkey_core::Kind::ClientAccess => "client_access",
        latchkey_core::Kind::ClientRefresh => "client_refresh",
        latchkey_core::Kind::AccountRefresh => "account_refresh",
    }
}

/// Escapes a label value (backslash, double quote, newline).
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Middleware: times each request and records it under its route template.
pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    metrics.observe(
        method,
        route.as_ref().map_or(UNMATCHED, MatchedPath::as_str),
        response.status().as_u16(),
        started.elapsed(),
    );
    response
}

/// `GET /metrics`.
pub async fn serve(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        metrics.render(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> Metrics {
        Metrics::new(Arc::new(Telemetry::default()), None)
    }

    #[test]
    fn observations_land_in_cumulative_buckets() {
        let m = metrics();
        m.observe("POST", "/auth/token", 200, Duration::from_micros(700));
        m.observe("POST", "/auth/token", 200, Duration::from_millis(30));
        m.observe("GET", "un\"matched", 404, Duration::from_secs(10));
        let text = m.render();
        let labels = "method=\"POST\",route=\"/auth/token\",status=\"200\"";
        assert!(text.contains(&format!(
            "latchkey_http_request_duration_seconds_bucket{{{labels},le=\"0.001\"}} 1\n"
        )));
        assert!(text.contains(&format!(
            "latchkey_http_request_duration_seconds_bucket{{{labels},le=\"0.05\"}} 2\n"
        )));
        assert!(text.contains(&format!(
            "latchkey_http_request_duration_seconds_count{{{labels}}} 2\n"
        )));
        assert!(text.contains("route=\"un\\\"matched\",status=\"404\",le=\"2.5\"} 0\n"));
        assert!(text.contains("route=\"un\\\"matched\",status=\"404\",le=\"+Inf\"} 1\n"));
        assert!(text.contains("latchkey_tokens_issued_total{kind=\"client_access\"} 0\n"));
    }

    #[test]
    fn signing_key_rotations_and_revocations_are_exported() {
        let telemetry = Arc::new(Telemetry::default());
        telemetry.signing_key_rotated();
        telemetry.signing_key_revoked();
        let text = Metrics::new(telemetry, None).render();
        assert!(text.contains("# TYPE latchkey_signing_key_rotations_total counter\n"));
        assert!(text.contains("\nlatchkey_signing_key_rotations_total 1\n"));
        assert!(text.contains("\nlatchkey_signing_key_revocations_total 1\n"));
    }

    /// The per-request cost of the middleware's bookkeeping (run with `--ignored
    /// --nocapture`, in release mode for meaningful numbers).
    #[test]
    #[ignore = "a measurement, not a check"]
    fn observation_cost() {
        let m = Arc::new(metrics());
        let routes = ["/auth/token", "/users/me", "/client-keys", "/healthz"];
        for r in routes {
            m.observe("POST", r, 200, Duration::from_micros(1));
        }
        let n = 2_000_000u32;
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let m = Arc::clone(&m);
                std::thread::spawn(move || {
                    let started = Instant::now();
                    for i in 0..n {
                        let t = Instant::now();
                        let route = routes[i as usize % routes.len()];
                        m.observe("POST", route, 200, t.elapsed());
                    }
                    started.elapsed() / n
                })
            })
            .collect();
        for t in threads {
            println!("per observation (2 threads): {:?}", t.join().unwrap());
        }
    }
}
