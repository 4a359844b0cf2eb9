"""Input checks and ids shared by travel's repositories."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from domainlayer.errors import InvalidInputError

__all__ = ["aware", "new_id", "optional_text", "required_text", "stamp"]


def new_id() -> str:
    """An id for rows written by raw SQL (Prisma's cuid() default applies only to writes
    made through the client): ``c`` + 24 hex characters from ``secrets``."""
    return "c" + secrets.token_hex(12)


def aware(moment: datetime, name: str = "now") -> datetime:
    """``moment`` in UTC; a naive datetime is refused (it could mean any zone)."""
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise InvalidInputError(f"{name} must be a timezone-aware datetime")
    return moment.astimezone(UTC)


def stamp(moment: datetime, name: str = "now") -> str:
    """``moment`` as ISO 8601 in UTC, the text raw statements cast (``$1::text::timestamptz``)."""
    return aware(moment, name).isoformat()


def required_text(value: str, name: str, max_length: int = 200) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > max_length:
        raise InvalidInputError(f"{name} is a non-empty string of at most {max_length} chars")
    return value


def optional_text(value: str | None, name: str, max_length: int = 2048) -> str | None:
    if value is not None and (not isinstance(value, str) or len(value) > max_length):
        raise InvalidInputError(f"{name} is a string of at most {max_length} characters")
    return value
