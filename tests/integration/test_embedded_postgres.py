"""The embedded PostgreSQL, for real: started from temporary data dirs, reused, shared.

Every server here lives in a temporary folder of this module (never the project's own data
dir) and is stopped when the module ends.

That folder is NOT pytest's ``tmp_path``: as root the servers run as the OS user
``embedded_postgres``, which must traverse every folder above its cluster, and pytest resets
``/tmp/pytest-of-root`` to mode 0700 whenever any pytest session starts on the machine. On
a shared machine (other test sessions, mutation runs) that took the server user's access away
mid-test: initdb failed with ``PANIC: could not open file .../global/pg_control: Permission
denied`` and running servers crashed the same way, while the module alone passed.

The URL is checked with each of its three consumers: asyncpg, Node's ``pg`` (the engines)
and Prisma's schema parser.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from domainlayer.database import DEFAULT_DATABASE, EmbeddedPostgres, resolve_database_url
from domainlayer.database.embedded import _install_dir, _port_is_free
from domainlayer.errors import DatabaseUnavailableError
from domainlayer.settings import PROJECT_ROOT, Settings
from domainlayer.testing import create_isolated_database, database_name, drop_database

NODE_MODULES = PROJECT_ROOT / "node_modules"

#: Deadline for initdb plus start-up of this module's own servers. The project default (60 s)
#: is for one server on a quiet machine; here initdb runs several times, under coverage, on a
#: machine other test sessions load (9 s per initdb measured at load 13 on 2 cores). A
#: deadline, not a sleep: a server that is up sooner is used at once.
START_TIMEOUT = 300.0


def _embedded(data_dir: Path) -> EmbeddedPostgres:
    return EmbeddedPostgres(data_dir, start_timeout=START_TIMEOUT)


def _node(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [Settings().node, "-e", script, *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "domainlayer.database", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=_cli_env(data_dir),
    )


def _cli_env(data_dir: Path) -> dict[str, str]:
    # An empty DATABASE_URL hides any value in the project's .env.
    return {**os.environ, "DATABASE_URL": "", "DOMAINLAYER_DATA_DIR": str(data_dir)}


@pytest.fixture(scope="module")
def server_root() -> Iterator[Path]:
    """A private folder for this module's clusters, outside ``/tmp/pytest-of-<user>``
    (see the module docstring); removed once every server in it has stopped."""
    root = Path(tempfile.mkdtemp(prefix="domainlayer-embedded-test-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def _new_folder(root: Path, prefix: str) -> Path:
    return Path(tempfile.mkdtemp(prefix=f"{prefix}-", dir=root))


@pytest.fixture(scope="module")
def started(server_root: Path) -> Iterator[list[EmbeddedPostgres]]:
    """Every server the module starts; all are stopped at its end."""
    servers: list[EmbeddedPostgres] = []
    yield servers
    for server in servers:
        server.stop()


@pytest.fixture(scope="module")
def server(server_root: Path, started: list[EmbeddedPostgres]) -> EmbeddedPostgres:
    # Deep enough that the unix socket cannot live in pgdata (paths stop at 107 bytes).
    data_dir = _new_folder(server_root, "embedded") / ("a-rather-long-folder-name-" * 4) / "pg"
    data_dir.parent.mkdir()
    server = _embedded(data_dir)
    started.append(server)
    server.ensure_running()
    server.create_database(DEFAULT_DATABASE, exist_ok=True)
    return server


@pytest.fixture
def fresh(server_root: Path) -> Iterator[EmbeddedPostgres]:
    """A server that was never started, on its own data dir; stopped after its test.

    (One at a time is what the tests need; they used to run until the module ended.)
    """
    server = _embedded(_new_folder(server_root, "fresh") / "pg")
    yield server
    server.stop()


def test_a_second_instance_on_the_same_data_dir_reuses_the_running_server(
    server: EmbeddedPostgres,
) -> None:
    other = _embedded(server.data_dir)

    other.ensure_running()

    assert other.pid() == server.pid() is not None
    assert other.url() == server.url()


async def test_the_url_works_from_asyncpg(server: EmbeddedPostgres) -> None:
    url = server.url()
    assert re.match(r"postgresql://postgres:[A-Za-z0-9_-]{32}@127\.0\.0\.1:\d+/", url), (
        "a generated password"
    )

    connection = await asyncpg.connect(url)
    try:
        assert await connection.fetchval("SELECT current_database()") == DEFAULT_DATABASE
        assert await connection.fetchval("SHOW server_version_num") >= "180000"
    finally:
        await connection.close()


def test_the_url_works_from_node_pg(server: EmbeddedPostgres) -> None:
    script = f"""
    const pg = require({json.dumps(str(NODE_MODULES / "pg"))})
    const client = new pg.Client({{ connectionString: process.argv[1] }})
    client.connect()
      .then(() => client.query('SELECT current_database() AS name'))
      .then((result) => {{ console.log(result.rows[0].name); return client.end() }})
      .catch((error) => {{ console.error(error); process.exit(1) }})
    """

    done = _node(script, server.url())

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == DEFAULT_DATABASE


def test_prisma_schema_parser_accepts_the_url(server: EmbeddedPostgres) -> None:
    script = f"""
    const wasm = require({json.dumps(str(NODE_MODULES / "@prisma" / "prisma-schema-wasm"))})
    console.log(wasm.get_config(JSON.stringify({{
      prismaSchema: process.argv[2], datasourceOverrides: {{}}, ignoreEnvVarErrors: false,
      env: {{ DATABASE_URL: process.argv[1] }},
    }})))
    """
    schema = 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n'

    done = _node(script, server.url(), schema)

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["errors"] == []
    assert result["config"]["datasources"][0]["url"]["value"] == server.url()


async def test_a_long_data_dir_puts_the_socket_in_a_short_private_dir(
    server: EmbeddedPostgres,
) -> None:
    socket_dir = server.socket_dir()
    assert socket_dir is not None
    assert socket_dir.parent == Path("/tmp")
    assert socket_dir.stat().st_mode & 0o777 == 0o700
    port = int(server.url().rsplit(":", 1)[1].split("/")[0])

    connection = await asyncpg.connect(
        host=str(socket_dir),
        port=port,
        user="postgres",
        database=DEFAULT_DATABASE,
        password=server.password_file.read_text().strip(),
    )
    try:
        assert await connection.fetchval("SELECT 1") == 1
    finally:
        await connection.close()


async def test_databases_are_created_from_a_template_and_dropped(
    server: EmbeddedPostgres,
) -> None:
    server.create_database("template_case")
    connection = await asyncpg.connect(server.url("template_case"))
    try:
        await connection.execute("CREATE TABLE marker (id int); INSERT INTO marker VALUES (7)")
    finally:
        await connection.close()

    server.create_database("copy_case", template="template_case")
    server.create_database("copy_case", exist_ok=True)
    connection = await asyncpg.connect(server.url("copy_case"))
    try:
        assert await connection.fetchval("SELECT id FROM marker") == 7
    finally:
        await connection.close()
    with pytest.raises(DatabaseUnavailableError, match="already exists"):
        server.create_database("copy_case")

    server.drop_database("copy_case")
    server.drop_database("template_case")
    server.drop_database("never_created")

    connection = await asyncpg.connect(server.url())
    try:
        names = await connection.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE '%\\_case'"
        )
    finally:
        await connection.close()
    assert names == []


async def test_the_testing_helpers_give_each_caller_its_own_database(
    server: EmbeddedPostgres,
) -> None:
    admin_url = server.url("postgres")

    first = await create_isolated_database(admin_url, DEFAULT_DATABASE)
    second = await create_isolated_database(admin_url, None)

    assert database_name(first) != database_name(second)
    assert first.replace(database_name(first), "postgres") == admin_url
    connection = await asyncpg.connect(first)
    await drop_database(admin_url, database_name(first))  # ends the open session
    connection.terminate()
    await drop_database(admin_url, database_name(second))
    connection = await asyncpg.connect(admin_url)
    try:
        left = await connection.fetchval(
            "SELECT count(*) FROM pg_database WHERE datname = ANY($1::text[])",
            [database_name(first), database_name(second)],
        )
    finally:
        await connection.close()
    assert left == 0


def test_two_threads_starting_a_fresh_data_dir_at_once_share_one_server(
    fresh: EmbeddedPostgres,
) -> None:
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def start() -> None:
        barrier.wait()
        try:
            _embedded(fresh.data_dir).ensure_running()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=start) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert fresh.is_running()


def test_two_processes_asking_for_the_url_at_once_get_the_same_server(
    fresh: EmbeddedPostgres,
) -> None:
    command = [sys.executable, "-m", "domainlayer.database", "url"]
    env = _cli_env(fresh.data_dir)
    processes = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]

    assert [process.returncode for process in processes] == [0, 0], outputs
    assert {stdout.strip() for stdout, _ in outputs} == {fresh.url()}


def test_a_stopped_server_restarts_on_its_cluster_and_port(fresh: EmbeddedPostgres) -> None:
    fresh.ensure_running()
    fresh.create_database("kept")
    url = fresh.url("kept")

    fresh.stop()

    assert not fresh.is_running()
    assert _cli(fresh.data_dir, "status").returncode == 3
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    # The port is kept while it stays free; on a shared machine any process may take it
    # (an outgoing connection's local port, another server) while this one is stopped.
    kept = _port_is_free(port)
    fresh.ensure_running()
    if kept:
        assert fresh.url("kept") == url
    else:
        assert fresh.url("kept") != url, "a taken port cannot be reused"
    fresh.create_database("kept", exist_ok=True)
    with pytest.raises(DatabaseUnavailableError, match="already exists"):
        fresh.create_database("kept")


def test_a_server_that_cannot_start_raises_with_its_log(fresh: EmbeddedPostgres) -> None:
    fresh.ensure_running()
    fresh.stop()
    config = fresh.pgdata / "postgresql.conf"
    original = config.read_text()
    config.write_text(original + "\nno_such_setting_here = 1\n")
    try:
        with pytest.raises(DatabaseUnavailableError, match="no_such_setting_here"):
            fresh.ensure_running()
    finally:
        config.write_text(original)

    fresh.ensure_running()
    assert fresh.is_running()


def test_the_cli_reports_status_and_refuses_bad_usage(
    server: EmbeddedPostgres, tmp_path: Path
) -> None:
    running = _cli(server.data_dir, "status")
    assert (running.returncode, running.stdout.strip()) == (0, server.url())
    assert _cli(tmp_path / "never", "status").returncode == 3
    assert _cli(server.data_dir, "start").stdout.strip() == server.url()
    assert _cli(server.data_dir, "bogus").returncode == 2

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    failed = _cli(blocker / "pg", "url")
    assert failed.returncode == 1
    assert failed.stderr.startswith("error: ")


def test_database_url_set_wins_and_nothing_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = "postgresql://someone@db.example.invalid:5432/app"
    monkeypatch.setenv("DATABASE_URL", url)
    settings = Settings.load(data_dir=tmp_path / "unused", env_file=tmp_path / "missing.env")

    assert resolve_database_url(settings) == url
    assert not (tmp_path / "unused").exists()


async def test_without_database_url_the_settings_data_dir_is_used(
    monkeypatch: pytest.MonkeyPatch,
    server_root: Path,
    started: list[EmbeddedPostgres],
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    folder = _new_folder(server_root, "settings")
    settings = Settings.load(data_dir=folder / "pg", env_file=folder / "missing.env")
    expected = EmbeddedPostgres(settings.data_dir)  # resolve_database_url's own server
    started.append(expected)

    url = await asyncio.to_thread(resolve_database_url, settings)

    assert expected.is_running()
    assert url == expected.url(DEFAULT_DATABASE)
    connection = await asyncpg.connect(url)
    try:
        assert await connection.fetchval("SELECT current_database()") == DEFAULT_DATABASE
    finally:
        await connection.close()


def _without_password(url: str) -> str:
    return re.sub(r"//postgres:[^@]*@", "//postgres@", url)


async def test_the_cluster_requires_its_password_and_keeps_its_files_private(
    server: EmbeddedPostgres,
) -> None:
    with pytest.raises(asyncpg.PostgresError, match="password"):
        await asyncpg.connect(_without_password(server.url()), timeout=10)
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(server.url().replace("postgres:", "postgres:x", 1), timeout=10)
    hba = [
        line.split()
        for line in (server.pgdata / "pg_hba.conf").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert hba and all(fields[-1] == "scram-sha-256" for fields in hba)
    assert stat.S_IMODE(server.password_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(server.pgdata.stat().st_mode) == 0o700
    assert stat.S_IMODE(server.log_file.stat().st_mode) == 0o600
    assert "password" not in repr(server).lower()
    assert server.url().split(":")[2].split("@")[0] not in repr(server)


def test_a_trust_cluster_from_an_older_version_is_converted_on_start(
    fresh: EmbeddedPostgres,
) -> None:
    fresh.ensure_running()
    fresh.stop()
    trust = "local all all trust\nhost all all 127.0.0.1/32 trust\n"
    (fresh.pgdata / "pg_hba.conf").write_text(trust)
    fresh.password_file.unlink()

    fresh.ensure_running()

    assert fresh.password_file.is_file()
    assert "trust" not in (fresh.pgdata / "pg_hba.conf").read_text()

    async def check() -> None:
        with pytest.raises(asyncpg.PostgresError, match="password"):
            await asyncpg.connect(_without_password(fresh.url("postgres")), timeout=10)
        connection = await asyncpg.connect(fresh.url("postgres"), timeout=10)
        await connection.close()

    asyncio.run(check())


def _as_nobody(*command: str) -> subprocess.CompletedProcess[str]:
    runuser = shutil.which("runuser") or shutil.which("setpriv")
    assert runuser is not None, "runuser (util-linux) is needed to act as another OS user"
    prefix = (
        [runuser, "-u", "nobody", "--"]
        if runuser.endswith("runuser")
        else [runuser, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
    )
    return subprocess.run(
        [*prefix, *command],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"PATH": "/usr/bin:/bin", "HOME": "/", "PGCONNECT_TIMEOUT": "10"},
        cwd="/",
    )


def test_another_os_user_gets_nothing_from_the_embedded_server(
    server: EmbeddedPostgres,
) -> None:
    assert os.geteuid() == 0, "the tests run as root (as CI does), to act as `nobody`"
    psql = str(_install_dir() / "bin" / "psql")
    port = server.url().rsplit(":", 1)[1].split("/")[0]
    socket_dir = server.socket_dir()
    assert socket_dir is not None
    attempts = {
        # TCP as the superuser, no password (trust used to let this in).
        "tcp": _as_nobody(
            psql,
            "-w",
            "-h",
            "127.0.0.1",
            "-p",
            port,
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-c",
            "COPY (SELECT 1) TO PROGRAM 'id'",
        ),
        # The unix socket, in a folder only the server's OS user may enter.
        "socket": _as_nobody(
            psql,
            "-w",
            "-h",
            str(socket_dir),
            "-p",
            port,
            "-U",
            "postgres",
            "-d",
            "postgres",
            "-c",
            "SELECT 1",
        ),
        "password file": _as_nobody("cat", str(server.password_file)),
        "cluster files": _as_nobody("cat", str(server.pgdata / "PG_VERSION")),
        "cluster listing": _as_nobody("ls", str(server.pgdata)),
        "server log": _as_nobody("cat", str(server.log_file)),
    }
    # nobody can run the wheel's psql at all (else the first two would prove nothing).
    assert _as_nobody(psql, "--version").returncode == 0
    for name, done in attempts.items():
        assert done.returncode != 0, f"{name}: nobody succeeded: {done.stdout}"
    assert "password" in attempts["tcp"].stderr.lower()
    assert (
        "permission denied"
        in (attempts["socket"].stderr + attempts["password file"].stderr).lower()
    )
