//! Clients that take their time: a request's head and body must arrive within their
//! timeouts, and connections past the cap wait to be accepted.

use std::time::{Duration, Instant};

use latchkey_testkit::{TempDir, TestApp};
use latchkeyd::config::ConnectionLimits;
use latchkeyd::{Application, Config};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// latchkeyd on a fresh SQLite file with these connection limits; its address.
async fn serve(limits: ConnectionLimits, dir: &TempDir) -> String {
    let url = format!("sqlite://{}", dir.0.join("latchkey.db").display());
    let mut config = Config::new("127.0.0.1:0".parse().unwrap(), url);
    config.limits = limits;
    let app = Application::build(config).await.unwrap();
    let address = format!("127.0.0.1:{}", app.port());
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    address
}

/// Sends `head` then `trickle` one byte every 200 ms until the server closes the
/// connection; returns how long that took (or panics after 20 s) and what it answered.
async fn dribble(address: &str, head: &str, trickle: &[u8]) -> (Duration, String) {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    for byte in trickle.iter().cycle() {
        assert!(started.elapsed() < Duration::from_secs(20), "never cut off");
        let mut buffer = [0u8; 1024];
        tokio::select! {
            read = stream.read(&mut buffer) => match read {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            },
            () = tokio::time::sleep(Duration::from_millis(200)) => {
                if stream.write_all(&[*byte]).await.is_err() {
                    break;
                }
            }
        }
    }
    (
        started.elapsed(),
        String::from_utf8_lossy(&answer).into_owned(),
    )
}

fn limits(header: u64, body: u64, max_connections: usize) -> ConnectionLimits {
    ConnectionLimits {
        header_read_timeout: Duration::from_secs(header),
        body_read_timeout: Duration::from_secs(body),
        max_connections,
    }
}

#[tokio::test]
async fn a_client_sending_its_headers_a_byte_at_a_time_is_cut_off() {
    let dir = TempDir::new();
    let address = serve(limits(1, 30, 16), &dir).await;
    let (took, _) = dribble(
        &address,
        "POST /auth/login HTTP/1.1\r\nHost: x\r\nX-Slow: ",
        b"a",
    )
    .await;
    assert!(took < Duration::from_secs(4), "cut off after {took:?}");
}

#[tokio::test]
async fn a_client_sending_its_body_a_byte_at_a_time_is_cut_off() {
    let dir = TempDir::new();
    let address = serve(limits(10, 1, 16), &dir).await;
    let head = "POST /users HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
                Content-Length: 1000\r\n\r\n{\"email\": \"";
    let (took, answer) = dribble(&address, head, b"a").await;
    assert!(took < Duration::from_secs(4), "cut off after {took:?}");
    // Answered with the API's error, not left hanging.
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
}

#[tokio::test]
async fn connections_past_the_cap_wait_until_one_closes() {
    let dir = TempDir::new();
    let address = serve(limits(30, 30, 2), &dir).await;
    let idle_one = TcpStream::connect(&address).await.unwrap();
    let _idle_two = TcpStream::connect(&address).await.unwrap();
    // Give the server the time to accept both.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let url = format!("http://{address}/healthz");
    let waiting = tokio::spawn(async move { reqwest::get(url).await.map(|r| r.status()) });
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert!(
        !waiting.is_finished(),
        "a third connection was served past the cap"
    );
    drop(idle_one);
    let status = tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("served once a connection closed")
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
}

#[tokio::test]
async fn metrics_are_not_on_the_api_listener_unless_asked() {
    let app = TestApp::spawn_with(|config| config.metrics_on_api_listener = false).await;
    let reply = app.send(app.http.get(app.url("/metrics"))).await;
    assert_eq!(reply.status, 404);
    let defaults = Config::new("127.0.0.1:0".parse().unwrap(), "sqlite::memory:");
    assert!(!defaults.metrics_on_api_listener && defaults.metrics_listen.is_none());
}
