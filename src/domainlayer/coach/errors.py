"""coach's errors, beside its rules (all in domainlayer.errors' tree)."""

from __future__ import annotations

from domainlayer.errors import ConflictError, LimitExceededError, NotFoundError

__all__ = [
    "AuthCodeNotFound",
    "AuthCodeUnavailable",
    "RateLimitExceeded",
    "SessionExpired",
    "SessionInactive",
    "SessionNotFound",
]


class RateLimitExceeded(LimitExceededError):
    """The Skool user has had their 5 auth codes for this UTC day; no code was created."""


class AuthCodeNotFound(NotFoundError):
    """No auth code has this value."""


class AuthCodeUnavailable(ConflictError):
    """The code exists but was used, deactivated or has expired; no session was created."""


class SessionNotFound(NotFoundError):
    """No session has this token."""


class SessionExpired(ConflictError):
    """The session's 30 days are over."""


class SessionInactive(ConflictError):
    """The session was ended (logged out or revoked)."""
