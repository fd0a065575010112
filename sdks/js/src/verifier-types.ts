/**
 * The public types of {@link createVerifier}: its options, the claims it returns, and the
 * request and response shapes of its middleware.
 *
 * @module
 */

import type { FetchLike } from './http.js';
import type { TokenKind } from './types.js';

/** The claims of a verified Latchkey access token. */
export interface LatchkeyClaims {
  iss: string;
  /** The account id. */
  sub: string;
  aud: string;
  iat: number;
  nbf: number;
  exp?: number;
  jti: string;
  kind: TokenKind;
  /** Space-separated scopes. */
  scope: string;
  /** The client key (client tokens). */
  client_id?: string;
  /** The session the token was minted from. */
  sid?: string;
  /** Where its revocation status is published. */
  status?: { status_list: { idx: number; uri: string } };
  [claim: string]: unknown;
}

/** Options of {@link createVerifier}. */
export interface VerifierOptions {
  /** The Latchkey issuer URL (the tokens' `iss`); keys come from `<issuer>/.well-known/jwks.json`. */
  issuer: string;
  /** The audience tokens must be for (default: the issuer, latchkeyd's default). */
  audience?: string;
  /** Scopes every token must carry (space-separated string or array). */
  requiredScope?: string | readonly string[];
  /** The kinds accepted (default both access kinds; refresh kinds are never accepted). */
  kinds?: ReadonlyArray<'account_access' | 'client_access'>;
  /** Clock-skew allowance on `exp` and `nbf`, in seconds (default 60). */
  leewaySeconds?: number;
  /** Where the keys are (default `<issuer>/.well-known/jwks.json`). */
  jwksUri?: string;
  /** The `fetch` for keys and status lists (default: the global one). */
  fetch?: FetchLike;
  /** Deadline of one key or status-list fetch (default 5,000 ms). */
  timeoutMs?: number;
  /** How old the keys may get before they are refetched in the background (default 300,000 ms). */
  jwksRefreshIntervalMs?: number;
  /** At most one refetch per this interval for tokens with an unknown `kid` (default 10,000 ms). */
  jwksCooldownMs?: number;
  /** A status list's lifetime in the cache when it carries no `ttl` (default 30 s). */
  statusListTtlSeconds?: number;
  /**
   * When a token has a status list that cannot be had and none was ever fetched: refuse
   * it with 503 (`'closed'`, the default) or accept it (`'open'`). A list fetched before
   * stays in use while refetching fails.
   */
  statusFailure?: 'closed' | 'open';
  /** How many verified tokens to remember, to skip only their signature check next time (default 4096; 0: none). */
  verifiedTokenCacheSize?: number;
  /**
   * The service's public base URL (e.g. `https://api.example.com`), for the `htu` of DPoP
   * proofs behind a proxy or TLS terminator; default `http://` + the request's `Host`.
   */
  publicUrl?: string;
  /** How far a DPoP proof's `iat` may be from now, in seconds (default 60). */
  dpopProofWindowSeconds?: number;
}

/** Options of {@link Verifier.middleware} and of a derived verifier. */
export interface MiddlewareOptions {
  /** Scopes this route needs, on top of the verifier's. */
  requiredScope?: string | readonly string[];
  /** The kinds this route accepts (default: the verifier's). */
  kinds?: ReadonlyArray<'account_access' | 'client_access'>;
}

/** The request and response shapes the middleware needs (Node's http, Express, Connect). */
export interface MiddlewareRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The method and path (Node's http); Express's `originalUrl` is preferred when set. */
  method?: string;
  url?: string;
  originalUrl?: string;
  latchkey?: LatchkeyClaims;
}

/** A request as {@link Verifier.verifyRequest} reads it. */
export interface PresentedRequest {
  headers: Record<string, string | string[] | undefined> | Headers;
  method: string;
  /** The absolute URL the request was addressed to (for the DPoP proof's `htu`). */
  url: string;
}
export interface MiddlewareResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}
export type Middleware = (req: MiddlewareRequest, res: MiddlewareResponse, next: (err?: unknown) => void) => void;

/** Verifies access tokens; make one per issuer and share it (keys and lists are cached). */
export interface Verifier {
  readonly issuer: string;
  readonly audience: string;
  /**
   * The verified claims, or rejects with a {@link LatchkeyError} (401, 403 or 503). A
   * DPoP-bound token is refused here (there is no request to check a proof against): use
   * {@link Verifier.verifyRequest}.
   */
  verify(token: string): Promise<LatchkeyClaims>;
  /**
   * The token of a request, as it was presented: `Authorization: Bearer` (or
   * `X-Auth-Token`) for bearer tokens; `Authorization: DPoP` with exactly one `DPoP`
   * proof by the token's key, for this method and URL, for DPoP-bound tokens (RFC 9449).
   * Rejects as `latchkey-nodes` refuses: a missing or bad proof is 401
   * `invalid_dpop_proof`; a bound token as Bearer, an unbound one as DPoP, or a proof by
   * another key, 401 `invalid_token`.
   */
  verifyRequest(request: PresentedRequest): Promise<LatchkeyClaims>;
  /** A verifier sharing this one's caches with more rules (e.g. one route's scope). */
  with(options: MiddlewareOptions): Verifier;
  /**
   * Express/Connect middleware: reads `Authorization: Bearer …`, `X-Auth-Token: …`, or
   * `Authorization: DPoP …` with its proof (as {@link Verifier.verifyRequest}),
   * sets `req.latchkey` to the claims and calls `next()`, or answers 401/403/503 with the
   * API's `{error, message}` body and `WWW-Authenticate`, as latchkey-nodes does.
   */
  middleware(options?: MiddlewareOptions): Middleware;
  /** Fetches the keys now (e.g. at start, so a wrong issuer shows at once). @throws LatchkeyError `unavailable`. */
  fetchKeys(): Promise<void>;
  /** How many keys the last JWKS held (0 before the first fetch). */
  readonly keyCount: number;
}
