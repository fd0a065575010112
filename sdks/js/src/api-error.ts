/**
 * The {@link LatchkeyError} an error answer of the service stands for.
 *
 * @module
 */

import { LatchkeyError } from './errors.js';
import { type Answer, retryAfterSeconds } from './http.js';

/** A code for an error answer without a Latchkey body (e.g. from a proxy), as the Rust SDK maps them. */
const FALLBACK_CODES: Record<number, string> = {
  401: 'invalid_token',
  404: 'not_found',
  405: 'method_not_allowed',
  413: 'payload_too_large',
  429: 'too_many_attempts',
  502: 'unavailable',
  503: 'unavailable',
  504: 'unavailable',
};

/** The error an answer with a non-2xx status stands for. */
export function apiError(answer: Answer, url: string): LatchkeyError {
  const retryAfter = retryAfterSeconds(answer.headers);
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    body = undefined;
  }
  if (typeof body === 'object' && body !== null) {
    const { error, message } = body as { error?: unknown; message?: unknown };
    if (typeof error === 'string') {
      const text = typeof message === 'string' ? message : error;
      return new LatchkeyError(answer.status, error, text, { retryAfter });
    }
  }
  const code = FALLBACK_CODES[answer.status];
  if (code !== undefined) {
    return new LatchkeyError(answer.status, code, `${url} answered HTTP ${answer.status} without an error body`, {
      retryAfter,
    });
  }
  return new LatchkeyError(
    0,
    'invalid_response',
    `${url} answered HTTP ${answer.status} without a Latchkey error body`,
    {
      retryAfter,
    },
  );
}
