"""Settings in one place, read lazily; nothing connects or starts at import time.

Precedence, highest first (as asyncpg's ``connect_utils`` and pydantic-settings do it):

1. an explicit argument (``Settings.load(database_url=...)``, ``connect_client(url)``);
2. the process environment;
3. a ``.env`` file found from the **working directory** upwards (python-dotenv's
   ``find_dotenv(usecwd=True)``), never from where this package is installed; it never
   overrides the environment;
4. the defaults below.

The embedded PostgreSQL is a development default only. It is used when
``DOMAINLAYER_EMBEDDED`` is true, or, when that is not set at all, when this package runs
from the project's own checkout (``./scripts/setup``, ``./scripts/test``, ``python -m seed``
there). An installed package with no ``DATABASE_URL`` gets a
:class:`~domainlayer.errors.DatabaseUnavailableError` saying how to configure one, instead
of silently starting an empty server.

A ``Settings`` never shows the password of its URL: its ``repr`` (and ``str``) redacts it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Final
from urllib.parse import urlsplit, urlunsplit

from dotenv import dotenv_values, find_dotenv

from .errors import InvalidInputError

__all__ = [
    "ENGINE_START_TIMEOUT",
    "IN_CHECKOUT",
    "NO_DATABASE_HELP",
    "POSTGRES_START_TIMEOUT",
    "PROJECT_ROOT",
    "Settings",
    "describe_target",
    "get_settings",
    "redact_url",
]

_PACKAGE_DIR: Final[Path] = Path(__file__).resolve().parent
_CHECKOUT: Final[Path] = _PACKAGE_DIR.parents[1]

#: Whether this package runs from the project's checkout (``src/domainlayer`` beside
#: ``schema.prisma`` and ``pyproject.toml``), rather than from an installed wheel.
IN_CHECKOUT: Final[bool] = (
    _PACKAGE_DIR.parent.name == "src"
    and (_CHECKOUT / "schema.prisma").is_file()
    and (_CHECKOUT / "pyproject.toml").is_file()
)

#: Where the project's files are: the schema, ``prisma_migrations/``, ``engines/``, the Node
#: lock, ``prisma.config.ts`` and ``seeds/``. In the checkout that is its root; in an
#: installed wheel, the package data folder ``domainlayer/_project``. (Node packages are
#: never installed here when installed: see :func:`domainlayer.toolchain.toolchain_home`.)
PROJECT_ROOT: Final[Path] = _CHECKOUT if IN_CHECKOUT else _PACKAGE_DIR / "_project"

#: Seconds to wait for the embedded PostgreSQL server to accept connections.
POSTGRES_START_TIMEOUT: Final[float] = 60.0
#: Seconds to wait for a Node engine host to answer its health check.
ENGINE_START_TIMEOUT: Final[float] = 30.0

#: What a caller with no database configured is told.
NO_DATABASE_HELP: Final[str] = (
    "no database is configured: set DATABASE_URL=postgresql://user:password@host:port/db "
    "in the environment or in a .env file in the working directory (or pass the URL "
    "explicitly); for a local development server only, set DOMAINLAYER_EMBEDDED=1 to start "
    "the embedded PostgreSQL"
)

_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})


def redact_url(url: str) -> str:
    """``url`` with its password replaced by ``***`` (for messages, reprs and logs)."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        user = parts.username or ""
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    except ValueError:
        return "<unparsable database URL>"


def describe_target(url: str) -> str:
    """``host:port/database (user ...)`` of a database URL: what operator commands print."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "localhost"
        port = parts.port or 5432
    except ValueError:
        return "<unparsable database URL>"
    database = parts.path.lstrip("/") or "(default database)"
    user = f" as {parts.username}" if parts.username else ""
    return f"{host}:{port}/{database}{user}"


def _env(name: str, dotenv: dict[str, str | None]) -> str | None:
    value = os.environ.get(name)
    if value is None:
        value = dotenv.get(name)
    return value or None


def _flag(name: str, raw: str | None) -> bool | None:
    if raw is None:
        return None
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise InvalidInputError(f"{name} must be one of 1/0, true/false, yes/no, on/off")


def _default_data_dir() -> Path:
    base = _CHECKOUT if IN_CHECKOUT else Path.cwd()
    return base / ".domainlayer" / "postgres"


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved configuration. Build with :meth:`load` to apply the precedence above."""

    #: ``DATABASE_URL``: the server to use. ``None``: the embedded one if ``embedded``.
    database_url: str | None = field(default=None, repr=False)
    #: ``DOMAINLAYER_DATA_DIR``: where the embedded PostgreSQL keeps its cluster (default
    #: ``.domainlayer/postgres`` in the checkout, else under the working directory).
    data_dir: Path = field(default_factory=_default_data_dir)
    #: ``DOMAINLAYER_NODE``: the Node.js executable that hosts the engines.
    node: str = "node"
    #: ``DOMAINLAYER_EMBEDDED``: may the embedded PostgreSQL stand in for a missing URL?
    embedded: bool = IN_CHECKOUT
    #: ``DOMAINLAYER_CACHE_DIR``: where an installed package keeps its Node toolchain
    #: (default ``$XDG_CACHE_HOME/domainlayer``, else ``~/.cache/domainlayer``).
    cache_dir: Path | None = None
    #: The ``.env`` file that was read, if any.
    env_file: Path | None = None

    def __repr__(self) -> str:
        url = redact_url(self.database_url) if self.database_url is not None else None
        return (
            f"Settings(database_url={url!r}, data_dir={str(self.data_dir)!r}, "
            f"node={self.node!r}, embedded={self.embedded!r}, "
            f"cache_dir={str(self.cache_dir) if self.cache_dir else None!r}, "
            f"env_file={str(self.env_file) if self.env_file else None!r})"
        )

    __str__ = __repr__

    @classmethod
    def load(
        cls,
        *,
        database_url: str | None = None,
        data_dir: Path | None = None,
        env_file: Path | None = None,
        embedded: bool | None = None,
    ) -> Settings:
        """Settings from the arguments, the environment and ``.env`` (see the module doc).

        ``env_file`` replaces the search for ``.env`` from the working directory.
        """
        if env_file is None:
            found = find_dotenv(usecwd=True)
            path: Path | None = Path(found) if found else None
        else:
            path = env_file
        if path is not None and not path.is_file():
            path = None
        dotenv = dotenv_values(path) if path is not None else {}
        url = database_url or _env("DATABASE_URL", dotenv)
        raw_dir = _env("DOMAINLAYER_DATA_DIR", dotenv)
        resolved_dir = data_dir or (Path(raw_dir).expanduser() if raw_dir else None)
        node = _env("DOMAINLAYER_NODE", dotenv) or "node"
        if embedded is None:
            embedded = _flag("DOMAINLAYER_EMBEDDED", _env("DOMAINLAYER_EMBEDDED", dotenv))
        raw_cache = _env("DOMAINLAYER_CACHE_DIR", dotenv)
        return cls(
            database_url=url,
            data_dir=resolved_dir.resolve() if resolved_dir is not None else _default_data_dir(),
            node=node,
            embedded=IN_CHECKOUT if embedded is None else embedded,
            cache_dir=Path(raw_cache).expanduser() if raw_cache else None,
            env_file=path.resolve() if path is not None else None,
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded on first use."""
    return Settings.load()
