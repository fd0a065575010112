// The verifier's DPoP checks (verifyRequest and the middleware) on DPoP-bound tokens from
// a real latchkeyd, answered as latchkey-nodes answers the same requests.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { createVerifier, DpopKey, LatchkeyError } from '../dist/index.js';
import { answerOf, jsNodes, newClientKey, rejection, startLatchkeyd, startNodes } from './helpers.js';

const PATH = '/nodes/v1/status';

describe('DPoP-bound tokens at the verifier', () => {
  let server;
  let rust;
  let js;
  let verifier;
  let key;
  let bound; // a DPoP-bound access token
  let unbound; // a bearer access token

  before(async () => {
    server = await startLatchkeyd();
    rust = await startNodes(server.url);
    verifier = createVerifier({ issuer: server.url });
    js = await jsNodes(verifier);
    key = await DpopKey.generate('ES256');
    const { clientId, clientSecret } = await newClientKey(server.client);
    bound = (await server.client.clientCredentials({ clientId, clientSecret, dpop: key })).accessToken;
    unbound = (await server.client.clientCredentials({ clientId, clientSecret })).accessToken;
  });
  after(async () => {
    await js?.stop();
    await rust?.stop();
    await server?.stop();
  });

  /** The headers of a request to `base`: a DPoP token with a proof made by `make(url)`. */
  const dpop = async (base, token, make) => ({ authorization: `DPoP ${token}`, dpop: await make(`${base}${PATH}`) });

  /** Sends the same kind of request to latchkey-nodes and the JS service; both must answer alike. */
  async function both(headersFor, status, code) {
    const [a, b] = [
      await answerOf(rust.url, await headersFor(rust.url)),
      await answerOf(js.url, await headersFor(js.url)),
    ];
    assert.equal(a.status, status, `latchkey-nodes: ${a.body}`);
    assert.equal(b.status, status, `JS: ${b.body}`);
    if (status === 200) {
      assert.deepEqual(JSON.parse(b.body).caller, JSON.parse(a.body).caller);
      return;
    }
    assert.equal(JSON.parse(a.body).error, code);
    assert.equal(JSON.parse(b.body).error, code);
    assert.equal(b.challenge, a.challenge, 'WWW-Authenticate');
  }

  it('accepts a bound token with a proof by its key (verifyRequest and the middleware)', async () => {
    const url = `${js.url}${PATH}?x=1`;
    const headers = { authorization: `DPoP ${bound}`, dpop: await key.proof('GET', url, { accessToken: bound }) };
    const claims = await verifier.verifyRequest({ headers, method: 'GET', url });
    assert.equal(claims.cnf.jkt, key.thumbprint);
    await both((base) => dpop(base, bound, (u) => key.proof('GET', u, { accessToken: bound })), 200);
    // The bearer path is unchanged.
    assert.equal(
      (
        await verifier.verifyRequest({
          headers: new Headers({ authorization: `Bearer ${unbound}` }),
          method: 'GET',
          url,
        })
      ).cnf,
      undefined,
    );
  });

  it('refuses a bound token as Bearer and an unbound one as DPoP (invalid_token)', async () => {
    await both(() => ({ authorization: `Bearer ${bound}` }), 401, 'invalid_token');
    await both(
      (base) => dpop(base, unbound, (u) => key.proof('GET', u, { accessToken: unbound })),
      401,
      'invalid_token',
    );
  });

  it('refuses a proof by another key (invalid_token)', async () => {
    const other = await DpopKey.generate('ES256');
    await both((base) => dpop(base, bound, (u) => other.proof('GET', u, { accessToken: bound })), 401, 'invalid_token');
  });

  it('refuses missing, duplicated, replayed and mismatched proofs (invalid_dpop_proof)', async () => {
    const proof = (options) => (u) =>
      key.proof(options.method ?? 'GET', options.url ?? u, { accessToken: bound, ...options.claims });
    await both(() => ({ authorization: `DPoP ${bound}` }), 401, 'invalid_dpop_proof');
    await both(
      async (base) => {
        const make = proof({});
        return {
          authorization: `DPoP ${bound}`,
          dpop: `${await make(`${base}${PATH}`)}, ${await make(`${base}${PATH}`)}`,
        };
      },
      401,
      'invalid_dpop_proof',
    );
    await both((base) => dpop(base, bound, proof({ method: 'POST' })), 401, 'invalid_dpop_proof');
    await both((base) => dpop(base, bound, proof({ url: `${base}/nodes/v1/other` })), 401, 'invalid_dpop_proof');
    await both(
      (base) => dpop(base, bound, (u) => key.proof('GET', u, { accessToken: unbound })),
      401,
      'invalid_dpop_proof',
    );

    // A proof is good once.
    const url = `${js.url}${PATH}`;
    const headers = { authorization: `DPoP ${bound}`, dpop: await key.proof('GET', url, { accessToken: bound }) };
    await verifier.verifyRequest({ headers, method: 'GET', url });
    const err = await rejection(verifier.verifyRequest({ headers, method: 'GET', url }));
    assert.ok(err instanceof LatchkeyError);
    assert.equal(err.code, 'invalid_dpop_proof');
    assert.match(err.message, /used before/);
    assert.match(err.challenge, /^DPoP error="invalid_dpop_proof"/);
  });

  it('refuses a bound token at verify(), where no proof can be checked', async () => {
    const err = await rejection(verifier.verify(bound));
    assert.equal(err.code, 'invalid_token');
    assert.match(err.challenge, /^DPoP /);
  });

  it('checks htu against publicUrl when set (a service behind a proxy)', async () => {
    const behind = createVerifier({ issuer: server.url, publicUrl: 'https://api.example.com/' });
    const url = 'https://api.example.com/nodes/v1/status';
    const headers = { authorization: `DPoP ${bound}`, dpop: await key.proof('GET', url, { accessToken: bound }) };
    const outcome = await new Promise((resolve) => {
      const res = { statusCode: 200, setHeader() {}, end: (body) => resolve(body) };
      behind.middleware()({ headers: { ...headers, host: '127.0.0.1:1' }, method: 'GET', url: PATH }, res, () =>
        resolve('accepted'),
      );
    });
    assert.equal(outcome, 'accepted');
  });
});
