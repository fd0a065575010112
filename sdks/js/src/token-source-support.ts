/**
 * Small rules {@link TokenSource} follows: which failures are final, how a stored
 * session is recognised, how options are checked.
 *
 * @module
 */

import { LatchkeyError } from './errors.js';
import { peekClaims } from './jwt.js';
import { monotonic } from './lifetime.js';
import type { TokenSourceEvents } from './token-source-types.js';

/** `request` with `headers` set. */
export function withHeaders(request: Request, headers: Record<string, string>): Request {
  for (const [name, value] of Object.entries(headers)) request.headers.set(name, value);
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

/** The background refresh runs at most once per this interval. */
const MIN_ROUND_INTERVAL_MS = 1000;
/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A token source's background loop: a timer for the next due time that never keeps Node
 * alive. `due()` is the next due time on the monotonic clock (`undefined`: nothing to do);
 * `round()` does one round.
 */
export class Background {
  readonly #due: () => number | undefined;
  readonly #round: () => Promise<void>;
  #running = false;
  /** The next round comes no sooner (a token with no lifetime must not spin the loop). */
  #nextRoundAfter = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(due: () => number | undefined, round: () => Promise<void>) {
    this.#due = due;
    this.#round = round;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Turns the loop on; returns false if it already was. */
  start(): boolean {
    if (this.#running) return false;
    this.#running = true;
    return true;
  }

  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Arms the timer for the next due time. */
  schedule(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const due = this.#due();
    if (!this.#running || due === undefined) return;
    const now = monotonic();
    const delay = Math.min(Math.max(0, Math.max(due, this.#nextRoundAfter) - now), MAX_TIMER_MS);
    const timer = setTimeout(() => void this.#fire(), delay);
    (timer as { unref?: () => void }).unref?.();
    this.#timer = timer;
  }

  async #fire(): Promise<void> {
    this.#timer = undefined;
    if (!this.#running) return;
    this.#nextRoundAfter = monotonic() + MIN_ROUND_INTERVAL_MS;
    await this.#round();
    if (this.#timer === undefined) this.schedule();
  }
}
