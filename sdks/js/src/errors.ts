/**
 * `LatchkeyError`: the one error type of this package.
 *
 * An error the service answered carries its HTTP status and the API's stable `error` code
 * (`invalid_grant`, `invalid_client`, …). Failures where no usable answer arrived have
 * status 0 and one of the SDK's own codes, so that callers can tell an outage from a
 * refusal without reading messages:
 *
 * | code | status | when |
 * |---|---|---|
 * | `network_error` | 0 | the service could not be reached, or the connection broke |
 * | `timeout` | 0 | no complete answer within the client's `timeoutMs` |
 * | `invalid_response` | 0 | an answer that is not the JSON this SDK expects (e.g. a proxy's HTML page) |
 * | `no_credentials` | 0 | a token source holds neither a refresh token nor client keys |
 * | `storage_error` | 0 | a token source could not read or write its storage |
 *
 * Messages never contain tokens, secrets or passwords.
 *
 * @module
 */

/** Every error code of the Latchkey API (see docs/API.md, "Errors"). */
export type ApiErrorCode =
  | 'invalid_request'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'invalid_client'
  | 'invalid_grant'
  | 'invalid_credentials'
  | 'invalid_token'
  | 'insufficient_token_kind'
  | 'insufficient_scope'
  | 'signup_closed'
  | 'not_found'
  | 'method_not_allowed'
  | 'conflict'
  | 'payload_too_large'
  | 'too_many_attempts'
  | 'internal'
  | 'unavailable'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

/** The codes of failures where the service gave no usable answer (status 0). */
export type ClientErrorCode = 'network_error' | 'timeout' | 'invalid_response' | 'no_credentials' | 'storage_error';

/** Any code a {@link LatchkeyError} may carry; codes from a newer server pass through as they are. */
export type LatchkeyErrorCode = ApiErrorCode | ClientErrorCode | (string & {});

/** Options of the {@link LatchkeyError} constructor. */
export interface LatchkeyErrorOptions {
  /** Seconds to wait before retrying, from the answer's `Retry-After`. */
  retryAfter?: number | undefined;
  /** The underlying failure (a network error, a JSON parse error…). */
  cause?: unknown;
  /** The `WWW-Authenticate` challenge a resource service answers a refused token with. */
  challenge?: string | undefined;
}

/**
 * A failed call: the service's error answer, or a failure to get one.
 *
 * @example
 * ```ts
 * try {
 *   await latchkey.refresh(refreshToken);
 * } catch (err) {
 *   if (err instanceof LatchkeyError && err.code === 'invalid_grant') {
 *     // the refresh token is revoked or expired: log in again
 *   }
 * }
 * ```
 */
export class LatchkeyError extends Error {
  /** The HTTP status, or 0 when no usable answer arrived. */
  readonly status: number;
  /** The API's `error` field (`invalid_grant`, …), or the SDK's own code for status 0. */
  readonly code: LatchkeyErrorCode;
  /** Seconds to wait before retrying (`Retry-After`), when the answer said so. */
  readonly retryAfter: number | undefined;
  /**
   * The `WWW-Authenticate` value to answer with, on the verifier's refusals (e.g.
   * `Bearer error="invalid_token", error_description="the token has expired"`).
   */
  readonly challenge: string | undefined;

  constructor(status: number, code: LatchkeyErrorCode, message: string, options: LatchkeyErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'LatchkeyError';
    this.status = status;
    this.code = code;
    this.retryAfter = options.retryAfter;
    this.challenge = options.challenge;
  }

  /**
   * Whether trying again later may succeed: no answer, a 5xx, or a 429. Refusals such as
   * `invalid_grant` are not transient.
   */
  get transient(): boolean {
    return this.status === 0
      ? this.code === 'network_error' || this.code === 'timeout' || this.code === 'invalid_response'
      : this.status >= 500 || this.status === 429;
  }

  /** The error as `{error, message}`, the body the API answers with. */
  toJSON(): { error: string; message: string; status: number } {
    return { error: this.code, message: this.message, status: this.status };
  }
}

/** Whether `err` is a {@link LatchkeyError} with one of `codes`. */
export function hasCode(err: unknown, ...codes: LatchkeyErrorCode[]): err is LatchkeyError {
  return err instanceof LatchkeyError && codes.includes(err.code);
}
