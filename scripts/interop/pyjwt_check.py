"""Verifies a Latchkey access token with PyJWT, as a resource service in Python would.

Usage: pyjwt_check.py ISSUER ACCESS_TOKEN REVOKED_ACCESS_TOKEN

Then reads both tokens' bits in their status list (draft-ietf-oauth-status-list) with
nothing but PyJWT, urllib and zlib: the list verifies with the issuer's JWKS, and the bit
of the revoked token is 1, that of the live one 0.
"""

import base64
import sys
import urllib.request
import zlib

import jwt


def status_bit(jwks: jwt.PyJWKClient, issuer: str, token: str) -> int:
    """Fetches the status list a token names, verifies it, and returns the token's bit."""
    place = jwt.decode(token, options={"verify_signature": False})["status"]["status_list"]
    uri, idx = place["uri"], place["idx"]
    assert uri.startswith(f"{issuer}/statuslists/"), uri
    request = urllib.request.Request(uri, headers={"Accept": "application/statuslist+jwt"})
    with urllib.request.urlopen(request) as response:
        assert response.headers["Content-Type"] == "application/statuslist+jwt", response.headers
        listed = response.read().decode()
    header = jwt.get_unverified_header(listed)
    assert header["typ"] == "statuslist+jwt", header
    claims = jwt.decode(
        listed,
        jwks.get_signing_key_from_jwt(listed).key,
        algorithms=["EdDSA"],
        options={"require": ["iat", "exp", "sub"], "verify_aud": False},
    )
    assert claims["sub"] == uri, claims
    assert claims["status_list"]["bits"] == 1, claims
    lst = claims["status_list"]["lst"]
    data = zlib.decompress(base64.urlsafe_b64decode(lst + "=" * (-len(lst) % 4)))
    return (data[idx // 8] >> (idx % 8)) & 1


def main() -> int:
    issuer, token, revoked = sys.argv[1], sys.argv[2], sys.argv[3]
    jwks = jwt.PyJWKClient(f"{issuer}/.well-known/jwks.json")
    signing_key = jwks.get_signing_key_from_jwt(token)

    header = jwt.get_unverified_header(token)
    assert header["alg"] == "EdDSA", header
    assert header["typ"] == "at+jwt", header  # RFC 9068; PyJWT does not check typ itself

    claims = jwt.decode(
        token,
        signing_key.key,
        algorithms=["EdDSA"],
        audience=issuer,
        issuer=issuer,
        options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub", "jti"]},
    )
    assert claims["kind"] == "client_access", claims
    assert claims["scope"] == "nodes:read nodes:write", claims

    # The same checks refuse a token meant for someone else, or from someone else.
    for wrong, error in (
        ({"audience": "https://elsewhere.example", "issuer": issuer}, jwt.InvalidAudienceError),
        ({"audience": issuer, "issuer": "https://elsewhere.example"}, jwt.InvalidIssuerError),
    ):
        try:
            jwt.decode(token, signing_key.key, algorithms=["EdDSA"], **wrong)
        except error:
            pass
        else:
            raise AssertionError(f"PyJWT accepted a token with {wrong}")

    # A tampered token fails the signature check.
    head, payload, signature = token.split(".")
    flipped = "B" if signature[0] == "A" else "A"
    tampered = f"{head}.{payload}.{flipped}{signature[1:]}"
    try:
        jwt.decode(tampered, signing_key.key, algorithms=["EdDSA"], audience=issuer, issuer=issuer)
    except jwt.InvalidSignatureError:
        pass
    else:
        raise AssertionError("PyJWT accepted a tampered token")

    assert status_bit(jwks, issuer, token) == 0, "the live token's status bit is set"
    assert status_bit(jwks, issuer, revoked) == 1, "the revoked token's status bit is clear"

    print(f"pyjwt: ok (PyJWT {jwt.__version__}, kid {signing_key.key_id}, sub {claims['sub']}, status list bits 0 and 1)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
