//! [`PoolProbe`] for PostgreSQL: the one pool.

use super::PgStore;
use crate::pool_usage::{PoolProbe, PoolUsage};

impl PoolProbe for PgStore {
    fn pool_usage(&self) -> Vec<PoolUsage> {
        vec![PoolUsage {
            pool: "postgres",
            open: self.write.size(),
            idle: u32::try_from(self.write.num_idle()).unwrap_or(u32::MAX),
            max: self.write.options().get_max_connections(),
        }]
    }
}
