// Revocation reaching a verifier: with a real latchkeyd whose status lists have a 1 s
// ttl, a token whose session is revoked is refused by the JS verifier (and by the Rust
// latchkey-nodes, with the same answer) once the list is fetched again, while a token of
// another session still passes.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import { createVerifier } from '../dist/index.js';
import { claimsOf, newClientKey, rejection, startLatchkeyd, startNodes } from './helpers.js';

async function nodesStatus(url, token) {
  const answer = await fetch(`${url}/nodes/v1/status`, { headers: { authorization: `Bearer ${token}` } });
  return { status: answer.status, body: await answer.json() };
}

describe('a token revoked on a real latchkeyd', () => {
  let server;
  let rust;

  before(async () => {
    server = await startLatchkeyd({ config: '[status_list]\nttl_seconds = 1\n' });
    rust = await startNodes(server.url);
  });
  after(async () => {
    await rust?.stop();
    await server?.stop();
  });

  it('is refused after the list is fetched again, and other tokens still pass', async () => {
    const owner = await newClientKey(server.client);
    const grant = () => server.client.clientCredentials({ clientId: owner.clientId, clientSecret: owner.clientSecret });
    const doomed = await grant();
    const kept = await grant();
    const status = claimsOf(doomed.accessToken).status.status_list;
    assert.equal(status.uri, `${server.url}/statuslists/0`);
    assert.equal(typeof status.idx, 'number');

    const verifier = createVerifier({ issuer: server.url });
    await verifier.verify(doomed.accessToken);
    await verifier.verify(kept.accessToken);
    assert.equal((await nodesStatus(rust.url, doomed.accessToken)).status, 200);

    const sid = claimsOf(doomed.refreshToken).sid;
    await server.client.revokeRefreshToken(owner.accessToken, sid);
    const deadline = Date.now() + 3_000;
    let err;
    for (;;) {
      try {
        await verifier.verify(doomed.accessToken);
      } catch (caught) {
        err = caught;
        break;
      }
      assert.ok(Date.now() < deadline, 'still accepted 3 s after the revocation, with a 1 s ttl');
      await sleep(100);
    }
    assert.equal(err.status, 401);
    assert.equal(err.code, 'invalid_token');
    assert.equal(err.message, 'token revoked');
    assert.equal((await verifier.verify(kept.accessToken)).sub, claimsOf(kept.accessToken).sub);

    for (;;) {
      const answer = await nodesStatus(rust.url, doomed.accessToken);
      if (answer.status === 401) {
        assert.equal(answer.body.message, err.message);
        break;
      }
      assert.ok(Date.now() < deadline, 'latchkey-nodes still accepts the token 3 s after the revocation');
      await sleep(100);
    }
    assert.equal((await nodesStatus(rust.url, kept.accessToken)).status, 200);
  });

  it('a verifier that cannot fetch the list refuses when closed and accepts when open', async () => {
    const owner = await newClientKey(server.client);
    const { accessToken } = await server.client.clientCredentials({
      clientId: owner.clientId,
      clientSecret: owner.clientSecret,
    });
    const broken = async (input, init) => {
      if (String(input).includes('/statuslists/')) throw new TypeError('network down');
      return fetch(input, init);
    };
    const closed = createVerifier({ issuer: server.url, fetch: broken });
    const refused = await rejection(closed.verify(accessToken));
    assert.equal(refused.status, 503);
    assert.equal(refused.code, 'unavailable');
    const open = createVerifier({ issuer: server.url, fetch: broken, statusFailure: 'open' });
    assert.equal((await open.verify(accessToken)).kind, 'client_access');
  });
});
