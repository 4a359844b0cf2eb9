"""Keep database passwords out of what Prisma Client Python logs.

The client logs its datasource overrides at DEBUG (``prisma._base_client``: "datasources:
[{'url': 'postgresql://user:password@...'}]", and its own engine class the same in
``prisma.engine._query``). The package stays unmodified, so :func:`install` puts a filter
on those loggers that rewrites each record's message with every URL's password as ``***``
(:func:`domainlayer.settings.redact_url`) before any handler sees it.
"""

from __future__ import annotations

import logging
import re
from typing import Final

from .settings import redact_url

__all__ = ["PasswordRedactingFilter", "install"]

#: The client's loggers that write datasource URLs.
LOGGERS: Final = ("prisma._base_client", "prisma.engine._query")

# scheme://user:password@ up to the next quote, space or bracket of a repr
_URL: Final = re.compile(
    r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>\]\[{}]*:[^\s'\"<>{}]*@[^\s'\"<>{},]*"
)


def _redacted(value: object) -> object:
    """``value`` with every URL string in it (however nested in lists and dicts) redacted."""
    if isinstance(value, str):
        return redact_url(value) if "://" in value and "@" in value else value
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redacted(item) for item in value)
    return value


class PasswordRedactingFilter(logging.Filter):
    """Rewrites a record whose message holds a URL with a password; never drops one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(arg) for arg in record.args)
        message = record.getMessage()
        redacted = _URL.sub(lambda found: redact_url(found.group(0)), message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


_FILTER: Final = PasswordRedactingFilter()


def install() -> None:
    """Attach the filter to the client's loggers (once; idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
