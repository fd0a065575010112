//! The rules a token must pass, and [`verify`], which applies them.

use latchkey_proto::{Claims, Kind, Scope, TokenType};

use crate::jwk::{Algorithm, KeySet};
use crate::{VerifyError, jws, seen};

/// What a verifier expects of a token.
///
/// ```
/// use latchkey_verify::{Kind, Scope, Validation};
/// let rules = Validation::access("https://auth.example.com", "https://auth.example.com")
///     .with_kinds(&[Kind::AccountAccess])
///     .with_required_scope(Scope::parse("nodes:read").unwrap())
///     .with_leeway(30);
/// assert_eq!(rules.leeway(), 30);
/// ```
#[derive(Debug, Clone)]
pub struct Validation {
    issuer: String,
    audience: String,
    token_type: TokenType,
    kinds: Vec<Kind>,
    required_scope: Scope,
    leeway: i64,
}

impl Validation {
    /// Rules for access tokens (`typ: at+jwt`) of either kind, from `issuer` for `audience`,
    /// with a 60-second leeway on `exp` and `nbf`.
    #[must_use]
    pub fn access(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            token_type: TokenType::Access,
            kinds: vec![Kind::AccountAccess, Kind::ClientAccess],
            required_scope: Scope::default(),
            leeway: 60,
        }
    }

    /// Rules for refresh tokens (`typ: rt+jwt`), as only the token service checks them.
    #[must_use]
    pub fn refresh(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self {
            token_type: TokenType::Refresh,
            kinds: vec![Kind::ClientRefresh, Kind::AccountRefresh],
            leeway: 0,
            ..Self::access(issuer, audience)
        }
    }

    /// Accepts only tokens of these kinds (e.g. account endpoints accept only
    /// [`Kind::AccountAccess`]).
    #[must_use]
    pub fn with_kinds(mut self, kinds: &[Kind]) -> Self {
        self.kinds = kinds.to_vec();
        self
    }

    /// Requires every scope token of `scope`.
    #[must_use]
    pub fn with_required_scope(mut self, scope: Scope) -> Self {
        self.required_scope = scope;
        self
    }

    /// Sets the clock-skew allowance on `exp` and `nbf`, in seconds.
    #[must_use]
    pub fn with_leeway(mut self, seconds: u32) -> Self {
        self.leeway = i64::from(seconds);
        self
    }

    /// The clock-skew allowance, in seconds.
    #[must_use]
    pub fn leeway(&self) -> i64 {
        self.leeway
    }

    /// The issuer tokens must come from.
    ///
    /// ```
    /// let rules = latchkey_verify::Validation::access("https://a.test", "api");
    /// assert_eq!(rules.issuer(), "https://a.test");
    /// ```
    #[must_use]
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The audience tokens must be for.
    ///
    /// ```
    /// let rules = latchkey_verify::Validation::access("https://a.test", "api");
    /// assert_eq!(rules.audience(), "api");
    /// ```
    #[must_use]
    pub fn audience(&self) -> &str {
        &self.audience
    }

    /// The token kinds accepted.
    ///
    /// ```
    /// use latchkey_verify::{Kind, Validation};
    /// let rules = Validation::access("https://a.test", "https://a.test");
    /// assert_eq!(rules.kinds(), &[Kind::AccountAccess, Kind::ClientAccess]);
    /// ```
    #[must_use]
    pub fn kinds(&self) -> &[Kind] {
        &self.kinds
    }

    /// The token type checked: access (`at+jwt`) or refresh (`rt+jwt`).
    ///
    /// ```
    /// use latchkey_verify::{TokenType, Validation};
    /// let rules = Validation::refresh("https://a.test", "https://a.test");
    /// assert_eq!(rules.token_type(), TokenType::Refresh);
    /// ```
    #[must_use]
    pub fn token_type(&self) -> TokenType {
        self.token_type
    }

    /// The scopes every token must carry (empty: none).
    ///
    /// ```
    /// let rules = latchkey_verify::Validation::access("https://a.test", "https://a.test");
    /// assert!(rules.required_scope().is_empty());
    /// ```
    #[must_use]
    pub fn required_scope(&self) -> &Scope {
        &self.required_scope
    }
}

/// Verifies `token` against `keys` and `rules` at time `now` (Unix seconds) and returns
/// its claims.
///
/// The checks run in this order: structure and `alg`, key lookup by `kid`, signature,
/// `typ`, claims syntax, `iss`, `aud`, `nbf`, `exp`, `kind`, scopes; so a forged token
/// never gets as far as its claims.
///
/// # Errors
///
/// The [`VerifyError`] naming the first rule the token breaks.
///
/// ```
/// use latchkey_verify::{KeySet, Validation, VerifyError};
/// let keys = KeySet::default();
/// let rules = Validation::access("https://auth.example.com", "https://auth.example.com");
/// // {"alg":"none"} is refused before any key is looked up.
/// let none = "eyJhbGciOiJub25lIn0.e30.";
/// assert!(matches!(latchkey_verify::verify(none, &keys, &rules, 0),
///     Err(VerifyError::UnsupportedAlgorithm(_))));
/// ```
pub fn verify(
    token: &str,
    keys: &KeySet,
    rules: &Validation,
    now: i64,
) -> Result<Claims, VerifyError> {
    let seen::Verified { token_type, claims } = signed_claims(token, keys, rules.token_type)?;
    if token_type != rules.token_type || claims.kind.token_type() != rules.token_type {
        return Err(VerifyError::WrongType);
    }
    if claims.iss != rules.issuer {
        return Err(VerifyError::WrongIssuer);
    }
    if claims.aud != rules.audience {
        return Err(VerifyError::WrongAudience);
    }
    if claims.nbf > now.saturating_add(rules.leeway) {
        return Err(VerifyError::NotYetValid);
    }
    match claims.exp {
        Some(exp) if exp.saturating_add(rules.leeway) <= now => return Err(VerifyError::Expired),
        None if !rules.token_type_allows_no_expiry(claims.kind) => {
            return Err(VerifyError::Malformed("token has no exp"));
        }
        _ => {}
    }
    if !rules.kinds.contains(&claims.kind) {
        return Err(VerifyError::WrongKind(claims.kind));
    }
    if !rules.required_scope.is_subset(&claims.scope) {
        return Err(VerifyError::InsufficientScope {
            required: rules.required_scope.clone(),
        });
    }
    Ok(claims)
}

/// The header `typ` and the claims of `token` once its structure, `alg`, `kid` and
/// signature are checked against `keys`: from the key set's cache when these very bytes
/// were verified before (see [`seen`]), else decoded, checked and remembered. A token
/// whose `typ` is not a Latchkey type is [`VerifyError::WrongType`] (whatever `wanted`
/// is) before its claims are read.
fn signed_claims(
    token: &str,
    keys: &KeySet,
    wanted: TokenType,
) -> Result<seen::Verified, VerifyError> {
    let fingerprint = seen::fingerprint(token);
    if let Some(known) = keys.seen().get(&fingerprint) {
        return Ok(known);
    }
    let parts = signed_parts(token, keys)?;
    let token_type = parts
        .header
        .typ
        .as_deref()
        .and_then(TokenType::from_header)
        .ok_or(VerifyError::WrongType)?;
    if token_type != wanted {
        return Err(VerifyError::WrongType);
    }
    let claims: Claims = serde_json::from_slice(&parts.payload)
        .map_err(|_| VerifyError::Malformed("claims do not parse"))?;
    let verified = seen::Verified { token_type, claims };
    keys.seen().insert(fingerprint, verified.clone());
    Ok(verified)
}

/// The parts of `token` once its structure, `alg`, `kid` and signature are checked
/// against `keys` (nothing of its header `typ` or its claims yet).
pub(crate) fn signed_parts<'a>(
    token: &'a str,
    keys: &KeySet,
) -> Result<jws::Parts<'a>, VerifyError> {
    let parts = jws::split(token)?;
    let header = &parts.header;
    let alg = Algorithm::from_name(&header.alg)
        .ok_or_else(|| VerifyError::UnsupportedAlgorithm(header.alg.clone()))?;
    let kid = header
        .kid
        .as_deref()
        .ok_or(VerifyError::Malformed("header has no kid"))?;
    let key = keys
        .get(kid)
        .ok_or_else(|| VerifyError::UnknownKey(kid.to_owned()))?;
    if key.alg != alg {
        return Err(VerifyError::UnsupportedAlgorithm(header.alg.clone()));
    }
    key.key
        .verify_sig(parts.signing_input.as_bytes(), &parts.signature)
        .map_err(|_| VerifyError::BadSignature)?;
    Ok(parts)
}

impl Validation {
    /// Only account refresh tokens may lack `exp`: they live until deleted.
    fn token_type_allows_no_expiry(&self, kind: Kind) -> bool {
        self.token_type == TokenType::Refresh && kind == Kind::AccountRefresh
    }
}
