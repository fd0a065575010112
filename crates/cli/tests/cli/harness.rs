//! Runs the real binaries: `latchkeyd` and `latchkey-nodes` on free ports with a fresh
//! SQLite file, and `latchkey` with its own config directory.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use latchkey_testkit::{TempDir, free_address, run_with_stdin};

pub use latchkey_testkit::PASSWORD;

/// `latchkeyd` and `latchkey-nodes`, built by this workspace: next to the `latchkey`
/// binary, built once here if `cargo test -p latchkey-cli` alone did not build them.
fn sibling(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    let dir = Path::new(env!("CARGO_BIN_EXE_latchkey")).parent().unwrap();
    let path = dir.join(name);
    if !path.exists() {
        BUILT.get_or_init(|| {
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "-p", "latchkeyd", "-p", "latchkey-nodes"])
                .status()
                .unwrap();
            assert!(
                status.success(),
                "cannot build latchkeyd and latchkey-nodes"
            );
        });
    }
    path
}

fn wait_until_listening(address: &str, child: &mut Child, name: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(address).is_err() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("{name} exited early: {status}");
        }
        assert!(Instant::now() < deadline, "{name} did not start listening");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A client key as `client-keys create` showed it.
pub struct Key {
    pub id: String,
    pub secret: String,
}

impl Key {
    /// The environment variables that hand the key to `latchkey client-token`.
    pub fn env(&self) -> [(&'static str, &str); 2] {
        [
            ("LATCHKEY_CLIENT_ID", &self.id),
            ("LATCHKEY_CLIENT_SECRET", &self.secret),
        ]
    }
}

/// A running service; killed on drop.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        self.0.kill().ok();
        self.0.wait().ok();
    }
}

/// A `latchkeyd` (and a `latchkey-nodes` trusting it) plus a `latchkey` config directory.
pub struct Env {
    pub server: String,
    pub nodes: String,
    pub dir: TempDir,
    _services: Vec<Service>,
}

impl Env {
    /// Services whose client access tokens live `client_access_seconds`.
    pub fn start(client_access_seconds: u64) -> Self {
        let dir = TempDir::new();
        let config = dir.0.join("latchkeyd.toml");
        std::fs::write(
            &config,
            format!(
                "[tokens]\nclient_access_seconds = {client_access_seconds}\n\
                 client_access_max_seconds = {client_access_seconds}\n"
            ),
        )
        .unwrap();
        let listen = free_address();
        let server = format!("http://{listen}");
        let mut latchkeyd = Command::new(sibling("latchkeyd"))
            .args(["--listen", &listen])
            .arg("--database")
            .arg(format!("sqlite://{}", dir.0.join("latchkey.db").display()))
            .arg("--config")
            .arg(&config)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_until_listening(&listen, &mut latchkeyd, "latchkeyd");
        let latchkeyd = Service(latchkeyd);

        let nodes_listen = free_address();
        let mut nodes = Command::new(sibling("latchkey-nodes"))
            .args(["--listen", &nodes_listen, "--issuer", &server])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_until_listening(&nodes_listen, &mut nodes, "latchkey-nodes");
        Self {
            server,
            nodes: format!("http://{nodes_listen}/nodes/v1/status"),
            dir,
            _services: vec![latchkeyd, Service(nodes)],
        }
    }

    pub fn config_dir(&self) -> PathBuf {
        self.dir.0.join("config")
    }

    /// `latchkey ARGS` with this environment (standard streams left to the caller).
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_latchkey"));
        command
            .args(args)
            .env("LATCHKEY_SERVER", &self.server)
            .env("LATCHKEY_CONFIG_DIR", self.config_dir())
            .env_remove("LATCHKEY_PROFILE")
            .env_remove("LATCHKEY_CLIENT_ID")
            .env_remove("LATCHKEY_CLIENT_SECRET")
            .env_remove("LATCHKEY_EMAIL");
        command
    }

    /// Runs `latchkey ARGS`, feeding `stdin`; returns its output.
    pub fn run_with(&self, args: &[&str], envs: &[(&str, &str)], stdin: &str) -> Output {
        run_with_stdin(self.command(args).envs(envs.iter().copied()), stdin)
    }

    /// Runs `latchkey ARGS`; panics unless it succeeds; returns standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        self.ok_with(args, &[], "")
    }

    pub fn ok_with(&self, args: &[&str], envs: &[(&str, &str)], stdin: &str) -> String {
        let output = self.run_with(args, envs, stdin);
        assert!(
            output.status.success(),
            "latchkey {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    }

    /// Runs `latchkey ARGS`; panics unless it fails; returns its one-line error.
    pub fn fails(&self, args: &[&str], envs: &[(&str, &str)]) -> String {
        let output = self.run_with(args, envs, "");
        assert_eq!(
            output.status.code(),
            Some(1),
            "latchkey {args:?} should fail"
        );
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(
            stderr.lines().count(),
            1,
            "one line, no backtrace: {stderr}"
        );
        assert!(stderr.starts_with("error: "), "{stderr}");
        stderr
    }

    /// Signs up `email` and leaves the profile logged in.
    pub fn signed_up(&self, email: &str) {
        self.ok_with(
            &["signup", "--email", email, "--password-stdin"],
            &[],
            &format!("{PASSWORD}\n"),
        );
    }

    /// Creates a client key.
    pub fn client_key(&self, extra: &[&str]) -> Key {
        let mut args = vec!["client-keys", "create", "--json"];
        args.extend_from_slice(extra);
        let key: serde_json::Value = serde_json::from_str(&self.ok(&args)).unwrap();
        Key {
            id: key["clientId"].as_str().unwrap().to_owned(),
            secret: key["clientSecret"].as_str().unwrap().to_owned(),
        }
    }

    /// Signs up `email` and creates a client key, not stored.
    pub fn account_with_key(&self, email: &str) -> Key {
        self.signed_up(email);
        self.client_key(&[])
    }

    /// The stored profile's value of `key`, if set.
    pub fn conf(&self, key: &str) -> Option<String> {
        let output = self.run_with(&["conf", "get", key], &[], "");
        output
            .status
            .success()
            .then(|| String::from_utf8(output.stdout).unwrap().trim().to_owned())
    }
}
