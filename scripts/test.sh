#!/usr/bin/env bash
# The test command (README quick start): starts or installs what the tests need,
# then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-postgres.sh
cargo test --workspace --locked
scripts/readme-walkthrough.sh
scripts/interop/pyjwt.sh
scripts/interop/dpop.sh
# latchkey-gate behind a real nginx (installs Debian's nginx when it is missing; the
# `cargo test` above skipped that one test, loudly, if nginx was absent).
scripts/test-gate-nginx.sh
# The JavaScript SDK against the binaries `cargo test` just built (installs Node and npm
# from the distribution when they are missing; type-checks and lints the package too).
LATCHKEY_BIN_DIR="$(pwd)/target/debug" scripts/test-js.sh
# The account console in the distribution's headless Chromium (installed when missing),
# against the latchkeyd `cargo test` just built; refreshes the screenshots in docs/console/.
LATCHKEY_BIN_DIR="$(pwd)/target/debug" scripts/test-console.sh
