/**
 * The HTTP side of a resource service: reading a request's bearer token, and answering a
 * refusal with the same status, JSON body and `WWW-Authenticate` as `latchkey-nodes`.
 *
 * @module
 */

import { LatchkeyError } from './errors.js';
import type { MiddlewareResponse } from './verifier.js';

/** Answers `err` as latchkey-nodes does: its status, the JSON error body, its challenge. */
export function answer(res: MiddlewareResponse, err: LatchkeyError): void {
  res.statusCode = err.status;
  res.setHeader('content-type', 'application/json');
  if (err.challenge !== undefined) res.setHeader('www-authenticate', err.challenge);
  if (err.retryAfter !== undefined) res.setHeader('retry-after', String(err.retryAfter));
  res.end(JSON.stringify({ error: err.code, message: err.message }));
}

/** The 401 for a request without a token (the plain `Bearer` challenge). */
export function missingToken(): LatchkeyError {
  return new LatchkeyError(
    401,
    'invalid_token',
    'missing bearer token: send `Authorization: Bearer <token>` or `X-Auth-Token: <token>`',
    { challenge: 'Bearer' },
  );
}

/**
 * The bearer token of a request's headers: `Authorization: Bearer <token>` (scheme
 * case-insensitive) or, failing that, `X-Auth-Token: <token>`.
 */
export function bearerToken(headers: Record<string, string | string[] | undefined> | Headers): string | undefined {
  const get = (name: string): string | undefined => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return Array.isArray(value) ? value[0] : (value ?? undefined);
  };
  let token: string | undefined;
  const authorization = get('authorization')?.trim();
  if (authorization !== undefined) {
    const space = authorization.indexOf(' ');
    if (space > 0 && authorization.slice(0, space).toLowerCase() === 'bearer') {
      token = authorization.slice(space + 1).trim();
    }
  }
  token ??= get('x-auth-token')?.trim();
  return token === '' ? undefined : token;
}

/** A request's token and how it came: `proofs` (the `DPoP` header values) for the DPoP scheme. */
export interface Presented {
  token: string;
  proofs?: string[];
}

/**
 * The token of a request's headers: `Authorization: DPoP <token>` with the `DPoP` header's
 * proofs (several headers, which Node joins with commas, count as several), else the
 * bearer token of {@link bearerToken}.
 */
export function presentedToken(
  headers: Record<string, string | string[] | undefined> | Headers,
): Presented | undefined {
  const get = (name: string): string[] => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    if (value === undefined || value === null) return [];
    return Array.isArray(value) ? value : [value];
  };
  const authorization = get('authorization')[0]?.trim() ?? '';
  const space = authorization.indexOf(' ');
  if (space > 0 && authorization.slice(0, space).toLowerCase() === 'dpop') {
    const token = authorization.slice(space + 1).trim();
    if (token === '') return undefined;
    const proofs = get('dpop').flatMap((value) => value.split(',').map((proof) => proof.trim()));
    return { token, proofs };
  }
  const token = bearerToken(headers);
  return token === undefined ? undefined : { token };
}
