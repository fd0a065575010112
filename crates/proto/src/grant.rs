//! [`GrantType`]: the one list of what the token endpoints trade, with the name each
//! interface gives it — camelCase in the native API (`"grantType": "clientCredentials"`),
//! snake_case in the OAuth 2 interface (`grant_type=client_credentials`, RFC 6749).

use serde::{Deserialize, Serialize};

/// A grant type, as a caller names it.
///
/// On the wire it is the native API's name; an unknown name is kept as it was sent
/// ([`GrantType::Unsupported`]) so that the service can answer
/// `unsupported_grant_type` naming it, rather than refuse the whole body.
///
/// ```
/// use latchkey_proto::GrantType;
/// assert_eq!(GrantType::from_native("refreshToken"), GrantType::RefreshToken);
/// assert_eq!(GrantType::from_oauth("client_credentials"), GrantType::ClientCredentials);
/// assert_eq!(GrantType::RefreshToken.oauth_name(), "refresh_token");
/// assert_eq!(
///     GrantType::from_oauth("password"),
///     GrantType::Unsupported("password".into())
/// );
/// let json = serde_json::to_string(&GrantType::ClientCredentials).unwrap();
/// assert_eq!(json, r#""clientCredentials""#);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum GrantType {
    /// Client keys for a client access token and a client refresh token.
    #[default]
    ClientCredentials,
    /// A refresh token for a new access token.
    RefreshToken,
    /// A grant type Latchkey does not know, as the caller spelled it.
    Unsupported(String),
}

impl GrantType {
    /// Every grant type Latchkey supports, as RFC 8414 metadata lists them.
    pub const SUPPORTED: [Self; 2] = [Self::ClientCredentials, Self::RefreshToken];

    /// The native API's name, e.g. `"clientCredentials"`.
    #[must_use]
    pub fn native_name(&self) -> &str {
        match self {
            Self::ClientCredentials => "clientCredentials",
            Self::RefreshToken => "refreshToken",
            Self::Unsupported(name) => name,
        }
    }

    /// The OAuth 2 name (RFC 6749), e.g. `"client_credentials"`.
    #[must_use]
    pub fn oauth_name(&self) -> &str {
        match self {
            Self::ClientCredentials => "client_credentials",
            Self::RefreshToken => "refresh_token",
            Self::Unsupported(name) => name,
        }
    }

    /// The grant type the native API calls `name`.
    #[must_use]
    pub fn from_native(name: &str) -> Self {
        Self::find(name, Self::native_name)
    }

    /// The grant type OAuth 2 calls `name`.
    #[must_use]
    pub fn from_oauth(name: &str) -> Self {
        Self::find(name, Self::oauth_name)
    }

    fn find(name: &str, spelling: fn(&Self) -> &str) -> Self {
        Self::SUPPORTED
            .into_iter()
            .find(|grant| spelling(grant) == name)
            .unwrap_or_else(|| Self::Unsupported(name.to_owned()))
    }
}

impl From<String> for GrantType {
    fn from(name: String) -> Self {
        Self::from_native(&name)
    }
}

impl From<&str> for GrantType {
    fn from(name: &str) -> Self {
        Self::from_native(name)
    }
}

impl From<GrantType> for String {
    fn from(grant: GrantType) -> Self {
        match grant {
            GrantType::Unsupported(name) => name,
            known => known.native_name().to_owned(),
        }
    }
}

impl std::fmt::Display for GrantType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.native_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_interface_knows_only_its_own_spelling() {
        assert_eq!(
            GrantType::from_oauth("clientCredentials"),
            GrantType::Unsupported("clientCredentials".into())
        );
        assert_eq!(
            GrantType::from_native("refresh_token"),
            GrantType::Unsupported("refresh_token".into())
        );
        for grant in GrantType::SUPPORTED {
            assert_eq!(GrantType::from_native(grant.native_name()), grant);
            assert_eq!(GrantType::from_oauth(grant.oauth_name()), grant);
        }
    }

    #[test]
    fn the_wire_form_is_the_native_name_and_unknown_names_survive() {
        let parsed: GrantType = serde_json::from_str(r#""password""#).unwrap();
        assert_eq!(parsed, GrantType::Unsupported("password".into()));
        assert_eq!(serde_json::to_string(&parsed).unwrap(), r#""password""#);
        assert!(serde_json::from_str::<GrantType>("7").is_err());
    }
}
