//! `Store` for SQLite: the shared body (`crate::store_impl`), reads on the reader pool,
//! writes on the single writer connection.

use async_trait::async_trait;
use latchkey_core::email::Email;
use latchkey_core::ids::{AccountId, ClientId, SessionId};
use latchkey_core::store::{
    AccountRecord, AttemptRecord, AuditQuery, AuditRecord, ClientKeyRecord, IssuedAccess,
    SessionRecord, SigningKeyRecord,
};
use latchkey_core::{Store, StoreError};
use sqlx::sqlite::SqliteRow;

use super::SqliteStore;
use crate::batch_writes::{Rotation, batch_writes};
use crate::errors::OrStoreError as _;
use crate::rows::{self, ACCOUNT_COLUMNS, CLIENT_KEY_COLUMNS, SESSION_COLUMNS, kind_name};
use crate::store_impl::store_impl;

store_impl!(SqliteStore, SqliteRow, sqlx::Sqlite);
batch_writes!(sqlx::Sqlite, sqlx::SqlitePool, NO_SETUP);

/// Nothing to set up in a rotation batch: the single writer cannot wait on a row lock.
const NO_SETUP: [&str; 0] = [];
