//! Fetching one status list and checking it before it is used: its size, signature,
//! `typ`, `sub`, `exp` and `bits`.

use latchkey_proto::status::{STATUS_LIST_MEDIA_TYPE, STATUS_LIST_TYP, StatusListClaims};

use super::{DEFAULT_TTL, Fetched, List, MAX_LIST_BYTES, TTL_RANGE};
use crate::VerifyError;
use crate::jwks_cache::get_limited;
use crate::key_source::KeySource;
use crate::status_bits::StatusBits;
use crate::validation::signed_parts;

/// Fetches a list token and checks it: signature, `typ`, `sub`, `exp`, `bits`.
pub(super) async fn download(
    http: &reqwest::Client,
    list: &List,
    keys: &KeySource,
    now: i64,
) -> Result<Fetched, String> {
    let body = get_limited(
        http,
        &list.url,
        Some(STATUS_LIST_MEDIA_TYPE),
        MAX_LIST_BYTES,
    )
    .await?;
    let token = std::str::from_utf8(&body)
        .map_err(|_| format!("{} is not a JWT", list.uri))?
        .trim();
    let claims = keys
        .with_keys(|keys| list_claims(token, keys))
        .await
        .map_err(|e| format!("{}: {e}", list.uri))?;
    let wrong = |what: &str| format!("{}: {what}", list.uri);
    if claims.sub != list.uri {
        return Err(wrong("its sub is not its URI"));
    }
    if claims.exp.is_some_and(|exp| exp <= now) {
        return Err(wrong("it has expired"));
    }
    if claims.status_list.bits != 1 {
        return Err(wrong("it does not hold one bit per token"));
    }
    let bits = StatusBits::from_lst(&claims.status_list.lst).map_err(|e| wrong(&e.to_string()))?;
    let ttl = claims
        .ttl
        .unwrap_or(DEFAULT_TTL)
        .clamp(TTL_RANGE.0, TTL_RANGE.1);
    Ok(Fetched {
        bits,
        at: now,
        ttl: i64::try_from(ttl).unwrap_or(i64::MAX),
        exp: claims.exp,
    })
}

/// The claims of a signed list token.
fn list_claims(token: &str, keys: &crate::KeySet) -> Result<StatusListClaims, VerifyError> {
    let parts = signed_parts(token, keys)?;
    let typ = parts.header.typ.as_deref().unwrap_or_default();
    if !typ
        .strip_prefix("application/")
        .unwrap_or(typ)
        .eq_ignore_ascii_case(STATUS_LIST_TYP)
    {
        return Err(VerifyError::WrongType);
    }
    serde_json::from_slice(&parts.payload)
        .map_err(|_| VerifyError::Malformed("status list claims do not parse"))
}
