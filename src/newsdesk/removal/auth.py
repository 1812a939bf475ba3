"""Administrator passwords (scrypt, a standard memory-hard KDF from the standard library) and session tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

# 2**14 x 8 x 1 costs 16 MiB and about 50 ms a check: slow for a guesser, quick enough for a login.
SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_BYTES, SALT_BYTES = 2**14, 8, 1, 32, 16
MIN_PASSWORD = 10
ADMIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P) -> str:
    """`scrypt$n$r$p$salt$hash` (salt and hash in base64), with a fresh random salt."""
    salt = secrets.token_bytes(SALT_BYTES)
    key = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES, maxmem=2**26)
    return f"scrypt${n}${r}${p}${_b64(salt)}${_b64(key)}"


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` gives `stored`; the comparison takes the same time whatever differs."""
    try:
        scheme, n, r, p, salt, key = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(key)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                             dklen=len(expected), maxmem=2**26)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, expected)


# Checked against when the name is unknown, so that a login with an unknown name costs as long as one with
# a known name and a wrong password (no timing answer to "does this administrator exist?").
DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """Sessions are stored by the hash of their token: a copy of the database does not log anyone in."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
