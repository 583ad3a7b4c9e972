"""Random secrets given to citizens and their stored hashes.

The secrets are long random strings (the access code carries about 50 bits,
the link token 256), so one SHA-256 is enough to keep them useless to whoever
reads the database; a slow password hash would only slow every receipt down.
The six-digit code is weak on its own: it is limited in attempts and expires
with its draft.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

ACCESS_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed by people


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.strip().encode("utf-8")).hexdigest()


def normalize_access_code(code: str) -> str:
    """What a person types back: «k7p2x - m4qrt» is «K7P2X-M4QRT»."""
    return "".join(code.split()).upper()


def check_secret(secret: str, stored_hash: str) -> bool:
    return bool(stored_hash) and hmac.compare_digest(hash_secret(secret), stored_hash)


def new_access_code() -> str:
    """Ten characters in two groups: «K7P2X-M4QRT»."""
    raw = "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(10))
    return f"{raw[:5]}-{raw[5:]}"


def new_link_token() -> str:
    return secrets.token_urlsafe(32)


def new_numeric_code() -> str:
    return f"{secrets.randbelow(10**6):06d}"
