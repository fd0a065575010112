// LatchkeyClient against a real latchkeyd: every method, and every error row of the API
// table that a client can meet (PRODUCT.md "Status codes and error bodies").

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';

import { LatchkeyClient, LatchkeyError } from '../dist/index.js';
import { claimsOf, newAccount, newClientKey, rejection, startLatchkeyd, strongPassword } from './helpers.js';

let server;
let client;

before(async () => {
  server = await startLatchkeyd();
  client = server.client;
});
after(() => server?.stop());

function assertError(err, status, code) {
  assert.ok(err instanceof LatchkeyError, `expected a LatchkeyError, got ${err}`);
  assert.equal(err.code, code, `code (message: ${err.message})`);
  assert.equal(err.status, status, 'status');
  assert.equal(typeof err.message, 'string');
  assert.ok(err.message.length > 0);
}

describe('accounts', () => {
  it('signs up, logs in by email and by account id, and reads the account', async () => {
    const { email, password, account, accessToken } = await newAccount(client);
    assert.equal(account.email, email);
    assert.match(account.id, /^[0-9a-f-]{36}$/);
    assert.equal(typeof account.createdAt, 'string');
    assert.equal(claimsOf(accessToken).kind, 'account_access');
    const me = await client.me(accessToken);
    assert.deepEqual(me, account);
    const byId = await client.login({ email: account.id, password });
    assert.equal(claimsOf(byId.accessToken).sub, account.id);
    assert.equal(byId.refreshToken, undefined);
  });

  it('logs in with a shorter expiration', async () => {
    const { email, password } = await newAccount(client);
    const { accessToken } = await client.login({ email, password, expiration: 120 });
    const claims = claimsOf(accessToken);
    assert.equal(claims.exp - claims.iat, 120);
  });

  it('an offline login adds an account refresh token, refreshed with the same clientId', async () => {
    const { email, password } = await newAccount(client);
    const tokens = await client.login({ email, password, clientId: 'my-app', accessType: 'offline' });
    assert.equal(claimsOf(tokens.refreshToken).kind, 'account_refresh');
    const refreshed = await client.refresh(tokens.refreshToken, { clientId: 'my-app' });
    assert.equal(claimsOf(refreshed.accessToken).kind, 'account_access');
    assertError(await rejection(client.refresh(tokens.refreshToken, { clientId: 'other-app' })), 400, 'invalid_grant');
  });

  it('changes the password: the answer keeps the caller logged in, older tokens stop working', async () => {
    const { email, password, accessToken } = await newAccount(client);
    const newPassword = strongPassword();
    await new Promise((resolve) => setTimeout(resolve, 1100)); // tokens are revoked to the second
    const answer = await client.changePassword(accessToken, { currentPassword: password, newPassword });
    assert.equal((await client.me(answer.accessToken)).email, email);
    assertError(await rejection(client.me(accessToken)), 401, 'invalid_token');
    await client.login({ email, password: newPassword });
    assertError(await rejection(client.login({ email, password })), 401, 'invalid_credentials');
  });

  it('a wrong current password is invalid_credentials', async () => {
    const { accessToken } = await newAccount(client);
    const err = await rejection(
      client.changePassword(accessToken, { currentPassword: strongPassword(), newPassword: strongPassword() }),
    );
    assertError(err, 401, 'invalid_credentials');
  });

  it('lists the audit events, newest first, with paging', async () => {
    const { email, accessToken } = await newAccount(client);
    await rejection(client.login({ email, password: 'not the password' }));
    await client.createClientKey(accessToken, { name: 'audited' });
    const events = await client.listEvents(accessToken);
    const kinds = events.map((e) => e.kind);
    assert.ok(kinds.includes('login_succeeded'), kinds.join());
    assert.ok(kinds.includes('login_failed'), kinds.join());
    assert.ok(kinds.includes('client_key_created'), kinds.join());
    assert.ok(events.every((e, i) => i === 0 || e.id < events[i - 1].id));
    const page = await client.listEvents(accessToken, { limit: 1 });
    assert.equal(page.length, 1);
    assert.equal(page[0].id, events[0].id);
    const next = await client.listEvents(accessToken, { limit: 1, before: page[0].id });
    assert.equal(next[0].id, events[1].id);
    assertError(await rejection(client.listEvents(accessToken, { limit: -1 })), 400, 'invalid_request');
  });
});

describe('client keys and tokens', () => {
  it('creates, lists and deletes client keys', async () => {
    const { accessToken } = await newAccount(client);
    const key = await client.createClientKey(accessToken, { name: 'ci', scope: 'nodes:read' });
    assert.match(key.clientId, /^[0-9a-f]{40}$/);
    assert.match(key.clientSecret, /^[0-9a-f]{80}$/);
    assert.equal(key.scope, 'nodes:read');
    assert.equal(key.name, 'ci');
    const listed = await client.listClientKeys(accessToken);
    assert.equal(listed.length, 1);
    assert.equal(listed[0].clientId, key.clientId);
    assert.equal(listed[0].clientSecret, undefined);
    await client.deleteClientKey(accessToken, key.clientId);
    assert.deepEqual(await client.listClientKeys(accessToken), []);
    assertError(await rejection(client.deleteClientKey(accessToken, key.clientId)), 404, 'not_found');
  });

  it('trades keys for tokens, refreshes, narrows scope and shortens the lifetime', async () => {
    const { clientId, clientSecret } = await newClientKey(client);
    const tokens = await client.clientCredentials({ clientId, clientSecret });
    assert.equal(claimsOf(tokens.accessToken).kind, 'client_access');
    assert.equal(claimsOf(tokens.refreshToken).kind, 'client_refresh');
    const narrowed = await client.clientCredentials({ clientId, clientSecret, scope: 'nodes:read', expiration: 60 });
    const claims = claimsOf(narrowed.accessToken);
    assert.equal(claims.scope, 'nodes:read');
    assert.equal(claims.exp - claims.iat, 60);
    const refreshed = await client.refresh(tokens.refreshToken, { scope: 'nodes:write' });
    assert.equal(claimsOf(refreshed.accessToken).scope, 'nodes:write');
    assert.equal(refreshed.refreshToken, undefined, 'no rotation by default');
    const raw = await client.token({ grantType: 'refreshToken', refreshToken: tokens.refreshToken });
    assert.equal(claimsOf(raw.accessToken).client_id, clientId);
  });

  it('lists and revokes sessions, and logs out everywhere', async () => {
    const { accessToken, email, password, clientId, clientSecret } = await newClientKey(client);
    const first = await client.clientCredentials({ clientId, clientSecret });
    const second = await client.clientCredentials({ clientId, clientSecret });
    const sessions = await client.listRefreshTokens(accessToken);
    assert.equal(sessions.length, 2);
    assert.ok(sessions.every((s) => s.kind === 'client_refresh' && s.clientId === clientId));
    const firstSession = claimsOf(first.refreshToken).sid;
    await client.revokeRefreshToken(accessToken, firstSession);
    assertError(await rejection(client.refresh(first.refreshToken)), 400, 'invalid_grant');
    assertError(await rejection(client.revokeRefreshToken(accessToken, firstSession)), 404, 'not_found');
    assert.deepEqual(await client.logoutEverywhere(accessToken), { revoked: 1 });
    assertError(await rejection(client.refresh(second.refreshToken)), 400, 'invalid_grant');
    // Logging out everywhere ends the caller's own token too (unless it is of the same second).
    const again = await client.login({ email, password });
    assert.deepEqual(await client.listRefreshTokens(again.accessToken), []);
  });

  it('reads the JWKS and readiness', async () => {
    const jwks = await client.jwks();
    assert.ok(jwks.keys.length >= 1);
    assert.equal(jwks.keys[0].kty, 'OKP');
    assert.deepEqual(await client.ready(), { status: 'ok' });
  });
});

describe('API error rows', () => {
  it('400 invalid_request: a bad expiration, a weak password, a missing field', async () => {
    const { email, password } = await newAccount(client);
    assertError(await rejection(client.login({ email, password, expiration: 0 })), 400, 'invalid_request');
    assertError(
      await rejection(client.signUp({ email: 'weak@example.com', password: 'short' })),
      400,
      'invalid_request',
    );
    assertError(await rejection(client.token({ grantType: 'clientCredentials' })), 400, 'invalid_request');
  });

  it('400 unsupported_grant_type', async () => {
    assertError(await rejection(client.token({ grantType: 'password' })), 400, 'unsupported_grant_type');
  });

  it('400 invalid_scope: a key or a grant wider than allowed', async () => {
    const { accessToken, clientId, clientSecret } = await newClientKey(client, { scope: 'nodes:read' });
    assertError(await rejection(client.createClientKey(accessToken, { scope: 'admin' })), 400, 'invalid_scope');
    const err = await rejection(client.clientCredentials({ clientId, clientSecret, scope: 'nodes:write' }));
    assertError(err, 400, 'invalid_scope');
  });

  it('401 invalid_client: a wrong secret, a deleted key', async () => {
    const { accessToken, clientId, clientSecret } = await newClientKey(client);
    const wrong = `${clientSecret.slice(0, -1)}${clientSecret.endsWith('0') ? '1' : '0'}`;
    assertError(await rejection(client.clientCredentials({ clientId, clientSecret: wrong })), 401, 'invalid_client');
    await client.deleteClientKey(accessToken, clientId);
    assertError(await rejection(client.clientCredentials({ clientId, clientSecret })), 401, 'invalid_client');
  });

  it('400 invalid_grant: an access token as refresh token, a garbage token', async () => {
    const { clientId, clientSecret } = await newClientKey(client);
    const tokens = await client.clientCredentials({ clientId, clientSecret });
    assertError(await rejection(client.refresh(tokens.accessToken)), 400, 'invalid_grant');
    assertError(await rejection(client.refresh('a.b.c')), 400, 'invalid_grant');
  });

  it('401 invalid_credentials: a wrong password and an unknown account answer alike', async () => {
    const { email } = await newAccount(client);
    const wrong = await rejection(client.login({ email, password: strongPassword() }));
    const unknown = await rejection(client.login({ email: 'nobody@example.com', password: strongPassword() }));
    assertError(wrong, 401, 'invalid_credentials');
    assertError(unknown, 401, 'invalid_credentials');
    assert.equal(wrong.message, unknown.message);
  });

  it('401 invalid_token: garbage, a refresh token as bearer, no token', async () => {
    const { clientId, clientSecret } = await newClientKey(client);
    const tokens = await client.clientCredentials({ clientId, clientSecret });
    assertError(await rejection(client.me('not-a-token')), 401, 'invalid_token');
    assertError(await rejection(client.me(tokens.refreshToken)), 401, 'invalid_token');
    assertError(await rejection(client.listClientKeys('')), 401, 'invalid_token');
  });

  it('403 insufficient_token_kind: a client token on an account endpoint', async () => {
    const { clientId, clientSecret } = await newClientKey(client);
    const { accessToken } = await client.clientCredentials({ clientId, clientSecret });
    assertError(await rejection(client.me(accessToken)), 403, 'insufficient_token_kind');
    assertError(await rejection(client.listClientKeys(accessToken)), 403, 'insufficient_token_kind');
  });

  it('409 conflict: an email already registered', async () => {
    const { email } = await newAccount(client);
    assertError(await rejection(client.signUp({ email, password: strongPassword() })), 409, 'conflict');
  });

  it('413 payload_too_large: a body over 64 KiB', async () => {
    const err = await rejection(client.signUp({ email: 'big@example.com', password: 'x'.repeat(70_000) }));
    assertError(err, 413, 'payload_too_large');
  });

  it('404 not_found: another account’s key', async () => {
    const a = await newClientKey(client);
    const b = await newAccount(client);
    assertError(await rejection(client.deleteClientKey(b.accessToken, a.clientId)), 404, 'not_found');
  });

  it('403 signup_closed, and 429 too_many_attempts with Retry-After', async () => {
    const closed = await startLatchkeyd({
      config: 'signup_open = false\n[lockout]\nfree_attempts = 1\nlockout_after = 3\n',
    });
    try {
      const err = await rejection(closed.client.signUp({ email: 'a@example.com', password: strongPassword() }));
      assertError(err, 403, 'signup_closed');
      const attempts = [];
      for (let i = 0; i < 3; i++) {
        attempts.push(await rejection(closed.client.login({ email: 'a@example.com', password: strongPassword() })));
      }
      const limited = attempts.find((e) => e.code === 'too_many_attempts');
      assert.ok(limited, attempts.map((e) => e.code).join());
      assertError(limited, 429, 'too_many_attempts');
      assert.ok(limited.retryAfter >= 1, `retryAfter ${limited.retryAfter}`);
      assert.equal(limited.transient, true);
    } finally {
      await closed.stop();
    }
  });
});

describe('failures without a usable answer', () => {
  it('an unreachable server is network_error, status 0', async () => {
    const dead = new LatchkeyClient({ server: 'http://127.0.0.1:9' });
    const err = await rejection(dead.ready());
    assertError(err, 0, 'network_error');
    assert.equal(err.transient, true);
  });

  it('a server that never answers is timeout, status 0, within the deadline', async () => {
    const silent = http.createServer(() => {});
    await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const slow = new LatchkeyClient({ server: `http://127.0.0.1:${silent.address().port}`, timeoutMs: 300 });
      const started = Date.now();
      const err = await rejection(slow.me('token'));
      assertError(err, 0, 'timeout');
      assert.ok(Date.now() - started < 2_000);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('a custom fetch that ignores the abort signal still times out', async () => {
    const stuck = new LatchkeyClient({
      server: 'http://127.0.0.1:9',
      timeoutMs: 200,
      fetch: () => new Promise(() => {}),
    });
    assertError(await rejection(stuck.ready()), 0, 'timeout');
  });

  it('an HTML page is invalid_response; a proxy 502 is unavailable', async () => {
    let status = 200;
    const proxy = http.createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end('<html>hello</html>');
    });
    await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    try {
      const odd = new LatchkeyClient({ server: `http://127.0.0.1:${proxy.address().port}` });
      assertError(await rejection(odd.ready()), 0, 'invalid_response');
      status = 500;
      assertError(await rejection(odd.ready()), 0, 'invalid_response');
      status = 502;
      assertError(await rejection(odd.ready()), 502, 'unavailable');
    } finally {
      proxy.closeAllConnections();
      proxy.close();
    }
  });

  it('refuses a server URL that is not http(s)', () => {
    assert.throws(() => new LatchkeyClient({ server: 'ftp://example.com' }), TypeError);
    assert.throws(() => new LatchkeyClient({ server: 'not a url' }), TypeError);
    assert.equal(new LatchkeyClient({ server: 'http://127.0.0.1:8400/' }).server, 'http://127.0.0.1:8400');
  });

  it('never puts secrets in error messages', async () => {
    const { clientId } = await newClientKey(client);
    const secret = 'f'.repeat(80);
    const err = await rejection(client.clientCredentials({ clientId, clientSecret: secret }));
    assert.ok(!err.message.includes(secret));
    assert.ok(!JSON.stringify(err).includes(secret));
  });
});
