//! `Store` for PostgreSQL: the shared body (`crate::store_impl`) on one pool. Each multi-row change is one transaction; each operation that
//! must not race across instances (rotate, revoke) is a single-row `UPDATE`, which
//! PostgreSQL serialises with the row lock and re-checks after waiting (READ COMMITTED).

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
use crate::errors::OrStoreError as _;
use crate::rows::{self, ACCOUNT_COLUMNS, CLIENT_KEY_COLUMNS, SESSION_COLUMNS, kind_name};
use crate::store_impl::store_impl;

store_impl!(PgStore, PgRow, sqlx::Postgres, sqlx::PgPool);
