/**
 * {@link LatchkeyClient}: one typed method per endpoint of the native API.
 *
 * Every method resolves to the answer's body or rejects with a {@link LatchkeyError}:
 * the API's own `{error, message}` with its status, or, when no usable answer arrived,
 * status 0 with `network_error`, `timeout` or `invalid_response`. Tokens, secrets and
 * passwords go in headers or bodies only, never in URLs or error messages.
 *
 * @module
 */

import { apiError } from './api-error.js';
import type { DpopKey } from './dpop.js';
import { LatchkeyError } from './errors.js';
import { type Answer, exchange, type FetchLike } from './http.js';
import { base64Utf8 } from './jwt.js';
import { TokenSource, type TokenSourceGrant, type TokenSourceOptions } from './token-source.js';
import type {
  Account,
  AuditEvent,
  ChangePasswordRequest,
  ClientCredentialsRequest,
  ClientKey,
  ClientTokens,
  CreateClientKeyRequest,
  CreatedClientKey,
  EventsQuery,
  JsonWebKeySet,
  LoginRequest,
  RefreshOptions,
  RefreshTokenInfo,
  RotatedSecret,
  RotateSecretOptions,
  SignUpRequest,
  TokenCallOptions,
  TokenRequest,
  TokenResponse,
} from './types.js';

/** Options of {@link LatchkeyClient}. */
export interface LatchkeyClientOptions {
  /** The service's base URL, e.g. `http://127.0.0.1:8400` (a trailing slash is ignored). */
  server: string;
  /** How long one call may take, answer body included (default 10,000 ms). */
  timeoutMs?: number;
  /** The `fetch` to use (default: the global one), e.g. to add a proxy or tracing. */
  fetch?: FetchLike;
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

interface Call {
  method: Method;
  path: string;
  body?: unknown;
  bearer?: string;
  basic?: { username: string; password: string };
  headers?: Record<string, string>;
}

/**
 * A client of one Latchkey service.
 *
 * @example
 * ```ts
 * import { LatchkeyClient } from '@latchkey/client';
 * const latchkey = new LatchkeyClient({ server: 'http://127.0.0.1:8400' });
 * const { accessToken } = await latchkey.login({ email: 'ada@example.com', password });
 * const key = await latchkey.createClientKey(accessToken, { name: 'build server' });
 * const tokens = await latchkey.clientCredentials({ clientId: key.clientId, clientSecret: key.clientSecret });
 * ```
 */
export class LatchkeyClient {
  /** The base URL, without a trailing slash. */
  readonly server: string;
  /** The per-call deadline in milliseconds. */
  readonly timeoutMs: number;
  readonly #fetch: FetchLike;
  /** The latest `DPoP-Nonce` the token endpoint sent (RFC 9449 §8), for the next proofs. */
  #dpopNonce: string | undefined;

  /** @throws TypeError if `server` is not an http(s) URL or `timeoutMs` is not positive. */
  constructor(options: LatchkeyClientOptions) {
    const server = String(options?.server ?? '').replace(/\/+$/, '');
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new TypeError(`LatchkeyClient: invalid server URL ${JSON.stringify(server)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`LatchkeyClient: the server URL must be http(s), not ${url.protocol}`);
    }
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs)) {
      throw new TypeError('LatchkeyClient: timeoutMs must be a positive number');
    }
    this.server = server;
    this.timeoutMs = timeoutMs;
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') {
      throw new TypeError('LatchkeyClient: no fetch available; pass options.fetch');
    }
    // Bound so that a browser's `window.fetch` is never called with another `this`.
    this.#fetch = (input, init) => fetchImpl(input, init);
  }

  /** The `fetch` this client sends with (the token source uses it for resource requests). */
  get fetch(): FetchLike {
    return this.#fetch;
  }

  /**
   * `POST /users`: creates an account.
   *
   * @throws LatchkeyError `conflict` (email taken), `invalid_request` (bad email or weak
   * password), `signup_closed`, `payload_too_large`.
   */
  signUp(request: SignUpRequest): Promise<Account> {
    return this.#json('POST', '/users', { body: { email: request.email, password: request.password } });
  }

  /**
   * `POST /auth/login` with HTTP Basic (email or account id, and password). With
   * `clientId` and `accessType: 'offline'` the answer adds an account refresh token.
   *
   * @throws LatchkeyError `invalid_credentials` (same for an unknown account),
   * `too_many_attempts` (see `retryAfter`), `invalid_request` (bad `expiration` or `clientId`).
   */
  login(request: LoginRequest): Promise<TokenResponse> {
    const { email, password, ...options } = request;
    return this.#json('POST', '/auth/login', {
      basic: { username: email, password },
      body: options,
    });
  }

  /** `GET /users/me`. @throws LatchkeyError `invalid_token`, `insufficient_token_kind` (a client token). */
  me(accountToken: string): Promise<Account> {
    return this.#json('GET', '/users/me', { bearer: accountToken });
  }

  /**
   * `PUT /users/me/password`: ends every session and every older account token of the
   * account; the answer's fresh access token keeps the caller logged in.
   *
   * @throws LatchkeyError `invalid_credentials` (wrong current password), `invalid_request`
   * (weak new password), `invalid_token`.
   */
  changePassword(accountToken: string, request: ChangePasswordRequest): Promise<TokenResponse> {
    return this.#json('PUT', '/users/me/password', {
      bearer: accountToken,
      body: { currentPassword: request.currentPassword, newPassword: request.newPassword },
    });
  }

  /**
   * `POST /client-keys`: the secret in the answer is shown this once.
   *
   * `expiresAt` may be a `Date`; `allowedCidrs` and `dpopBound` restrict where and how the
   * key gets tokens (see docs/API.md, "Client-key lifecycle").
   *
   * @throws LatchkeyError `invalid_scope`, `invalid_request` (e.g. a past `expiresAt`, a bad
   * CIDR), `invalid_token`, `insufficient_token_kind`.
   */
  createClientKey(accountToken: string, request: CreateClientKeyRequest = {}): Promise<CreatedClientKey> {
    const { expiresAt, ...rest } = request;
    let body: Omit<CreateClientKeyRequest, 'expiresAt'> & { expiresAt?: string } = rest;
    if (expiresAt instanceof Date) {
      if (Number.isNaN(expiresAt.getTime())) throw new TypeError('createClientKey: expiresAt is an invalid Date');
      body = { ...rest, expiresAt: expiresAt.toISOString() };
    } else if (expiresAt !== undefined) {
      body = { ...rest, expiresAt };
    }
    return this.#json('POST', '/client-keys', { bearer: accountToken, body });
  }

  /**
   * `POST /client-keys/{clientId}/secret`: a new secret, shown this once. The old one
   * keeps working for `overlapSeconds` (default one day; 0 ends it now), then stops; a
   * second rotation ends any earlier secret at once. Tokens already issued are unaffected.
   *
   * @throws LatchkeyError `invalid_request` (overlap out of 0–2,592,000), `not_found`, `invalid_token`.
   */
  rotateClientKeySecret(
    accountToken: string,
    clientId: string,
    options: RotateSecretOptions = {},
  ): Promise<RotatedSecret> {
    const body = options.overlapSeconds === undefined ? {} : { overlapSeconds: options.overlapSeconds };
    return this.#json('POST', `/client-keys/${encodeURIComponent(clientId)}/secret`, { bearer: accountToken, body });
  }

  /** `GET /client-keys`. @throws LatchkeyError `invalid_token`, `insufficient_token_kind`. */
  listClientKeys(accountToken: string): Promise<ClientKey[]> {
    return this.#json('GET', '/client-keys', { bearer: accountToken });
  }

  /**
   * `DELETE /client-keys/{clientId}`: ends the key and every session made from it.
   *
   * @throws LatchkeyError `not_found`, `invalid_token`.
   */
  async deleteClientKey(accountToken: string, clientId: string): Promise<void> {
    await this.#send({ method: 'DELETE', path: `/client-keys/${encodeURIComponent(clientId)}`, bearer: accountToken });
  }

  /**
   * `POST /auth/token` with any grant, as given. With `options.dpop` the request carries a
   * DPoP proof by that key and the tokens come back bound to it (`tokenType: "DPoP"`); a
   * `use_dpop_nonce` refusal with a `DPoP-Nonce` is retried once with a proof carrying
   * the nonce, and the latest nonce is used for later proofs.
   *
   * @throws LatchkeyError `invalid_client`, `invalid_grant`, `invalid_scope`,
   * `unsupported_grant_type`, `invalid_request`, `invalid_dpop_proof` (a bad proof, a
   * bound refresh token without its key, or a `dpopBound` key without a proof).
   */
  async token(request: TokenRequest, options: TokenCallOptions = {}): Promise<TokenResponse> {
    const path = '/auth/token';
    const key = options.dpop;
    for (let attempt = 0; ; attempt++) {
      const headers: Record<string, string> = {};
      if (key !== undefined) {
        const nonce = this.#dpopNonce;
        headers.dpop = await key.proof('POST', `${this.server}${path}`, nonce === undefined ? {} : { nonce });
      }
      const answer = await this.#exchange({ method: 'POST', path, body: request, headers });
      const nonce = answer.headers.get('dpop-nonce');
      if (nonce !== null && nonce !== '') this.#dpopNonce = nonce;
      if (answer.status >= 200 && answer.status < 300) return this.#parse(answer, path);
      const err = apiError(answer, `${this.server}${path}`);
      if (key !== undefined && attempt === 0 && err.code === 'use_dpop_nonce' && nonce !== null && nonce !== '') {
        continue;
      }
      throw key === undefined && err.code === 'invalid_dpop_proof'
        ? new LatchkeyError(
            err.status,
            err.code,
            `${err.message} (this grant needs DPoP: pass a DPoP key, e.g. tokenSource(grant, { dpop: true }))`,
          )
        : err;
    }
  }

  /**
   * Trades client keys for a client access token and a client refresh token.
   *
   * @throws LatchkeyError `invalid_client` (wrong or deleted key), `invalid_scope`, `invalid_request`.
   */
  async clientCredentials(request: ClientCredentialsRequest): Promise<ClientTokens> {
    const { dpop, ...body } = request;
    const answer = await this.token({ grantType: 'clientCredentials', ...body }, dpopOption(dpop));
    if (typeof answer.refreshToken !== 'string') {
      throw new LatchkeyError(0, 'invalid_response', 'the token endpoint answered no refresh token');
    }
    return answer as ClientTokens;
  }

  /**
   * Trades a refresh token for a new access token (and a new refresh token when the
   * service rotates them). `clientId` is needed for account refresh tokens of an offline login.
   *
   * @throws LatchkeyError `invalid_grant` (unknown, expired, revoked, reused, or not a refresh token).
   */
  refresh(refreshToken: string, options: RefreshOptions = {}): Promise<TokenResponse> {
    const { dpop, ...rest } = options;
    return this.token({ grantType: 'refreshToken', refreshToken, ...rest }, dpopOption(dpop));
  }

  /** `GET /refresh-tokens`: the caller's live sessions. @throws LatchkeyError `invalid_token`. */
  listRefreshTokens(accountToken: string): Promise<RefreshTokenInfo[]> {
    return this.#json('GET', '/refresh-tokens', { bearer: accountToken });
  }

  /** `DELETE /refresh-tokens/{id}`: ends one session. @throws LatchkeyError `not_found`, `invalid_token`. */
  async revokeRefreshToken(accountToken: string, id: string): Promise<void> {
    await this.#send({ method: 'DELETE', path: `/refresh-tokens/${encodeURIComponent(id)}`, bearer: accountToken });
  }

  /** `DELETE /refresh-tokens`: log out everywhere. @throws LatchkeyError `invalid_token`. */
  logoutEverywhere(accountToken: string): Promise<{ revoked: number }> {
    return this.#json('DELETE', '/refresh-tokens', { bearer: accountToken });
  }

  /**
   * `GET /users/me/events`: the account's audit trail, newest first. Pass the last
   * event's `id` as `before` for the next page.
   *
   * @throws LatchkeyError `invalid_token`, `invalid_request` (bad page).
   */
  listEvents(accountToken: string, query: EventsQuery = {}): Promise<AuditEvent[]> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.before !== undefined) params.set('before', String(query.before));
    const search = params.toString() === '' ? '' : `?${params}`;
    return this.#json('GET', `/users/me/events${search}`, { bearer: accountToken });
  }

  /** `GET /.well-known/jwks.json`: the published verification keys. */
  jwks(): Promise<JsonWebKeySet> {
    return this.#json('GET', '/.well-known/jwks.json', {});
  }

  /** `GET /readyz`: `{status: "ok"}`, or rejects with `unavailable` when the database is down. */
  ready(): Promise<{ status: string }> {
    return this.#json('GET', '/readyz', {});
  }

  /**
   * A {@link TokenSource} that keeps an access token fresh with these keys or this
   * refresh token (see token-source.ts).
   *
   * @example
   * ```ts
   * const source = latchkey.tokenSource({ clientId, clientSecret }, { storage: fileStorage('tokens.json') });
   * const answer = await source.fetch('http://127.0.0.1:8401/nodes/v1/status');
   * ```
   */
  tokenSource(grant: TokenSourceGrant, options: TokenSourceOptions = {}): TokenSource {
    return new TokenSource(this, grant, options);
  }

  async #json<T>(method: Method, path: string, call: Omit<Call, 'method' | 'path'>): Promise<T> {
    return this.#parse(await this.#send({ method, path, ...call }), path);
  }

  #parse<T>(answer: Answer, path: string): T {
    try {
      const body: unknown = JSON.parse(answer.text);
      if (typeof body === 'object' && body !== null) return body as T;
    } catch {
      // fall through
    }
    throw new LatchkeyError(
      0,
      'invalid_response',
      `${this.server}${path.split('?')[0]} answered HTTP ${answer.status} with a body that is not the expected JSON`,
    );
  }

  async #send(call: Call): Promise<Answer> {
    const answer = await this.#exchange(call);
    if (answer.status >= 200 && answer.status < 300) return answer;
    throw apiError(answer, `${this.server}${call.path.split('?')[0]}`);
  }

  /** One request; the answer whatever its status. */
  #exchange(call: Call): Promise<Answer> {
    const headers: Record<string, string> = { ...call.headers, accept: 'application/json' };
    if (call.bearer !== undefined) headers.authorization = `Bearer ${call.bearer}`;
    if (call.basic !== undefined) {
      headers.authorization = `Basic ${base64Utf8(`${call.basic.username}:${call.basic.password}`)}`;
    }
    const init: RequestInit = { method: call.method, headers, redirect: 'manual', cache: 'no-store' };
    if (call.body !== undefined) {
      headers['content-type'] = 'application/json';
      init.body = JSON.stringify(call.body);
    }
    const what = `the Latchkey service at ${this.server}`;
    return exchange(this.#fetch, `${this.server}${call.path}`, init, this.timeoutMs, what);
  }
}

function dpopOption(dpop: DpopKey | undefined): TokenCallOptions {
  return dpop === undefined ? {} : { dpop };
}
