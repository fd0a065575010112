/**
 * One HTTP exchange with a deadline: the request and the whole body are read within
 * `timeoutMs`, and every way it can fail becomes a {@link LatchkeyError} (never a hang,
 * never a bare `TypeError: fetch failed`).
 *
 * @module
 */

import { LatchkeyError } from './errors.js';

/** The `fetch` this package calls: the global one, or one given in the options. */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/** What {@link exchange} read: the status, the headers and the body as text. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** Reads `url` with `init` within `timeoutMs`; `what` names the peer in error messages. */
export async function exchange(
  fetchImpl: FetchLike,
  url: string,
  init: RequestInit,
  timeoutMs: number,
  what: string,
  maxBytes = 1024 * 1024,
): Promise<Answer> {
  const controller = new AbortController();
  const timedOut = () => new LatchkeyError(0, 'timeout', `${what} did not answer within ${timeoutMs} ms`);
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Also settles when a custom `fetch` ignores the abort signal.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(timedOut());
    }, timeoutMs);
  });
  deadline.catch(() => undefined);
  try {
    const response = await Promise.race([fetchImpl(url, { ...init, signal: controller.signal }), deadline]);
    const text = await Promise.race([readText(response, maxBytes, what), deadline]);
    return { status: response.status, headers: response.headers, text };
  } catch (err) {
    if (err instanceof LatchkeyError) throw err;
    if (controller.signal.aborted) {
      throw new LatchkeyError(0, 'timeout', `${what} did not answer within ${timeoutMs} ms`, { cause: err });
    }
    throw new LatchkeyError(0, 'network_error', `cannot reach ${what}: ${describe(err)}`, {
      cause: err,
    });
  } finally {
    clearTimeout(timer);
  }
}

/** The body as text, refusing more than `maxBytes`. */
async function readText(response: Response, maxBytes: number, what: string): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (declared > maxBytes || response.body === null) {
    if (declared > maxBytes) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge(what, maxBytes);
    }
    return '';
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(what, maxBytes);
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

function tooLarge(what: string, maxBytes: number): LatchkeyError {
  return new LatchkeyError(0, 'invalid_response', `${what} sent more than ${maxBytes} bytes`);
}

/** A short reason for a network failure: undici hides the useful part in `cause`. */
function describe(err: unknown): string {
  const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown }) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string' && cause.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Seconds from a `Retry-After` header (delta-seconds or an HTTP date). */
export function retryAfterSeconds(headers: Headers): number | undefined {
  const value = headers.get('retry-after');
  if (value === null) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}
