//! `junk-logins`: failed logins from many source addresses at once, as a botnet sends
//! them, for the scenario that measures a real login beside them.
//!
//! Every address of 127.0.0.0/8 reaches the loopback interface, so the flood comes from
//! 127.1.0.0/16 while the real logins (wrk) come from 127.0.0.1. `addresses` addresses
//! flood at a time, each over `connections` connections, each connection sending one
//! login after another. Every login names an account that does not exist (a new name
//! each time, so no name's counter grows), and an address hands over to a fresh one
//! after `switch_after` logins, under the 25 failures after which latchkeyd's default
//! lockout starts delaying an address: the flood is hashed, not refused by the lockout.
//!
//! Prints one results line for `report`: the answers per second, and how many were 401
//! (hashed), 503 (refused by the hashing queue), 429 (locked out) or anything else.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;
use tokio::sync::Mutex;
use tokio::task::JoinSet;

/// What the flood does.
#[derive(Debug, clap::Args)]
pub struct Flood {
    /// The latchkeyd base URL.
    #[arg(long)]
    server: String,
    /// How long to flood.
    #[arg(long, default_value_t = 12)]
    seconds: u64,
    /// Addresses flooding at a time.
    #[arg(long, default_value_t = 16)]
    addresses: u32,
    /// Connections per address, each sending one login after another.
    #[arg(long, default_value_t = 4)]
    connections: u32,
    /// Logins an address sends before a fresh address takes over.
    #[arg(long, default_value_t = 20)]
    switch_after: u32,
    /// The results line's backend.
    #[arg(long)]
    backend: String,
    /// The results line's scenario.
    #[arg(long)]
    scenario: String,
}

type Tally = Arc<Mutex<BTreeMap<String, u64>>>;

pub async fn run(flood: Flood) -> anyhow::Result<()> {
    let started = Instant::now();
    let deadline = started + Duration::from_secs(flood.seconds);
    let next_address = Arc::new(AtomicU32::new(1));
    let tally: Tally = Arc::default();
    let url = format!("{}/auth/login", flood.server.trim_end_matches('/'));
    let per_connection = (flood.switch_after / flood.connections.max(1)).max(1);
    let mut slots = JoinSet::new();
    for _ in 0..flood.addresses.max(1) {
        let (url, next_address, tally) =
            (url.clone(), Arc::clone(&next_address), Arc::clone(&tally));
        let connections = flood.connections.max(1);
        slots.spawn(async move {
            while Instant::now() < deadline {
                let n = next_address.fetch_add(1, Ordering::Relaxed);
                let [_, _, high, low] = n.to_be_bytes();
                let address = IpAddr::V4(Ipv4Addr::new(127, 1, high, low));
                let client = reqwest::Client::builder().local_address(address).build()?;
                let mut senders = JoinSet::new();
                for c in 0..connections {
                    let (client, url, tally) = (client.clone(), url.clone(), Arc::clone(&tally));
                    senders.spawn(async move {
                        for i in 0..per_connection {
                            if Instant::now() >= deadline {
                                break;
                            }
                            let name = format!("junk-{n}-{c}-{i}@flood.test");
                            let status = match client
                                .post(&url)
                                .basic_auth(name, Some("not the password"))
                                .send()
                                .await
                            {
                                Ok(response) => response.status().as_u16().to_string(),
                                Err(_) => "error".to_owned(),
                            };
                            *tally.lock().await.entry(status).or_default() += 1;
                        }
                    });
                }
                while senders.join_next().await.is_some() {}
            }
            Ok::<_, anyhow::Error>(())
        });
    }
    while let Some(slot) = slots.join_next().await {
        slot??;
    }
    let tally = tally.lock().await.clone();
    let answers: u64 = tally.values().sum();
    #[allow(clippy::cast_precision_loss)]
    let rate = answers as f64 / started.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({
            "backend": flood.backend,
            "scenario": flood.scenario,
            "rate": (rate * 10.0).round() / 10.0,
            "answers": tally,
            "addresses_used": next_address.load(Ordering::Relaxed) - 1,
        })
    );
    Ok(())
}
