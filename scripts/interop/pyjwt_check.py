"""Verifies a Latchkey access token with PyJWT, as a resource service in Python would.

Usage: pyjwt_check.py ISSUER ACCESS_TOKEN
"""

import sys

import jwt


def main() -> int:
    issuer, token = sys.argv[1], sys.argv[2]
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

    print(f"pyjwt: ok (PyJWT {jwt.__version__}, kid {signing_key.key_id}, sub {claims['sub']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
