//! Connection-pool use, for the server's metrics: how many connections each pool holds,
//! how many are idle, and its maximum. Read at scrape time, never on the request path.

use std::sync::Arc;

use latchkey_core::Store;

use crate::StoreOptions;

/// One pool's use at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolUsage {
    /// Which pool (`write`, `read`, …).
    pub pool: &'static str,
    /// Open connections.
    pub open: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// Most connections the pool may open.
    pub max: u32,
}

/// Something that can report its pools' use.
pub trait PoolProbe: Send + Sync + 'static {
    /// The use of each pool.
    fn pool_usage(&self) -> Vec<PoolUsage>;
}

/// As [`crate::open`], and also returns a probe of the store's pools for the metrics
/// (an `Option` for embedders whose store has no pools to report).
///
/// # Errors
///
/// As [`crate::open`].
pub async fn open_with_probe(
    url: &str,
    options: &StoreOptions,
) -> anyhow::Result<(Arc<dyn Store>, Option<Arc<dyn PoolProbe>>)> {
    let store = crate::open(url, options).await?;
    Ok((store.clone(), Some(store)))
}
