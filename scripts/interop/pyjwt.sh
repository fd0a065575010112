#!/usr/bin/env bash
# Interop check with a JWKS consumer outside the project: PyJWT's PyJWKClient fetches
# <issuer>/.well-known/jwks.json from a running latchkeyd and verifies a real client
# access token (EdDSA) with audience and issuer checks (pyjwt_check.py).
#
# Self-contained (see lib.sh): its own venv, the debug latchkeyd on a free port, an
# account and a client key; a token with curl through the OAuth 2 endpoint.
source "$(dirname "$0")/lib.sh"

access_token=$(curl -fs -u "$client_id:$client_secret" -d grant_type=client_credentials \
  "$issuer/oauth2/token" | field access_token)

"$py" scripts/interop/pyjwt_check.py "$issuer" "$access_token"
