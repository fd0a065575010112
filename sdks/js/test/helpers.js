// Test helpers: start the real latchkeyd and latchkey-nodes binaries on free ports with a
// fresh SQLite database each, a counting proxy in front of a server, a JS resource service
// like latchkey-nodes (verifier middleware) to compare answers with, and small fixtures.
// The binaries come from $LATCHKEY_BIN_DIR (scripts/test-js.sh sets it).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

import { LatchkeyClient } from '../dist/index.js';

export const BIN_DIR = process.env.LATCHKEY_BIN_DIR;
if (!BIN_DIR) throw new Error('set LATCHKEY_BIN_DIR to the directory holding latchkeyd and latchkey-nodes');

/** A free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitHealthy(url, child, log) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the process exited (${child.exitCode}):\n${log()}`);
    try {
      const answer = await fetch(`${url}/healthz`);
      if (answer.ok) return;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  throw new Error(`${url} did not become healthy:\n${log()}`);
}

function run(binary, args, env = {}) {
  const child = spawn(path.join(BIN_DIR, binary), args, {
    env: { ...process.env, RUST_LOG: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  return { child, stop, log: () => stderr };
}

/**
 * Starts latchkeyd on a free port with a fresh SQLite database; `config` is the TOML
 * file's text. Returns `{url, client, stop}`.
 */
export async function startLatchkeyd({ config = '' } = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'latchkey-js-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = ['--listen', `127.0.0.1:${port}`, '--database', `sqlite://${dir}/db.sqlite`, '--issuer', url];
  const configFile = path.join(dir, 'latchkeyd.toml');
  await writeFile(configFile, `password_hash_concurrency = 2\n${config}`);
  args.push('--config', configFile);
  const proc = run('latchkeyd', args);
  await waitHealthy(url, proc.child, proc.log);
  return {
    url,
    port,
    dir,
    client: new LatchkeyClient({ server: url }),
    log: proc.log,
    async stop() {
      await proc.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Starts latchkey-nodes for `issuer` on a free port. Returns `{url, stop}`. */
export async function startNodes(issuer) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const proc = run('latchkey-nodes', ['--listen', `127.0.0.1:${port}`, '--issuer', issuer]);
  await waitHealthy(url, proc.child, proc.log);
  return { url, stop: proc.stop, log: proc.log };
}

/**
 * An HTTP proxy in front of `target` that counts requests by `METHOD path` and can be told
 * to answer for the target: `proxy.intercept = (req) => ({status, headers, body}) | 'drop' | undefined`.
 */
export async function countingProxy(target) {
  const counts = new Map();
  const proxy = {
    url: '',
    counts,
    intercept: undefined,
    count(key) {
      return counts.get(key) ?? 0;
    },
    reset() {
      counts.clear();
    },
  };
  const server = http.createServer((req, res) => {
    const key = `${req.method} ${req.url.split('?')[0]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const fake = proxy.intercept?.(req, body);
      if (fake === 'drop') {
        req.socket.destroy();
        return;
      }
      if (fake !== undefined) {
        res.writeHead(fake.status, fake.headers ?? {});
        res.end(fake.body ?? '');
        return;
      }
      try {
        const headers = { ...req.headers };
        delete headers.host;
        delete headers.connection;
        delete headers['content-length'];
        const answer = await fetch(`${target}${req.url}`, {
          method: req.method,
          headers,
          body: body.length > 0 ? body : undefined,
        });
        const out = {};
        answer.headers.forEach((value, name) => {
          if (name !== 'content-length' && name !== 'transfer-encoding' && name !== 'connection') out[name] = value;
        });
        const bytes = Buffer.from(await answer.arrayBuffer());
        res.writeHead(answer.status, out);
        res.end(bytes);
      } catch (err) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(String(err));
      }
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${server.address().port}`;
  proxy.stop = () =>
    new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

/** A strong password (the service asks for a zxcvbn score of 3 by default). */
export function strongPassword() {
  return `correct horse battery staple ${randomUUID().slice(0, 8)}`;
}

/** Signs up and logs in a new account. Returns `{email, password, account, accessToken}`. */
export async function newAccount(client) {
  const email = `user-${randomUUID()}@example.com`;
  const password = strongPassword();
  const account = await client.signUp({ email, password });
  const { accessToken } = await client.login({ email, password });
  return { email, password, account, accessToken };
}

/** A new account with one client key. Returns the account plus `{clientId, clientSecret}`. */
export async function newClientKey(client, request = { name: 'test' }) {
  const owner = await newAccount(client);
  const key = await client.createClientKey(owner.accessToken, request);
  return { ...owner, key, clientId: key.clientId, clientSecret: key.clientSecret };
}

/** The claims of a JWT, unverified. */
export function claimsOf(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
}

/** Awaits `promise` and returns the error it rejects with (fails if it resolves). */
export async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

/** A resource service like latchkey-nodes, protected by `verifier.middleware()`. */
export async function jsNodes(verifier) {
  const protect = verifier.middleware({ requiredScope: 'nodes:read' });
  const server = http.createServer((req, res) => {
    if (req.url !== '/nodes/v1/status') {
      res.writeHead(404).end();
      return;
    }
    protect(req, res, () => {
      const c = req.latchkey;
      const caller = { subject: c.sub, kind: c.kind, scopes: c.scope.split(' ').filter(Boolean), expiresAt: c.exp };
      if (c.client_id) caller.clientId = c.client_id;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ caller }));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

export async function answerOf(base, headers) {
  const answer = await fetch(`${base}/nodes/v1/status`, { headers });
  return {
    status: answer.status,
    body: await answer.text(),
    contentType: answer.headers.get('content-type'),
    challenge: answer.headers.get('www-authenticate'),
  };
}

/** Asserts that latchkey-nodes and the JS middleware answer `headers` alike. */
export async function sameAnswer(rust, js, headers, expectedStatus) {
  const [a, b] = await Promise.all([answerOf(rust, headers), answerOf(js, headers)]);
  assert.equal(a.status, expectedStatus, `latchkey-nodes: ${a.body}`);
  assert.equal(b.status, a.status, `JS: ${b.body}`);
  if (a.status === 200) {
    const { caller } = JSON.parse(a.body);
    assert.deepEqual(JSON.parse(b.body).caller, caller);
  } else {
    assert.equal(b.body, a.body, 'body');
    assert.equal(b.challenge, a.challenge, 'WWW-Authenticate');
    assert.equal(b.contentType, a.contentType, 'content-type');
  }
  return b;
}
