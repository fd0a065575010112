/**
 * `@latchkey/client`: the JavaScript/TypeScript SDK for Latchkey.
 *
 * - {@link LatchkeyClient} (client.ts): one typed method per endpoint of the native API.
 * - {@link TokenSource} (token-source.ts): a valid access token on demand, refreshed ahead
 *   of expiry, one refresh for all concurrent callers, with the client keys as fallback;
 *   DPoP-bound tokens with {@link DpopKey} (dpop.ts).
 * - Storage adapters (storage/): {@link memoryStorage}, {@link fileStorage} (Node),
 *   {@link webStorage} (browsers).
 * - {@link createVerifier} (verifier.ts): local verification of access tokens for
 *   resource services, with Express/Connect middleware and status-list revocation.
 * - {@link LatchkeyError} (errors.ts): every failure, with `.status` and `.code`.
 *
 * @module
 */

export { LatchkeyClient, type LatchkeyClientOptions } from './client.js';
export { type DpopAlgorithm, DpopKey, type DpopProofOptions } from './dpop.js';
export {
  type ApiErrorCode,
  type ClientErrorCode,
  hasCode,
  LatchkeyError,
  type LatchkeyErrorCode,
  type LatchkeyErrorOptions,
} from './errors.js';
export type { FetchLike } from './http.js';
export { fileStorage } from './storage/file.js';
export { memoryStorage } from './storage/memory.js';
export type { StoredDpopKey, StoredTokens, TokenStorage } from './storage/types.js';
export { type WebStorageLike, webStorage } from './storage/web.js';
export {
  type RefreshedEvent,
  type TokenSnapshot,
  TokenSource,
  type TokenSourceEvents,
  type TokenSourceGrant,
  type TokenSourceOptions,
} from './token-source.js';
export type * from './types.js';
export {
  bearerToken,
  createVerifier,
  type LatchkeyClaims,
  type Middleware,
  type MiddlewareOptions,
  type MiddlewareRequest,
  type MiddlewareResponse,
  type PresentedRequest,
  type Verifier,
  type VerifierOptions,
} from './verifier.js';
