"""How coach keeps its secrets at rest: only a SHA-256 of each session token and auth code.

A code is shown once, when it is issued, and a token once, when its session opens; the
tables hold ``token_digest(value)`` (64 hex characters), so a value read from the table does
not validate: its own digest is a different string. Like airbar's session tokens, these are
random (``secrets``) and long, so a fast, unsalted hash is enough: there is nothing to guess.
"""

from __future__ import annotations

import hashlib

__all__ = ["token_digest"]


def token_digest(secret: str) -> str:
    """The stored form of a token or code: the hex SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()
