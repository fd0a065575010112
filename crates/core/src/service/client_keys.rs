//! Client keys: create, list, delete (their lifecycle is `key_lifecycle`'s).

use latchkey_proto::Scope;
use latchkey_proto::api::CreateClientKeyRequest;

use super::audit::Event;
use super::{Latchkey, Principal};
use crate::audit::EventKind;
use crate::ids::ClientId;
use crate::network::Networks;
use crate::secret::{ClientSecret, SecretDigest, generate_client_secret};
use crate::store::ClientKeyRecord;
use crate::{Error, Result};

/// Longest client key label, in characters.
const MAX_NAME_CHARS: usize = 100;

fn parse_name(name: Option<String>) -> Result<Option<String>> {
    let Some(name) = name.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(Error::InvalidRequest(format!(
            "name must be at most {MAX_NAME_CHARS} printable characters"
        )));
    }
    Ok(Some(name))
}

/// What a new client key should be.
#[derive(Debug, Clone, Default)]
pub struct NewClientKey {
    /// An optional label.
    pub name: Option<String>,
    /// The scopes it may grant; all of the service's when `None`.
    pub scope: Option<Scope>,
    /// Whether its refresh tokens rotate; the deployment's setting when `None`.
    pub rotation: Option<bool>,
    /// When it stops working (Unix seconds, in the future); `None`: never.
    pub expires_at: Option<i64>,
    /// The networks it may be used from; empty: anywhere.
    pub allowed_networks: Networks,
    /// Whether its token requests must carry a DPoP proof.
    pub dpop_bound: bool,
}

impl TryFrom<CreateClientKeyRequest> for NewClientKey {
    type Error = Error;

    fn try_from(request: CreateClientKeyRequest) -> Result<Self> {
        let allowed_networks = Networks::parse(&request.allowed_cidrs.unwrap_or_default())
            .map_err(|e| Error::InvalidRequest(format!("allowedCidrs: {e}")))?;
        Ok(Self {
            name: request.name,
            scope: request.scope,
            rotation: request.rotate_refresh_tokens,
            expires_at: request.expires_at.map(time::OffsetDateTime::unix_timestamp),
            allowed_networks,
            dpop_bound: request.dpop_bound.unwrap_or(false),
        })
    }
}

impl Latchkey {
    /// Whether refresh tokens made from this key rotate.
    #[must_use]
    pub fn key_rotates(&self, key: &ClientKeyRecord) -> bool {
        self.rotates(key.rotation)
    }

    /// Creates a client key for the caller. The secret is returned once and stored only
    /// as a digest.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for a bad name or an `expiresAt` in the past, [`Error::InvalidScope`] for a scope the
    /// service does not grant, or storage errors.
    pub async fn create_client_key(
        &self,
        who: &Principal,
        new: NewClientKey,
    ) -> Result<(ClientKeyRecord, ClientSecret)> {
        let name = parse_name(new.name)?;
        let now = self.now();
        if new.expires_at.is_some_and(|at| at <= now) {
            return Err(Error::InvalidRequest(
                "expiresAt must be in the future".into(),
            ));
        }
        let scope = match new.scope {
            None => self.settings.policies.scopes.clone(),
            Some(scope) if scope.is_subset(&self.settings.policies.scopes) => scope,
            Some(scope) => {
                return Err(Error::InvalidScope(format!(
                    "scope {scope} is not within {}",
                    self.settings.policies.scopes
                )));
            }
        };
        let secret = generate_client_secret()?;
        let key = ClientKeyRecord {
            id: ClientId::generate()?,
            account_id: who.account_id.clone(),
            name,
            secret_digest: SecretDigest::of(&secret),
            scope,
            created_at: now,
            last_used_at: None,
            rotation: new.rotation,
            expires_at: new.expires_at,
            allowed_networks: new.allowed_networks,
            last_used_ip: None,
            previous_secret: None,
            dpop_bound: new.dpop_bound,
        };
        self.store.insert_client_key(&key).await?;
        self.audit(
            Event::new(EventKind::ClientKeyCreated)
                .by(who)
                .client(key.id.as_str()),
        )
        .await;
        Ok((key, secret))
    }

    /// The caller's client keys, oldest first.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn client_keys(&self, who: &Principal) -> Result<Vec<ClientKeyRecord>> {
        Ok(self.store.client_keys(&who.account_id).await?)
    }

    /// Deletes one of the caller's client keys and ends every refresh token made from it.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] if the caller has no such key, or storage errors.
    pub async fn delete_client_key(&self, who: &Principal, client_id: &str) -> Result<()> {
        let id = ClientId::parse(client_id).ok_or(Error::NotFound("client key"))?;
        if self
            .store
            .delete_client_key(&who.account_id, &id, self.now())
            .await?
        {
            self.status_lists_changed().await;
            self.audit(
                Event::new(EventKind::ClientKeyDeleted)
                    .by(who)
                    .client(id.as_str()),
            )
            .await;
            Ok(())
        } else {
            Err(Error::NotFound("client key"))
        }
    }
}
