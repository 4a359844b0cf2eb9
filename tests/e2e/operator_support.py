"""Helpers for the operator-command tests: scratch projects, the commands, a terminal."""

from __future__ import annotations

import os
import pty
import select
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path

from domainlayer.settings import PROJECT_ROOT
from tests.support.processes import run

#: The `prisma` command of the environment (domainlayer's launcher).
PRISMA = PROJECT_ROOT / ".venv" / "bin" / "prisma"
DISPATCHER = PROJECT_ROOT / "engines" / "prisma-cli.mjs"
GENERATOR_VERSION_ERROR = "expected Prisma version"


def scratch_project(tmp_path: Path) -> Path:
    """A copy of the project's schema, config and history; engines and packages linked."""
    project = tmp_path / "project"
    project.mkdir(parents=True)
    for name in ("schema.prisma", "prisma.config.ts", "package.json"):
        shutil.copy(PROJECT_ROOT / name, project / name)
    shutil.copytree(PROJECT_ROOT / "prisma_migrations", project / "prisma_migrations")
    for name in ("engines", "node_modules"):
        (project / name).symlink_to(PROJECT_ROOT / name)
    return project


def env_for(url: str, **extra: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": url, **extra}


def prisma(
    url: str, *args: str, cwd: Path = PROJECT_ROOT, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """`node engines/prisma-cli.mjs <args>` in `cwd` (a scratch project or the root)."""
    dispatcher = cwd / "engines" / "prisma-cli.mjs"
    return run(["node", str(dispatcher), *args], cwd=cwd, env=env_for(url), timeout=timeout)


def output(done: subprocess.CompletedProcess[str]) -> str:
    return f"{done.stdout}\n{done.stderr}"


def append_to_schema(project: Path, text: str) -> None:
    with (project / "schema.prisma").open("a") as schema:
        schema.write(text)


def migration_folders(project: Path) -> set[str]:
    return {p.name for p in (project / "prisma_migrations").iterdir() if p.is_dir()}


class Terminal:
    """A command on a pseudo-terminal: read what it prints, answer its prompts."""

    def __init__(self, args: list[str], *, cwd: Path, env: Mapping[str, str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # pragma: no cover - the child
            os.chdir(cwd)
            os.execvpe(args[0], args, dict(env))
        self.seen = ""

    def expect(self, text: str, timeout: float = 300) -> str:
        deadline = time.monotonic() + timeout
        while text not in self.seen:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{text!r} not shown within {timeout} s; output:\n{self.seen}")
            ready, _, _ = select.select([self.fd], [], [], min(left, 1.0))
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"{text!r} never shown; the command ended:\n{self.seen}")
                self.seen += chunk.decode(errors="replace")
        return self.seen

    def send(self, line: str) -> None:
        os.write(self.fd, (line + "\r").encode())

    def _drain(self) -> None:
        while select.select([self.fd], [], [], 0.2)[0]:
            try:
                chunk = os.read(self.fd, 4096)
            except OSError:
                return
            if not chunk:
                return
            self.seen += chunk.decode(errors="replace")

    def wait(self, timeout: float = 600) -> int:
        deadline = time.monotonic() + timeout
        while True:
            ready, _, _ = select.select([self.fd], [], [], 0.5)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                    self.seen += chunk.decode(errors="replace")
                except OSError:
                    pass
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self._drain()
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
            if time.monotonic() > deadline:
                os.kill(self.pid, signal.SIGKILL)
                raise AssertionError(f"still running after {timeout} s:\n{self.seen}")
