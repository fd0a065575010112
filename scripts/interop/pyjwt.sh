#!/usr/bin/env bash
# Interop check with a JWKS consumer outside the project: PyJWT's PyJWKClient fetches
# <issuer>/.well-known/jwks.json from a running latchkeyd and verifies a real client
# access token (EdDSA) with audience and issuer checks (pyjwt_check.py); then it fetches
# the token's status list (draft-ietf-oauth-status-list), verifies it with PyJWT, inflates
# it with Python's zlib and reads the bits of a revoked token (1) and of a live one (0).
#
# Self-contained (see lib.sh): its own venv, the debug latchkeyd on a free port, an
# account and a client key; a token with curl through the OAuth 2 endpoint.
source "$(dirname "$0")/lib.sh"

access_token=$(curl -fs -u "$client_id:$client_secret" -d grant_type=client_credentials \
  "$issuer/oauth2/token" | field access_token)

# A second session, revoked through RFC 7009: its access token's bit must read 1.
grant=$(curl -fs -H 'Content-Type: application/json' \
  -d "{\"grantType\": \"clientCredentials\", \"clientId\": \"$client_id\", \"clientSecret\": \"$client_secret\"}" \
  "$issuer/auth/token")
revoked_token=$(field accessToken <<<"$grant")
revoked_refresh=$(field refreshToken <<<"$grant")
curl -fs -o /dev/null -u "$client_id:$client_secret" -d "token=$revoked_refresh" "$issuer/oauth2/revoke"

"$py" scripts/interop/pyjwt_check.py "$issuer" "$access_token" "$revoked_token"
