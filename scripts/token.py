#!/usr/bin/env python3
"""Prints an HS256 JSON Web Token for trying relaylite's access control by hand.

    RELAYLITE_JWT_SECRET=... scripts/token.py role=customer customer_id=5 [ttl=3600]

Each argument is a claim; a value that reads as JSON (5, true, "x") is that JSON, any other
is a string. `exp` is set `ttl` seconds (default 3600) from now. Standard library only.
"""
import base64, hashlib, hmac, json, os, sys, time


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def main() -> None:
    secret = os.environ.get("RELAYLITE_JWT_SECRET")
    if not secret:
        sys.exit("set RELAYLITE_JWT_SECRET to the server's secret")
    claims = {}
    for arg in sys.argv[1:]:
        key, _, value = arg.partition("=")
        try:
            claims[key] = json.loads(value)
        except ValueError:
            claims[key] = value
    ttl = int(claims.pop("ttl", 3600))
    claims.setdefault("exp", int(time.time()) + ttl)
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    mac = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    print(f"{head}.{body}.{b64(mac)}")


if __name__ == "__main__":
    main()
