/**
 * {@link DpopKey}: the client's own key pair for DPoP (RFC 9449), made and used with
 * WebCrypto (`globalThis.crypto.subtle`), and the proofs it signs.
 *
 * A token obtained with a proof is bound to the key (`cnf.jkt`, the key's RFC 7638
 * thumbprint): whoever copies the token cannot use it without the private key. ES256
 * (P-256) works everywhere WebCrypto does; EdDSA (Ed25519) where the platform has it
 * (Node 20, recent browsers).
 *
 * The private key is a non-extractable `CryptoKey` in memory. A key that must be written
 * to a JSON store (a file, Web Storage) is made exportable once, its private JWK kept in
 * the store only (with the tokens, under the same protection), and re-imported
 * non-extractable for signing.
 *
 * @module
 */

import { base64urlBytes } from './jwt.js';
import type { StoredDpopKey } from './storage/types.js';

/** The proof algorithms the service accepts. */
export type DpopAlgorithm = 'ES256' | 'EdDSA';

/** What a proof is for, besides the method and URL. */
export interface DpopProofOptions {
  /** The access token presented with the request: adds `ath` (resource requests). */
  accessToken?: string;
  /** The latest `DPoP-Nonce` the server sent (RFC 9449 §8). */
  nonce?: string;
}

const PARAMS: Record<DpopAlgorithm, { generate: EcKeyGenParams | Algorithm; sign: EcdsaParams | Algorithm }> = {
  ES256: {
    generate: { name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams,
    sign: { name: 'ECDSA', hash: 'SHA-256' },
  },
  EdDSA: { generate: { name: 'Ed25519' }, sign: { name: 'Ed25519' } },
};

function subtle(): SubtleCrypto {
  const found = globalThis.crypto?.subtle;
  if (found === undefined) throw new TypeError('DPoP needs WebCrypto (globalThis.crypto.subtle)');
  return found;
}

/** Unpadded base64url of bytes. */
export function base64url(bytes: Uint8Array | ArrayBuffer): string {
  const view = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  let binary = '';
  for (const byte of view) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const encoder = new TextEncoder();

async function sha256(text: string): Promise<string> {
  return base64url(await subtle().digest('SHA-256', encoder.encode(text)));
}

/** The public members of a JWK, in RFC 7638's order (which is also lexicographic). */
function publicMembers(jwk: JsonWebKey): JsonWebKey {
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.x === 'string' && typeof jwk.y === 'string') {
    return { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') {
    return { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  }
  throw new TypeError('DPoP: the key is neither a P-256 nor an Ed25519 key');
}

/** Whether two public JWKs are the same key. */
export function sameKey(a: JsonWebKey | undefined, b: JsonWebKey | undefined): boolean {
  return a !== undefined && b !== undefined && a.kty === b.kty && a.crv === b.crv && a.x === b.x && a.y === b.y;
}

/** The URL of a proof's `htu`: without its query and fragment. */
export function htu(url: string | URL): string {
  const parsed = new URL(String(url));
  parsed.search = '';
  parsed.hash = '';
  return parsed.href;
}

/**
 * A DPoP key pair. Make one with {@link DpopKey.generate}; a token source makes and stores
 * its own when given `dpop: true`.
 *
 * @example
 * ```ts
 * const key = await DpopKey.generate('ES256');
 * const tokens = await latchkey.clientCredentials({ clientId, clientSecret, dpop: key });
 * const headers = {
 *   authorization: `DPoP ${tokens.accessToken}`,
 *   dpop: await key.proof('GET', url, { accessToken: tokens.accessToken }),
 * };
 * ```
 */
export class DpopKey {
  /** `ES256` or `EdDSA`. */
  readonly algorithm: DpopAlgorithm;
  /** The public key, as it goes in each proof's `jwk` header. */
  readonly publicJwk: JsonWebKey;
  /** The RFC 7638 thumbprint: what a bound token names in `cnf.jkt`. */
  readonly thumbprint: string;
  readonly #privateKey: CryptoKey;
  readonly #stored: StoredDpopKey;

  private constructor(
    algorithm: DpopAlgorithm,
    publicJwk: JsonWebKey,
    thumbprint: string,
    privateKey: CryptoKey,
    stored: StoredDpopKey,
  ) {
    this.algorithm = algorithm;
    this.publicJwk = publicJwk;
    this.thumbprint = thumbprint;
    this.#privateKey = privateKey;
    this.#stored = stored;
  }

  /**
   * A new key pair. With `exportable` (for stores that hold JSON only) the private key is
   * exported once as a JWK for the store, and kept non-extractable for signing.
   *
   * @throws TypeError if the platform's WebCrypto lacks the algorithm (Ed25519 on older browsers).
   */
  static async generate(algorithm: DpopAlgorithm = 'ES256', options: { exportable?: boolean } = {}): Promise<DpopKey> {
    const params = PARAMS[algorithm];
    if (params === undefined)
      throw new TypeError(`DPoP: unsupported algorithm ${String(algorithm)}; use ES256 or EdDSA`);
    const exportable = options.exportable === true;
    let pair: CryptoKeyPair;
    try {
      pair = (await subtle().generateKey(params.generate, exportable, ['sign', 'verify'])) as CryptoKeyPair;
    } catch (cause) {
      throw new TypeError(`DPoP: this platform's WebCrypto cannot make ${algorithm} keys`, { cause });
    }
    const publicJwk = publicMembers(await subtle().exportKey('jwk', pair.publicKey));
    if (!exportable)
      return DpopKey.#make(algorithm, publicJwk, pair.privateKey, {
        alg: algorithm,
        publicJwk,
        privateKey: pair.privateKey,
      });
    const privateJwk = await subtle().exportKey('jwk', pair.privateKey);
    return DpopKey.fromStored({ alg: algorithm, publicJwk, privateJwk });
  }

  /**
   * The key a store kept ({@link DpopKey.stored}).
   *
   * @throws TypeError if the record is not a usable P-256 or Ed25519 key.
   */
  static async fromStored(stored: StoredDpopKey): Promise<DpopKey> {
    const params = PARAMS[stored.alg];
    if (params === undefined) throw new TypeError('DPoP: the stored key has an unknown algorithm');
    const publicJwk = publicMembers(stored.publicJwk);
    let privateKey = stored.privateKey;
    if (privateKey === undefined) {
      if (stored.privateJwk === undefined) throw new TypeError('DPoP: the stored key has no private part');
      const { d } = stored.privateJwk;
      if (typeof d !== 'string' || base64urlBytes(d) === undefined)
        throw new TypeError('DPoP: the stored private key is damaged');
      privateKey = await subtle().importKey('jwk', { ...publicJwk, d }, params.generate, false, ['sign']);
    }
    return DpopKey.#make(stored.alg, publicJwk, privateKey, { ...stored, publicJwk });
  }

  static async #make(
    algorithm: DpopAlgorithm,
    publicJwk: JsonWebKey,
    privateKey: CryptoKey,
    stored: StoredDpopKey,
  ): Promise<DpopKey> {
    const thumbprint = await sha256(JSON.stringify(publicMembers(publicJwk)));
    return new DpopKey(algorithm, publicJwk, thumbprint, privateKey, stored);
  }

  /**
   * The key as a store keeps it: a `CryptoKey` (for stores that hold objects, e.g.
   * memory or IndexedDB) or a private JWK (a secret: keep it as private as the tokens).
   */
  get stored(): StoredDpopKey {
    return { ...this.#stored };
  }

  /**
   * A proof for one request: `typ: dpop+jwt`, `alg`, the public `jwk`; claims `jti`
   * (random), `htm` = `method`, `htu` = `url` without query and fragment, `iat` now, and
   * `ath` and `nonce` when given.
   */
  async proof(method: string, url: string | URL, options: DpopProofOptions = {}): Promise<string> {
    const header = { typ: 'dpop+jwt', alg: this.algorithm, jwk: this.publicJwk };
    const claims: Record<string, unknown> = {
      jti: base64url(globalThis.crypto.getRandomValues(new Uint8Array(16))),
      htm: method.toUpperCase(),
      htu: htu(url),
      iat: Math.floor(Date.now() / 1000),
    };
    if (options.accessToken !== undefined) claims.ath = await sha256(options.accessToken);
    if (options.nonce !== undefined) claims.nonce = options.nonce;
    const input = `${base64url(encoder.encode(JSON.stringify(header)))}.${base64url(encoder.encode(JSON.stringify(claims)))}`;
    const signature = await subtle().sign(PARAMS[this.algorithm].sign, this.#privateKey, encoder.encode(input));
    return `${input}.${base64url(signature)}`;
  }
}
