// Client-key lifecycle against the real latchkeyd: expiry, networks, DPoP binding and the
// last use round-trip through create and list; secret rotation with and without overlap.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import { LatchkeyError } from '../dist/index.js';
import { newAccount, rejection, startLatchkeyd } from './helpers.js';

let server;
let client;

before(async () => {
  server = await startLatchkeyd();
  client = server.client;
});
after(async () => {
  await server?.stop();
});

async function refused(promise, status, code) {
  const err = await rejection(promise);
  assert.ok(err instanceof LatchkeyError, String(err));
  assert.equal(err.status, status, err.message);
  assert.equal(err.code, code, err.message);
  return err;
}

describe('lifecycle fields', () => {
  it('expiresAt, allowedCidrs and dpopBound round-trip; lastUsedAt and lastUsedIp follow a grant', async () => {
    const { accessToken } = await newAccount(client);
    const expiresAt = new Date(Date.now() + 3600_000);
    expiresAt.setMilliseconds(0);
    const created = await client.createClientKey(accessToken, {
      name: 'ci',
      expiresAt,
      allowedCidrs: ['127.0.0.0/8', '::1'],
      dpopBound: false,
    });
    assert.equal(Date.parse(created.expiresAt), expiresAt.getTime());
    assert.deepEqual(created.allowedCidrs, ['127.0.0.0/8', '::1/128'], 'a single address comes back as a CIDR');
    assert.equal(created.dpopBound, false);

    let [listed] = await client.listClientKeys(accessToken);
    assert.equal(listed.clientId, created.clientId);
    assert.equal(Date.parse(listed.expiresAt), expiresAt.getTime());
    assert.deepEqual(listed.allowedCidrs, ['127.0.0.0/8', '::1/128']);
    assert.equal(listed.dpopBound, false);
    assert.equal(listed.lastUsedAt, null);
    assert.equal(listed.lastUsedIp, undefined);

    await client.clientCredentials({ clientId: created.clientId, clientSecret: created.clientSecret });
    [listed] = await client.listClientKeys(accessToken);
    assert.ok(Date.parse(listed.lastUsedAt) > 0, 'lastUsedAt is set');
    assert.equal(listed.lastUsedIp, '127.0.0.1');
  });

  it('a key without lifecycle options never expires, works anywhere and is not DPoP-bound', async () => {
    const { accessToken } = await newAccount(client);
    const created = await client.createClientKey(accessToken, { expiresAt: '2999-01-01T00:00:00Z', dpopBound: true });
    assert.equal(created.dpopBound, true);
    const plain = await client.createClientKey(accessToken, {});
    assert.equal(plain.expiresAt, undefined);
    assert.deepEqual(plain.allowedCidrs, []);
    assert.equal(plain.dpopBound, false);
  });

  it('a key limited to other networks is refused with invalid_client', async () => {
    const { accessToken } = await newAccount(client);
    const key = await client.createClientKey(accessToken, { allowedCidrs: ['10.0.0.0/8'] });
    await refused(
      client.clientCredentials({ clientId: key.clientId, clientSecret: key.clientSecret }),
      401,
      'invalid_client',
    );
  });

  it('bad lifecycle input is invalid_request', async () => {
    const { accessToken } = await newAccount(client);
    await refused(
      client.createClientKey(accessToken, { expiresAt: new Date(Date.now() - 60_000) }),
      400,
      'invalid_request',
    );
    await refused(client.createClientKey(accessToken, { allowedCidrs: ['10.0.0.1/8'] }), 400, 'invalid_request');
    assert.throws(() => client.createClientKey(accessToken, { expiresAt: new Date(Number.NaN) }), TypeError);
  });
});

describe('secret rotation', () => {
  it('the new secret works, the old one within the overlap, and overlap 0 ends it at once', async () => {
    const { accessToken } = await newAccount(client);
    const key = await client.createClientKey(accessToken, { name: 'rotating' });
    const grant = (clientSecret) => client.clientCredentials({ clientId: key.clientId, clientSecret });

    const before = Date.now();
    const rotated = await client.rotateClientKeySecret(accessToken, key.clientId, { overlapSeconds: 3600 });
    assert.equal(rotated.clientId, key.clientId);
    assert.match(rotated.clientSecret, /^[0-9a-f]{80}$/);
    assert.notEqual(rotated.clientSecret, key.clientSecret);
    const end = Date.parse(rotated.previousSecretExpiresAt);
    assert.ok(end >= before + 3599_000 && end <= Date.now() + 3601_000, rotated.previousSecretExpiresAt);
    await grant(rotated.clientSecret);
    await grant(key.clientSecret);
    const [listed] = await client.listClientKeys(accessToken);
    assert.equal(Date.parse(listed.previousSecretExpiresAt), end);

    const last = await client.rotateClientKeySecret(accessToken, key.clientId, { overlapSeconds: 0 });
    await grant(last.clientSecret);
    await refused(grant(rotated.clientSecret), 401, 'invalid_client');
    await refused(grant(key.clientSecret), 401, 'invalid_client');
  });

  it('the default overlap is one day', async () => {
    const { accessToken } = await newAccount(client);
    const key = await client.createClientKey(accessToken, {});
    const rotated = await client.rotateClientKeySecret(accessToken, key.clientId);
    const days = (Date.parse(rotated.previousSecretExpiresAt) - Date.now()) / 86_400_000;
    assert.ok(days > 0.99 && days <= 1, String(days));
    await client.clientCredentials({ clientId: key.clientId, clientSecret: key.clientSecret });
  });

  it('an overlap out of range is invalid_request; an unknown or foreign key is not_found', async () => {
    const { accessToken } = await newAccount(client);
    const key = await client.createClientKey(accessToken, {});
    await refused(
      client.rotateClientKeySecret(accessToken, key.clientId, { overlapSeconds: 2_592_001 }),
      400,
      'invalid_request',
    );
    await refused(client.rotateClientKeySecret(accessToken, '0'.repeat(40)), 404, 'not_found');
    const stranger = await newAccount(client);
    await refused(client.rotateClientKeySecret(stranger.accessToken, key.clientId), 404, 'not_found');
  });
});
