"""Settings in one place, read lazily; nothing connects or starts at import time.

Precedence, highest first (as asyncpg's ``connect_utils`` does it):

1. an explicit argument (``Settings(database_url=...)``, ``connect(url=...)``);
2. the process environment;
3. a ``.env`` file in the project root (never overrides the environment);
4. the defaults below. With no ``DATABASE_URL`` at all, the project starts its own
   embedded PostgreSQL under ``data_dir`` and uses that.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Final

from dotenv import dotenv_values

__all__ = [
    "ENGINE_START_TIMEOUT",
    "POSTGRES_START_TIMEOUT",
    "PROJECT_ROOT",
    "Settings",
    "get_settings",
]

#: The repository checkout this package runs from (``src/domainlayer/settings.py`` -> root).
PROJECT_ROOT: Final[Path] = Path(__file__).resolve().parents[2]

#: Seconds to wait for the embedded PostgreSQL server to accept connections.
POSTGRES_START_TIMEOUT: Final[float] = 60.0
#: Seconds to wait for a Node engine host to answer its health check.
ENGINE_START_TIMEOUT: Final[float] = 30.0


def _env(name: str, dotenv: dict[str, str | None]) -> str | None:
    value = os.environ.get(name)
    if value is None:
        value = dotenv.get(name)
    return value or None


@dataclass(frozen=True, slots=True)
class Settings:
    """Resolved configuration. Build with :meth:`load` to apply the precedence above."""

    #: ``DATABASE_URL``: the server to use. ``None`` means "start the embedded one".
    database_url: str | None = None
    #: ``DOMAINLAYER_DATA_DIR``: where the embedded PostgreSQL keeps its cluster.
    data_dir: Path = field(default_factory=lambda: PROJECT_ROOT / ".domainlayer" / "postgres")
    #: ``DOMAINLAYER_NODE``: the Node.js executable that hosts the engines.
    node: str = "node"

    @classmethod
    def load(
        cls,
        *,
        database_url: str | None = None,
        data_dir: Path | None = None,
        env_file: Path | None = None,
    ) -> Settings:
        path = env_file if env_file is not None else PROJECT_ROOT / ".env"
        dotenv = dotenv_values(path) if path.is_file() else {}
        url = database_url or _env("DATABASE_URL", dotenv)
        raw_dir = _env("DOMAINLAYER_DATA_DIR", dotenv)
        resolved_dir = data_dir or (Path(raw_dir) if raw_dir else None)
        node = _env("DOMAINLAYER_NODE", dotenv) or "node"
        if resolved_dir is None:
            return cls(database_url=url, node=node)
        return cls(database_url=url, data_dir=resolved_dir.resolve(), node=node)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, loaded on first use."""
    return Settings.load()
