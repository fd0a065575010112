/**
 * Small rules {@link TokenSource} follows: which failures are final, how a stored
 * session is recognised, how options are checked.
 *
 * @module
 */

import { LatchkeyError } from './errors.js';
import { peekClaims } from './jwt.js';
import type { TokenSourceEvents } from './token-source-types.js';

/** `request` with `Authorization: Bearer token`. */
export function withBearer(request: Request, token: string): Request {
  request.headers.set('authorization', `Bearer ${token}`);
  return request;
}

/** Errors that no retry can fix: the grant or the keys are gone. */
export function isFinal(err: LatchkeyError): boolean {
  return err.code === 'invalid_grant' || err.code === 'invalid_client' || err.code === 'no_credentials';
}

/** The session (`sid`) a refresh token belongs to, so that stored tokens of another session are ignored. */
export function sessionOf(refreshToken: string): string {
  const claims = peekClaims(refreshToken);
  const sid = claims?.sid ?? claims?.jti;
  return typeof sid === 'string' ? sid : 'unknown';
}

export function asError(cause: unknown, code: string, message: string): LatchkeyError {
  return cause instanceof LatchkeyError ? cause : new LatchkeyError(0, code, message, { cause });
}

export function nonNegative(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value >= 0) || !Number.isFinite(value))
    throw new TypeError(`tokenSource: ${name} must be a non-negative number`);
  return value;
}

/** The listeners of a token source's events. */
export class Listeners {
  readonly #sets: { [E in keyof TokenSourceEvents]: Set<(payload: TokenSourceEvents[E]) => void> } = {
    refreshed: new Set(),
    error: new Set(),
    signedOut: new Set(),
  };

  /** Adds `listener` to `event`; returns the function that removes it. */
  add<E extends keyof TokenSourceEvents>(event: E, listener: (payload: TokenSourceEvents[E]) => void): () => void {
    const set = this.#sets[event];
    if (set === undefined) throw new TypeError(`tokenSource.on: unknown event ${String(event)}`);
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  /** Calls each listener of `event`; one that throws is ignored (it must not break the source). */
  emit<E extends keyof TokenSourceEvents>(event: E, payload: TokenSourceEvents[E]): void {
    for (const listener of [...this.#sets[event]]) {
      try {
        listener(payload);
      } catch {
        // A listener's failure must not break the source.
      }
    }
  }
}
