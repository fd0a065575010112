/**
 * When an access token should be refreshed, read from its own `iat` and `exp` claims (as
 * the Rust SDK's token_source/lifetime.rs does).
 *
 * The token's lifetime is `exp - iat`, counted from the moment it arrived on the monotonic
 * clock (`performance.now()`): a machine whose wall clock is off still refreshes on time.
 * It is refreshed a margin before the end — the margin, or half the lifetime for
 * short-lived tokens. Stored tokens carry `expiresAt` (arrival + lifetime, by the local
 * clock); for them, the time left is read from it.
 *
 * @module
 */

import { numberClaim, peekClaims } from './jwt.js';

/** Milliseconds on a clock that never jumps. */
export const monotonic = (): number => performance.now();

/** A token lifetime read from the token's own claims, on the monotonic clock. */
export interface Access {
  token: string;
  /** From here on the token is refreshed before being handed out (monotonic ms). */
  refreshAt: number;
  /** From here on the token is not handed out at all (monotonic ms). */
  expiresAt: number;
  /** `expiresAt` by the wall clock, for storage. */
  expiresAtWall: number;
}

/** A token without readable `iat`/`exp` is used until a service refuses it. */
const UNKNOWN_LIFETIME_MS = 365 * 24 * 3600 * 1000;
/** `first · 2^(failures-1)`, at most `max`, plus up to a tenth of jitter. */
export function backoff(retry: { first: number; max: number }, failures: number): number {
  const base = Math.min(retry.max, retry.first * 2 ** Math.min(failures - 1, 16));
  return base + (Math.random() * base) / 10;
}

/** The lifetime of a token that has just arrived: `exp - iat`, from now. */
export function freshAccess(token: string, marginMs: number): Access {
  const claims = peekClaims(token);
  const iat = numberClaim(claims, 'iat');
  const exp = numberClaim(claims, 'exp');
  const length = iat !== undefined && exp !== undefined ? Math.max(0, exp - iat) * 1000 : UNKNOWN_LIFETIME_MS;
  return timesOf(token, length, length, marginMs);
}

/** The lifetime left to a stored token: its stored `expiresAt`, else its `exp`, by the wall clock. */
export function storedAccess(token: string, expiresAt: number | undefined, marginMs: number): Access {
  const claims = peekClaims(token);
  const iat = numberClaim(claims, 'iat');
  const exp = numberClaim(claims, 'exp');
  const end = expiresAt ?? (exp !== undefined ? exp * 1000 : undefined);
  if (end === undefined) return timesOf(token, UNKNOWN_LIFETIME_MS, UNKNOWN_LIFETIME_MS, marginMs);
  const left = Math.max(0, end - Date.now());
  const length = iat !== undefined && exp !== undefined ? Math.max(0, exp - iat) * 1000 : left;
  return timesOf(token, left, length, marginMs);
}

/** The margin is at most half the whole lifetime, so a short-lived token is used for a while. */
function timesOf(token: string, leftMs: number, lengthMs: number, marginMs: number): Access {
  const now = monotonic();
  const margin = Math.min(marginMs, lengthMs / 2);
  return {
    token,
    refreshAt: now + Math.max(0, leftMs - margin),
    expiresAt: now + leftMs,
    expiresAtWall: Date.now() + leftMs,
  };
}
