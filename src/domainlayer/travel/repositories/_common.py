"""Ids and timestamps shared by travel's repositories (argument checks: domainlayer.validation)."""

from __future__ import annotations

import secrets
from datetime import datetime

from domainlayer.validation import moment

__all__ = ["new_id", "stamp"]


def new_id() -> str:
    """An id for rows written by raw SQL (Prisma's cuid() default applies only to writes
    made through the client): ``c`` + 24 hex characters from ``secrets``."""
    return "c" + secrets.token_hex(12)


def stamp(value: datetime, name: str = "now") -> str:
    """``value`` (checked) as ISO 8601 in UTC, the text raw statements cast
    (``$1::text::timestamptz``)."""
    return moment(name, value).isoformat()
