/**
 * Checking DPoP proofs (RFC 9449) on a resource service, as `latchkey_verify::dpop` does:
 * one JWS with `typ: dpop+jwt`, `alg` ES256 or EdDSA matching the public `jwk` in its
 * header (private members refused), a valid signature, `htm` = the method, `htu` = the
 * request's URL (scheme, host, port and path; query and fragment ignored), `iat` within
 * the window, `ath` = the access token's hash, and a `jti` not seen from the same key
 * within the window. WebCrypto only.
 *
 * @module
 */

import { base64url, htu } from './dpop.js';
import { LatchkeyError } from './errors.js';
import { base64urlBytes, base64urlJson } from './jwt.js';

/** JWK members only a private key has. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MAX_JTI_LENGTH = 256;
const encoder = new TextEncoder();

/** A refused proof: 401 `invalid_dpop_proof` with the DPoP challenge. */
export function badProof(reason: string): LatchkeyError {
  return new LatchkeyError(401, 'invalid_dpop_proof', `invalid DPoP proof: ${reason}`, {
    challenge: 'DPoP error="invalid_dpop_proof", error_description="the DPoP proof is invalid", algs="ES256 EdDSA"',
  });
}

/** What a proof must be for. */
export interface ProofRequest {
  method: string;
  /** The absolute URL the request was addressed to. */
  url: string;
  /** The access token presented with it. */
  accessToken: string;
}

/** Checks proofs and remembers their `jti` for the window (bounded). */
export class ProofChecker {
  readonly #window: number;
  readonly #capacity: number;
  /** `jkt jti` → until when (seconds), in insertion order. */
  readonly #seen = new Map<string, number>();
  /** Proofs with an `iat` before this are refused (set when a full cache dropped a live entry). */
  #floor = 0;

  constructor(windowSeconds = 60, capacity = 100_000) {
    this.#window = windowSeconds;
    this.#capacity = capacity;
  }

  /** The RFC 7638 thumbprint of the proof's key, once every check passed. @throws LatchkeyError `invalid_dpop_proof`. */
  async check(proof: string, request: ProofRequest): Promise<string> {
    const parts = proof.split('.');
    if (parts.length !== 3) throw badProof('not a compact JWS');
    const [headerPart, claimsPart, signaturePart] = parts as [string, string, string];
    const header = base64urlJson(headerPart) as Record<string, unknown> | undefined;
    const claims = base64urlJson(claimsPart) as Record<string, unknown> | undefined;
    const signature = base64urlBytes(signaturePart);
    if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null) {
      throw badProof('header or claims are not JSON objects');
    }
    if (signature === undefined) throw badProof('signature is not base64url');
    if (header.typ !== 'dpop+jwt') throw badProof('typ is not dpop+jwt');
    const jwk = header.jwk as Record<string, unknown> | undefined;
    if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) throw badProof('no jwk in the header');
    if (PRIVATE_MEMBERS.some((name) => name in jwk)) throw badProof('the jwk has private members');
    const key = await importPublic(header.alg, jwk);
    const params = header.alg === 'ES256' ? { name: 'ECDSA', hash: 'SHA-256' } : { name: 'Ed25519' };
    const input = encoder.encode(`${headerPart}.${claimsPart}`);
    if (!(await globalThis.crypto.subtle.verify(params, key.crypto, signature as Uint8Array<ArrayBuffer>, input)))
      throw badProof('bad signature');

    const { jti, htm, iat, ath } = claims;
    if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) throw badProof('bad or missing jti');
    if (typeof htm !== 'string' || typeof claims.htu !== 'string' || typeof iat !== 'number') {
      throw badProof('claims need jti, htm, htu and iat');
    }
    if (htm !== request.method.toUpperCase()) throw badProof('htm is not the request method');
    if (!sameHtu(claims.htu, request.url)) throw badProof('htu is not the request URL');
    const now = Math.floor(Date.now() / 1000);
    if (Math.abs(iat - now) > this.#window) throw badProof('iat is outside the window');
    if (ath !== (await sha256(request.accessToken))) throw badProof('ath is not the hash of the access token');
    this.#remember(`${key.jkt} ${jti}`, iat, now);
    return key.jkt;
  }

  #remember(id: string, iat: number, now: number): void {
    for (const [seen, until] of this.#seen) {
      if (until >= now) break;
      this.#seen.delete(seen);
    }
    if (iat < this.#floor) throw badProof('the proof is too old for the replay cache');
    if (this.#seen.has(id)) throw badProof('the proof was used before');
    if (this.#seen.size >= this.#capacity) {
      // Full: drop the oldest entry and refuse proofs as old as it from now on, so that a
      // flood shortens the window rather than letting a replay through.
      const [oldest, until] = this.#seen.entries().next().value as [string, number];
      this.#seen.delete(oldest);
      this.#floor = Math.max(this.#floor, until - this.#window + 1);
    }
    this.#seen.set(id, iat + this.#window);
  }
}

async function sha256(text: string): Promise<string> {
  return base64url(await globalThis.crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** The proof's key for `alg`, and its RFC 7638 thumbprint. */
async function importPublic(alg: unknown, jwk: Record<string, unknown>): Promise<{ crypto: CryptoKey; jkt: string }> {
  let members: Record<string, string>;
  let params: EcKeyImportParams | Algorithm;
  if (
    alg === 'ES256' &&
    jwk.kty === 'EC' &&
    jwk.crv === 'P-256' &&
    typeof jwk.x === 'string' &&
    typeof jwk.y === 'string'
  ) {
    members = { crv: 'P-256', kty: 'EC', x: jwk.x, y: jwk.y };
    params = { name: 'ECDSA', namedCurve: 'P-256' } as EcKeyImportParams;
  } else if (alg === 'EdDSA' && jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') {
    members = { crv: 'Ed25519', kty: 'OKP', x: jwk.x };
    params = { name: 'Ed25519' };
  } else {
    throw badProof('alg must be ES256 or EdDSA, with a matching P-256 or Ed25519 jwk');
  }
  try {
    const crypto = await globalThis.crypto.subtle.importKey('jwk', members, params, false, ['verify']);
    return { crypto, jkt: await sha256(JSON.stringify(members)) };
  } catch {
    throw badProof('the jwk is not a valid public key');
  }
}

/** Whether two URLs are the same `htu`: scheme, host, port and path (normalised); query and fragment ignored. */
export function sameHtu(a: string, b: string): boolean {
  try {
    return htu(a) === htu(b);
  } catch {
    return false;
  }
}
