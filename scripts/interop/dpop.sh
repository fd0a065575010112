#!/usr/bin/env bash
# Interop check for DPoP (RFC 9449): proofs made by stock Python libraries (PyJWT signing,
# `cryptography` keys, ES256 and EdDSA) are accepted by latchkeyd's OAuth 2 token endpoint,
# bind the tokens to the key (cnf.jkt = the RFC 7638 thumbprint Python computes), and a
# bound refresh token is traded with a second proof by the same key (dpop_check.py).
source "$(dirname "$0")/lib.sh"

"$py" scripts/interop/dpop_check.py "$issuer" "$client_id" "$client_secret"
