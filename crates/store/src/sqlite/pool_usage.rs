//! [`PoolProbe`] for SQLite: the single writer and the reader pool.

use sqlx::SqlitePool;

use super::SqliteStore;
use crate::pool_usage::{PoolProbe, PoolUsage};

fn usage(pool: &'static str, p: &SqlitePool) -> PoolUsage {
    PoolUsage {
        pool,
        open: p.size(),
        idle: u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
        max: p.options().get_max_connections(),
    }
}

impl PoolProbe for SqliteStore {
    fn pool_usage(&self) -> Vec<PoolUsage> {
        vec![usage("write", &self.write), usage("read", &self.read)]
    }
}
