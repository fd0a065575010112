/**
 * What a token source stores, and the interface every storage adapter implements.
 *
 * @module
 */

/** The tokens a token source keeps between runs. */
export interface StoredTokens {
  /** The current access token. */
  accessToken?: string;
  /** The current refresh token (it changes when the service rotates it). */
  refreshToken?: string;
  /**
   * When the access token stops being handed out: milliseconds since the epoch, computed
   * as the local arrival time plus the token's lifetime (`exp - iat`), so that a skewed
   * clock does not shorten or stretch it.
   */
  expiresAt?: number;
  /**
   * Which grant the tokens belong to (`client:<clientId>` or `session:<sid>`), set by the
   * token source; stored tokens of another grant are ignored. Absent: any grant.
   */
  origin?: string;
}

/**
 * Where a token source keeps its tokens. `load` is called once at first use and before
 * each refresh (so that processes sharing a file pick up each other's rotated refresh
 * tokens); `save` after every change. Either may be synchronous or return a promise.
 */
export interface TokenStorage {
  load(): StoredTokens | undefined | Promise<StoredTokens | undefined>;
  save(tokens: StoredTokens): void | Promise<void>;
}

/** `value` as {@link StoredTokens}, or `undefined` if it is not a valid record. */
export function parseStored(value: unknown): StoredTokens | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  const out: StoredTokens = {};
  if (typeof record.accessToken === 'string' && record.accessToken) out.accessToken = record.accessToken;
  if (typeof record.refreshToken === 'string' && record.refreshToken) out.refreshToken = record.refreshToken;
  if (typeof record.expiresAt === 'number' && Number.isFinite(record.expiresAt)) out.expiresAt = record.expiresAt;
  if (typeof record.origin === 'string') out.origin = record.origin;
  return out;
}
