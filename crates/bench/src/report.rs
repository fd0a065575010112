//! `report`: the results table, with each figure next to its target, and the same as
//! one JSON document.
//!
//! `bench/run.sh` appends one JSON line per scenario: `{"backend", "scenario",
//! "rss_mib", "wrk": {requests, duration_us, ok, bad, socket_errors, p50_us, p99_us}}`,
//! or `{"backend", "scenario", "rate"}` for a figure measured without wrk (raw argon2id,
//! seeding).

use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Debug, Deserialize)]
struct Line {
    backend: String,
    scenario: String,
    #[serde(default)]
    rss_mib: Option<f64>,
    #[serde(default)]
    wrk: Option<Wrk>,
    #[serde(default)]
    rate: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct Wrk {
    requests: u64,
    duration_us: u64,
    ok: u64,
    bad: u64,
    socket_errors: u64,
    p50_us: u64,
    p99_us: u64,
}

/// The rate of the scenario `line`'s is a variant of, named by one of `suffixes`: the
/// same backend's scenario without it.
fn base_rate(lines: &[Line], line: &Line, suffixes: &[&str]) -> Option<f64> {
    let base = suffixes
        .iter()
        .find_map(|suffix| line.scenario.strip_suffix(suffix))?;
    lines
        .iter()
        .find(|l| l.backend == line.backend && l.scenario == base)?
        .wrk
        .as_ref()
        .map(Wrk::rate)
}

/// The target of a scenario on a backend, as (requests/s floor, p99 ceiling in ms).
fn target(backend: &str, scenario: &str) -> (Option<f64>, Option<f64>) {
    match (backend, scenario) {
        ("sqlite", "client-credentials" | "refresh") => (Some(12_000.0), Some(10.0)),
        ("sqlite", "refresh-rotation") => (Some(6_000.0), Some(10.0)),
        ("postgres", "client-credentials") => (Some(6_000.0), None),
        (_, "client-credentials, login flood alongside") => (None, Some(20.0)),
        (_, "nodes status") => (Some(25_000.0), None),
        (_, "gate /verify") => (Some(50_000.0), Some(5.0)),
        _ => (None, None),
    }
}

#[allow(clippy::cast_precision_loss)]
pub fn run(results: &Path, json_path: &Path) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(results)?;
    let lines: Vec<Line> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(serde_json::from_str)
        .collect::<Result<_, _>>()?;
    let mut table = String::from(
        "| backend | scenario | requests/s | p50 ms | p99 ms | errors | peak RSS MiB | target | met |\n\
         |---|---|---:|---:|---:|---:|---:|---|---|\n",
    );
    let mut rows = Vec::new();
    for line in &lines {
        let (floor, ceiling) = target(&line.backend, &line.scenario);
        let (rate, p50, p99, errors) = match &line.wrk {
            Some(w) => (
                w.rate(),
                Some(w.p50_us as f64 / 1000.0),
                Some(w.p99_us as f64 / 1000.0),
                Some(w.bad + w.socket_errors + w.requests.saturating_sub(w.ok + w.bad)),
            ),
            None => (line.rate.unwrap_or(0.0), None, None, None),
        };
        let mut wanted = Vec::new();
        let mut met = true;
        if let Some(floor) = floor {
            wanted.push(format!("≥ {floor:.0}/s"));
            met &= rate >= floor;
        }
        if let Some(ceiling) = ceiling {
            wanted.push(format!("p99 < {ceiling} ms"));
            met &= p99.is_some_and(|p| p < ceiling);
        }
        let raw = rate_of(&lines, &line.backend, "raw argon2id (2 threads)");
        if let (true, Some(raw)) = (line.scenario == "password login", raw) {
            wanted.push(format!(
                "≥ 90 % of raw argon2id ({:.0} %)",
                100.0 * rate / raw
            ));
            met &= rate >= 0.9 * raw;
        }
        if let Some(bearer) = base_rate(&lines, line, &[", DPoP-bound", ", DPoP"]) {
            wanted.push(format!("{:.0} % of bearer", 100.0 * rate / bearer));
        }
        if let Some(empty) = base_rate(&lines, line, &[", 1M sessions stored"]) {
            wanted.push(format!(
                "≥ 80 % of the empty database ({:.0} %)",
                100.0 * rate / empty
            ));
            met &= rate >= 0.8 * empty;
        }
        if let Some(rss) = line.rss_mib {
            wanted.push("RSS < 64 MiB".into());
            met &= rss < 64.0;
        }
        met &= errors.is_none_or(|e| e == 0);
        let shown = |v: Option<f64>| v.map_or("—".into(), |v| format!("{v:.2}"));
        let _ = writeln!(
            table,
            "| {} | {} | {:.0} | {} | {} | {} | {} | {} | {} |",
            line.backend,
            line.scenario,
            rate,
            shown(p50),
            shown(p99),
            errors.map_or("—".into(), |e| e.to_string()),
            line.rss_mib.map_or("—".into(), |r| format!("{r:.1}")),
            if wanted.is_empty() {
                "—".into()
            } else {
                wanted.join(", ")
            },
            if wanted.is_empty() {
                ""
            } else if met {
                "yes"
            } else {
                "**no**"
            },
        );
        rows.push(json!({
            "backend": line.backend,
            "scenario": line.scenario,
            "requests_per_s": rate,
            "p50_ms": p50,
            "p99_ms": p99,
            "errors": errors,
            "peak_rss_mib": line.rss_mib,
            "target": wanted,
            "met": if wanted.is_empty() { Value::Null } else { json!(met) },
        }));
    }
    print!("{table}");
    std::fs::write(
        json_path,
        serde_json::to_string_pretty(&json!({ "results": rows }))?,
    )?;
    Ok(())
}

impl Wrk {
    #[allow(clippy::cast_precision_loss)]
    fn rate(&self) -> f64 {
        self.requests as f64 / (self.duration_us as f64 / 1e6)
    }
}

fn rate_of(lines: &[Line], backend: &str, scenario: &str) -> Option<f64> {
    lines
        .iter()
        .find(|l| l.backend == backend && l.scenario == scenario)
        .and_then(|l| l.rate)
}
