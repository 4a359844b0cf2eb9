"""domainlayer: a typed asyncio data layer for five product back ends on one PostgreSQL.

Each product lives in its own PostgreSQL schema (``airbar``, ``churn``, ``travel``,
``coach``, ``madfam``), described in the root ``schema.prisma`` and reached through the
generated Prisma Client Python. Nothing here connects or starts a server at import time.
"""

from __future__ import annotations

from . import _lazy_types

# Before anything imports the generated client: its type-checking-only module
# `prisma.types` is executed on first use instead of at import (see _lazy_types).
_lazy_types.install()

from .errors import (  # noqa: E402
    ConflictError,
    DatabaseUnavailableError,
    DomainError,
    InfrastructureError,
    InvalidInputError,
    LimitExceededError,
    NotFoundError,
    OperationTimeoutError,
    ToolchainError,
)
from .settings import Settings, get_settings  # noqa: E402

__all__ = [
    "ConflictError",
    "DatabaseUnavailableError",
    "DomainError",
    "InfrastructureError",
    "InvalidInputError",
    "LimitExceededError",
    "NotFoundError",
    "OperationTimeoutError",
    "Settings",
    "ToolchainError",
    "get_settings",
]
