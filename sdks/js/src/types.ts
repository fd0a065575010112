/**
 * Request and answer bodies of the native API (camelCase, as on the wire). Timestamps are
 * RFC 3339 strings, as the service sends them.
 *
 * @module
 */

/** The four token kinds, as in the `kind` claim. */
export type TokenKind = 'account_access' | 'client_access' | 'client_refresh' | 'account_refresh';

/** An account (`POST /users`, `GET /users/me`). */
export interface Account {
  /** The account id, usable in place of the email to log in. */
  id: string;
  /** The normalised (trimmed, lower-cased) email. */
  email: string;
  createdAt: string;
}

/** `POST /users`. */
export interface SignUpRequest {
  email: string;
  /** 8 to 1024 bytes, strong enough for the service's `password_min_score`. */
  password: string;
}

/** `POST /auth/login`: HTTP Basic credentials plus the optional body. */
export interface LoginRequest {
  /** The account's email, or its id. */
  email: string;
  password: string;
  /** Lifetime of the access token in seconds (at most the configured maximum). */
  expiration?: number;
  /** The application asking for an offline refresh token (Wazo's `client_id`): 1–128 printable characters. */
  clientId?: string;
  /** `"offline"` (with `clientId`) adds an account refresh token to the answer. */
  accessType?: 'offline';
}

/** The answer of `/auth/login`, `/auth/token` and a password change. */
export interface TokenResponse {
  accessToken: string;
  /** Present when the request made one (offline login, client credentials, rotation). */
  refreshToken?: string;
}

/** {@link TokenResponse} of a client-credentials grant, which always has a refresh token. */
export interface ClientTokens extends TokenResponse {
  refreshToken: string;
}

/** `PUT /users/me/password`. */
export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

/** `POST /client-keys`. */
export interface CreateClientKeyRequest {
  /** A label, up to 100 characters. */
  name?: string;
  /** Space-separated scopes the key may grant; all the service's scopes when absent. */
  scope?: string;
  /** Whether refresh tokens made from the key rotate; the deployment's setting when absent. */
  rotateRefreshTokens?: boolean;
}

/** A client key as listed (never with its secret). */
export interface ClientKey {
  /** 40 lowercase hex characters. */
  clientId: string;
  name: string | null;
  /** Space-separated scopes. */
  scope: string;
  rotateRefreshTokens: boolean;
  createdAt: string;
  /** When the key last made a token, to the minute. */
  lastUsedAt: string | null;
}

/** A client key as created: the only time its secret is shown. */
export interface CreatedClientKey extends Omit<ClientKey, 'lastUsedAt'> {
  /** 80 lowercase hex characters, stored by the service only as a digest. */
  clientSecret: string;
}

/** `POST /auth/token`, any grant. */
export interface TokenRequest {
  grantType: 'clientCredentials' | 'refreshToken' | (string & {});
  clientId?: string;
  clientSecret?: string;
  refreshToken?: string;
  /** Lifetime of the access token in seconds (at most the configured maximum). */
  expiration?: number;
  /** A narrower scope than the grant's, space-separated. */
  scope?: string;
}

/** `clientCredentials` grant options. */
export interface ClientCredentialsRequest {
  clientId: string;
  clientSecret: string;
  expiration?: number;
  scope?: string;
}

/** Options of a refresh. */
export interface RefreshOptions {
  /** The application id of an account refresh token from an offline login. */
  clientId?: string;
  expiration?: number;
  /** Narrows this access token only; the refresh token keeps its scope. */
  scope?: string;
}

/** A live refresh token ("session"), never the token itself. */
export interface RefreshTokenInfo {
  /** Pass it to `revokeRefreshToken`; the `sid` claim of the session's tokens. */
  id: string;
  kind: 'client_refresh' | 'account_refresh';
  clientId: string | null;
  scope: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** Absent (null) for account refresh tokens, which live until deleted. */
  expiresAt: string | null;
}

/** One event of the account's audit trail. */
export interface AuditEvent {
  /** Pass the last one as `before` for the next page. */
  id: number;
  time: string;
  /** `login_succeeded`, `login_failed`, `client_key_created`, `refresh_token_revoked`, … */
  kind: string;
  clientId?: string;
  sourceAddress?: string;
  detail?: string;
}

/** Paging of `GET /users/me/events`. */
export interface EventsQuery {
  /** At most this many events (default 50, at most 1,000). */
  limit?: number;
  /** Only events older than this id. */
  before?: number;
}

/** A JSON Web Key Set, as `/.well-known/jwks.json` publishes it. */
export interface JsonWebKeySet {
  keys: Array<Record<string, unknown>>;
}
