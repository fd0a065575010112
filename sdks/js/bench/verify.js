// Benchmark (not a test): the verifier's verifications per second against jose's bare
// jwtVerify on the same tokens, and the cost of a cached getAccessToken().
//
//   npm run build && node bench/verify.js [--seconds 2] [--rounds 3]
//
// Self-contained: an in-process JWKS endpoint, Ed25519 tokens shaped like latchkeyd's
// client access tokens (signed here with jose), verified one at a time. Each measure runs
// `rounds` times, interleaved, and the median is reported.

import http from 'node:http';
import { parseArgs } from 'node:util';

import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';

import { createVerifier, LatchkeyClient, memoryStorage } from '../dist/index.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '2' }, rounds: { type: 'string', default: '3' } },
});
const SECONDS = Number(values.seconds);
const ROUNDS = Number(values.rounds);
const TOKENS = 2000;

const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
const jwk = { ...(await exportJWK(publicKey)), kid: 'bench', alg: 'EdDSA', use: 'sig' };
const server = http.createServer((_req, res) => {
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ keys: [jwk] }));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const now = Math.floor(Date.now() / 1000);
const tokens = [];
for (let i = 0; i < TOKENS; i++) {
  tokens.push(
    await new SignJWT({
      iss: issuer,
      sub: crypto.randomUUID(),
      aud: issuer,
      iat: now,
      nbf: now,
      exp: now + 3600,
      jti: crypto.randomUUID(),
      kind: 'client_access',
      scope: 'nodes:read nodes:write',
      client_id: 'ab'.repeat(20),
      sid: crypto.randomUUID(),
    })
      .setProtectedHeader({ alg: 'EdDSA', kid: 'bench', typ: 'at+jwt' })
      .sign(privateKey),
  );
}

const jwks = createRemoteJWKSet(new URL(`${issuer}/.well-known/jwks.json`));
const bare = (token) =>
  jwtVerify(token, jwks, { issuer, audience: issuer, typ: 'at+jwt', algorithms: ['EdDSA'], clockTolerance: 60 });
const uncached = createVerifier({ issuer, requiredScope: 'nodes:read', verifiedTokenCacheSize: 0 });
const cached = createVerifier({ issuer, requiredScope: 'nodes:read' });

const source = new LatchkeyClient({ server: issuer }).tokenSource(
  { clientId: 'ab'.repeat(20), clientSecret: 'cd'.repeat(40) },
  { storage: memoryStorage({ accessToken: tokens[0], expiresAt: Date.now() + 3_600_000 }) },
);

/** Calls `op(i)` one at a time for SECONDS; returns operations per second. */
async function measure(op) {
  for (let i = 0; i < 200; i++) await op(i); // warm-up (and the first JWKS fetch)
  const deadline = performance.now() + SECONDS * 1000;
  let count = 0;
  const started = performance.now();
  while (performance.now() < deadline) {
    for (let j = 0; j < 100; j++) await op(count++);
  }
  return count / ((performance.now() - started) / 1000);
}

const measures = {
  'jose jwtVerify (bare)': (i) => bare(tokens[i % TOKENS]),
  'createVerifier, signature always checked': (i) => uncached.verify(tokens[i % TOKENS]),
  'createVerifier, default (seen tokens skip the signature)': (i) => cached.verify(tokens[i % TOKENS]),
  'tokenSource.getAccessToken(), cached token': () => source.getAccessToken(),
};
const results = Object.fromEntries(Object.keys(measures).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, op] of Object.entries(measures)) results[name].push(await measure(op));
}
server.close();

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const base = median(results['jose jwtVerify (bare)']);
console.log(`node ${process.version}, ${TOKENS} distinct EdDSA tokens, ${ROUNDS} rounds of ${SECONDS} s, median:`);
for (const [name, list] of Object.entries(results)) {
  const ops = median(list);
  const perOp = 1e9 / ops;
  const vsJose = name.startsWith('tokenSource') ? '' : `  ${((ops / base) * 100).toFixed(0)} % of jose`;
  const cost = perOp >= 1000 ? `${(perOp / 1000).toFixed(1)} µs` : `${perOp.toFixed(0)} ns`;
  console.log(`  ${name.padEnd(58)} ${Math.round(ops).toLocaleString('en-US').padStart(11)}/s  ${cost}/op${vsJose}`);
}
