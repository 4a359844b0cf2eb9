"""``prisma``: Prisma Client Python's command, without importing the generated client first.

Prisma Client Python's own ``prisma`` script runs ``prisma.cli.main``, and importing
``prisma.cli`` imports the ``prisma`` package, which is the generated client: for this
schema that costs seconds before Node even starts. For every command but its own
(``prisma py ...``, and the generator invocation without arguments), that script does one
thing: run Node on the Prisma CLI under ``[tool.prisma] binary_cache_dir`` (here
``engines/prisma-cli.mjs``) with two environment variables, and pass the exit code on. This
launcher does the same without the import, and replaces itself with Node (``exec``), so
signals reach the CLI directly. ``prisma py ...`` and the generator still go to
``prisma.cli.main``. The project installs it as the ``prisma`` console script (pyproject's
``[project.scripts]``), over the one of the ``prisma`` package, which it leaves unmodified.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from . import toolchain
from .settings import get_settings

__all__ = ["dispatcher", "main"]

#: What Prisma Client Python's ``prisma.cli.prisma.run`` adds to the environment.
_PRISMA_PY_ENV = {"PRISMA_HIDE_UPDATE_MESSAGE": "true", "PRISMA_CLI_QUERY_ENGINE_TYPE": "binary"}


def dispatcher() -> Path:
    """The Node program behind ``prisma`` (``engines/prisma-cli.mjs`` of the toolchain)."""
    entry = Path(toolchain.CLI_ENTRYPOINT)
    if entry.is_absolute():
        return entry
    # An installed package keeps the toolchain in a cache folder (toolchain.toolchain_home).
    home = getattr(toolchain, "toolchain_home", None)
    return (Path(home()) if callable(home) else Path.cwd()) / entry


def _python_commands(args: Sequence[str]) -> bool:
    return not args or args[0] == "py"


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``prisma <argv>``; returns (or exits with) the command's exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if _python_commands(args):
        # Prisma Client Python's own commands need its package: hand over to it unchanged.
        prisma_cli = importlib.import_module("prisma.cli")
        prisma_cli.main([sys.argv[0], *args])
        return 0  # pragma: no cover - prisma.cli.main always exits
    node = get_settings().node
    env = {**os.environ, **_PRISMA_PY_ENV}
    # The seed command and the generator run on this interpreter (this environment).
    env.setdefault("DOMAINLAYER_PYTHON", sys.executable)
    command = [node, str(dispatcher()), *args]
    if args[0] in {"--help", "-h"}:
        done = subprocess.run(command, env=env, check=False)  # noqa: S603 - fixed program
        print("\nPython Commands\n\n  For Prisma Client Python commands run prisma py --help")
        return done.returncode
    try:
        os.execvpe(node, command, env)  # noqa: S606 - replaces this process with Node
    except OSError as exc:
        print(f"prisma: Node.js could not be started ({node!r}): {exc}", file=sys.stderr)
        return 1
    return 0  # pragma: no cover - execvpe does not return


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
