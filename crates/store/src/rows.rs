//! Row decoding shared by both backends: each backend implements [`Get`], and the
//! record constructors below are written once.

use latchkey_core::email::Email;
use latchkey_core::ids::{AccountId, ClientId, SessionId};
use latchkey_core::secret::SecretDigest;
use latchkey_core::store::{
    AccountRecord, AttemptRecord, AuditRecord, ClientKeyRecord, IssuedAccess, SessionRecord,
    SigningKeyRecord,
};
use latchkey_core::{Kind, Scope, StoreError};
use latchkey_verify::Algorithm;

use crate::errors::corrupt;

/// Typed column access, implemented for each backend's row type.
pub(crate) trait Get {
    fn text(&self, column: &str) -> Result<String, StoreError>;
    fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError>;
    fn int(&self, column: &str) -> Result<i64, StoreError>;
    fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError>;
    fn bytes(&self, column: &str) -> Result<Vec<u8>, StoreError>;
}

macro_rules! impl_get {
    ($row:ty) => {
        impl crate::rows::Get for $row {
            fn text(&self, column: &str) -> Result<String, StoreError> {
                sqlx::Row::try_get(self, column).store_err()
            }
            fn opt_text(&self, column: &str) -> Result<Option<String>, StoreError> {
                sqlx::Row::try_get(self, column).store_err()
            }
            fn int(&self, column: &str) -> Result<i64, StoreError> {
                sqlx::Row::try_get(self, column).store_err()
            }
            fn opt_int(&self, column: &str) -> Result<Option<i64>, StoreError> {
                sqlx::Row::try_get(self, column).store_err()
            }
            fn bytes(&self, column: &str) -> Result<Vec<u8>, StoreError> {
                sqlx::Row::try_get(self, column).store_err()
            }
        }
    };
}
pub(crate) use impl_get;

fn account_id(text: &str) -> Result<AccountId, StoreError> {
    AccountId::parse(text).ok_or_else(|| corrupt("account id"))
}

fn scope(text: &str) -> Result<Scope, StoreError> {
    Scope::parse(text).map_err(|_| corrupt("scope"))
}

pub(crate) fn kind_name(kind: Kind) -> &'static str {
    kind.as_str()
}

fn kind(text: &str) -> Result<Kind, StoreError> {
    match text {
        "client_refresh" => Ok(Kind::ClientRefresh),
        "account_refresh" => Ok(Kind::AccountRefresh),
        _ => Err(corrupt("session kind")),
    }
}

pub(crate) fn account(row: &impl Get) -> Result<AccountRecord, StoreError> {
    Ok(AccountRecord {
        id: account_id(&row.text("id")?)?,
        email: Email::from_storage(row.text("email")?),
        password_hash: row.text("password_hash")?,
        created_at: row.int("created_at")?,
        tokens_not_before: row.int("tokens_not_before")?,
    })
}

pub(crate) fn client_key(row: &impl Get) -> Result<ClientKeyRecord, StoreError> {
    Ok(ClientKeyRecord {
        id: ClientId::parse(&row.text("id")?).ok_or_else(|| corrupt("client id"))?,
        account_id: account_id(&row.text("account_id")?)?,
        name: row.opt_text("name")?,
        secret_digest: SecretDigest::from_bytes(row.bytes("secret_digest")?),
        scope: scope(&row.text("scope")?)?,
        created_at: row.int("created_at")?,
        last_used_at: row.opt_int("last_used_at")?,
        rotation: row.opt_int("rotation")?.map(|r| r != 0),
    })
}

pub(crate) fn audit_event(row: &impl Get) -> Result<AuditRecord, StoreError> {
    Ok(AuditRecord {
        id: row.int("id")?,
        at: row.int("at")?,
        kind: row.text("kind")?,
        account_id: row.opt_text("account_id")?,
        client_id: row.opt_text("client_id")?,
        source: row.opt_text("source")?,
        detail: row.opt_text("detail")?,
    })
}

pub(crate) fn attempt(row: &impl Get) -> Result<AttemptRecord, StoreError> {
    Ok(AttemptRecord {
        key: row.text("key")?,
        failures: u32::try_from(row.int("failures")?).map_err(|_| corrupt("failures"))?,
        locked_until: row.opt_int("locked_until")?,
    })
}

/// The counter of a `LEFT JOIN attempts`: none counted yet when the row is absent.
pub(crate) fn attempt_or_none(row: &impl Get) -> Result<AttemptRecord, StoreError> {
    Ok(match row.opt_text("key")? {
        Some(key) => AttemptRecord {
            key,
            failures: row
                .opt_int("failures")?
                .and_then(|f| u32::try_from(f).ok())
                .unwrap_or(0),
            locked_until: row.opt_int("locked_until")?,
        },
        None => AttemptRecord::default(),
    })
}

pub(crate) fn session(row: &impl Get) -> Result<SessionRecord, StoreError> {
    Ok(SessionRecord {
        id: SessionId::parse(&row.text("id")?).ok_or_else(|| corrupt("session id"))?,
        account_id: account_id(&row.text("account_id")?)?,
        kind: kind(&row.text("kind")?)?,
        client_id: row.opt_text("client_id")?,
        scope: scope(&row.text("scope")?)?,
        created_at: row.int("created_at")?,
        expires_at: row.opt_int("expires_at")?,
        last_used_at: row.opt_int("last_used_at")?,
        generation: u64::try_from(row.int("generation")?)
            .map_err(|_| corrupt("session generation"))?,
        rotates: row.int("rotates")? != 0,
        rotated_at: row.opt_int("rotated_at")?,
        issued_access: issued_access(row)?,
    })
}

fn issued_access(row: &impl Get) -> Result<Option<IssuedAccess>, StoreError> {
    let jti = row.opt_text("access_jti")?;
    let expires_at = row.opt_int("access_expires_at")?;
    let access_scope = row.opt_text("access_scope")?;
    Ok(match (jti, expires_at, access_scope) {
        (Some(jti), Some(expires_at), Some(s)) => Some(IssuedAccess {
            jti,
            expires_at,
            scope: scope(&s)?,
        }),
        _ => None,
    })
}

pub(crate) fn signing_key(row: &impl Get) -> Result<SigningKeyRecord, StoreError> {
    Ok(SigningKeyRecord {
        kid: row.text("kid")?,
        algorithm: Algorithm::from_name(&row.text("algorithm")?)
            .ok_or_else(|| corrupt("key algorithm"))?,
        private_key: row.bytes("private_key")?,
        created_at: row.int("created_at")?,
        activates_at: row.int("activates_at")?,
        retires_at: row.opt_int("retires_at")?,
        expires_at: row.opt_int("expires_at")?,
    })
}

/// A generation as stored (SQL has no unsigned integers).
pub(crate) fn generation(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Columns of `sessions`, in the order the constructors above read them by name.
pub(crate) const SESSION_COLUMNS: &str = "id, account_id, kind, client_id, scope, created_at, expires_at, last_used_at, \
     generation, rotates, rotated_at, access_jti, access_expires_at, access_scope";
/// Columns of `client_keys`.
pub(crate) const CLIENT_KEY_COLUMNS: &str =
    "id, account_id, name, secret_digest, scope, created_at, last_used_at, rotation";
/// Columns of `accounts`.
pub(crate) const ACCOUNT_COLUMNS: &str = "id, email, password_hash, created_at, tokens_not_before";
