/**
 * `webStorage(window.localStorage, key?)`: tokens in a browser's Web Storage, only when
 * asked for. Anything that can run script on the page can read them there: prefer
 * `memoryStorage()` unless the tokens must survive a reload.
 *
 * @module
 */

import { LatchkeyError } from '../errors.js';
import { parseStored, type TokenStorage } from './types.js';

/** The part of the Web Storage API this adapter uses (`localStorage`, `sessionStorage`, or a stand-in). */
export interface WebStorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/**
 * Keeps the tokens in `storage` under `key` (default `latchkey.tokens`), as JSON.
 *
 * @example
 * ```ts
 * const source = latchkey.tokenSource({ refreshToken }, { storage: webStorage(window.localStorage) });
 * ```
 */
export function webStorage(storage: WebStorageLike, key = 'latchkey.tokens'): TokenStorage {
  if (storage === undefined || storage === null || typeof storage.getItem !== 'function') {
    throw new TypeError('webStorage: pass a Storage such as window.localStorage');
  }
  return {
    load() {
      const text = storage.getItem(key);
      if (text === null) return undefined;
      try {
        return parseStored(JSON.parse(text));
      } catch {
        return undefined;
      }
    },
    save(tokens) {
      try {
        storage.setItem(key, JSON.stringify(tokens));
      } catch (cause) {
        throw new LatchkeyError(0, 'storage_error', `cannot write the tokens to web storage key ${key}`, { cause });
      }
    },
  };
}
