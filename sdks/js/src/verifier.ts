/**
 * {@link createVerifier}: for resource services, checks Latchkey access tokens locally
 * against the issuer's published keys — the same rules, in the same order and with the
 * same answers as the Rust verify library and `latchkey-nodes`:
 *
 * structure and `alg` (EdDSA or ES256 only; `none`, HMAC, RSA refused before any key is
 * looked at), `kid`, signature, header `typ: at+jwt` (so a refresh token never passes),
 * claims, `iss`, `aud`, `nbf` and `exp` (60 s leeway), revocation status (status list),
 * `kind` (`account_access`, `client_access`), scopes. A DPoP-bound token (`cnf.jkt`) is
 * accepted only by {@link Verifier.verifyRequest} and the middleware, presented as
 * `Authorization: DPoP` with a valid proof by its key (dpop-proof.ts).
 *
 * Refusals are {@link LatchkeyError}s: 401 `invalid_token`, 403 `insufficient_token_kind`
 * or `insufficient_scope`, and 503 `unavailable` when the verifier cannot decide (no key
 * was ever fetched; no status list was ever fetched and `statusFailure` is `closed`). Each
 * carries the `WWW-Authenticate` challenge to answer with in `challenge`.
 *
 * @module
 */

import { answer, missingToken, presentedToken } from './bearer.js';
import { areClaims, type Claims, isAccessType, isJwsHeader } from './claims.js';
import { badProof, ProofChecker } from './dpop-proof.js';
import { LatchkeyError } from './errors.js';
import type { FetchLike } from './http.js';
import { base64urlJson, isBase64url } from './jwt.js';
import { ALGORITHMS, IssuerKeys } from './keys.js';
import { StatusLists } from './status-list.js';
import type {
  LatchkeyClaims,
  Middleware,
  MiddlewareOptions,
  PresentedRequest,
  Verifier,
  VerifierOptions,
} from './verifier-types.js';

export { bearerToken, missingToken } from './bearer.js';
export type {
  LatchkeyClaims,
  Middleware,
  MiddlewareOptions,
  MiddlewareRequest,
  MiddlewareResponse,
  PresentedRequest,
  Verifier,
  VerifierOptions,
} from './verifier-types.js';

const MAX_TOKEN_LENGTH = 8 * 1024;
const UTF8 = new TextDecoder('utf-8', { fatal: true });
const ACCESS_KINDS = ['account_access', 'client_access'] as const;

interface Rules {
  issuer: string;
  audience: string;
  kinds: readonly string[];
  requiredScope: readonly string[];
  leeway: number;
  statusFailure: 'closed' | 'open';
  publicUrl: string | undefined;
}

/**
 * A verifier for the access tokens of `issuer`.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { createVerifier } from '@latchkey/client';
 * const verifier = createVerifier({ issuer: 'http://127.0.0.1:8400', requiredScope: 'nodes:read' });
 * const app = express();
 * app.get('/nodes/v1/status', verifier.middleware(), (req, res) => res.json({ caller: req.latchkey.sub }));
 * ```
 * @throws TypeError for an issuer that is not an http(s) URL.
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const issuer = String(options?.issuer ?? '');
  if (!/^https?:\/\/[^/]/i.test(issuer)) throw new TypeError('createVerifier: issuer must be an http(s) URL');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const boundFetch: FetchLike = (input, init) => fetchImpl(input, init);
  const timeoutMs = options.timeoutMs ?? 5_000;
  const keys = new IssuerKeys({
    jwksUri: options.jwksUri ?? `${issuer.replace(/\/+$/, '')}/.well-known/jwks.json`,
    fetch: boundFetch,
    timeoutMs,
    refreshIntervalMs: options.jwksRefreshIntervalMs ?? 300_000,
    cooldownMs: options.jwksCooldownMs ?? 10_000,
    verifiedCacheSize: options.verifiedTokenCacheSize ?? 4096,
  });
  const leeway = options.leewaySeconds ?? 60;
  const lists = new StatusLists({
    keys,
    fetch: boundFetch,
    timeoutMs,
    defaultTtlSeconds: options.statusListTtlSeconds ?? 30,
    leewaySeconds: leeway,
  });
  const rules: Rules = {
    issuer,
    audience: options.audience ?? issuer,
    kinds: [...(options.kinds ?? ACCESS_KINDS)],
    requiredScope: scopeList(options.requiredScope),
    leeway,
    statusFailure: options.statusFailure ?? 'closed',
    publicUrl: options.publicUrl?.replace(/\/+$/, ''),
  };
  return new TokenVerifier(keys, lists, new ProofChecker(options.dpopProofWindowSeconds ?? 60), rules);
}

class TokenVerifier implements Verifier {
  readonly #keys: IssuerKeys;
  readonly #lists: StatusLists;
  readonly #proofs: ProofChecker;
  readonly #rules: Rules;

  constructor(keys: IssuerKeys, lists: StatusLists, proofs: ProofChecker, rules: Rules) {
    this.#keys = keys;
    this.#lists = lists;
    this.#proofs = proofs;
    this.#rules = rules;
  }

  get issuer(): string {
    return this.#rules.issuer;
  }

  get audience(): string {
    return this.#rules.audience;
  }

  get keyCount(): number {
    return this.#keys.keyCount;
  }

  with(options: MiddlewareOptions): Verifier {
    const requiredScope = [...new Set([...this.#rules.requiredScope, ...scopeList(options.requiredScope)])].sort();
    const kinds = options.kinds === undefined ? this.#rules.kinds : [...options.kinds];
    return new TokenVerifier(this.#keys, this.#lists, this.#proofs, { ...this.#rules, requiredScope, kinds });
  }

  async fetchKeys(): Promise<void> {
    try {
      await this.#keys.fetchNow();
    } catch (cause) {
      throw noKeys(cause);
    }
  }

  verify(token: string): Promise<LatchkeyClaims> {
    return this.#verify(token, undefined);
  }

  async verifyRequest(request: PresentedRequest): Promise<LatchkeyClaims> {
    const presented = presentedToken(request.headers);
    if (presented === undefined) throw missingToken();
    const { token, proofs } = presented;
    if (proofs === undefined) return this.#verify(token, undefined);
    return this.#verify(token, async (jkt) => {
      if (jkt === undefined) throw binding('the DPoP scheme needs a DPoP-bound token');
      const [proof] = proofs;
      if (proof === undefined || proofs.length !== 1) throw badProof('exactly one DPoP header is needed');
      const keyOfProof = await this.#proofs.check(proof, {
        method: request.method,
        url: request.url,
        accessToken: token,
      });
      if (keyOfProof !== jkt) throw binding('the DPoP proof is not by the key the token is bound to');
    });
  }

  /** `bound`: how a request presented the token with the DPoP scheme (`undefined`: as a bearer token). */
  async #verify(
    token: string,
    bound: ((jkt: string | undefined) => Promise<void>) | undefined,
  ): Promise<LatchkeyClaims> {
    const rules = this.#rules;
    if (typeof token !== 'string') throw malformed('not three dot-separated parts');
    if (token.length > MAX_TOKEN_LENGTH) throw malformed('token too long');
    const parts = token.split('.');
    if (parts.length !== 3) throw malformed('not three dot-separated parts');
    const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
    const header = base64urlJson(headerPart);
    if (header === undefined) {
      throw malformed(!isBase64url(headerPart) ? 'header is not base64url' : 'header is not a JWS header');
    }
    if (!isJwsHeader(header)) throw malformed('header is not a JWS header');
    if (header.crit !== undefined && header.crit !== null) {
      throw malformed('critical header extensions are not supported');
    }
    if (!isBase64url(payloadPart)) throw malformed('payload is not base64url');
    if (!isBase64url(signaturePart)) throw malformed('signature is not base64url');
    if (!(ALGORITHMS as readonly string[]).includes(header.alg)) {
      throw invalid(`unsupported algorithm ${debugString(header.alg)}`, "the token's algorithm is not accepted");
    }
    if (typeof header.kid !== 'string') throw malformed('header has no kid');

    const verified = await this.#keys.verifySignature(token);
    if (verified === 'no_keys') throw noKeys(this.#keys.lastError);
    if (verified === 'unknown_key') {
      throw invalid(`no key with id ${debugString(header.kid)}`, 'the token was signed with an unknown key');
    }
    if (verified === 'bad_signature') throw invalid('bad signature', "the token's signature is invalid");

    if (typeof header.typ !== 'string' || !isAccessType(header.typ)) throw wrongType();
    let claims: unknown;
    try {
      claims = JSON.parse(UTF8.decode(verified));
    } catch {
      claims = undefined;
    }
    if (!areClaims(claims)) throw malformed('claims do not parse');
    if (claims.kind === 'client_refresh' || claims.kind === 'account_refresh') throw wrongType();
    if (claims.iss !== rules.issuer) throw invalid('wrong issuer', 'the token is from another issuer');
    if (claims.aud !== rules.audience) throw invalid('wrong audience', 'the token is for another audience');
    const now = Math.floor(Date.now() / 1000);
    if (claims.nbf > now + rules.leeway) throw invalid('token not valid yet', 'the token is not valid yet');
    if (claims.exp === undefined || claims.exp === null) throw malformed('token has no exp');
    if (claims.exp + rules.leeway <= now) throw invalid('token expired', 'the token has expired');
    // A DPoP-bound token (RFC 9449) is only good with a proof by its key: as a bearer
    // token it is refused.
    const jkt = (claims.cnf as { jkt?: unknown } | undefined | null)?.jkt;
    if (bound !== undefined) await bound(typeof jkt === 'string' ? jkt : undefined);
    else if (claims.cnf !== undefined && claims.cnf !== null) {
      throw binding('a DPoP-bound token must be sent as `Authorization: DPoP` with a proof');
    }
    await this.#checkStatus(claims);
    if (!rules.kinds.includes(claims.kind)) {
      throw new LatchkeyError(403, 'insufficient_token_kind', `${claims.kind} tokens are not accepted here`, {
        challenge: 'Bearer error="insufficient_scope", error_description="this kind of token is not accepted here"',
      });
    }
    const granted = new Set((claims.scope ?? '').split(' '));
    if (!rules.requiredScope.every((scope) => granted.has(scope))) {
      const required = rules.requiredScope.join(' ');
      throw new LatchkeyError(403, 'insufficient_scope', `this route needs scope ${required}`, {
        challenge: `Bearer error="insufficient_scope", scope="${required}"`,
      });
    }
    if (claims.scope === undefined) claims.scope = '';
    return claims as LatchkeyClaims;
  }

  /** The revocation check, for tokens that name a status list. */
  async #checkStatus(claims: Claims): Promise<void> {
    const reference = claims.status?.status_list;
    if (reference === undefined) return;
    if (!sameOrigin(reference.uri, this.#rules.issuer)) {
      throw invalid("the token's status list is not the issuer's", "the token's status list is not the issuer's");
    }
    const status = await this.#lists.status(reference.uri, reference.idx);
    if (status === 'invalid') throw invalid('token revoked', 'the token has been revoked');
    if (status === 'unknown' && this.#rules.statusFailure === 'closed') {
      throw new LatchkeyError(503, 'unavailable', "the token's revocation status is not available; try again later", {
        retryAfter: 5,
      });
    }
  }

  middleware(options?: MiddlewareOptions): Middleware {
    const verifier = options === undefined ? this : this.with(options);
    const base = this.#rules.publicUrl;
    return (req, res, next) => {
      const host = req.headers.host;
      const path = req.originalUrl ?? req.url ?? '/';
      const url = base !== undefined ? `${base}${path}` : `http://${Array.isArray(host) ? host[0] : host}${path}`;
      verifier.verifyRequest({ headers: req.headers, method: req.method ?? 'GET', url }).then(
        (claims) => {
          req.latchkey = claims;
          next();
        },
        (err: unknown) => {
          if (err instanceof LatchkeyError) answer(res, err);
          else next(err);
        },
      );
    };
  }
}

/** The answer latchkey-nodes gives for a refused token. */
function sameOrigin(uri: string, issuer: string): boolean {
  try {
    return new URL(uri).origin === new URL(issuer).origin;
  } catch {
    return false;
  }
}

function scopeList(scope: string | readonly string[] | undefined): string[] {
  const list = typeof scope === 'string' ? scope.split(' ') : [...(scope ?? [])];
  return [...new Set(list.filter((s) => s !== ''))].sort();
}

function invalid(message: string, description: string): LatchkeyError {
  return new LatchkeyError(401, 'invalid_token', message, {
    challenge: `Bearer error="invalid_token", error_description="${description}"`,
  });
}

/** A token presented in a way its DPoP binding does not fit: refused as latchkey-nodes refuses it. */
function binding(message: string): LatchkeyError {
  return new LatchkeyError(401, 'invalid_token', message, {
    challenge: `DPoP error="invalid_token", error_description="the token's DPoP binding does not fit the request", algs="ES256 EdDSA"`,
  });
}

function malformed(reason: string): LatchkeyError {
  return invalid(`malformed token: ${reason}`, 'the token is malformed');
}

function wrongType(): LatchkeyError {
  return invalid('not an access token (refresh tokens are accepted only by the token endpoint)', 'not an access token');
}

function noKeys(cause: unknown): LatchkeyError {
  return new LatchkeyError(503, 'unavailable', 'the keys to verify tokens are not available; try again later', {
    retryAfter: 5,
    cause,
  });
}

/** A string as Rust's `{:?}` prints it (what the Rust verifier's messages quote). */
function debugString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20 || code === 0x7f) out += `\\u{${code.toString(16)}}`;
    else out += ch;
  }
  return `${out}"`;
}
