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
  /**
   * The token source's DPoP key, when DPoP is on: the tokens are bound to it, so it is
   * kept with them, under the same protection.
   */
  dpopKey?: StoredDpopKey;
}

/** A DPoP key as stored: its public JWK, and a non-extractable `CryptoKey` or a private JWK. */
export interface StoredDpopKey {
  alg: 'ES256' | 'EdDSA';
  publicJwk: JsonWebKey;
  /** For stores that keep objects ({@link TokenStorage.keepsCryptoKeys}). */
  privateKey?: CryptoKey;
  /** For stores that keep JSON: the private key (a secret, as the tokens are). */
  privateJwk?: JsonWebKey;
}

/**
 * Where a token source keeps its tokens. `load` is called once at first use and before
 * each refresh (so that processes sharing a file pick up each other's rotated refresh
 * tokens); `save` after every change. Either may be synchronous or return a promise.
 */
export interface TokenStorage {
  load(): StoredTokens | undefined | Promise<StoredTokens | undefined>;
  save(tokens: StoredTokens): void | Promise<void>;
  /**
   * Whether `save` keeps objects as they are (memory, IndexedDB), so that a DPoP key is
   * stored as a non-extractable `CryptoKey`. Absent or false: it is stored as a private
   * JWK, since the store keeps JSON.
   */
  readonly keepsCryptoKeys?: boolean;
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
  const dpopKey = parseDpopKey(record.dpopKey);
  if (dpopKey !== undefined) out.dpopKey = dpopKey;
  return out;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `value` as a {@link StoredDpopKey}, or `undefined` (its key material is checked on use). */
function parseDpopKey(value: unknown): StoredDpopKey | undefined {
  if (!isObject(value) || (value.alg !== 'ES256' && value.alg !== 'EdDSA') || !isObject(value.publicJwk)) {
    return undefined;
  }
  const out: StoredDpopKey = { alg: value.alg, publicJwk: value.publicJwk as JsonWebKey };
  if (typeof CryptoKey !== 'undefined' && value.privateKey instanceof CryptoKey) out.privateKey = value.privateKey;
  else if (isObject(value.privateJwk)) out.privateJwk = value.privateJwk as JsonWebKey;
  else return undefined;
  return out;
}
