//! `Store` for PostgreSQL: the shared body (`crate::store_impl`) on one pool. Each
//! multi-row change is one transaction; each operation that must not race across
//! instances (rotate, revoke) is a single-row `UPDATE`, which PostgreSQL serialises with
//! the row lock and re-checks after waiting (READ COMMITTED). Rotations are grouped in
//! one transaction (`crate::batch`), still one `UPDATE` per rotation.

use async_trait::async_trait;
use latchkey_core::email::Email;
use latchkey_core::ids::{AccountId, ClientId, SessionId};
use latchkey_core::store::{
    AccountRecord, AttemptRecord, AuditQuery, AuditRecord, ClientKeyRecord, IssuedAccess,
    SessionRecord, SigningKeyRecord,
};
use latchkey_core::{Store, StoreError};
use sqlx::postgres::PgRow;

use super::PgStore;
use crate::batch_writes::{Rotation, batch_writes};
use crate::errors::OrStoreError as _;
use crate::rows::{self, ACCOUNT_COLUMNS, CLIENT_KEY_COLUMNS, SESSION_COLUMNS, kind_name};
use crate::store_impl::store_impl;

store_impl!(PgStore, PgRow, sqlx::Postgres);
batch_writes!(sqlx::Postgres, sqlx::PgPool, BATCH_SETUP);

/// A rotation batch holds its row locks until it commits, so it could deadlock with a
/// multi-row revoke (password change, logout everywhere) locking the same rows in
/// another order, and PostgreSQL might then fail the revoke. The batch stops waiting
/// well before PostgreSQL's deadlock check (1 s by default), so it is the one that
/// fails: it is rolled back and its rotations run one by one, and the revoke goes on.
const BATCH_SETUP: [&str; 1] = ["SET LOCAL lock_timeout = '200ms'"];
