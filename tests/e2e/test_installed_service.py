"""A service installs the wheel into a fresh venv outside the checkout and uses it.

Exactly the README's four commands, in a temporary folder, against a scratch database:

    python -m venv svc/.venv && svc/.venv/bin/pip install <wheel>
    svc/.venv/bin/domainlayer generate
    DATABASE_URL=... svc/.venv/bin/domainlayer migrate deploy
    DATABASE_URL=... svc/.venv/bin/python app.py

``app.py`` (``tests/e2e/service_app.py``) creates a scored madfam lead, issues and redeems
a coach auth code and reads both back through the generated client. With no database
configured, it must fail with ``DatabaseUnavailableError`` and create nothing.

The Node toolchain cache (``DOMAINLAYER_CACHE_DIR``) is shared by the Python versions, so
``npm ci`` runs once per session; each version gets its own venv and generated client.
``DOMAINLAYER_E2E_PYTHONS`` (default ``3.11 3.12``) lists the versions; each must be found
(``python3.X`` on PATH or under ``~/.pyenv/versions``), else the test fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import asyncpg
import pytest

from domainlayer.settings import PROJECT_ROOT

APP = Path(__file__).with_name("service_app.py")
PYTHONS = os.environ.get("DOMAINLAYER_E2E_PYTHONS", "3.11 3.12").split()
#: Variables of this checkout's environment that must not leak into the service's.
_LEAKS = ("DATABASE_URL", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "DOMAINLAYER_")


def _interpreter(version: str) -> str:
    # pyenv's own installs first: its shims on PATH exist for versions not selected.
    for candidate in sorted((Path.home() / ".pyenv" / "versions").glob(f"{version}.*")):
        binary = candidate / "bin" / f"python{version}"
        if binary.is_file():
            return str(binary)
    found = shutil.which(f"python{version}")
    if found and "/shims/" not in found:
        return found
    pytest.fail(f"Python {version} not found (set DOMAINLAYER_E2E_PYTHONS to change the list)")


def _run(
    command: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 900
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _ok(done: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    output = done.stdout + done.stderr
    assert done.returncode == 0, f"{done.args} exited {done.returncode}:\n{output}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _ok(
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-build-isolation",
                "--disable-pip-version-check",
                "-q",
                "-w",
                str(out),
                str(PROJECT_ROOT),
            ],
            cwd=out,
            env=dict(os.environ),
        )
    )
    (built,) = out.glob("domainlayer-*.whl")
    return built


@pytest.fixture(scope="module")
def toolchain_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("toolchain-cache")


def _service_env(cache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_LEAKS)}
    env["DOMAINLAYER_CACHE_DIR"] = str(cache)
    return env


def _leads(url: str) -> int:
    async def count() -> int:
        connection = await asyncpg.connect(url)
        try:
            leads: int = await connection.fetchval('SELECT count(*) FROM madfam."Lead"')
            return leads
        finally:
            await connection.close()

    return asyncio.run(count())


@pytest.mark.parametrize("version", PYTHONS)
def test_a_service_installs_the_wheel_generates_migrates_and_runs(
    version: str,
    wheel: Path,
    toolchain_cache: Path,
    empty_database_url: str,
    tmp_path: Path,
) -> None:
    scratch_url = empty_database_url
    service = tmp_path / "svc"
    service.mkdir()
    assert PROJECT_ROOT not in service.parents
    shutil.copy(APP, service / "app.py")
    env = _service_env(toolchain_cache)
    venv = service / ".venv"
    _ok(_run([_interpreter(version), "-m", "venv", str(venv)], cwd=service, env=env))
    bin_dir = venv / "bin"

    # 1. pip install <wheel>
    _ok(_run([str(bin_dir / "pip"), "install", str(wheel)], cwd=service, env=env))

    # 2. domainlayer generate: the Node toolchain goes to the cache (once, with a message).
    generated = _ok(_run([str(bin_dir / "domainlayer"), "generate"], cwd=service, env=env))
    homes = [p for p in toolchain_cache.iterdir() if (p / ".domainlayer-ready").is_file()]
    assert len(homes) == 1, homes
    assert (homes[0] / "node_modules" / "prisma").is_dir()
    if "installing the Node toolchain" in generated.stderr:
        assert str(homes[0]) in generated.stderr
    site = next((venv / "lib").glob("python3.*/site-packages"))
    assert not (site / "domainlayer" / "_project" / "node_modules").exists()
    client_files = list((site / "prisma").rglob("*.py"))
    assert client_files, "nothing was generated into the service's environment"
    checkout = str(PROJECT_ROOT)
    assert not [p for p in client_files if checkout in p.read_text(errors="replace")]

    # 3. migrate deploy, printing its target without the password.
    env_db = {**env, "DATABASE_URL": scratch_url}
    migrated = _ok(
        _run([str(bin_dir / "domainlayer"), "migrate", "deploy"], cwd=service, env=env_db)
    )
    target = scratch_url.rsplit("/", 1)[1]
    assert "domainlayer: database 127.0.0.1:" in migrated.stderr
    assert target in migrated.stderr

    # 4. the service itself.
    ran = _ok(_run([str(bin_dir / "python"), "app.py"], cwd=service, env=env_db))
    summary = json.loads(ran.stdout.strip().splitlines()[-1])
    assert summary["lead_score"] is not None and summary["lead_score"] > 0
    assert summary["lead_tier"].endswith("L3_CONSULTING")
    assert summary["code_used"] is True
    assert summary["session_user"] == "skool-e2e" and summary["sessions"] == 1
    assert _leads(scratch_url) == 1

    # With no database configured: a DatabaseUnavailableError that says how, nothing made.
    failed = _run([str(bin_dir / "python"), "app.py"], cwd=service, env=env)
    assert failed.returncode == 3, failed.stdout + failed.stderr
    error = json.loads(failed.stdout.strip().splitlines()[-1])
    assert error["error"] == "DatabaseUnavailableError"
    assert "DATABASE_URL" in error["message"]
    assert not (service / ".domainlayer").exists()  # no embedded server was started
    assert _leads(scratch_url) == 1
    refused = _run([str(bin_dir / "domainlayer"), "migrate", "deploy"], cwd=service, env=env)
    assert refused.returncode == 1 and "DATABASE_URL" in refused.stderr
