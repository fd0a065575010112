// The examples in examples/ run as written against the real services.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { after, before, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { freePort, newClientKey, startLatchkeyd, startNodes } from './helpers.js';

const example = (name) => fileURLToPath(new URL(`../examples/${name}`, import.meta.url));

let server;
let nodes;
before(async () => {
  server = await startLatchkeyd();
  nodes = await startNodes(server.url);
});
after(async () => {
  await nodes?.stop();
  await server?.stop();
});

it('examples/client-credentials.js calls latchkey-nodes with a client key', async () => {
  const { accessToken, clientId, clientSecret } = await newClientKey(server.client);
  const run = () =>
    promisify(execFile)(process.execPath, [example('client-credentials.js')], {
      env: {
        ...process.env,
        LATCHKEY_SERVER: server.url,
        NODES_URL: nodes.url,
        LATCHKEY_CLIENT_ID: clientId,
        LATCHKEY_CLIENT_SECRET: clientSecret,
      },
      timeout: 10_000,
    });
  const { stdout } = await run();
  assert.equal(stdout.trim(), `HTTP 200: client_access ${clientId}, node ok`);

  await server.client.deleteClientKey(accessToken, clientId);
  const failed = await run().then(
    () => assert.fail('the example should fail with a deleted key'),
    (err) => err,
  );
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, /cannot get a token: invalid_client \(HTTP 401\)/);
});

it('examples/resource-service.js accepts a token with nodes:read and refuses one without', async () => {
  const port = await freePort();
  const child = spawn(process.execPath, [example('resource-service.js')], {
    env: { ...process.env, LATCHKEY_ISSUER: server.url, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise((resolve, reject) => {
      child.stdout.once('data', resolve);
      child.once('exit', reject);
    });
    const reader = await newClientKey(server.client, { scope: 'nodes:read' });
    const writer = await newClientKey(server.client, { scope: 'nodes:write' });
    const read = await server.client.clientCredentials(reader);
    const write = await server.client.clientCredentials(writer);
    const ok = await fetch(`http://127.0.0.1:${port}/hello`, {
      headers: { authorization: `Bearer ${read.accessToken}` },
    });
    assert.equal(ok.status, 200);
    assert.equal((await ok.json()).kind, 'client_access');
    const refused = await fetch(`http://127.0.0.1:${port}/hello`, { headers: { 'x-auth-token': write.accessToken } });
    assert.equal(refused.status, 403);
    assert.equal((await refused.json()).error, 'insufficient_scope');
    assert.equal((await fetch(`http://127.0.0.1:${port}/hello`)).status, 401);
  } finally {
    child.kill('SIGTERM');
  }
});
