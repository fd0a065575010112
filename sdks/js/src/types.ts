/**
 * Request and answer bodies of the native API (camelCase, as on the wire). Timestamps are
 * RFC 3339 strings, as the service sends them.
 *
 * @module
 */

import type { DpopKey } from './dpop.js';

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
  /**
   * `"DPoP"` when the access token is bound to the request's DPoP key (send it as
   * `Authorization: DPoP <token>` with a proof); absent for bearer tokens.
   */
  tokenType?: 'DPoP' | (string & {});
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
  /** When the key stops working (RFC 3339, or a `Date`; must be in the future); never when absent. */
  expiresAt?: string | Date;
  /** The IPv4/IPv6 networks (CIDRs or single addresses, at most 64) token requests may come from; anywhere when absent or empty. */
  allowedCidrs?: string[];
  /** Whether token requests must carry a DPoP proof (RFC 9449), so that none of its tokens is a bearer token. */
  dpopBound?: boolean;
}

/** Expiry, networks and DPoP binding of a client key, as the service shows them. */
export interface ClientKeyLifecycle {
  /** When the key stops working; absent: never. */
  expiresAt?: string;
  /** The networks token requests may come from, as CIDRs (a single address shows as `/32` or `/128`); empty: anywhere. */
  allowedCidrs: string[];
  /** Whether token requests must carry a DPoP proof. */
  dpopBound: boolean;
}

/** A client key as listed (never with its secret). */
export interface ClientKey extends ClientKeyLifecycle {
  /** 40 lowercase hex characters. */
  clientId: string;
  name: string | null;
  /** Space-separated scopes. */
  scope: string;
  rotateRefreshTokens: boolean;
  createdAt: string;
  /** When the key last made a token, to the minute. */
  lastUsedAt: string | null;
  /** The address the key last made a token from. */
  lastUsedIp?: string;
  /** While the secret replaced by the last rotation still works: when it stops. */
  previousSecretExpiresAt?: string;
}

/** A client key as created: the only time its secret is shown. */
export interface CreatedClientKey extends Omit<ClientKey, 'lastUsedAt' | 'lastUsedIp' | 'previousSecretExpiresAt'> {
  /** 80 lowercase hex characters, stored by the service only as a digest. */
  clientSecret: string;
}

/** Options of `rotateClientKeySecret`. */
export interface RotateSecretOptions {
  /** How long the old secret keeps working, in seconds: 0 to 2,592,000 (default 86,400). */
  overlapSeconds?: number;
}

/** The answer of `POST /client-keys/{clientId}/secret`: the only time the new secret is shown. */
export interface RotatedSecret {
  clientId: string;
  /** The new secret, 80 lowercase hex characters. */
  clientSecret: string;
  /** When the old secret stops working (RFC 3339). */
  previousSecretExpiresAt: string;
}

/** Options of a call to the token endpoint. */
export interface TokenCallOptions {
  /** Send a DPoP proof by this key: the tokens come back bound to it (`tokenType: "DPoP"`). */
  dpop?: DpopKey;
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
  /** Prove possession of this DPoP key: the tokens come back bound to it. */
  dpop?: DpopKey;
}

/** Options of a refresh. */
export interface RefreshOptions {
  /** The application id of an account refresh token from an offline login. */
  clientId?: string;
  expiration?: number;
  /** Narrows this access token only; the refresh token keeps its scope. */
  scope?: string;
  /** Prove possession of this DPoP key (needed for a bound refresh token: the key it is bound to). */
  dpop?: DpopKey;
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
