// DPoP (RFC 9449) against the real latchkeyd and latchkey-nodes: bound tokens for ES256
// and EdDSA keys, refresh keeps the binding, dpopBound keys, resource requests, the key in
// the storage; and server nonces against a small mock token endpoint.

import assert from 'node:assert/strict';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { DpopKey, fileStorage, LatchkeyClient, LatchkeyError, memoryStorage, webStorage } from '../dist/index.js';
import { claimsOf, newClientKey, rejection, startLatchkeyd, startNodes } from './helpers.js';

let server;
let client;
let nodes;
let work;

before(async () => {
  server = await startLatchkeyd();
  client = server.client;
  nodes = await startNodes(server.url);
  work = await mkdtemp(path.join(tmpdir(), 'latchkey-js-dpop-'));
});
after(async () => {
  await nodes?.stop();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** RFC 7638 thumbprint of a public JWK, computed here independently of the SDK. */
function thumbprint(jwk) {
  const members =
    jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** The header and claims of a proof, after checking its signature with node:crypto. */
function checkProof(proof) {
  const [h, c, s] = proof.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  const claims = JSON.parse(Buffer.from(c, 'base64url').toString());
  const key = createPublicKey({ key: header.jwk, format: 'jwk' });
  const input = Buffer.from(`${h}.${c}`);
  const signature = Buffer.from(s, 'base64url');
  const ok =
    header.alg === 'ES256'
      ? verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature)
      : verify(null, input, key, signature);
  assert.ok(ok, 'the proof is signed by its jwk');
  assert.equal(header.typ, 'dpop+jwt');
  assert.equal(header.jwk.d, undefined, 'no private member in the proof');
  return { header, claims };
}

const status = (base) => `${base}/nodes/v1/status`;

async function ed25519Available() {
  try {
    await DpopKey.generate('EdDSA');
    return true;
  } catch {
    return false;
  }
}

for (const algorithm of ['ES256', 'EdDSA']) {
  describe(`bound tokens (${algorithm})`, () => {
    it('client credentials with a proof give a DPoP token whose cnf.jkt is the key thumbprint', async (t) => {
      if (algorithm === 'EdDSA' && !(await ed25519Available())) return t.skip('no Ed25519 in this WebCrypto');
      const key = await DpopKey.generate(algorithm);
      assert.equal(key.algorithm, algorithm);
      assert.equal(key.thumbprint, thumbprint(key.publicJwk));
      const { clientId, clientSecret } = await newClientKey(client);
      const tokens = await client.clientCredentials({ clientId, clientSecret, dpop: key });
      assert.equal(tokens.tokenType, 'DPoP');
      assert.equal(claimsOf(tokens.accessToken).cnf.jkt, thumbprint(key.publicJwk));
      assert.equal(claimsOf(tokens.refreshToken).cnf.jkt, key.thumbprint, 'the refresh token is bound too');

      const refreshed = await client.refresh(tokens.refreshToken, { dpop: key });
      assert.equal(refreshed.tokenType, 'DPoP');
      assert.equal(claimsOf(refreshed.accessToken).cnf.jkt, key.thumbprint, 'refresh keeps the binding');
      const other = await DpopKey.generate(algorithm);
      const err = await rejection(client.refresh(tokens.refreshToken, { dpop: other }));
      assert.equal(err.code, 'invalid_dpop_proof');
      const bare = await rejection(client.refresh(tokens.refreshToken));
      assert.equal(bare.code, 'invalid_dpop_proof');
      assert.match(bare.message, /DPoP/);
    });

    it('a token source gets bound tokens, keeps them bound on refresh, and latchkey-nodes accepts its requests', async (t) => {
      if (algorithm === 'EdDSA' && !(await ed25519Available())) return t.skip('no Ed25519 in this WebCrypto');
      const { clientId, clientSecret } = await newClientKey(client);
      const source = client.tokenSource({ clientId, clientSecret }, { dpop: algorithm });
      const seen = [];
      source.on('refreshed', (event) => seen.push(event.via));
      const token = await source.getAccessToken();
      assert.equal(source.dpopKey.algorithm, algorithm);
      assert.equal(claimsOf(token).cnf.jkt, thumbprint(source.dpopKey.publicJwk));

      const headers = await source.authorize('GET', `${status(nodes.url)}?verbose=1#top`);
      assert.equal(headers.authorization, `DPoP ${token}`);
      const { claims } = checkProof(headers.dpop);
      assert.equal(claims.htm, 'GET');
      assert.equal(claims.htu, status(nodes.url), 'htu without query and fragment');
      assert.equal(claims.ath, createHash('sha256').update(token).digest('base64url'));
      assert.ok(Math.abs(claims.iat - Date.now() / 1000) < 5);
      assert.match(claims.jti, /^[A-Za-z0-9_-]{16,}$/);
      const byHand = await fetch(status(nodes.url), { headers });
      assert.equal(byHand.status, 200, await byHand.text());

      const answer = await source.fetch(status(nodes.url));
      assert.equal(answer.status, 200, await answer.clone().text());
      assert.equal((await answer.json()).caller.clientId, clientId);

      const asBearer = await fetch(status(nodes.url), { headers: { authorization: `Bearer ${token}` } });
      assert.equal(asBearer.status, 401);
      assert.match(asBearer.headers.get('www-authenticate'), /^DPoP/);
      assert.equal((await asBearer.json()).error, 'invalid_token');

      source.invalidate();
      const fresh = await source.getAccessToken();
      assert.notEqual(fresh, token);
      assert.deepEqual(seen, ['clientCredentials', 'refreshToken']);
      assert.equal(claimsOf(fresh).cnf.jkt, source.dpopKey.thumbprint, 'the refreshed token is bound to the same key');
      assert.equal((await source.fetch(status(nodes.url))).status, 200);
    });
  });
}

describe('dpopBound keys', () => {
  it('refuse grants without a proof with a clear invalid_dpop_proof, and work with one', async () => {
    const { clientId, clientSecret } = await newClientKey(client, { name: 'bound', dpopBound: true });
    const err = await rejection(client.clientCredentials({ clientId, clientSecret }));
    assert.ok(err instanceof LatchkeyError);
    assert.equal(err.status, 400);
    assert.equal(err.code, 'invalid_dpop_proof');
    assert.match(err.message, /DPoP-bound/);
    assert.match(err.message, /dpop: true/);

    const plain = client.tokenSource({ clientId, clientSecret });
    assert.equal((await rejection(plain.getAccessToken())).code, 'invalid_dpop_proof');

    const source = client.tokenSource({ clientId, clientSecret }, { dpop: true });
    const token = await source.getAccessToken();
    assert.equal(source.dpopKey.algorithm, 'ES256', 'ES256 by default');
    assert.equal(claimsOf(token).cnf.jkt, source.dpopKey.thumbprint);
  });
});

describe('the key in the storage', () => {
  it('fileStorage keeps the key (a private JWK) with the tokens in a 0600 file, and a new source reuses both', async () => {
    const { clientId, clientSecret } = await newClientKey(client);
    const file = path.join(work, 'dpop', 'tokens.json');
    const first = client.tokenSource({ clientId, clientSecret }, { storage: fileStorage(file), dpop: true });
    const token = await first.getAccessToken();
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const stored = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(stored.dpopKey.alg, 'ES256');
    assert.equal(typeof stored.dpopKey.privateJwk.d, 'string');
    assert.equal(thumbprint(stored.dpopKey.publicJwk), first.dpopKey.thumbprint);

    // As after a restart: the stored key and token are taken up, no new grant.
    const second = client.tokenSource({ clientId, clientSecret }, { storage: fileStorage(file), dpop: true });
    assert.equal(await second.getAccessToken(), token);
    assert.equal(second.dpopKey.thumbprint, first.dpopKey.thumbprint);
    assert.equal((await second.fetch(status(nodes.url))).status, 200, 'the restored key signs accepted proofs');
    second.invalidate();
    const refreshed = await second.getAccessToken();
    assert.equal(
      claimsOf(refreshed).cnf.jkt,
      first.dpopKey.thumbprint,
      'the bound refresh token works with the restored key',
    );

    // A source without DPoP ignores the bound tokens rather than sending them as Bearer.
    const bearer = client.tokenSource({ clientId, clientSecret }, { storage: fileStorage(file) });
    const unbound = await bearer.getAccessToken();
    assert.equal(claimsOf(unbound).cnf, undefined);
    assert.equal((await bearer.fetch(status(nodes.url))).status, 200);
  });

  it('memoryStorage keeps a non-extractable CryptoKey; webStorage a JWK', async () => {
    const { clientId, clientSecret } = await newClientKey(client);
    const memory = memoryStorage();
    await client.tokenSource({ clientId, clientSecret }, { storage: memory, dpop: true }).getAccessToken();
    const kept = memory.load().dpopKey;
    assert.ok(kept.privateKey instanceof CryptoKey);
    assert.equal(kept.privateKey.extractable, false);
    assert.equal(kept.privateJwk, undefined);

    const items = new Map();
    const web = { getItem: (k) => items.get(k) ?? null, setItem: (k, v) => items.set(k, v) };
    const source = client.tokenSource({ clientId, clientSecret }, { storage: webStorage(web), dpop: true });
    await source.getAccessToken();
    const json = JSON.parse(items.get('latchkey.tokens'));
    assert.equal(typeof json.dpopKey.privateJwk.d, 'string');
    assert.equal(thumbprint(json.dpopKey.publicJwk), source.dpopKey.thumbprint);
  });
});

describe('server nonces (mock token endpoint)', () => {
  /** A token endpoint that wants a nonce, changes it on every answer, and records the proofs. */
  async function nonceServer({ alwaysRefuse = false } = {}) {
    const proofs = [];
    let nonce = 'n-0'; // never advertised: the first proof is refused
    const mock = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const proof = req.headers.dpop;
        const { claims } = checkProof(proof);
        proofs.push(claims);
        // The nonce advertised last is the one accepted; each answer advertises a new one.
        const current = nonce;
        nonce = `n-${proofs.length}`;
        const headers = { 'content-type': 'application/json', 'dpop-nonce': nonce };
        if (alwaysRefuse || claims.nonce !== current) {
          res.writeHead(400, headers);
          res.end(JSON.stringify({ error: 'use_dpop_nonce', message: 'use the DPoP-Nonce' }));
          return;
        }
        const jwt = (payload) => `e30.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.c2ln`;
        const now = Math.floor(Date.now() / 1000);
        res.writeHead(200, headers);
        res.end(
          JSON.stringify({
            accessToken: jwt({ iat: now, exp: now + 300, cnf: { jkt: 'x' } }),
            refreshToken: jwt({ iat: now, sid: 's' }),
            tokenType: 'DPoP',
          }),
        );
      });
    });
    await new Promise((resolve) => mock.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${mock.address().port}`;
    return { url, proofs, stop: () => new Promise((resolve) => mock.close(resolve)) };
  }

  it('a use_dpop_nonce refusal is retried once with the nonce, and the latest nonce is used next', async () => {
    const mock = await nonceServer();
    try {
      const latchkey = new LatchkeyClient({ server: mock.url });
      const key = await DpopKey.generate();
      const tokens = await latchkey.clientCredentials({
        clientId: 'a'.repeat(40),
        clientSecret: 'b'.repeat(80),
        dpop: key,
      });
      assert.equal(tokens.tokenType, 'DPoP');
      assert.equal(mock.proofs.length, 2, 'refused once, then accepted');
      assert.equal(mock.proofs[0].nonce, undefined);
      assert.equal(mock.proofs[1].nonce, 'n-1');
      assert.notEqual(mock.proofs[1].jti, mock.proofs[0].jti, 'a new proof');
      for (const claims of mock.proofs) {
        assert.equal(claims.htm, 'POST');
        assert.equal(claims.htu, `${mock.url}/auth/token`);
        assert.equal(claims.ath, undefined, 'no ath on token requests');
      }

      await latchkey.refresh(tokens.refreshToken, { dpop: key });
      assert.equal(mock.proofs.length, 3, 'the remembered nonce is accepted at once');
      assert.equal(mock.proofs[2].nonce, 'n-2');
    } finally {
      await mock.stop();
    }
  });

  it("fetch() answers a resource service's 401 nonce challenge once with the nonce, and keeps it", async () => {
    const { clientId, clientSecret } = await newClientKey(client);
    const source = client.tokenSource({ clientId, clientSecret }, { dpop: true });
    const token = await source.getAccessToken();
    const seen = [];
    const resource = http.createServer((req, res) => {
      const { claims } = checkProof(req.headers.dpop);
      seen.push({ authorization: req.headers.authorization, nonce: claims.nonce, ath: claims.ath });
      if (claims.nonce !== 'resource-nonce') {
        res.writeHead(401, {
          'www-authenticate':
            'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"',
          'dpop-nonce': 'resource-nonce',
        });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
    });
    await new Promise((resolve) => resource.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${resource.address().port}/thing`;
      const answer = await source.fetch(url);
      assert.equal(answer.status, 200);
      assert.equal(seen.length, 2, 'challenged once, then accepted');
      assert.deepEqual(
        seen.map((s) => s.nonce),
        [undefined, 'resource-nonce'],
      );
      assert.equal(await source.getAccessToken(), token, 'a nonce challenge does not cost the token');
      for (const request of seen) assert.equal(request.authorization, `DPoP ${token}`);
      const { claims } = checkProof((await source.authorize('GET', url)).dpop);
      assert.equal(claims.nonce, 'resource-nonce', 'the nonce is kept for that service');
    } finally {
      await new Promise((resolve) => resource.close(resolve));
    }
  });

  it('a second use_dpop_nonce is the error, not another retry', async () => {
    const mock = await nonceServer({ alwaysRefuse: true });
    try {
      const latchkey = new LatchkeyClient({ server: mock.url });
      const err = await rejection(latchkey.refresh('r', { dpop: await DpopKey.generate() }));
      assert.equal(err.code, 'use_dpop_nonce');
      assert.equal(err.status, 400);
      assert.equal(mock.proofs.length, 2);
    } finally {
      await mock.stop();
    }
  });
});
