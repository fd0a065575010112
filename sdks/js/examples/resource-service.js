// A resource service in plain Node that accepts Latchkey access tokens with scope
// nodes:read, checked locally against the issuer's keys (and its revocation lists).
//
//   LATCHKEY_ISSUER=http://127.0.0.1:8400 PORT=8402 node examples/resource-service.js
//   curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8402/hello
//
// With Express: app.get('/hello', verifier.middleware({ requiredScope: 'nodes:read' }), handler).
import http from 'node:http';
import { createVerifier } from '@latchkey/client';

const verifier = createVerifier({ issuer: process.env.LATCHKEY_ISSUER ?? 'http://127.0.0.1:8400' });
const requireRead = verifier.middleware({ requiredScope: 'nodes:read' });

const server = http.createServer((req, res) => {
  requireRead(req, res, () => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ hello: req.latchkey.sub, kind: req.latchkey.kind, scope: req.latchkey.scope }));
  });
});
server.listen(Number(process.env.PORT ?? 8402), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close());
