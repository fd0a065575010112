#!/usr/bin/env bash
# The JavaScript/TypeScript SDK's checks (sdks/js): install, type-check, lint, build, the
# node:test suite against the real latchkeyd and latchkey-nodes, and the packed tarball
# installed and imported in a fresh directory.
#
# The binaries come from $LATCHKEY_BIN_DIR when set; otherwise they are built here
# (cargo build -p latchkeyd -p latchkey-nodes) and taken from target/debug/.
#
#   scripts/test-js.sh
#   LATCHKEY_BIN_DIR=/path/to/bin scripts/test-js.sh
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "==> installing Node.js and npm (Debian packages)"
  apt-get update
  apt-get install -y nodejs npm
fi
node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "test-js: Node.js >= 20 is needed, found $(node --version)" >&2
  exit 1
fi

if [ -z "${LATCHKEY_BIN_DIR:-}" ]; then
  echo "==> cargo build -p latchkeyd -p latchkey-nodes"
  cargo build --locked -p latchkeyd -p latchkey-nodes
  LATCHKEY_BIN_DIR="$repo/target/debug"
fi
for binary in latchkeyd latchkey-nodes; do
  if [ ! -x "$LATCHKEY_BIN_DIR/$binary" ]; then
    echo "test-js: $LATCHKEY_BIN_DIR/$binary is missing" >&2
    exit 1
  fi
done
export LATCHKEY_BIN_DIR

cd sdks/js
echo "==> npm ci"
npm ci --no-audit --no-fund
echo "==> typecheck"
npm run --silent typecheck
echo "==> lint"
npm run --silent lint
echo "==> build"
npm run --silent build

echo "==> node --test"
node --test --test-concurrency=1 test/*.test.js

echo "==> npm pack, then install and import the tarball in a fresh directory"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
tarball=$(npm pack --silent --pack-destination "$scratch" | tail -n 1)
cd "$scratch"
npm init -y >/dev/null
npm install --no-audit --no-fund --prefer-offline "./$tarball" >/dev/null
cat > check.mjs <<'EOF'
import * as sdk from '@latchkey/client';
const names = ['LatchkeyClient', 'LatchkeyError', 'DpopKey', 'createVerifier', 'memoryStorage', 'fileStorage', 'webStorage'];
const missing = names.filter((name) => typeof sdk[name] !== 'function');
if (missing.length > 0) throw new Error(`missing exports: ${missing.join(', ')}`);
const client = new sdk.LatchkeyClient({ server: 'http://127.0.0.1:8400' });
if (typeof client.tokenSource !== 'function') throw new Error('no tokenSource');
console.log('the packed @latchkey/client imports:', names.join(', '));
EOF
node check.mjs
cat > check.ts <<'EOF'
import { createVerifier, DpopKey, LatchkeyClient, type LatchkeyClaims, LatchkeyError, memoryStorage } from '@latchkey/client';
const client = new LatchkeyClient({ server: 'http://127.0.0.1:8400', timeoutMs: 5000 });
const source = client.tokenSource({ clientId: 'id', clientSecret: 'secret' }, { storage: memoryStorage() });
const off: () => void = source.on('signedOut', (err: LatchkeyError) => console.log(err.code, err.status));
off();
const verifier = createVerifier({ issuer: 'http://127.0.0.1:8400', requiredScope: 'nodes:read' });
const claims: Promise<LatchkeyClaims> = verifier.verify('a.b.c');
claims.catch(() => undefined);
const bound = client.tokenSource({ clientId: 'id', clientSecret: 'secret' }, { dpop: 'EdDSA' });
const headers: Promise<Record<string, string>> = bound.authorize('GET', 'http://127.0.0.1:8401/nodes/v1/status');
headers.catch(() => undefined);
const key: Promise<DpopKey> = DpopKey.generate('ES256');
key.catch(() => undefined);
EOF
"$repo/sdks/js/node_modules/.bin/tsc" --noEmit --strict --target es2022 --module nodenext \
  --moduleResolution nodenext --lib es2022,dom check.ts
echo "the packed @latchkey/client imports in Node and type-checks in a strict TypeScript project"
