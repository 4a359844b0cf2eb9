"""airbar's errors, each under a branch of the domainlayer tree."""

from __future__ import annotations

from domainlayer.errors import ConflictError, NotFoundError

from .rules import InvalidAirbarInput

__all__ = ["InvalidAirbarInput", "SessionExpired", "SessionNotFound", "SessionRevoked"]


class SessionNotFound(NotFoundError):
    """No session has this token."""


class SessionExpired(ConflictError):
    """The session's lifetime (7 days, or 30 with remember-me) is over."""


class SessionRevoked(ConflictError):
    """The session was revoked (by the user, the session limit or security)."""
