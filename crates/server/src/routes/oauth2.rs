//! The standard OAuth 2 interface: `/oauth2/token` (RFC 6749), `/oauth2/introspect`
//! (RFC 7662), `/oauth2/revoke` (RFC 7009) and the server metadata (RFC 8414).
//!
//! Client keys are the OAuth clients. Bodies are form-encoded; answers and errors use the
//! RFCs' snake_case names. Errors are rendered by [`OAuthError`], never by `ApiError`.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use latchkey_core::secret::RefreshToken;
use latchkey_core::{Claims, Error, IssuedTokens, Scope};
use latchkey_proto::GrantType;
use latchkey_proto::oauth2::{IntrospectionResponse, ServerMetadata, TokenResponse};

use super::no_store;
use crate::extract::{DpopProofs, OAuthRequest, Params};
use crate::oauth_error::OAuthError;
use crate::state::AppState;

/// The client authentication methods of every OAuth 2 endpoint.
const AUTH_METHODS: [&str; 2] = ["client_secret_basic", "client_secret_post"];

/// `no-store`, plus `Pragma: no-cache` for HTTP/1.0 caches (RFC 6749 §5.1).
fn no_cache(response: impl IntoResponse) -> Response {
    let mut response = no_store(response);
    response
        .headers_mut()
        .insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

/// The optional `scope` of a token request.
fn scope(params: &mut Params) -> Result<Option<Scope>, OAuthError> {
    params
        .take("scope")
        .map(|s| Scope::parse(&s))
        .transpose()
        .map_err(|e| Error::InvalidScope(e.to_string()).into())
}

fn token_response(issued: IssuedTokens) -> TokenResponse {
    TokenResponse {
        token_type: if issued.dpop_bound { "DPoP" } else { "Bearer" }.into(),
        access_token: issued.access_token,
        expires_in: issued.expires_in,
        refresh_token: issued.refresh_token,
        scope: Some(issued.scope).filter(|s| !s.is_empty()),
    }
}

fn introspection(claims: Claims) -> IntrospectionResponse {
    let token_type = match (claims.kind.is_refresh(), &claims.cnf) {
        (true, _) => "refresh_token",
        (false, Some(_)) => "DPoP",
        (false, None) => "Bearer",
    };
    IntrospectionResponse {
        active: true,
        scope: Some(claims.scope),
        client_id: claims.client_id,
        sub: Some(claims.sub),
        exp: claims.exp,
        iat: Some(claims.iat),
        nbf: Some(claims.nbf),
        iss: Some(claims.iss),
        aud: Some(claims.aud),
        jti: Some(claims.jti),
        token_type: Some(token_type.into()),
        kind: Some(claims.kind),
        cnf: claims.cnf,
    }
}

/// `POST /oauth2/token`
pub async fn token(
    State(state): State<AppState>,
    proofs: DpopProofs,
    OAuthRequest { client, mut params }: OAuthRequest,
) -> Result<Response, OAuthError> {
    let latchkey = &state.latchkey;
    let dpop = latchkey.dpop_key(&proofs.as_strs(), "POST", "/oauth2/token")?;
    let dpop = dpop.as_deref();
    let issued = match GrantType::from_oauth(&params.require("grant_type")?) {
        GrantType::ClientCredentials => {
            let scope = scope(&mut params)?;
            latchkey
                .oauth_client_credentials(&client.credentials, scope, dpop)
                .await
        }
        GrantType::RefreshToken => {
            let token = RefreshToken::new(params.require("refresh_token")?);
            let scope = scope(&mut params)?;
            latchkey
                .oauth_refresh(&client.credentials, &token, scope, dpop)
                .await
        }
        GrantType::Unsupported(name) => return Err(Error::unsupported_grant_type(&name).into()),
    }
    .map_err(|e| client.error(e))?;
    Ok(no_cache(axum::Json(token_response(issued))))
}

/// `POST /oauth2/introspect`
pub async fn introspect(
    State(state): State<AppState>,
    OAuthRequest { client, mut params }: OAuthRequest,
) -> Result<Response, OAuthError> {
    let token = params.require("token")?;
    let claims = state
        .latchkey
        .introspect(&client.credentials, &token)
        .await
        .map_err(|e| client.error(e))?;
    Ok(no_cache(axum::Json(claims.map_or_else(
        IntrospectionResponse::default,
        introspection,
    ))))
}

/// `POST /oauth2/revoke`: 200 whatever the token (RFC 7009).
pub async fn revoke(
    State(state): State<AppState>,
    OAuthRequest { client, mut params }: OAuthRequest,
) -> Result<StatusCode, OAuthError> {
    let token = params.require("token")?;
    // RFC 7009 § 2.2: 200 whether or not there was anything to revoke (`token_type_hint`
    // is not needed: the token says what it is).
    state
        .latchkey
        .revoke_token(&client.credentials, &token)
        .await
        .map_err(|e| client.error(e))?;
    Ok(StatusCode::OK)
}

/// `GET /.well-known/oauth-authorization-server`
pub async fn metadata(State(state): State<AppState>) -> Response {
    let settings = state.latchkey.settings();
    let issuer = settings.issuer.clone();
    let mut algorithms: Vec<String> = state
        .latchkey
        .jwks()
        .keys
        .into_iter()
        .filter_map(|k| k.alg)
        .chain([state.latchkey.key_ring().algorithm().as_str().to_owned()])
        .collect();
    algorithms.sort();
    algorithms.dedup();
    let methods: Vec<String> = AUTH_METHODS.iter().map(|m| (*m).to_owned()).collect();
    let document = ServerMetadata {
        token_endpoint: format!("{issuer}/oauth2/token"),
        introspection_endpoint: format!("{issuer}/oauth2/introspect"),
        revocation_endpoint: format!("{issuer}/oauth2/revoke"),
        jwks_uri: format!("{issuer}/.well-known/jwks.json"),
        service_documentation: format!("{issuer}/openapi.json"),
        scopes_supported: settings.policies.scopes.iter().map(str::to_owned).collect(),
        response_types_supported: Vec::new(),
        grant_types_supported: GrantType::SUPPORTED
            .iter()
            .map(|grant| grant.oauth_name().to_owned())
            .collect(),
        token_endpoint_auth_methods_supported: methods.clone(),
        introspection_endpoint_auth_methods_supported: methods.clone(),
        revocation_endpoint_auth_methods_supported: methods,
        token_signing_alg_values_supported: algorithms,
        dpop_signing_alg_values_supported: state
            .latchkey
            .dpop_algorithms()
            .iter()
            .map(|a| (*a).to_owned())
            .collect(),
        issuer,
    };
    let mut response = axum::Json(document).into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=300"),
    );
    response
}
