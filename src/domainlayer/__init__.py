"""domainlayer: a typed asyncio data layer for five product back ends on one PostgreSQL.

Each product lives in its own PostgreSQL schema (``airbar``, ``churn``, ``travel``,
``coach``, ``madfam``), described in the root ``schema.prisma`` and reached through the
generated Prisma Client Python. Nothing here connects or starts a server at import time.
"""

from __future__ import annotations

from .errors import (
    ConflictError,
    DatabaseUnavailableError,
    DomainError,
    InfrastructureError,
    InvalidInputError,
    LimitExceededError,
    NotFoundError,
    ToolchainError,
)
from .settings import Settings, get_settings

__all__ = [
    "ConflictError",
    "DatabaseUnavailableError",
    "DomainError",
    "InfrastructureError",
    "InvalidInputError",
    "LimitExceededError",
    "NotFoundError",
    "Settings",
    "ToolchainError",
    "get_settings",
]
