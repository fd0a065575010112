// The token source against a real latchkeyd (behind a counting proxy) and latchkey-nodes:
// single flight, fallback to the keys, the 401 retry, rotation, backoff, sign-out,
// storage, and a background refresh that never keeps Node alive.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

import { fileStorage, LatchkeyClient, LatchkeyError, memoryStorage, webStorage } from '../dist/index.js';
import { claimsOf, countingProxy, newClientKey, rejection, startLatchkeyd, startNodes } from './helpers.js';

const TOKEN = 'POST /auth/token';

let server;
let proxy;
let client; // talks to latchkeyd through the proxy
let nodes;
let work;

before(async () => {
  server = await startLatchkeyd({ config: '[refresh_tokens]\ngrace_seconds = 1\n' });
  proxy = await countingProxy(server.url);
  client = new LatchkeyClient({ server: proxy.url });
  nodes = await startNodes(server.url);
  work = await mkdtemp(path.join(tmpdir(), 'latchkey-js-ts-'));
});
after(async () => {
  await proxy?.stop();
  await nodes?.stop();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** A new client key (made directly, not through the proxy). */
function keys(request) {
  return newClientKey(server.client, request);
}

function events(source) {
  const seen = { refreshed: [], error: [], signedOut: [] };
  for (const name of Object.keys(seen)) source.on(name, (payload) => seen[name].push(payload));
  return seen;
}

describe('single flight', () => {
  it('50 concurrent callers on an expired token make exactly one refresh request', async () => {
    const { clientId, clientSecret } = await keys();
    const source = client.tokenSource({ clientId, clientSecret }, { expiration: 1 });
    proxy.reset();
    const firstRound = await Promise.all(Array.from({ length: 50 }, () => source.getAccessToken()));
    assert.equal(proxy.count(TOKEN), 1, 'one client-credentials request for 50 callers');
    assert.equal(new Set(firstRound).size, 1);

    await sleep(1100); // the 1-second token has expired
    proxy.reset();
    const secondRound = await Promise.all(Array.from({ length: 50 }, () => source.getAccessToken()));
    assert.equal(proxy.count(TOKEN), 1, 'exactly one refresh request reached the server');
    assert.equal(new Set(secondRound).size, 1);
    assert.notEqual(secondRound[0], firstRound[0]);
    assert.equal(claimsOf(secondRound[0]).kind, 'client_access');
  });

  it('a cached token is handed out without any request, even with the wall clock off by hours', async () => {
    const { clientId, clientSecret } = await keys();
    const source = client.tokenSource({ clientId, clientSecret });
    const token = await source.getAccessToken();
    proxy.reset();
    const realNow = Date.now;
    Date.now = () => realNow() + 5 * 3600 * 1000; // the token's exp is now "in the past"
    try {
      assert.equal(await source.getAccessToken(), token);
    } finally {
      Date.now = realNow;
    }
    assert.equal(proxy.count(TOKEN), 0);
  });

  it('refreshes a margin before expiry: half the lifetime for short-lived tokens', async () => {
    const { clientId, clientSecret } = await keys();
    const source = client.tokenSource({ clientId, clientSecret }, { expiration: 2 });
    const first = await source.getAccessToken();
    assert.equal(await source.getAccessToken(), first);
    await sleep(1100); // past half of the 2-second lifetime, not yet expired
    const second = await source.getAccessToken();
    assert.notEqual(second, first);
    assert.equal(claimsOf(second).sid, claimsOf(first).sid, 'refreshed with the refresh token, same session');
  });
});

describe('fallback and sign-out', () => {
  it('falls back to the client keys when the refresh token is revoked', async () => {
    const { accessToken: account, clientId, clientSecret } = await keys();
    const source = client.tokenSource({ clientId, clientSecret });
    const seen = events(source);
    const first = await source.getAccessToken();
    const oldRefresh = source.tokens().refreshToken;
    await server.client.revokeRefreshToken(account, claimsOf(oldRefresh).sid);

    source.invalidate(first);
    proxy.reset();
    const second = await source.getAccessToken();
    assert.equal(proxy.count(TOKEN), 2, 'the refused refresh, then the client credentials');
    assert.notEqual(claimsOf(second).sid, claimsOf(first).sid, 'a new session');
    assert.notEqual(source.tokens().refreshToken, oldRefresh);
    assert.equal(seen.refreshed.at(-1).via, 'clientCredentials');
    assert.equal(seen.signedOut.length, 0);
    // The new refresh token works.
    source.invalidate();
    await source.getAccessToken();
    assert.equal(seen.refreshed.at(-1).via, 'refreshToken');
  });

  it('signs out when a refresh token alone is revoked, and drops its access token', async () => {
    const { accessToken: account, clientId, clientSecret } = await keys();
    const tokens = await server.client.clientCredentials({ clientId, clientSecret });
    const source = client.tokenSource({ refreshToken: tokens.refreshToken }, { expiration: 2 });
    const seen = events(source);
    await source.getAccessToken();
    await server.client.logoutEverywhere(account);
    await sleep(1100); // due for refresh
    const err = await rejection(source.getAccessToken());
    assert.ok(err instanceof LatchkeyError);
    assert.equal(err.code, 'invalid_grant');
    assert.equal(seen.signedOut.length, 1);
    assert.equal(seen.signedOut[0].code, 'invalid_grant');
    assert.equal(source.tokens().accessToken, undefined);
    await rejection(source.getAccessToken());
    assert.equal(seen.signedOut.length, 1, 'signedOut fires once');
  });

  it('signs out when the client key is deleted', async () => {
    const { accessToken: account, clientId, clientSecret } = await keys();
    const source = client.tokenSource({ clientId, clientSecret });
    let signedOut;
    source.on('signedOut', (err) => {
      signedOut = err;
    });
    await source.getAccessToken();
    await server.client.deleteClientKey(account, clientId);
    source.invalidate();
    const err = await rejection(source.getAccessToken());
    assert.equal(err.code, 'invalid_client');
    assert.equal(signedOut?.code, 'invalid_client');
  });

  it('keeps a still-valid token through network failures, then backs off', async () => {
    const { clientId, clientSecret } = await keys();
    const source = client.tokenSource({ clientId, clientSecret }, { expiration: 2, retryDelayMs: 300 });
    const seen = events(source);
    const token = await source.getAccessToken();
    await sleep(1100); // due, not expired
    proxy.intercept = () => 'drop';
    try {
      proxy.reset();
      assert.equal(await source.getAccessToken(), token, 'the valid token is still handed out');
      assert.equal(seen.error.at(-1).code, 'network_error');
      assert.equal(seen.signedOut.length, 0);
      assert.equal(await source.getAccessToken(), token);
      assert.equal(proxy.count(TOKEN), 1, 'backing off: no second request');
      await sleep(1000); // now expired
      const err = await rejection(source.getAccessToken());
      assert.equal(err.code, 'network_error');
      assert.equal(err.status, 0);
      assert.equal(seen.signedOut.length, 0, 'a network failure never signs out');
    } finally {
      proxy.intercept = undefined;
    }
    await sleep(700); // past the backoff
    const fresh = await source.getAccessToken();
    assert.notEqual(fresh, token);
    assert.equal(claimsOf(fresh).sid, claimsOf(token).sid, 'the refresh token was kept');
  });

  it('backs off after a 503 and honours Retry-After on a 429', async () => {
    const { clientId, clientSecret } = await keys();
    const source = client.tokenSource({ clientId, clientSecret }, { retryDelayMs: 100 });
    proxy.intercept = () => ({
      status: 503,
      headers: { 'content-type': 'application/json' },
      body: '{"error":"unavailable","message":"database unreachable"}',
    });
    proxy.reset();
    try {
      const err = await rejection(source.getAccessToken());
      assert.equal(err.status, 503);
      assert.equal(err.code, 'unavailable');
      assert.equal(await rejection(source.getAccessToken()), err, 'within the backoff: the same failure, no request');
      assert.equal(proxy.count(TOKEN), 1);
      await sleep(150);
      proxy.intercept = () => ({
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '1' },
        body: '{"error":"too_many_attempts","message":"slow down"}',
      });
      const limited = await rejection(source.getAccessToken());
      assert.equal(limited.code, 'too_many_attempts');
      assert.equal(limited.retryAfter, 1);
      proxy.intercept = undefined;
      await sleep(400); // past the 100 ms backoff, not past Retry-After
      assert.equal(await rejection(source.getAccessToken()), limited);
      assert.equal(proxy.count(TOKEN), 2);
      await sleep(700);
      assert.equal(claimsOf(await source.getAccessToken()).kind, 'client_access');
    } finally {
      proxy.intercept = undefined;
    }
  });

  it('needs keys or a refresh token', () => {
    assert.throws(() => client.tokenSource({}), TypeError);
    assert.throws(() => client.tokenSource({ clientId: 'x' }), TypeError);
  });
});

describe('fetch', () => {
  it('adds the token, and retries once with a fresh token after a 401', async () => {
    const { clientId, clientSecret } = await keys();
    const nodesProxy = await countingProxy(nodes.url);
    try {
      // A token the Nodes service refuses (a bad signature) that the source believes valid.
      const good = await server.client.clientCredentials({ clientId, clientSecret });
      const [h, p, s] = good.accessToken.split('.');
      const forged = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
      const storage = memoryStorage({ accessToken: forged, expiresAt: Date.now() + 3_600_000 });
      const source = client.tokenSource({ clientId, clientSecret }, { storage });
      proxy.reset();
      const answer = await source.fetch(`${nodesProxy.url}/nodes/v1/status`, {
        headers: { accept: 'application/json' },
      });
      assert.equal(answer.status, 200);
      const body = await answer.json();
      assert.equal(body.caller.clientId, clientId);
      assert.equal(nodesProxy.count('GET /nodes/v1/status'), 2, 'refused once, then accepted');
      assert.equal(proxy.count(TOKEN), 1, 'one new token');
      // Next call: the fresh token straight away.
      nodesProxy.reset();
      assert.equal((await source.fetch(`${nodesProxy.url}/nodes/v1/status`)).status, 200);
      assert.equal(nodesProxy.count('GET /nodes/v1/status'), 1);
    } finally {
      await nodesProxy.stop();
    }
  });

  it('returns a second 401 as it is, and resends a body', async () => {
    const { clientId, clientSecret } = await keys();
    const source = client.tokenSource({ clientId, clientSecret });
    let bodies = 0;
    const echo = await countingProxy('http://127.0.0.1:9');
    echo.intercept = (_req, body) => {
      if (body.toString() === 'payload') bodies += 1;
      return { status: 401, headers: { 'www-authenticate': 'Bearer' }, body: '' };
    };
    try {
      const answer = await source.fetch(`${echo.url}/x`, { method: 'POST', body: 'payload' });
      assert.equal(answer.status, 401);
      assert.equal(bodies, 2);
    } finally {
      await echo.stop();
    }
  });
});

describe('rotation', () => {
  it('stores rotated refresh tokens as they come; a reused one ends the family and the keys take over', async () => {
    const rotating = await startLatchkeyd({ config: '[refresh_tokens]\nrotation = true\ngrace_seconds = 1\n' });
    try {
      const { clientId, clientSecret } = await newClientKey(rotating.client);
      const file = path.join(work, 'rotation', 'tokens.json');
      const source = rotating.client.tokenSource({ clientId, clientSecret }, { storage: fileStorage(file) });
      const seen = events(source);
      await source.getAccessToken();
      const first = JSON.parse(await readFile(file, 'utf8'));
      source.invalidate();
      await source.getAccessToken();
      const second = JSON.parse(await readFile(file, 'utf8'));
      assert.notEqual(second.refreshToken, first.refreshToken, 'rotated');
      assert.equal(claimsOf(second.refreshToken).sid, claimsOf(first.refreshToken).sid, 'same family');
      assert.equal(claimsOf(second.refreshToken).generation, 1);
      assert.equal(seen.refreshed.at(-1).newRefreshToken, true);
      assert.equal(seen.refreshed.at(-1).via, 'refreshToken');

      // Someone replays the retired token after the grace window (1 s, counted in whole
      // seconds with `<=`, so up to 2 s): theft, the family ends.
      await sleep(2100);
      const err = await rejection(rotating.client.refresh(first.refreshToken));
      assert.equal(err.code, 'invalid_grant');
      source.invalidate();
      const token = await source.getAccessToken();
      assert.notEqual(claimsOf(token).sid, claimsOf(first.refreshToken).sid, 'a new session from the keys');
      assert.equal(seen.refreshed.at(-1).via, 'clientCredentials');
      assert.equal(seen.signedOut.length, 0);
    } finally {
      await rotating.stop();
    }
  });
});

describe('rotation across processes', () => {
  it('two sources sharing a file take each other’s rotated tokens instead of replaying a retired one', async () => {
    const rotating = await startLatchkeyd({ config: '[refresh_tokens]\nrotation = true\ngrace_seconds = 0\n' });
    const front = await countingProxy(rotating.url);
    try {
      const { clientId, clientSecret } = await newClientKey(rotating.client);
      const file = path.join(work, 'shared', 'tokens.json');
      const latchkey = new LatchkeyClient({ server: front.url });
      const a = latchkey.tokenSource({ clientId, clientSecret }, { storage: fileStorage(file) });
      const b = latchkey.tokenSource({ clientId, clientSecret }, { storage: fileStorage(file) });
      const first = await a.getAccessToken();
      assert.equal(await b.getAccessToken(), first, 'b starts from the stored tokens');
      a.invalidate();
      const rotated = await a.getAccessToken(); // a rotates the refresh token
      front.reset();
      b.invalidate(first);
      assert.equal(await b.getAccessToken(), rotated, 'b adopts what a stored');
      assert.equal(front.count(TOKEN), 0, 'without a request');
      assert.equal(b.tokens().refreshToken, a.tokens().refreshToken);
      b.invalidate();
      const again = await b.getAccessToken(); // b rotates with the current token
      a.invalidate();
      assert.equal(await a.getAccessToken(), again, 'and a adopts what b stored');
      assert.equal(front.count(TOKEN), 1);
      assert.equal(claimsOf(a.tokens().refreshToken).sid, claimsOf(first).sid, 'never a reuse: same session');
    } finally {
      await front.stop();
      await rotating.stop();
    }
  });
});

describe('storage', () => {
  it('fileStorage writes mode 0600, atomically, and a second source reuses the tokens', async () => {
    const { clientId, clientSecret } = await keys();
    const dir = path.join(work, 'file-storage', 'nested');
    const file = path.join(dir, 'tokens.json');
    const source = client.tokenSource({ clientId, clientSecret }, { storage: fileStorage(file) });
    const token = await source.getAccessToken();
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(dir)).mode & 0o777, 0o700);
    assert.deepEqual(await readdir(dir), ['tokens.json'], 'no temporary file left behind');
    const stored = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(stored.accessToken, token);
    assert.equal(stored.origin, `client:${clientId}`);
    assert.ok(Math.abs(stored.expiresAt - (Date.now() + 3_600_000)) < 10_000);

    proxy.reset();
    const again = client.tokenSource({ clientId, clientSecret }, { storage: fileStorage(file) });
    assert.equal(await again.getAccessToken(), token);
    assert.equal(proxy.count(TOKEN), 0, 'no request: the stored token is fresh');

    // Tokens of another client key in the same file are not used.
    const other = await keys();
    const stranger = client.tokenSource(
      { clientId: other.clientId, clientSecret: other.clientSecret },
      { storage: fileStorage(file) },
    );
    assert.notEqual(await stranger.getAccessToken(), token);
  });

  it('a damaged file is ignored and replaced', async () => {
    const { clientId, clientSecret } = await keys();
    const file = path.join(work, 'damaged.json');
    await import('node:fs/promises').then((fs) => fs.writeFile(file, '{not json'));
    const source = client.tokenSource({ clientId, clientSecret }, { storage: fileStorage(file) });
    const token = await source.getAccessToken();
    assert.equal(JSON.parse(await readFile(file, 'utf8')).accessToken, token);
  });

  it('webStorage keeps the tokens under its key', async () => {
    const { clientId, clientSecret } = await keys();
    const items = new Map();
    const fakeLocalStorage = { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, v) };
    const source = client.tokenSource({ clientId, clientSecret }, { storage: webStorage(fakeLocalStorage, 'my-app') });
    const token = await source.getAccessToken();
    const stored = JSON.parse(items.get('my-app'));
    assert.equal(stored.accessToken, token);
    assert.equal(typeof stored.refreshToken, 'string');
    proxy.reset();
    const reloaded = client.tokenSource(
      { clientId, clientSecret },
      { storage: webStorage(fakeLocalStorage, 'my-app') },
    );
    assert.equal(await reloaded.getAccessToken(), token);
    assert.equal(proxy.count(TOKEN), 0);
  });

  it('a failing storage is reported and the token still handed out', async () => {
    const { clientId, clientSecret } = await keys();
    const broken = {
      load: () => undefined,
      save: () => {
        throw new Error('disk full');
      },
    };
    const source = client.tokenSource({ clientId, clientSecret }, { storage: broken });
    const errors = [];
    source.on('error', (err) => errors.push(err));
    assert.equal(claimsOf(await source.getAccessToken()).kind, 'client_access');
    assert.equal(errors[0].code, 'storage_error');
  });
});

describe('background refresh', () => {
  it('refreshes ahead of expiry without callers, and stops', async () => {
    const { clientId, clientSecret } = await keys();
    const source = client.tokenSource({ clientId, clientSecret }, { expiration: 2 });
    const refreshed = [];
    const unsubscribe = source.on('refreshed', (event) => refreshed.push(event));
    source.start();
    await sleep(2500);
    assert.ok(refreshed.length >= 2, `refreshed ${refreshed.length} times`);
    assert.equal(refreshed[0].via, 'clientCredentials');
    assert.equal(refreshed[1].via, 'refreshToken');
    source.stop();
    unsubscribe();
    const count = refreshed.length;
    await sleep(1500);
    assert.equal(refreshed.length, count, 'stopped');
    assert.equal(source.running, false);
  });

  it('a child process that calls start() exits by itself', async () => {
    const { clientId, clientSecret } = await keys();
    const script = fileURLToPath(new URL('./fixtures/background-child.js', import.meta.url));
    const child = spawn(process.execPath, [script], {
      env: { ...process.env, LATCHKEY_SERVER: server.url, CLIENT_ID: clientId, CLIENT_SECRET: clientSecret },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      out += chunk;
    });
    const started = Date.now();
    const code = await new Promise((resolve) => {
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.on('exit', (c, signal) => {
        clearTimeout(killer);
        resolve(signal ?? c);
      });
    });
    assert.equal(code, 0, out);
    assert.match(out, /running=true token=client_access/);
    assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
  });
});
