"""Run the project's commands from tests, as an operator would, and capture their output."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

from domainlayer.settings import PROJECT_ROOT


def run(
    args: Sequence[str],
    *,
    cwd: Path = PROJECT_ROOT,
    env: Mapping[str, str] | None = None,
    timeout: float = 300,
) -> subprocess.CompletedProcess[str]:
    """Run ``args`` to completion (never raising on a non-zero exit)."""
    return subprocess.run(
        list(args),
        cwd=cwd,
        env=dict(os.environ if env is None else env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_python(
    code: str, *, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run a Python snippet in the project environment."""
    return run([sys.executable, "-c", code], env=env, timeout=120)


def connect_and_print(expression: str) -> str:
    """A snippet that connects a bare `Prisma()`, prints `expression`, and disconnects."""
    return (
        "import asyncio\n"
        "from prisma import Prisma\n"
        "async def main():\n"
        "    db = Prisma()\n"
        "    await db.connect()\n"
        f"    print({expression})\n"
        "    await db.disconnect()\n"
        "asyncio.run(main())\n"
    )
