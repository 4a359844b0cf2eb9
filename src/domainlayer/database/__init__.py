"""Where the database is: ``DATABASE_URL`` when set, else the embedded PostgreSQL.

Why one function: the Python client, the seed script, the tests and the Node tooling (through
``python -m domainlayer.database url``) must all land on the same server, chosen by the same
rule (see :mod:`domainlayer.settings` for the precedence of ``DATABASE_URL``).
"""

from __future__ import annotations

import logging
import time

from domainlayer.database.embedded import DEFAULT_DATABASE, EmbeddedPostgres
from domainlayer.errors import DatabaseUnavailableError
from domainlayer.settings import NO_DATABASE_HELP, Settings, get_settings

__all__ = ["DEFAULT_DATABASE", "EmbeddedPostgres", "resolve_database_url"]

logger = logging.getLogger(__name__)


def resolve_database_url(settings: Settings | None = None) -> str:
    """The URL to connect to: ``settings.database_url``, or the embedded server's.

    Without a ``database_url``, and only when ``settings.embedded`` allows it (the checkout,
    or ``DOMAINLAYER_EMBEDDED=1``), the embedded PostgreSQL under ``settings.data_dir`` is
    started (or reused) and its database ``domainlayer`` created if missing. Raises
    :class:`~domainlayer.errors.DatabaseUnavailableError` when no database is configured or
    that server cannot be started.
    """
    settings = settings if settings is not None else get_settings()
    if settings.database_url is not None:
        return settings.database_url
    if not settings.embedded:
        raise DatabaseUnavailableError(NO_DATABASE_HELP)
    started = time.monotonic()
    server = EmbeddedPostgres(settings.data_dir)
    server.ensure_running()
    server.create_database(DEFAULT_DATABASE, exist_ok=True)
    url = server.url(DEFAULT_DATABASE)
    logger.debug("resolved the embedded database in %.3f s", time.monotonic() - started)
    return url
