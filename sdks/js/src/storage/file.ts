/**
 * `fileStorage(path)`: tokens in a JSON file (Node only).
 *
 * The file is written with mode 0600 (its directory, when created, 0700) and replaced
 * atomically: the tokens go to a temporary file in the same directory, which is synced and
 * then renamed over the old one, so a crash never leaves a half-written file and a reader
 * never sees one. Writes from one process are applied in order.
 *
 * Node's modules are imported on first use, so that importing this package in a browser
 * never loads them.
 *
 * @module
 */

import { LatchkeyError } from '../errors.js';
import { parseStored, type StoredTokens, type TokenStorage } from './types.js';

type Fs = typeof import('node:fs/promises');
type Path = typeof import('node:path');

let modules: Promise<{ fs: Fs; path: Path }> | undefined;

function node(): Promise<{ fs: Fs; path: Path }> {
  modules ??= Promise.all([
    import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:fs/promises'),
    import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:path'),
  ]).then(([fs, path]) => ({ fs, path }));
  return modules;
}

/**
 * Keeps the tokens in the file at `path` (created on first save).
 *
 * @example
 * ```ts
 * import { fileStorage } from '@latchkey/client';
 * const source = latchkey.tokenSource({ clientId, clientSecret }, {
 *   storage: fileStorage(`${os.homedir()}/.config/my-app/latchkey-tokens.json`),
 * });
 * ```
 */
export function fileStorage(path: string): TokenStorage {
  if (typeof path !== 'string' || path === '') throw new TypeError('fileStorage: pass a file path');
  let writes: Promise<void> = Promise.resolve();
  return {
    async load(): Promise<StoredTokens | undefined> {
      const { fs } = await node();
      let text: string;
      try {
        text = await fs.readFile(path, 'utf8');
      } catch (cause) {
        if ((cause as { code?: unknown }).code === 'ENOENT') return undefined;
        throw new LatchkeyError(0, 'storage_error', `cannot read the token file ${path}`, { cause });
      }
      try {
        return parseStored(JSON.parse(text));
      } catch {
        // A file that is not ours, or damaged: start afresh; the next save replaces it.
        return undefined;
      }
    },
    save(tokens: StoredTokens): Promise<void> {
      const write = writes.then(() => writeAtomically(path, `${JSON.stringify(tokens, null, 2)}\n`));
      // The next write waits for this one, whether it failed or not.
      writes = write.catch(() => undefined);
      return write;
    },
  };
}

async function writeAtomically(file: string, text: string): Promise<void> {
  const { fs, path } = await node();
  const directory = path.dirname(file);
  const temporary = path.join(directory, `.${path.basename(file)}.${crypto.randomUUID()}.tmp`);
  try {
    await fs.mkdir(directory, { recursive: true, mode: 0o700 });
    const handle = await fs.open(temporary, 'wx', 0o600);
    try {
      // The umask may have taken bits away, never added any; this makes it exactly 0600.
      await handle.chmod(0o600);
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temporary, file);
  } catch (cause) {
    await fs.rm(temporary, { force: true }).catch(() => undefined);
    throw new LatchkeyError(0, 'storage_error', `cannot write the token file ${file}`, { cause });
  }
}
