/**
 * The public types of {@link TokenSource}: what it is given (a grant and options) and
 * what it tells (a snapshot of its tokens, its events).
 *
 * @module
 */

import type { DpopAlgorithm, DpopKey } from './dpop.js';
import type { LatchkeyError } from './errors.js';
import type { TokenStorage } from './storage/types.js';

/** Client keys (with an optional refresh token obtained earlier), or a refresh token alone. */
export type TokenSourceGrant =
  | { clientId: string; clientSecret: string; refreshToken?: string }
  | {
      refreshToken: string;
      /** The application id of an account refresh token from an offline login. */
      clientId?: string;
      clientSecret?: undefined;
    };

/** Options of {@link LatchkeyClient.tokenSource}. */
export interface TokenSourceOptions {
  /** Where the tokens are kept (default `memoryStorage()`). */
  storage?: TokenStorage;
  /** How long before expiry a token is refreshed (default 60,000 ms; at most half its lifetime). */
  refreshMarginMs?: number;
  /** The first delay after a failed refresh (default 1,000 ms); it doubles on each failure. */
  retryDelayMs?: number;
  /** The longest delay after failed refreshes (default 60,000 ms). */
  maxRetryDelayMs?: number;
  /** Ask for access tokens with this lifetime, in seconds (at most the service's maximum). */
  expiration?: number;
  /** Ask for access tokens with this narrower scope (space-separated). */
  scope?: string;
  /**
   * DPoP (RFC 9449): `true` (an ES256 key), `'ES256'`, `'EdDSA'`, or a {@link DpopKey}.
   * The source makes the key at first use (or takes the stored one) and keeps it in the
   * storage with the tokens; every token request carries a proof, so the tokens are bound
   * to the key. Needed for a `dpopBound` client key. Default: off (bearer tokens).
   */
  dpop?: boolean | DpopAlgorithm | DpopKey;
}

/** The tokens a source holds. */
export interface TokenSnapshot {
  accessToken: string | undefined;
  /** When the access token stops being handed out (ms since the epoch, local clock). */
  expiresAt: number | undefined;
  refreshToken: string | undefined;
}

/** The payload of the `refreshed` event. */
export interface RefreshedEvent {
  accessToken: string;
  /** When the new token stops being handed out (ms since the epoch, local clock). */
  expiresAt: number;
  /** How it was obtained. */
  via: 'refreshToken' | 'clientCredentials';
  /** Whether the service sent a new refresh token (rotation, or a new client-credentials grant). */
  newRefreshToken: boolean;
}

/** Events of a token source and their payloads. */
export interface TokenSourceEvents {
  /** New tokens arrived. */
  refreshed: RefreshedEvent;
  /** A refresh failed (passing or final), or the storage could not be read or written. */
  error: LatchkeyError;
  /** Neither the refresh token nor the client keys can get a token any more. */
  signedOut: LatchkeyError;
}
