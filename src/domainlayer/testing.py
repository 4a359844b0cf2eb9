"""Helpers for pytest: a fresh, real database per test, copied from a migrated template.

Why: tests run against a real PostgreSQL (never a mock) and must not see each other's rows.
``CREATE DATABASE ... TEMPLATE`` copies a migrated database in milliseconds, so each test
can own a whole database; dropping it afterwards ends whatever sessions the test left open.
The template must have no open connections while it is copied (a PostgreSQL rule).
"""

from __future__ import annotations

import logging
import time
import uuid
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg

__all__ = ["create_isolated_database", "database_name", "drop_database", "url_for_database"]

logger = logging.getLogger(__name__)


def _identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def url_for_database(url: str, name: str) -> str:
    """``url`` with its database (path) replaced by ``name``."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def database_name(url: str) -> str:
    """The database a ``postgresql://`` URL names (its path)."""
    return unquote(urlsplit(url).path.lstrip("/"))


async def create_isolated_database(
    admin_url: str, template: str | None = None, *, name: str | None = None
) -> str:
    """Create a database (a copy of ``template`` if given); return its URL.

    The name is ``name`` or a unique ``test_<hex>``.

    ``admin_url`` must name a role allowed to create databases; the new URL differs from it
    only in the database name.
    """
    started = time.monotonic()
    name = name or f"test_{uuid.uuid4().hex}"
    statement = f"CREATE DATABASE {_identifier(name)}"
    if template is not None:
        statement += f" TEMPLATE {_identifier(template)}"
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
    logger.debug("created database %s in %.3f s", name, time.monotonic() - started)
    return url_for_database(admin_url, name)


async def drop_database(admin_url: str, name: str) -> None:
    """Drop database ``name`` if it exists, terminating its connections first.

    ``WITH (FORCE)`` (PostgreSQL 13+) ends the other sessions and drops in one statement,
    so no new session can slip in between.
    """
    started = time.monotonic()
    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(f"DROP DATABASE IF EXISTS {_identifier(name)} WITH (FORCE)")
    finally:
        await connection.close()
    logger.debug("dropped database %s in %.3f s", name, time.monotonic() - started)
