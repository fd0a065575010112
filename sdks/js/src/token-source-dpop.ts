/**
 * The DPoP side of a {@link TokenSource}: which key it proves possession of (given, stored,
 * or made at first use), whether stored tokens go with that key, and the headers that
 * present a token to a resource service (`Bearer`, or `DPoP` with a fresh proof).
 *
 * @module
 */

import { type DpopAlgorithm, DpopKey, sameKey } from './dpop.js';
import { LatchkeyError } from './errors.js';
import { peekClaims } from './jwt.js';
import type { StoredDpopKey, StoredTokens, TokenStorage } from './storage/types.js';

/** `true` (an ES256 key), an algorithm, or a key of the caller's own. */
export type DpopOption = boolean | DpopAlgorithm | DpopKey;

/** The `cnf.jkt` of a token: the thumbprint of the key it is bound to, if any. */
export function boundTo(token: string): string | undefined {
  const cnf = peekClaims(token)?.cnf;
  const jkt = typeof cnf === 'object' && cnf !== null ? (cnf as { jkt?: unknown }).jkt : undefined;
  return typeof jkt === 'string' ? jkt : undefined;
}

/** A token source's DPoP key and the nonces resource services sent. */
export class DpopState {
  readonly #option: DpopOption;
  #key: DpopKey | undefined;
  /** The latest `DPoP-Nonce` of each resource service (by origin). */
  readonly #nonces = new Map<string, string>();

  constructor(option: DpopOption | undefined) {
    const valid = option === undefined || typeof option === 'boolean' || option === 'ES256' || option === 'EdDSA';
    if (!valid && !(option instanceof DpopKey)) {
      throw new TypeError('tokenSource: dpop must be true, "ES256", "EdDSA" or a DpopKey');
    }
    this.#option = option ?? false;
    if (option instanceof DpopKey) this.#key = option;
  }

  /** The key, once the source has been used (or when one was given). */
  get key(): DpopKey | undefined {
    return this.#key;
  }

  /**
   * Settles the key at first use: the given one, else the stored one (if of the asked
   * algorithm and usable), else a new one (exportable when the storage keeps JSON only).
   */
  async resolve(stored: StoredDpopKey | undefined, storage: TokenStorage): Promise<void> {
    if (this.#option === false || this.#key !== undefined) return;
    const algorithm: DpopAlgorithm = this.#option === true ? 'ES256' : (this.#option as DpopAlgorithm);
    if (stored !== undefined && (this.#option === true || stored.alg === algorithm)) {
      try {
        this.#key = await DpopKey.fromStored(stored);
        return;
      } catch {
        // A damaged key: make a new one (tokens bound to the old one are dropped with it).
      }
    }
    this.#key = await DpopKey.generate(algorithm, { exportable: storage.keepsCryptoKeys !== true });
  }

  /**
   * Whether stored tokens go with this source: without DPoP, tokens stored with no key;
   * with DPoP, tokens stored with this key, or with none (an unbound session's refresh
   * token can get bound access tokens).
   */
  matches(stored: StoredTokens): boolean {
    if (stored.dpopKey === undefined) return true;
    return this.#key !== undefined && sameKey(stored.dpopKey.publicJwk, this.#key.publicJwk);
  }

  /** The key as `storage` can keep it, or `undefined` (no key, or a CryptoKey a JSON store cannot hold). */
  storedKey(storage: TokenStorage): StoredDpopKey | undefined {
    const stored = this.#key?.stored;
    if (stored === undefined) return undefined;
    if (storage.keepsCryptoKeys === true) return stored;
    if (stored.privateJwk === undefined) return undefined;
    const { privateKey: _, ...json } = stored;
    return json;
  }

  /**
   * The headers presenting `token` for `method` `url`: `Authorization: Bearer` for a
   * bearer token; `Authorization: DPoP` and a `DPoP` proof (with `ath`, and the service's
   * latest nonce) for a bound one.
   *
   * @throws LatchkeyError `no_credentials` if the token is bound to a key the source does not hold.
   */
  async headers(token: string, method: string, url: string): Promise<Record<string, string>> {
    const jkt = boundTo(token);
    if (jkt === undefined) return { authorization: `Bearer ${token}` };
    const key = this.#key;
    if (key === undefined || key.thumbprint !== jkt) {
      throw new LatchkeyError(
        0,
        'no_credentials',
        'the access token is DPoP-bound to a key this token source does not hold',
      );
    }
    const nonce = this.#nonces.get(new URL(url).origin);
    const proof = await key.proof(
      method,
      url,
      nonce === undefined ? { accessToken: token } : { accessToken: token, nonce },
    );
    return { authorization: `DPoP ${token}`, dpop: proof };
  }

  /**
   * Remembers a resource service's `DPoP-Nonce`; returns whether the answer asks for a
   * retry with it (a 401 `use_dpop_nonce` challenge).
   */
  noteAnswer(url: string, answer: Response): boolean {
    const nonce = answer.headers.get('dpop-nonce');
    if (nonce === null || nonce === '') return false;
    this.#nonces.set(new URL(url).origin, nonce);
    return answer.status === 401 && (answer.headers.get('www-authenticate') ?? '').includes('use_dpop_nonce');
  }
}
