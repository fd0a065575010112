/**
 * Revocation status from IETF Token Status Lists (draft-ietf-oauth-status-list), as
 * PRODUCT.md's "Revocation that reaches resource services" specifies them for Latchkey.
 *
 * An access token's `status.status_list {idx, uri}` points at a list the issuer signs:
 * `GET uri` (`Accept: application/statuslist+jwt`) answers a JWT with header
 * `typ: statuslist+jwt`, claims `sub` (= uri), `iat`, `exp`, `ttl` and
 * `status_list {bits, lst}`, `lst` being base64url of ZLIB-compressed bytes. The token's
 * status is the `bits`-wide value at `idx`, least-significant bit first: 0 valid,
 * anything else not.
 *
 * Lists are cached per uri for their `ttl` (default 30 s) and fetched once for all
 * concurrent callers. A failed fetch keeps the last list in hand (and is not retried for
 * a second); a verifier that never got a list answers "unknown", which the verifier turns
 * into a refusal (fail closed, the default) or an acceptance (fail open).
 *
 * @module
 */

import { compactVerify } from 'jose';
import { exchange, type FetchLike } from './http.js';
import { base64urlBytes } from './jwt.js';
import { ALGORITHMS, type IssuerKeys } from './keys.js';

const MAX_LIST_BYTES = 1024 * 1024;
const MAX_INFLATED_BYTES = 16 * 1024 * 1024;
const RETRY_AFTER_FAILURE_MS = 1000;

/** A token's status: valid, revoked (or suspended…), or not known. */
export type Status = 'valid' | 'invalid' | 'unknown';

interface List {
  bits: number;
  bytes: Uint8Array;
  /** Monotonic ms after which the list is refetched. */
  freshUntil: number;
}

/** Options of {@link StatusLists}. */
export interface StatusListsOptions {
  keys: IssuerKeys;
  fetch: FetchLike;
  timeoutMs: number;
  /** The list's lifetime in the cache when it carries no `ttl`, in seconds. */
  defaultTtlSeconds: number;
  /** Clock-skew allowance on the list's `exp`, in seconds. */
  leewaySeconds: number;
}

/** The status lists of one issuer. */
export class StatusLists {
  readonly #options: StatusListsOptions;
  readonly #lists = new Map<string, List>();
  readonly #inflight = new Map<string, Promise<void>>();
  readonly #failedAt = new Map<string, number>();

  constructor(options: StatusListsOptions) {
    this.#options = options;
  }

  /** The status at `idx` of the list at `uri`. */
  async status(uri: string, idx: number): Promise<Status> {
    let list = this.#lists.get(uri);
    if (list === undefined || performance.now() >= list.freshUntil) {
      await this.#refresh(uri);
      list = this.#lists.get(uri);
    }
    if (list === undefined) return 'unknown';
    const offset = idx * list.bits;
    const byte = list.bytes[Math.floor(offset / 8)];
    if (byte === undefined) return 'unknown';
    const value = (byte >> (offset % 8)) & ((1 << list.bits) - 1);
    return value === 0 ? 'valid' : 'invalid';
  }

  /** Fetches the list at `uri` unless a fetch is in flight or failed less than a second ago. */
  #refresh(uri: string): Promise<void> {
    const inflight = this.#inflight.get(uri);
    if (inflight !== undefined) return inflight;
    const failedAt = this.#failedAt.get(uri);
    if (failedAt !== undefined && performance.now() - failedAt < RETRY_AFTER_FAILURE_MS) return Promise.resolve();
    const fetching = this.#fetch(uri).then(
      (list) => {
        this.#lists.set(uri, list);
        this.#failedAt.delete(uri);
      },
      () => {
        // The last list in hand (if any) stays in use.
        this.#failedAt.set(uri, performance.now());
      },
    );
    this.#inflight.set(uri, fetching);
    void fetching.finally(() => this.#inflight.delete(uri));
    return fetching;
  }

  async #fetch(uri: string): Promise<List> {
    const { keys, fetch, timeoutMs, defaultTtlSeconds, leewaySeconds } = this.#options;
    const answer = await exchange(
      fetch,
      uri,
      { method: 'GET', headers: { accept: 'application/statuslist+jwt' }, redirect: 'manual' },
      timeoutMs,
      `the status list at ${uri}`,
      MAX_LIST_BYTES,
    );
    if (answer.status !== 200) throw new Error(`${uri} answered HTTP ${answer.status}`);
    const jwt = answer.text.trim();
    const { payload, protectedHeader } = await compactVerify(jwt, keys.verificationKey, {
      algorithms: [...ALGORITHMS],
    });
    const typ = String(protectedHeader.typ ?? '')
      .replace(/^application\//i, '')
      .toLowerCase();
    if (typ !== 'statuslist+jwt') throw new Error('not a status list token');
    const claims = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    if (claims.sub !== uri) throw new Error('the status list is for another uri');
    const now = Date.now() / 1000;
    const exp = typeof claims.exp === 'number' ? claims.exp : undefined;
    if (exp !== undefined && exp + leewaySeconds <= now) throw new Error('the status list has expired');
    const statusList = claims.status_list as { bits?: unknown; lst?: unknown } | undefined;
    const bits = statusList?.bits;
    if (bits !== 1 && bits !== 2 && bits !== 4 && bits !== 8) throw new Error('bad status_list.bits');
    const compressed = typeof statusList?.lst === 'string' ? base64urlBytes(statusList.lst) : undefined;
    if (compressed === undefined) throw new Error('bad status_list.lst');
    const bytes = await inflate(compressed);
    const ttl = typeof claims.ttl === 'number' && claims.ttl > 0 ? claims.ttl : defaultTtlSeconds;
    let lifetimeMs = ttl * 1000;
    if (exp !== undefined) lifetimeMs = Math.min(lifetimeMs, Math.max(0, (exp - now) * 1000));
    return { bits, bytes, freshUntil: performance.now() + lifetimeMs };
  }
}

/** ZLIB (RFC 1950) inflation with the platform's `DecompressionStream` (Node ≥ 18, browsers), bounded. */
async function inflate(compressed: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([compressed as BlobPart]).stream().pipeThrough(new DecompressionStream('deflate'));
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_INFLATED_BYTES) {
      await reader.cancel().catch(() => undefined);
      throw new Error('the status list is too large');
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}
