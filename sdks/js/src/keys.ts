/**
 * The issuer's published keys, through jose's `createRemoteJWKSet`, kept the way the Rust
 * verifier keeps them (crates/verify/src/remote.rs):
 *
 * - fetched at first use, then again in the background of a verification every
 *   `refreshIntervalMs` (default 5 min) — a failed fetch keeps the keys in hand, and a
 *   JWKS with no keys never replaces keys that work;
 * - refetched once for a token whose `kid` is unknown, at most once per `cooldownMs`
 *   (default 10 s) however many such tokens arrive;
 * - while no key was ever fetched, at most one attempt per second.
 *
 * It also remembers the tokens whose signature it has checked (a bounded set, emptied on
 * every JWKS fetch), so a token presented again skips only that check: a client presents
 * the same access token for its whole lifetime, and the signature is most of the cost.
 * Every other rule is still checked on every call.
 *
 * @module
 */

import { compactVerify, createRemoteJWKSet, customFetch, type RemoteJWKSet } from 'jose';
import { exchange, type FetchLike } from './http.js';
import { base64urlBytes } from './jwt.js';

/** The algorithms Latchkey signs with; anything else is refused before a key is looked at. */
export const ALGORITHMS = ['EdDSA', 'ES256'] as const;

const MAX_JWKS_BYTES = 256 * 1024;

/** Why {@link IssuerKeys.verifySignature} failed. */
export type SignatureFailure = 'unknown_key' | 'bad_signature' | 'no_keys';

/** Options of {@link IssuerKeys}. */
export interface IssuerKeysOptions {
  jwksUri: string;
  fetch: FetchLike;
  timeoutMs: number;
  refreshIntervalMs: number;
  cooldownMs: number;
  verifiedCacheSize: number;
}

/** One issuer's keys, shared by every verifier derived from one `createVerifier`. */
export class IssuerKeys {
  readonly #remote: RemoteJWKSet;
  readonly #refreshIntervalMs: number;
  readonly #verified = new Set<string>();
  readonly #verifiedCacheSize: number;
  #lastSuccess: number | undefined;
  #lastFailure: number | undefined;
  #lastError = 'the JWKS has not been fetched yet';
  #keyCount = 0;

  constructor(options: IssuerKeysOptions) {
    this.#refreshIntervalMs = options.refreshIntervalMs;
    this.#verifiedCacheSize = options.verifiedCacheSize;
    const url = options.jwksUri;
    const jwksFetch = async (_url: string, init: { headers: Headers }): Promise<Response> => {
      try {
        const answer = await exchange(
          options.fetch,
          url,
          { method: 'GET', headers: init.headers, redirect: 'manual' },
          options.timeoutMs,
          `the JWKS at ${url}`,
          MAX_JWKS_BYTES,
        );
        if (answer.status !== 200) throw new Error(`${url} answered HTTP ${answer.status}`);
        let keys: unknown;
        try {
          keys = (JSON.parse(answer.text) as { keys?: unknown }).keys;
        } catch {
          keys = undefined;
        }
        // latchkeyd always publishes its current key: an empty set is a proxy or
        // configuration error, and must not replace keys that work.
        if (!Array.isArray(keys) || keys.length === 0) throw new Error(`${url} published no usable key`);
        this.#lastSuccess = performance.now();
        this.#lastError = '';
        this.#keyCount = keys.length;
        this.#verified.clear();
        return new Response(answer.text, { status: 200, headers: { 'content-type': 'application/json' } });
      } catch (err) {
        this.#lastFailure = performance.now();
        this.#lastError = err instanceof Error ? err.message : String(err);
        throw err;
      }
    };
    this.#remote = createRemoteJWKSet(new URL(url), {
      // Kept until replaced: a failed refetch must not throw the keys away.
      cacheMaxAge: Number.POSITIVE_INFINITY,
      cooldownDuration: options.cooldownMs,
      timeoutDuration: Math.max(1, Math.ceil(options.timeoutMs + 1000)),
      [customFetch]: jwksFetch,
    });
  }

  /** How many keys the last JWKS fetched held (0 before the first success). */
  get keyCount(): number {
    return this.#keyCount;
  }

  /** Why keys are missing, for logs (names URLs: not for callers). */
  get lastError(): string {
    return this.#lastError;
  }

  /** The key resolver, for other JWTs the issuer signs (status lists). */
  get verificationKey(): RemoteJWKSet {
    return this.#remote;
  }

  /** Fetches the JWKS now, whatever the cache holds; rejects with the reason it failed. */
  async fetchNow(): Promise<void> {
    await this.#remote.reload();
  }

  /**
   * Checks `token`'s signature (its header already read and its `alg` allowed) and returns
   * the payload bytes, or the reason it failed.
   */
  async verifySignature(token: string): Promise<Uint8Array | SignatureFailure> {
    const now = performance.now();
    if (this.#lastSuccess === undefined) {
      if (this.#lastFailure !== undefined && now - this.#lastFailure < 1000) return 'no_keys';
    } else if (now - this.#lastSuccess >= this.#refreshIntervalMs && !this.#remote.reloading) {
      // Stale: refresh in the background; this verification uses the keys in hand.
      this.#remote.reload().catch(() => undefined);
    }
    if (this.#verified.has(token)) return payloadOf(token);
    try {
      const { payload } = await compactVerify(token, this.#remote, { algorithms: [...ALGORITHMS] });
      if (this.#verified.size >= this.#verifiedCacheSize) this.#verified.clear();
      if (this.#verifiedCacheSize > 0) this.#verified.add(token);
      return payload;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return 'bad_signature';
      if (code === 'ERR_JWS_INVALID' || code === 'ERR_JOSE_ALG_NOT_ALLOWED') return 'bad_signature';
      // No key, or the fetch for one failed: without any key at all the answer is "try later".
      return this.#lastSuccess === undefined ? 'no_keys' : 'unknown_key';
    }
  }
}

/** The payload bytes of a token whose signature was checked before. */
function payloadOf(token: string): Uint8Array {
  const first = token.indexOf('.');
  return base64urlBytes(token.slice(first + 1, token.indexOf('.', first + 1))) ?? new Uint8Array();
}
