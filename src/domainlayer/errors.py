"""The one exception hierarchy of domainlayer.

Every error this library raises on purpose derives from :class:`DomainError`, branched
by cause so that callers can catch what they can act on::

    DomainError
    ├── InvalidInputError (also ValueError)   the caller passed something the rules refuse
    ├── ConflictError                          the database state forbids it (duplicate, used, ...)
    │   └── LimitExceededError                 a counted limit is reached (rate limits, quotas)
    ├── NotFoundError (also LookupError)       the record the caller named does not exist
    └── InfrastructureError                    the database, engine or toolchain failed
        ├── DatabaseUnavailableError           no server could be reached or started
        │   └── OperationTimeoutError          a statement or transaction ran out of time
        └── ToolchainError                     the Node engines or the Prisma CLI failed

Domain modules define their specific errors (``RateLimitExceeded``, ``SessionExpired`` ...)
beside their rules, as subclasses of these branches.
"""

from __future__ import annotations

__all__ = [
    "ConflictError",
    "DatabaseUnavailableError",
    "DomainError",
    "InfrastructureError",
    "InvalidInputError",
    "LimitExceededError",
    "NotFoundError",
    "OperationTimeoutError",
    "ToolchainError",
]


class DomainError(Exception):
    """Root of every error domainlayer raises on purpose."""


class InvalidInputError(DomainError, ValueError):
    """The input breaks a documented rule; nothing was written."""


class ConflictError(DomainError):
    """The current database state does not allow the operation; nothing was written."""


class LimitExceededError(ConflictError):
    """A counted limit (per day, per user, ...) has been reached; nothing was written."""


class NotFoundError(DomainError, LookupError):
    """The record the caller named does not exist."""


class InfrastructureError(DomainError):
    """Something below the rules failed: the database, the engine or the toolchain."""


class DatabaseUnavailableError(InfrastructureError):
    """No PostgreSQL server could be reached or started."""


class ToolchainError(InfrastructureError):
    """The pinned Node toolchain (Prisma CLI, WebAssembly engines) is missing or failed."""


class OperationTimeoutError(DatabaseUnavailableError):
    """The database did not finish in the time allowed (a statement or transaction timeout,
    or no connection became free); the server-side work was cancelled, nothing committed."""
