"""DPoP proofs made with PyJWT and `cryptography`, sent to latchkeyd's token endpoint.

Usage: dpop_check.py ISSUER CLIENT_ID CLIENT_SECRET
"""

import base64
import hashlib
import json
import sys
import time
import urllib.parse
import urllib.request
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(key) -> dict:
    if isinstance(key, ed25519.Ed25519PrivateKey):
        raw = key.public_key().public_bytes_raw()
        return {"crv": "Ed25519", "kty": "OKP", "x": b64(raw)}
    numbers = key.public_key().public_numbers()
    return {
        "crv": "P-256",
        "kty": "EC",
        "x": b64(numbers.x.to_bytes(32, "big")),
        "y": b64(numbers.y.to_bytes(32, "big")),
    }


def thumbprint(jwk: dict) -> str:
    """RFC 7638: the required members, sorted, no whitespace."""
    canonical = json.dumps(jwk, sort_keys=True, separators=(",", ":"))
    return b64(hashlib.sha256(canonical.encode()).digest())


def proof(key, alg: str, url: str) -> str:
    claims = {"jti": str(uuid.uuid4()), "htm": "POST", "htu": url, "iat": int(time.time())}
    headers = {"typ": "dpop+jwt", "jwk": public_jwk(key)}
    return jwt.encode(claims, key, algorithm=alg, headers=headers)


def token(url: str, form: dict, dpop: str) -> dict:
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(form).encode(),
        headers={"DPoP": dpop, "Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)


def main() -> int:
    issuer, client_id, client_secret = sys.argv[1:4]
    url = f"{issuer}/oauth2/token"
    creds = {"client_id": client_id, "client_secret": client_secret}
    for alg, key in [
        ("ES256", ec.generate_private_key(ec.SECP256R1())),
        ("EdDSA", ed25519.Ed25519PrivateKey.generate()),
    ]:
        jkt = thumbprint(public_jwk(key))
        granted = token(url, {"grant_type": "client_credentials", **creds}, proof(key, alg, url))
        assert granted["token_type"] == "DPoP", granted
        claims = jwt.decode(granted["access_token"], options={"verify_signature": False})
        assert claims["cnf"]["jkt"] == jkt, (claims, jkt)
        refreshed = token(
            url,
            {"grant_type": "refresh_token", "refresh_token": granted["refresh_token"], **creds},
            proof(key, alg, url),
        )
        claims = jwt.decode(refreshed["access_token"], options={"verify_signature": False})
        assert claims["cnf"]["jkt"] == jkt, (claims, jkt)
        print(f"dpop interop: {alg} proofs from PyJWT accepted, tokens bound to {jkt}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
