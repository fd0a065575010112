//! [`shutdown_signal`] (feature `axum`): the future that ends a service gracefully on
//! ctrl-c or SIGTERM.
//!
//! Why here: both the token service (`latchkeyd`) and resource services such as the
//! Nodes example serve with axum and depend on this crate already, while the Nodes
//! service must not depend on the token service. Putting the one copy here keeps every
//! dependency arrow pointing inward (services → verify → proto) without a crate of its
//! own for one function; any resource service built on this crate can use it too.

/// Completes on ctrl-c or, on Unix, SIGTERM, and logs that in-flight requests are being
/// finished. Pass it to `axum::serve(…).with_graceful_shutdown(…)`.
///
/// If a signal handler cannot be installed, that signal is simply never awaited: the
/// other one still stops the service.
///
/// ```no_run
/// # async fn run() {
/// latchkey_verify::shutdown_signal().await;
/// println!("shutting down");
/// # }
/// ```
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            // Without a ctrl-c handler, wait for SIGTERM alone.
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown signal received; finishing in-flight requests");
}
