// The verifier: its accept/refuse table on real latchkeyd tokens and on tokens signed here
// by a fake issuer, its middleware's answers compared byte for byte with latchkey-nodes'
// for the same tokens, and the status-list revocation check.

import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { deflateSync } from 'node:zlib';

import { exportJWK, generateKeyPair, SignJWT } from 'jose';

import { bearerToken, createVerifier, LatchkeyError } from '../dist/index.js';
import {
  answerOf,
  jsNodes,
  newAccount,
  newClientKey,
  rejection,
  sameAnswer,
  startLatchkeyd,
  startNodes,
} from './helpers.js';

const b64 = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

const bearer = (token) => ({ authorization: `Bearer ${token}` });

describe('with tokens from a real latchkeyd', () => {
  let server;
  let rust;
  let js;
  let verifier;
  let clientTokens;
  let accountToken;
  let writeOnly;

  before(async () => {
    server = await startLatchkeyd();
    rust = await startNodes(server.url);
    verifier = createVerifier({ issuer: server.url });
    js = await jsNodes(verifier);
    const owner = await newClientKey(server.client);
    clientTokens = await server.client.clientCredentials({
      clientId: owner.clientId,
      clientSecret: owner.clientSecret,
    });
    accountToken = (await newAccount(server.client)).accessToken;
    const narrow = await newClientKey(server.client, { name: 'writer', scope: 'nodes:write' });
    writeOnly = (
      await server.client.clientCredentials({ clientId: narrow.clientId, clientSecret: narrow.clientSecret })
    ).accessToken;
  });
  after(async () => {
    await js?.stop();
    await rust?.stop();
    await server?.stop();
  });

  it('accepts client and account access tokens', async () => {
    const claims = await verifier.verify(clientTokens.accessToken);
    assert.equal(claims.kind, 'client_access');
    assert.equal(claims.iss, server.url);
    assert.equal(typeof claims.client_id, 'string');
    assert.equal((await verifier.verify(accountToken)).kind, 'account_access');
    assert.equal(verifier.keyCount, 1);
    await sameAnswer(rust.url, js.url, bearer(clientTokens.accessToken), 200);
    await sameAnswer(rust.url, js.url, bearer(accountToken), 200);
    await sameAnswer(rust.url, js.url, { 'x-auth-token': accountToken }, 200);
  });

  it('refuses a refresh token', async () => {
    const err = await rejection(verifier.verify(clientTokens.refreshToken));
    assert.ok(err instanceof LatchkeyError);
    assert.equal(err.status, 401);
    assert.equal(err.code, 'invalid_token');
    await sameAnswer(rust.url, js.url, bearer(clientTokens.refreshToken), 401);
  });

  it('refuses tampered tokens', async () => {
    const [h, p, s] = clientTokens.accessToken.split('.');
    const claims = JSON.parse(Buffer.from(p, 'base64url'));
    const widened = `${h}.${b64({ ...claims, sub: 'someone-else' })}.${s}`;
    const resigned = `${h}.${p}.${s.startsWith('A') ? 'B' : 'A'}${s.slice(1)}`;
    for (const token of [widened, resigned]) {
      const err = await rejection(verifier.verify(token));
      assert.equal(err.code, 'invalid_token');
      assert.equal(err.message, 'bad signature');
      await sameAnswer(rust.url, js.url, bearer(token), 401);
    }
  });

  it('refuses a token without the scope (403 insufficient_scope)', async () => {
    const scoped = verifier.with({ requiredScope: 'nodes:read' });
    const err = await rejection(scoped.verify(writeOnly));
    assert.equal(err.status, 403);
    assert.equal(err.code, 'insufficient_scope');
    await sameAnswer(rust.url, js.url, bearer(writeOnly), 403);
  });

  it('narrows the kinds: a client token where only account tokens go is 403 insufficient_token_kind', async () => {
    const accountsOnly = verifier.with({ kinds: ['account_access'] });
    assert.equal((await accountsOnly.verify(accountToken)).kind, 'account_access');
    const err = await rejection(accountsOnly.verify(clientTokens.accessToken));
    assert.equal(err.status, 403);
    assert.equal(err.code, 'insufficient_token_kind');
    assert.equal(err.message, 'client_access tokens are not accepted here');
    assert.match(err.challenge, /^Bearer error="insufficient_scope"/);
  });

  it('reads Authorization: Bearer (any case) before X-Auth-Token', () => {
    assert.equal(bearerToken({ authorization: 'bearer  a.b.c ' }), 'a.b.c');
    assert.equal(bearerToken({ authorization: 'Basic x', 'x-auth-token': 'x.y.z' }), 'x.y.z');
    assert.equal(bearerToken({ authorization: 'Bearer t', 'x-auth-token': 'x.y.z' }), 't');
    assert.equal(bearerToken(new Headers({ 'X-Auth-Token': 'h.e.d' })), 'h.e.d');
    assert.equal(bearerToken({ authorization: 'Bearer ' }), undefined);
    assert.equal(bearerToken({}), undefined);
  });

  it('answers a missing or malformed token as latchkey-nodes does', async () => {
    const missing = await sameAnswer(rust.url, js.url, {}, 401);
    assert.equal(missing.challenge, 'Bearer');
    await sameAnswer(rust.url, js.url, { authorization: 'Basic abc' }, 401);
    for (const token of ['garbage', 'a.b', 'a.b.c.d', '!!.e30.AA', 'e30.e30.AA', `${'a'.repeat(9000)}.b.c`]) {
      await sameAnswer(rust.url, js.url, bearer(token), 401);
    }
  });
});

describe('with tokens signed by a fake issuer', () => {
  let issuer; // the fake issuer's URL
  let fake;
  let rust;
  let js;
  let verifier;
  let ed;
  let ec;
  let other; // a key the issuer does not publish
  const lists = new Map(); // path -> {status, body}
  const listRequests = [];

  async function sign(claims, { key = ed, header = {} } = {}) {
    const base = {
      iss: issuer,
      sub: '6a3d0f52-5b44-4f4f-9d0c-2d1c1e7b7a10',
      aud: issuer,
      iat: now(),
      nbf: now(),
      exp: now() + 600,
      jti: crypto.randomUUID(),
      kind: 'client_access',
      scope: 'nodes:read nodes:write',
      client_id: 'ab'.repeat(20),
    };
    const body = { ...base, ...claims };
    for (const [name, value] of Object.entries(body)) if (value === undefined) delete body[name];
    return new SignJWT(body)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt', ...header })
      .sign(key.private);
  }

  /** Signs any header (jose refuses to sign some that a verifier must refuse). */
  async function signRaw(header) {
    const input = `${b64(header)}.${b64({ iss: issuer, exp: now() + 600 })}`;
    const signature = await crypto.subtle.sign('Ed25519', ed.private, new TextEncoder().encode(input));
    return `${input}.${Buffer.from(signature).toString('base64url')}`;
  }

  async function signList(bits, { sub, ttl = 30, key = ed, typ = 'statuslist+jwt', exp = now() + 3600 } = {}) {
    return new SignJWT({
      sub,
      iat: now(),
      exp,
      ttl,
      status_list: { bits: 1, lst: deflateSync(Buffer.from(bits)).toString('base64url') },
    })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ })
      .sign(key.private);
  }

  before(async () => {
    const makeKey = async (alg, kid) => {
      const pair = await generateKeyPair(alg, { crv: alg === 'EdDSA' ? 'Ed25519' : undefined });
      return {
        alg,
        kid,
        private: pair.privateKey,
        jwk: { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' },
      };
    };
    ed = await makeKey('EdDSA', 'ed-1');
    ec = await makeKey('ES256', 'ec-1');
    other = await makeKey('EdDSA', 'other');
    fake = http.createServer((req, res) => {
      if (req.url === '/.well-known/jwks.json') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ keys: [ed.jwk, ec.jwk] }));
        return;
      }
      const list = lists.get(req.url);
      if (list !== undefined) {
        listRequests.push({ url: req.url, accept: req.headers.accept });
        if (list === 'drop') {
          req.socket.destroy();
          return;
        }
        res.writeHead(list.status, { 'content-type': list.type ?? 'application/statuslist+jwt' });
        res.end(list.body);
        return;
      }
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end('{"error":"not_found","message":"no such status list"}');
    });
    await new Promise((resolve) => fake.listen(0, '127.0.0.1', resolve));
    issuer = `http://127.0.0.1:${fake.address().port}`;
    rust = await startNodes(issuer);
    verifier = createVerifier({ issuer });
    js = await jsNodes(verifier);
  });
  after(async () => {
    await js?.stop();
    await rust?.stop();
    fake?.closeAllConnections();
    await new Promise((resolve) => (fake ? fake.close(resolve) : resolve()));
  });

  it('accepts EdDSA and ES256 access tokens of both kinds', async () => {
    for (const token of [
      await sign({}),
      await sign({}, { key: ec }),
      await sign({ kind: 'account_access', client_id: undefined }),
      await sign({}, { header: { typ: 'application/AT+JWT' } }),
    ]) {
      const claims = await verifier.verify(token);
      assert.equal(claims.iss, issuer);
      await sameAnswer(rust.url, js.url, bearer(token), 200);
    }
  });

  const refusals = [
    ['expired', () => sign({ exp: now() - 120, iat: now() - 720, nbf: now() - 720 }), 401, 'token expired'],
    ['expired within the 60 s leeway is accepted', () => sign({ exp: now() - 10 }), 200],
    ['not yet valid', () => sign({ nbf: now() + 600 }), 401, 'token not valid yet'],
    ['from another issuer', () => sign({ iss: 'http://127.0.0.1:1' }), 401, 'wrong issuer'],
    ['for another audience', () => sign({ aud: 'https://elsewhere.example' }), 401, 'wrong audience'],
    [
      'a DPoP-bound token (no proof can be checked here)',
      () => sign({ cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } }),
      401,
      'a DPoP-bound token must be sent as `Authorization: DPoP` with a proof',
    ],
    [
      'alg none',
      async () => `${b64({ alg: 'none', typ: 'at+jwt' })}.${b64({ iss: issuer })}.`,
      401,
      'unsupported algorithm "none"',
    ],
    ['HS256', () => new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid: 'ed-1' }).sign(new Uint8Array(32)), 401],
    ['signed with an unpublished key', () => sign({}, { key: other }), 401, 'no key with id "other"'],
    [
      'signed with a published kid but another key',
      () => sign({}, { key: { ...other, kid: 'ed-1' } }),
      401,
      'bad signature',
    ],
    ['without kid', () => sign({}, { header: { kid: undefined } }), 401, 'malformed token: header has no kid'],
    ['of typ JWT', () => sign({}, { header: { typ: 'JWT' } }), 401],
    ['a refresh kind under typ at+jwt', () => sign({ kind: 'client_refresh' }), 401],
    ['a refresh token', () => sign({ kind: 'client_refresh' }, { header: { typ: 'rt+jwt' } }), 401],
    ['without exp', () => sign({ exp: undefined }), 401, 'malformed token: token has no exp'],
    ['of an unknown kind', () => sign({ kind: 'admin' }), 401, 'malformed token: claims do not parse'],
    ['with an array audience', () => sign({ aud: [issuer] }), 401, 'malformed token: claims do not parse'],
    ['with crit', () => signRaw({ alg: 'EdDSA', kid: 'ed-1', typ: 'at+jwt', crit: ['b64'], b64: true }), 401],
    ['missing the scope', () => sign({ scope: 'nodes:write' }), 403],
  ];
  for (const [name, make, status, message] of refusals) {
    it(`${status === 200 ? '' : 'refuses '}${name}`, async () => {
      const token = await make();
      await sameAnswer(rust.url, js.url, bearer(token), status);
      if (message !== undefined && status !== 200) {
        const err = await rejection(verifier.verify(token));
        assert.equal(err.message, message);
      }
    });
  }

  it('verifies a token seen before without its signature, but with every other rule', async () => {
    const strict = createVerifier({ issuer, leewaySeconds: 0 });
    const token = await sign({ exp: now() + 2 });
    await strict.verify(token);
    await strict.verify(token); // from the cache of checked signatures
    await sleep(2100);
    const err = await rejection(strict.verify(token));
    assert.equal(err.message, 'token expired');
  });

  describe('revocation status lists', () => {
    const uri = (n) => `${issuer}/statuslists/${n}`;
    const withStatus = (idx, n) => sign({ status: { status_list: { idx, uri: uri(n) } } });
    // Bits 3, 9 and 15 are set: byte 0 = 0b0000_1000, byte 1 = 0b1000_0010.
    const revokedBits = [0b0000_1000, 0b1000_0010, 0, 0];

    it('refuses a revoked token, accepts the others, reading bits least-significant first', async () => {
      lists.set('/statuslists/1', { status: 200, body: await signList(revokedBits, { sub: uri(1) }) });
      listRequests.length = 0;
      for (const idx of [0, 2, 4, 8, 10, 14, 16, 31]) {
        assert.equal((await verifier.verify(await withStatus(idx, 1))).kind, 'client_access', `idx ${idx}`);
      }
      for (const idx of [3, 9, 15]) {
        const err = await rejection(verifier.verify(await withStatus(idx, 1)));
        assert.equal(err.status, 401, `idx ${idx}`);
        assert.equal(err.code, 'invalid_token');
        assert.equal(err.message, 'token revoked');
      }
      assert.equal(listRequests.length, 1, 'one fetch, then the cache');
      assert.equal(listRequests[0].accept, 'application/statuslist+jwt');
      const answer = await answerOf(js.url, bearer(await withStatus(9, 1)));
      assert.equal(answer.status, 401);
      assert.deepEqual(JSON.parse(answer.body), { error: 'invalid_token', message: 'token revoked' });
      assert.equal(answer.challenge, 'Bearer error="invalid_token", error_description="the token has been revoked"');
    });

    it('refetches after the ttl and sees a new revocation', async () => {
      const token = await withStatus(5, 2);
      lists.set('/statuslists/2', { status: 200, body: await signList([0, 0], { sub: uri(2), ttl: 1 }) });
      await verifier.verify(token);
      lists.set('/statuslists/2', { status: 200, body: await signList([0b0010_0000, 0], { sub: uri(2), ttl: 1 }) });
      await verifier.verify(token); // cached: still valid
      await sleep(1100);
      const err = await rejection(verifier.verify(token));
      assert.equal(err.message, 'token revoked');
    });

    it('fails closed when no list was ever fetched, open when asked', async () => {
      lists.set('/statuslists/3', { status: 500, body: 'oops', type: 'text/plain' });
      lists.set('/statuslists/4', 'drop');
      for (const n of [3, 4, 99]) {
        const token = await withStatus(1, n);
        const err = await rejection(verifier.verify(token));
        assert.equal(err.status, 503, `list ${n}`);
        assert.equal(err.code, 'unavailable');
        const open = createVerifier({ issuer, statusFailure: 'open' });
        assert.equal((await open.verify(token)).kind, 'client_access');
      }
      const answer = await answerOf(js.url, bearer(await withStatus(1, 3)));
      assert.equal(answer.status, 503);
      assert.equal(JSON.parse(answer.body).error, 'unavailable');
    });

    it('refuses lists that are not the issuer’s own for that uri', async () => {
      const cases = [
        ['5', await signList([0], { sub: uri(5), key: other })], // unpublished key
        ['6', await signList([0], { sub: uri(1) })], // another list's sub
        ['7', await signList([0], { sub: uri(7), typ: 'JWT' })], // wrong typ
        ['8', await signList([0], { sub: uri(8), exp: now() - 3600 })], // expired
      ];
      for (const [n, body] of cases) {
        lists.set(`/statuslists/${n}`, { status: 200, body });
        const err = await rejection(verifier.verify(await withStatus(0, n)));
        assert.equal(err.status, 503, `list ${n}: ${err.message}`);
      }
    });

    it('keeps the last list while refetching fails', async () => {
      const token = await withStatus(3, 9);
      lists.set('/statuslists/9', { status: 200, body: await signList(revokedBits, { sub: uri(9), ttl: 1 }) });
      assert.equal((await rejection(verifier.verify(token))).message, 'token revoked');
      lists.set('/statuslists/9', { status: 503, body: 'down', type: 'text/plain' });
      await sleep(1100);
      assert.equal((await rejection(verifier.verify(token))).message, 'token revoked');
      assert.equal((await verifier.verify(await withStatus(0, 9))).kind, 'client_access');
    });

    it('refuses a status list on another origin', async () => {
      const token = await sign({ status: { status_list: { idx: 0, uri: 'http://127.0.0.1:1/statuslists/1' } } });
      const err = await rejection(verifier.verify(token));
      assert.equal(err.status, 401);
    });
  });

  it('answers 503 while no key can be fetched', async () => {
    const nowhere = createVerifier({ issuer: 'http://127.0.0.1:9', timeoutMs: 500 });
    const token = await sign({});
    const err = await rejection(nowhere.verify(token));
    assert.equal(err.status, 503);
    assert.equal(err.code, 'unavailable');
    await assert.rejects(nowhere.fetchKeys(), (e) => e instanceof LatchkeyError && e.code === 'unavailable');
  });
});
