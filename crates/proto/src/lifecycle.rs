//! Client-key lifecycle on the wire: the expiry, networks and DPoP binding a key shows,
//! and secret rotation (`POST /client-keys/{clientId}/secret`).

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::secret::ClientSecret;

/// What a client key says of its lifecycle, in `POST` and `GET /client-keys` answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyLifecycle {
    /// When the key stops working; absent: never.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "time::serde::rfc3339::option"
    )]
    pub expires_at: Option<OffsetDateTime>,
    /// The networks token requests may come from; empty: anywhere.
    #[serde(default)]
    pub allowed_cidrs: Vec<String>,
    /// Whether token requests must carry a DPoP proof.
    #[serde(default)]
    pub dpop_bound: bool,
}

/// The optional body of `POST /client-keys/{clientId}/secret`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RotateSecretRequest {
    /// How long the old secret keeps working, in seconds: 0 to 2,592,000 (30 days),
    /// default 86,400 (one day).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlap_seconds: Option<u64>,
}

/// The answer of `POST /client-keys/{clientId}/secret`: the only time the new secret is
/// shown.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RotatedSecret {
    /// The key's client ID (unchanged).
    pub client_id: String,
    /// The new secret, 80 lowercase hex characters. Never shown again.
    pub client_secret: ClientSecret,
    /// When the old secret stops working.
    #[serde(with = "time::serde::rfc3339")]
    pub previous_secret_expires_at: OffsetDateTime,
}
