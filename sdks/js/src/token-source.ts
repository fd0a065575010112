/**
 * {@link TokenSource}: hands out a valid access token, refreshing it ahead of expiry. The
 * same semantics as the Rust SDK's `TokenSource` (crates/client/src/token_source):
 *
 * - **Expiry from the arrival time.** A token's lifetime is its `exp - iat` (the native
 *   token endpoint sends no `expires_in`), counted from the moment it arrived on a
 *   monotonic clock, so a client whose wall clock is off still refreshes on time. It is
 *   refreshed a margin before it expires: 60 s, or half the lifetime for short-lived tokens.
 * - **One refresh in flight.** Concurrent callers share one request, and its failure too.
 * - **Refresh token first, keys as the fallback.** When the refresh token is refused with
 *   `invalid_grant` (revoked, expired, reused) and the source holds client keys, the keys
 *   get a new pair. Rotated refresh tokens are kept (and stored) as they come.
 * - **Passing failures never sign out.** After a network error, a timeout, a 5xx or a 429
 *   the token in hand is still handed out until it really expires, and the next attempt
 *   waits (1 s doubling to 60 s, plus up to 10 % jitter, at least `Retry-After`).
 * - **Signed out** (`signedOut` event) when the grant is gone: `invalid_grant` with no keys
 *   to fall back on, or `invalid_client` (the keys were deleted). Its access token was
 *   revoked with it, so it is dropped, as the Rust SDK does.
 * - `fetch()` retries once, with a fresh token, after a 401.
 * - `start()` refreshes in the background on a timer that never keeps Node alive.
 * - **DPoP** (option `dpop`): every token request carries a proof by the source's key
 *   (kept in the storage with the tokens), so the tokens are bound to it; `authorize()`
 *   and `fetch()` present them as `Authorization: DPoP` with a fresh proof.
 *
 * @module
 */

import type { LatchkeyClient } from './client.js';
import type { DpopKey } from './dpop.js';
import { hasCode, LatchkeyError } from './errors.js';
import { type Access, backoff, freshAccess, monotonic, storedAccess } from './lifetime.js';
import { memoryStorage } from './storage/memory.js';
import type { StoredTokens, TokenStorage } from './storage/types.js';
import { DpopState } from './token-source-dpop.js';
import {
  asError,
  Background,
  isFinal,
  Listeners,
  nonNegative,
  sessionOf,
  withHeaders,
} from './token-source-support.js';
import type {
  RefreshedEvent,
  TokenSnapshot,
  TokenSourceEvents,
  TokenSourceGrant,
  TokenSourceOptions,
} from './token-source-types.js';
import type { TokenResponse } from './types.js';

export type { RefreshedEvent, TokenSnapshot, TokenSourceEvents, TokenSourceGrant, TokenSourceOptions };

/**
 * Hands out valid access tokens for one client key (or one refresh token) and keeps them
 * fresh. Make one per grant and share it: concurrent callers share its refresh.
 *
 * @example
 * ```ts
 * const source = latchkey.tokenSource({ clientId, clientSecret });
 * source.on('signedOut', (err) => console.error('Latchkey grant gone:', err.code));
 * source.start();
 * const answer = await source.fetch('http://127.0.0.1:8401/nodes/v1/status');
 * ```
 */
export class TokenSource {
  readonly #client: LatchkeyClient;
  readonly #keys: { clientId: string; clientSecret: string } | undefined;
  readonly #refreshClientId: string | undefined;
  readonly #origin: string;
  readonly #storage: TokenStorage;
  readonly #marginMs: number;
  readonly #retry: { first: number; max: number };
  readonly #request: { expiration?: number; scope?: string };
  readonly #dpop: DpopState;

  #access: Access | undefined;
  #refresh: string | undefined;
  #loaded: Promise<void> | undefined;
  #ready = false;
  #flight: Promise<string> | undefined;
  #failures = 0;
  #retryAt = 0;
  #lastError: LatchkeyError | undefined;
  #signedOut = false;
  readonly #background = new Background(
    () => (this.#signedOut ? undefined : Math.max(this.#access?.refreshAt ?? 0, this.#retryAt)),
    // One round: failures are reported through the events.
    async () => {
      const access = this.#access;
      if (access === undefined || monotonic() >= access.refreshAt) await this.#renew().catch(() => undefined);
    },
  );
  readonly #listeners = new Listeners();

  /** Use {@link LatchkeyClient.tokenSource}. */
  constructor(client: LatchkeyClient, grant: TokenSourceGrant, options: TokenSourceOptions = {}) {
    const hasKeys = typeof grant?.clientId === 'string' && typeof grant.clientSecret === 'string';
    const refreshToken = typeof grant?.refreshToken === 'string' && grant.refreshToken ? grant.refreshToken : undefined;
    if (!hasKeys && refreshToken === undefined) {
      throw new TypeError('tokenSource: pass {clientId, clientSecret} or {refreshToken}');
    }
    this.#client = client;
    this.#keys = hasKeys
      ? { clientId: grant.clientId as string, clientSecret: grant.clientSecret as string }
      : undefined;
    this.#refreshClientId = hasKeys ? undefined : grant.clientId;
    this.#refresh = refreshToken;
    this.#origin = this.#keys
      ? `client:${this.#keys.clientId.toLowerCase()}`
      : `session:${sessionOf(refreshToken as string)}`;
    this.#storage = options.storage ?? memoryStorage();
    this.#marginMs = nonNegative(options.refreshMarginMs, 60_000, 'refreshMarginMs');
    const first = nonNegative(options.retryDelayMs, 1_000, 'retryDelayMs');
    this.#retry = { first, max: Math.max(first, nonNegative(options.maxRetryDelayMs, 60_000, 'maxRetryDelayMs')) };
    const { expiration, scope } = options;
    this.#request = { ...(expiration === undefined ? {} : { expiration }), ...(scope === undefined ? {} : { scope }) };
    this.#dpop = new DpopState(options.dpop);
  }

  /** The DPoP key the tokens are bound to (with option `dpop`, once the source has been used). */
  get dpopKey(): DpopKey | undefined {
    return this.#dpop.key;
  }

  /**
   * A valid access token: the current one while it has more than the margin left, else a
   * new one (one request shared by every concurrent caller). While refreshing fails for a
   * passing reason, a token that has not yet expired is still handed out.
   *
   * @throws LatchkeyError `invalid_grant` (the refresh token is gone and there are no
   * keys), `invalid_client` (the keys were deleted), `no_credentials`, or a passing
   * failure (`network_error`, `timeout`, `unavailable`, …) when no valid token is left.
   */
  async getAccessToken(): Promise<string> {
    if (!this.#ready) await this.#load();
    const access = this.#access;
    if (access !== undefined && monotonic() < access.refreshAt) return access.token;
    try {
      return await this.#renew();
    } catch (err) {
      const still = this.#access;
      if (still !== undefined && monotonic() < still.expiresAt) return still.token;
      throw err;
    }
  }

  /**
   * The headers that present a valid access token on a `method` request to `url`:
   * `{authorization: 'Bearer …'}`, or for a DPoP-bound token `{authorization: 'DPoP …',
   * dpop: <a fresh proof for method and url>}`. A proof is good for one request.
   *
   * @throws LatchkeyError as {@link getAccessToken}.
   */
  async authorize(method: string, url: string | URL): Promise<Record<string, string>> {
    return this.#dpop.headers(await this.getAccessToken(), method, String(url));
  }

  /**
   * `fetch(input, init)` with the headers of {@link authorize}; after a 401 it gets a fresh
   * token (or, for a DPoP nonce challenge, a proof with the service's nonce) and sends the
   * request once more. The answer is returned whatever its status.
   *
   * @throws LatchkeyError as {@link getAccessToken}; a network failure of the request
   * itself rejects as `fetch` does.
   */
  async fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = new Request(input, init);
    const send = async (req: Request, token: string) => {
      const answer = await this.#client.fetch(withHeaders(req, await this.#dpop.headers(token, req.method, req.url)));
      return { answer, nonce: this.#dpop.noteAnswer(req.url, answer) };
    };
    const token = await this.getAccessToken();
    const first = await send(request.clone(), token);
    if (first.answer.status !== 401) return first.answer;
    await first.answer.body?.cancel().catch(() => undefined);
    if (!first.nonce) this.invalidate(token);
    return (await send(request, await this.getAccessToken())).answer;
  }

  /**
   * Marks `accessToken` (default: the current one) as refused by a service, so that the
   * next caller gets a new one. Does nothing if the source has moved on to another token.
   */
  invalidate(accessToken?: string): void {
    const access = this.#access;
    if (access === undefined || (accessToken !== undefined && access.token !== accessToken)) return;
    const now = monotonic();
    this.#access = { ...access, refreshAt: now, expiresAt: now };
  }

  /** The tokens held now (e.g. to show or hand over; they are secrets). */
  tokens(): TokenSnapshot {
    return {
      accessToken: this.#access?.token,
      expiresAt: this.#access?.expiresAtWall,
      refreshToken: this.#refresh,
    };
  }

  /**
   * Gives the source new tokens (e.g. after a new login): they replace the ones held and
   * are stored; a signed-out source starts working again.
   */
  async setTokens(tokens: { accessToken?: string; refreshToken?: string }): Promise<void> {
    if (!this.#ready) await this.#load();
    if (tokens.accessToken !== undefined) this.#access = freshAccess(tokens.accessToken, this.#marginMs);
    if (tokens.refreshToken !== undefined) this.#refresh = tokens.refreshToken;
    this.#signedOut = false;
    this.#failures = 0;
    this.#retryAt = 0;
    this.#lastError = undefined;
    await this.#save();
    this.#background.schedule();
  }

  /**
   * Refreshes the token in the background, ahead of expiry, so that callers never wait for
   * it; failed rounds are retried with backoff. The timer is `unref()`'d: it never keeps a
   * Node process alive. Calling it again does nothing.
   */
  start(): void {
    if (!this.#background.start()) return;
    if (this.#ready) this.#background.schedule();
    else void this.#load().then(() => this.#background.schedule());
  }

  /** Stops the background refresh. A refresh in flight still completes. */
  stop(): void {
    this.#background.stop();
  }

  /** Whether the background refresh is on. */
  get running(): boolean {
    return this.#background.running;
  }

  /**
   * Calls `listener` on each `event`; returns the function that unsubscribes it. An
   * exception thrown by a listener is ignored.
   */
  on<E extends keyof TokenSourceEvents>(event: E, listener: (payload: TokenSourceEvents[E]) => void): () => void {
    return this.#listeners.add(event, listener);
  }

  /** Reads the storage once, at first use. */
  #load(): Promise<void> {
    this.#loaded ??= (async () => {
      const stored = await this.#readStorage(false);
      // The DPoP key first: stored tokens count only if they go with it.
      await this.#dpop.resolve(stored?.dpopKey, this.#storage);
      if (stored !== undefined && this.#dpop.matches(stored)) this.#adopt(stored, true);
      this.#ready = true;
    })();
    return this.#loaded;
  }

  async #readStorage(checkKey = true): Promise<StoredTokens | undefined> {
    try {
      const stored = await this.#storage.load();
      if (stored === undefined || (stored.origin !== undefined && stored.origin !== this.#origin)) return undefined;
      return checkKey && !this.#dpop.matches(stored) ? undefined : stored;
    } catch (cause) {
      this.#listeners.emit('error', asError(cause, 'storage_error', 'cannot read the stored tokens'));
      return undefined;
    }
  }

  /**
   * Takes stored tokens: all of them at first use; later (before a refresh) only tokens
   * that another writer stored, recognised by an access token other than the one held —
   * so that a save that failed can never bring back an older, retired refresh token.
   * Returns the stored access token if it is fresh.
   */
  #adopt(stored: StoredTokens, initial: boolean): string | undefined {
    const foreign = stored.accessToken !== undefined && stored.accessToken !== this.#access?.token;
    if (stored.refreshToken !== undefined && (initial || foreign)) this.#refresh = stored.refreshToken;
    if (!foreign || stored.accessToken === undefined) return undefined;
    const access = storedAccess(stored.accessToken, stored.expiresAt, this.#marginMs);
    if (monotonic() >= access.expiresAt) return undefined;
    this.#access = access;
    return monotonic() < access.refreshAt ? access.token : undefined;
  }

  /** The refresh in flight, or a new one. */
  #renew(): Promise<string> {
    if (this.#flight !== undefined) return this.#flight;
    const flight = this.#renewOnce();
    this.#flight = flight;
    const clear = () => {
      if (this.#flight === flight) this.#flight = undefined;
    };
    flight.then(clear, clear);
    return flight;
  }

  async #renewOnce(): Promise<string> {
    if (this.#lastError !== undefined && monotonic() < this.#retryAt) throw this.#lastError;
    // Another process sharing the storage may have refreshed (and rotated) already.
    const stored = await this.#readStorage();
    if (stored !== undefined) {
      const adopted = this.#adopt(stored, false);
      if (adopted !== undefined) return adopted;
    }
    let answer: TokenResponse;
    let via: RefreshedEvent['via'];
    try {
      [answer, via] = await this.#ask();
    } catch (cause) {
      const err = asError(cause, 'invalid_response', 'the token request failed');
      await this.#failed(err);
      throw err;
    }
    const newRefreshToken = answer.refreshToken !== undefined && answer.refreshToken !== this.#refresh;
    this.#access = freshAccess(answer.accessToken, this.#marginMs);
    if (answer.refreshToken !== undefined) this.#refresh = answer.refreshToken;
    this.#failures = 0;
    this.#retryAt = 0;
    this.#lastError = undefined;
    this.#signedOut = false;
    await this.#save();
    this.#listeners.emit('refreshed', {
      accessToken: answer.accessToken,
      expiresAt: this.#access.expiresAtWall,
      via,
      newRefreshToken,
    });
    this.#background.schedule();
    return answer.accessToken;
  }

  /** One token request: by the refresh token, else (or when it is refused) by the keys. */
  async #ask(): Promise<[TokenResponse, RefreshedEvent['via']]> {
    const refresh = this.#refresh;
    const keys = this.#keys;
    const dpop = this.#dpop.key;
    const request = dpop === undefined ? this.#request : { ...this.#request, dpop };
    if (refresh !== undefined) {
      try {
        const options = this.#refreshClientId === undefined ? request : { ...request, clientId: this.#refreshClientId };
        return [await this.#client.refresh(refresh, options), 'refreshToken'];
      } catch (err) {
        // `invalid_dpop_proof`: the session is bound to a key this source no longer holds.
        if (!(hasCode(err, 'invalid_grant', 'invalid_dpop_proof') && keys !== undefined)) throw err;
        // The session is gone: forget its refresh token (so that storage does not bring
        // it back), and fall back to the keys.
        if (this.#refresh === refresh) {
          this.#refresh = undefined;
          await this.#save();
        }
      }
    }
    if (keys === undefined) {
      throw new LatchkeyError(0, 'no_credentials', 'no refresh token or client keys to get an access token with');
    }
    return [await this.#client.clientCredentials({ ...keys, ...request }), 'clientCredentials'];
  }

  async #failed(err: LatchkeyError): Promise<void> {
    this.#lastError = err;
    if (isFinal(err)) {
      this.#failures = 0;
      this.#retryAt = 0;
      if (this.#access !== undefined) {
        // The grant is gone (key deleted, session revoked): its access token went with it.
        this.#access = undefined;
        await this.#save();
      }
      this.#listeners.emit('error', err);
      if (!this.#signedOut) {
        this.#signedOut = true;
        this.#listeners.emit('signedOut', err);
      }
      return;
    }
    this.#failures += 1;
    const wait = Math.max(backoff(this.#retry, this.#failures), (err.retryAfter ?? 0) * 1000);
    this.#retryAt = monotonic() + Math.min(wait, 3_600_000);
    this.#listeners.emit('error', err);
  }

  async #save(): Promise<void> {
    const tokens: StoredTokens = { origin: this.#origin };
    if (this.#access !== undefined) {
      tokens.accessToken = this.#access.token;
      tokens.expiresAt = this.#access.expiresAtWall;
    }
    if (this.#refresh !== undefined) tokens.refreshToken = this.#refresh;
    const dpopKey = this.#dpop.storedKey(this.#storage);
    if (dpopKey !== undefined) tokens.dpopKey = dpopKey;
    try {
      await this.#storage.save(tokens);
    } catch (cause) {
      // The tokens in memory are still good: report, and go on.
      this.#listeners.emit('error', asError(cause, 'storage_error', 'cannot store the tokens'));
    }
  }
}
