//! Logging. (The shutdown signal is `latchkey_verify::shutdown_signal`, shared with the
//! resource services.)

use tracing_subscriber::EnvFilter;

/// Logs to stderr, filtered by `RUST_LOG` (default `info`). Secrets are never logged:
/// request logs carry method, path and status, never headers or bodies.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
