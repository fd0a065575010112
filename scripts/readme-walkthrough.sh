#!/usr/bin/env bash
# Runs the README's walk-through, as written, against a fresh latchkeyd on port 8400
# (the address the walk-through uses) and checks that each step answered as documented.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=target/debug/latchkeyd
[ -x "$binary" ] || cargo build -q -p latchkeyd
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT

if curl -s -o /dev/null http://127.0.0.1:8400/healthz; then
  echo "readme-walkthrough: something already listens on 127.0.0.1:8400; stop it first" >&2
  exit 1
fi
"$binary" --listen 127.0.0.1:8400 --database "sqlite://$work/latchkey.db" 2>"$work/server.log" &
server=$!
for _ in $(seq 50); do curl -s -o /dev/null http://127.0.0.1:8400/healthz && break; sleep 0.1; done

# The block between "Walk-through" and the next heading's first ```sh fence.
script=$(awk '/^## Walk-through/{on=1} on && /^```sh$/{grab=1; next} grab && /^```$/{exit} grab{print}' README.md)
(cd "$work" && bash -euo pipefail -c "$script") > "$work/out.txt"

check() { grep -q -- "$1" "$work/out.txt" || { echo "readme-walkthrough: missing $1 in:" >&2; cat "$work/out.txt" >&2; exit 1; }; }
check '"email":"ada@example.com"'
check '"accessToken":"ey'
check '"error":"insufficient_token_kind"'
check '"kind":"client_refresh"'
check '"revoked":1'
echo "readme-walkthrough: ok"
