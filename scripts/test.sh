#!/usr/bin/env bash
# The test command (README quick start): starts or installs what the tests need,
# then runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-postgres.sh
cargo test --workspace --locked
scripts/readme-walkthrough.sh
scripts/interop/pyjwt.sh
