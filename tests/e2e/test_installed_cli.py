"""The ``domainlayer`` command in the checkout: help everywhere, exit codes, targets, and
a missing Node as ``ToolchainError``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from domainlayer.errors import ToolchainError
from domainlayer.settings import get_settings
from domainlayer.toolchain import run_prisma

COMMAND = [sys.executable, "-m", "domainlayer"]


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*COMMAND, *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--help"], "generate"),
        (["db", "--help"], "status"),
        (["migrate", "--help"], "deploy"),
        (["seed", "--help"], "--scale"),
    ],
)
def test_every_command_has_help(args: list[str], expected: str) -> None:
    done = _run(*args)
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout + done.stderr


def test_bad_usage_exits_2() -> None:
    assert _run("no-such-command").returncode == 2
    assert _run("db", "no-such-action").returncode == 2


def test_db_url_prints_the_target_without_the_password(database_url: str) -> None:
    done = _run("db", "url", env={"DATABASE_URL": database_url})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == database_url
    name = database_url.rsplit("/", 1)[1]
    assert "domainlayer: database 127.0.0.1:" in done.stderr and name in done.stderr
    password = database_url.split("@")[0].rsplit(":", 1)[1]
    assert password not in done.stderr


def test_migrate_status_prints_its_target_and_passes_the_exit_code(database_url: str) -> None:
    done = _run("migrate", "status", env={"DATABASE_URL": database_url})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "domainlayer: database 127.0.0.1:" in done.stderr
    assert done.stderr.count("domainlayer: database") == 1


def test_a_service_without_a_database_is_told_how_to_configure_one(tmp_path: Path) -> None:
    done = subprocess.run(
        [*COMMAND, "migrate", "deploy"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
        env={**os.environ, "DATABASE_URL": "", "DOMAINLAYER_EMBEDDED": "0"},
    )
    assert done.returncode == 1
    assert "DATABASE_URL" in done.stderr and "DOMAINLAYER_EMBEDDED=1" in done.stderr


def test_node_missing_is_a_toolchain_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOMAINLAYER_NODE", "/nonexistent/node")
    get_settings.cache_clear()
    try:
        with pytest.raises(ToolchainError, match=r"Node\.js"):
            run_prisma(["--version"])
    finally:
        get_settings.cache_clear()
