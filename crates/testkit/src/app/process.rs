//! [`LatchkeydProcess`]: the `latchkeyd` binary itself, for what only a process shows
//! (a `kill -9`, a SIGTERM, two processes on one database), its answers checked as a
//! [`super::TestApp`]'s are.

use std::process::Stdio;
use std::time::Duration;

use latchkey_client::Client;
use tokio::net::TcpListener;
use tokio::process::{Child, Command};

use super::proxy::CheckingProxy;
use crate::scratch::free_address;

/// A `latchkeyd` process on a free port, ready, behind a checking proxy; killed when
/// dropped.
pub struct LatchkeydProcess {
    /// The process.
    pub child: Child,
    /// The SDK, pointed at [`LatchkeydProcess::address`].
    pub client: Client,
    /// `http://127.0.0.1:port`: where to send requests (the proxy).
    pub address: String,
    _proxy: CheckingProxy,
}

impl LatchkeydProcess {
    /// Runs `binary` (a test passes `env!("CARGO_BIN_EXE_latchkeyd")`) with `--listen` on a
    /// free address and `args`, and waits until it is ready.
    ///
    /// # Panics
    ///
    /// If it cannot be started or is not ready within ten seconds.
    pub async fn start(binary: &str, args: &[&str]) -> Self {
        let listen = free_address();
        let child = Command::new(binary)
            .args(["--listen", &listen])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = CheckingProxy::start(listener, format!("http://{listen}"));
        let address = proxy.url();
        let client = Client::new(&address).unwrap();
        for _ in 0..200 {
            if client.ready().await.is_ok() {
                return Self {
                    child,
                    client,
                    address,
                    _proxy: proxy,
                };
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("latchkeyd at {listen} did not become ready");
    }
}
