/**
 * `memoryStorage()`: the default storage, in this process only.
 *
 * @module
 */

import { parseStored, type StoredTokens, type TokenStorage } from './types.js';

/**
 * Keeps the tokens (and a DPoP key, as a non-extractable `CryptoKey`) in memory; they are
 * gone when the process ends.
 *
 * @param initial Tokens to start with, e.g. an access and refresh token obtained elsewhere.
 * @example
 * ```ts
 * const source = latchkey.tokenSource({ refreshToken }, { storage: memoryStorage() });
 * ```
 */
export function memoryStorage(initial?: StoredTokens): TokenStorage {
  let current: StoredTokens | undefined = initial === undefined ? undefined : parseStored(initial);
  return {
    load: () => (current === undefined ? undefined : { ...current }),
    save: (tokens) => {
      current = { ...tokens };
    },
    // A DPoP key stays a non-extractable CryptoKey.
    keepsCryptoKeys: true,
  };
}
