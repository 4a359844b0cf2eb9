"""Run the project's pinned, offline Prisma CLI from Python.

``engines/prisma-cli.mjs`` is the same program the ``prisma`` command runs (see
pyproject's ``[tool.prisma]``): Prisma CLI 6.19 on the WebAssembly schema engine for schema
commands, Prisma CLI 5.17 for ``generate``. Python calls it for ``migrate deploy`` before
seeding and in the tests; failures raise :class:`~domainlayer.errors.ToolchainError` with
the CLI's own output.
"""

from __future__ import annotations

import logging
import os
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from .errors import ToolchainError
from .settings import PROJECT_ROOT, get_settings

__all__ = ["CLI_ENTRYPOINT", "PRISMA_CLI_TIMEOUT", "migrate_deploy", "run_prisma"]

log = logging.getLogger(__name__)

#: The dispatcher behind the ``prisma`` command.
CLI_ENTRYPOINT: Final[Path] = PROJECT_ROOT / "engines" / "prisma-cli.mjs"
#: Seconds one Prisma CLI command may take before it is stopped.
PRISMA_CLI_TIMEOUT: Final[float] = 300.0


def run_prisma(
    args: Sequence[str],
    *,
    database_url: str | None = None,
    timeout: float = PRISMA_CLI_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run ``prisma <args>`` from the project root and return its completed process.

    ``database_url`` overrides ``DATABASE_URL`` for this command only. Raises
    :class:`ToolchainError` when Node or the CLI is missing, times out or exits non-zero.
    """
    if not (PROJECT_ROOT / "node_modules" / "prisma").is_dir():
        raise ToolchainError(
            "the Node toolchain is not installed: run `./scripts/setup` (npm ci) first"
        )
    env = dict(os.environ)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    command = [get_settings().node, str(CLI_ENTRYPOINT), *args]
    started = time.perf_counter()
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, arguments are not a shell string
            command,
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ToolchainError(f"Node.js not found ({command[0]!r}): {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolchainError(f"`prisma {' '.join(args)}` timed out after {timeout:.0f} s") from exc
    log.debug(
        "prisma %s exited %d in %.3f s",
        " ".join(args),
        done.returncode,
        time.perf_counter() - started,
    )
    if done.returncode != 0:
        raise ToolchainError(
            f"`prisma {' '.join(args)}` failed (exit {done.returncode}):\n"
            f"{done.stdout.strip()}\n{done.stderr.strip()}".strip()
        )
    return done


def migrate_deploy(database_url: str) -> str:
    """Apply every migration in ``prisma_migrations/`` that the database lacks."""
    return run_prisma(["migrate", "deploy"], database_url=database_url).stdout
