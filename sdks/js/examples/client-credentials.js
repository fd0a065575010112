// A program that calls a resource service with a client key: the token source trades the
// key for tokens, keeps the access token fresh in the background, and retries a request
// once with a new token after a 401.
//
//   LATCHKEY_SERVER=http://127.0.0.1:8400 NODES_URL=http://127.0.0.1:8401 \
//   LATCHKEY_CLIENT_ID=… LATCHKEY_CLIENT_SECRET=… node examples/client-credentials.js
import { LatchkeyClient, LatchkeyError } from '@latchkey/client';

const latchkey = new LatchkeyClient({ server: process.env.LATCHKEY_SERVER ?? 'http://127.0.0.1:8400' });
const source = latchkey.tokenSource({
  clientId: process.env.LATCHKEY_CLIENT_ID,
  clientSecret: process.env.LATCHKEY_CLIENT_SECRET,
});
source.on('signedOut', (err) => console.error(`the client key no longer works: ${err.code}`));
source.start(); // refreshes ahead of expiry; never keeps the process alive

try {
  const answer = await source.fetch(`${process.env.NODES_URL ?? 'http://127.0.0.1:8401'}/nodes/v1/status`);
  const status = await answer.json();
  console.log(`HTTP ${answer.status}: ${status.caller.kind} ${status.caller.clientId}, node ${status.node.status}`);
} catch (err) {
  if (!(err instanceof LatchkeyError)) throw err;
  console.error(`cannot get a token: ${err.code} (HTTP ${err.status}): ${err.message}`);
  process.exitCode = 1;
}
