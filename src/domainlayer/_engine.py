"""The engine class domainlayer's client uses: the Node host over a private channel.

Prisma Client Python's own engine class (``prisma.engine.AsyncQueryEngine``) starts the
host on a TCP port and talks HTTP to it through httpx. That costs about 1.1-1.4 ms of
client CPU per call (a bare status request: 0.05-0.09 ms on a raw socket), and under
concurrency httpcore's connection-pool scan takes a third of the process. So the client of
:mod:`domainlayer.client` creates this engine instead (through ``_create_engine``; the
``prisma`` package itself is unmodified):

- the host listens on a Unix socket in a folder made by ``tempfile.mkdtemp`` (mode 0700),
  so no other OS user can even reach it; the first frame of the connection must carry a
  per-process secret from :mod:`secrets` (handed to the host in its environment, which
  only the same user can read), else the host answers 403, logs it and closes;
- one connection carries every request at once, each a length-prefixed frame tagged with
  an id (``engines/query-engine/channel.mjs`` has the format), so concurrent callers
  neither queue for connections nor pay for HTTP;
- answers are the engine's JSON as before, turned into the client's usual exceptions by
  the client's own ``handle_response_errors``; infrastructure failures (Prisma's P1000,
  P1001, P1002, P1003, P1008, P1017 and the pool timeout P2024) and a host that is gone
  raise errors that are also :class:`~domainlayer.errors.DatabaseUnavailableError`;
- a host that died (killed, crashed) fails its in-flight calls at once, and the next call
  starts a new one: the same client object works again, nothing needs rebuilding;
- ``aclose`` never blocks the event loop: it closes the channel (the host exits when its
  client goes) and waits for the process without blocking.

The host is found at run time, not through the generated client's stored binary path:
``DOMAINLAYER_ENGINE_DIR`` (a folder laid out like the checkout's ``engines/``), else the
toolchain's ``engines/`` (the checkout's, or an installed package's cache folder).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import os
import re
import secrets
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import weakref
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, NoReturn, cast

import orjson
from prisma import errors as prisma_errors  # noqa: TID251 - the engine side of domainlayer.client
from prisma._builder import dumps  # noqa: TID251 - the engine side of domainlayer.client
from prisma._constants import DEFAULT_CONNECT_TIMEOUT  # noqa: TID251 - the engine side of domainlayer.client
from prisma._types import TransactionId  # noqa: TID251 - the engine side of domainlayer.client
from prisma.engine import errors as engine_errors  # noqa: TID251 - the engine side of domainlayer.client
from prisma.engine import utils as engine_utils  # noqa: TID251 - the engine side of domainlayer.client
from prisma.engine.abstract import AbstractEngine  # noqa: TID251 - the engine side of domainlayer.client

from .errors import DatabaseUnavailableError, InvalidInputError
from .toolchain import toolchain_home

if TYPE_CHECKING:
    from prisma.types import DatasourceOverride, MetricsFormat  # noqa: TID251 - the engine side of domainlayer.client

__all__ = [
    "ENGINE_DIR_VARIABLE",
    "INFRASTRUCTURE_CODES",
    "ChannelEngine",
    "DatabaseUnreachableError",
    "EngineUnavailableError",
    "InvalidTextError",
    "engine_dir",
]

log = logging.getLogger(__name__)

#: Environment variable naming the engines folder (default: the checkout's ``engines/``).
ENGINE_DIR_VARIABLE: Final = "DOMAINLAYER_ENGINE_DIR"

#: Prisma error codes that mean the database (not the query) failed.
INFRASTRUCTURE_CODES: Final = frozenset(
    {"P1000", "P1001", "P1002", "P1003", "P1008", "P1017", "P2024"}
)

_GET, _POST = 0, 1
_HEADER = struct.Struct(">II")
_ANSWER = struct.Struct(">HB")
#: Seconds the host may take to exit after its channel closed, before SIGKILL.
_EXIT_GRACE: Final = 2.0


class EngineUnavailableError(prisma_errors.PrismaError, DatabaseUnavailableError):
    """The query engine host is gone (killed, crashed) or could not be started."""


class DatabaseUnreachableError(prisma_errors.DataError, DatabaseUnavailableError):
    """The engine answered with an infrastructure error code (server unreachable, ...)."""


def engine_dir() -> Path:
    """The engines folder: ``$DOMAINLAYER_ENGINE_DIR``, else the toolchain's ``engines/``.

    The toolchain's home is the checkout, or for an installed package the cache folder
    :func:`domainlayer.toolchain.toolchain_home` installs once (never site-packages).
    """
    configured = os.environ.get(ENGINE_DIR_VARIABLE)
    if configured:
        return Path(configured)
    return toolchain_home() / "engines"


class InvalidTextError(prisma_errors.PrismaError, InvalidInputError):
    """A string holds a lone surrogate (U+D800-U+DFFF): no UTF-8, so PostgreSQL cannot store it."""


def _encode_text(text: str) -> bytes:
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise InvalidTextError(
            f"text holds a lone surrogate ({', '.join(f'U+{ord(c):04X}' for c in bad)}), "
            "which is not Unicode text and cannot be stored; nothing was sent"
        ) from None


#: SQLSTATEs of a server that ended or refused the session: connection exceptions (08),
#: insufficient resources (53), shutdown / crash / restarting (57P01..57P05).
_GONE_CLASSES: Final = ("08", "53")
_GONE_STATES: Final = frozenset({"57P01", "57P02", "57P03", "57P04", "57P05"})
_SQLSTATE = re.compile(r'PostgresError \{ code: "([0-9A-Z]{5})"')


def _server_went_away(error: object) -> bool:
    """Whether an engine error without a Prisma code is PostgreSQL ending the session.

    A model query (not a raw one) whose connection PostgreSQL terminates (a restart, a
    fast shutdown, ``pg_terminate_backend``) comes back as a bare ``ConnectorError`` with
    the server's SQLSTATE (57P01 ...) and no error code, which the client would raise as a
    ``DataError``; it is an infrastructure failure like P1017.
    """
    for text in _strings(error):
        for state in _SQLSTATE.findall(text):
            if state in _GONE_STATES or state[:2] in _GONE_CLASSES:
                return True
    return False


def _uses_tls(datasources: list[DatasourceOverride], env: dict[str, str]) -> bool:
    """Whether the host may open a TLS connection: an ``ssl*`` URL parameter, or PGSSL*."""
    if any(name.startswith("PGSSL") for name in env):
        return True
    return any("ssl" in datasource.get("url", "").partition("?")[2] for datasource in datasources)


def _strings(value: object) -> Iterator[str]:
    """Every string inside a decoded JSON value (the engine's error objects are shallow)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _decode(body: bytes) -> Any:
    """The host's JSON answer: orjson's reading, in less than half json's time.

    The host writes JSON.stringify's text (numbers within doubles, bigints as strings), which
    both read alike, with one difference for the better: a double that JSON.stringify writes
    with integer digits (1e20 as ``100000000000000000000``) stays a float, as the native
    engine wrote it, where json made it an int. The one text orjson refuses and json reads,
    a lone surrogate escape (``"\\ud800"``), is read by json as before.
    """
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


class _Status:
    """What ``handle_response_errors`` needs of a response (only its status, for messages)."""

    def __init__(self, status: int) -> None:
        self.status = status


class _Channel(asyncio.Protocol):
    """One multiplexed connection to the host: frames out, answers matched by id."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.pending: dict[int, asyncio.Future[tuple[int, int, bytes]]] = {}
        self.buffer = bytearray()
        self.closed = False
        self.ids = itertools.count(1)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.Transport", transport)

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        offset = 0
        size = len(buffer)
        while size - offset >= 8:
            length, request_id = _HEADER.unpack_from(buffer, offset)
            end = offset + 4 + length
            if end > size:
                break
            status, kind = _ANSWER.unpack_from(buffer, offset + 8)
            future = self.pending.pop(request_id, None)
            if future is not None and not future.done():
                future.set_result((status, kind, bytes(buffer[offset + 11 : end])))
            offset = end
        if offset:
            del buffer[:offset]

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        pending, self.pending = self.pending, {}
        for future in pending.values():
            if not future.done():
                future.set_exception(
                    EngineUnavailableError("the query engine host went away during the call")
                )

    def send(self, request_id: int, payload: bytes) -> asyncio.Future[tuple[int, int, bytes]]:
        if self.closed or self.transport is None:
            raise EngineUnavailableError("the query engine host is not running")
        future: asyncio.Future[tuple[int, int, bytes]] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        self.transport.write(_HEADER.pack(len(payload) + 4, request_id) + payload)
        return future

    def request(
        self, method: int, path: str, body: str | None, tx_id: str | None
    ) -> asyncio.Future[tuple[int, int, bytes]]:
        request_id = next(self.ids) & 0xFFFFFFFF or next(self.ids)
        path_bytes = path.encode()
        tx_bytes = tx_id.encode() if tx_id else b""
        payload = b"".join(
            (
                struct.pack(">BH", method, len(path_bytes)),
                path_bytes,
                struct.pack(">H", len(tx_bytes)),
                tx_bytes,
                _encode_text(body) if body else b"",
            )
        )
        return self.send(request_id, payload)

    def close(self) -> None:
        if self.transport is not None:
            with contextlib.suppress(RuntimeError):  # the event loop is already closed
                self.transport.close()


def _terminate(state: dict[str, Any]) -> None:
    """Finalizer: stop a host whose engine was dropped without disconnecting."""
    process = state.get("process")
    if process is not None and process.poll() is None:
        with contextlib.suppress(OSError):
            process.send_signal(signal.SIGINT)
    folder = state.get("folder")
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


class ChannelEngine(AbstractEngine):
    """Prisma Client Python's engine interface over the private channel (see the module)."""

    def __init__(self, *, dml_path: Path, log_queries: bool = False) -> None:
        self.dml_path = dml_path
        self._log_queries = log_queries
        self._datasources: list[DatasourceOverride] | None = None
        self._timeout = DEFAULT_CONNECT_TIMEOUT
        self._channel: _Channel | None = None
        self._restart_lock: asyncio.Lock | None = None
        self._closed = True
        # the secret is kept here and in the host's environment only (never in a repr)
        self.__secret = secrets.token_urlsafe(32)
        self._state: dict[str, Any] = {"process": None, "folder": None}
        weakref.finalize(self, _terminate, self._state)
        #: ``None``: the stock engine's HTTP URL has no meaning on a channel
        self.url: str | None = None

    def __repr__(self) -> str:
        return f"<ChannelEngine process={getattr(self.process, 'pid', None)} alive={self.alive}>"

    @property
    def process(self) -> subprocess.Popen[bytes] | None:
        """The host process (None before connect and after close)."""
        return cast("subprocess.Popen[bytes] | None", self._state["process"])

    @property
    def alive(self) -> bool:
        """Whether the host runs and its channel is open."""
        process = self.process
        channel = self._channel
        return (
            process is not None
            and process.poll() is None
            and channel is not None
            and not channel.closed
        )

    # -- lifecycle ---------------------------------------------------------------------

    async def connect(
        self,
        timeout: timedelta = DEFAULT_CONNECT_TIMEOUT,  # noqa: ASYNC109 - the interface's
        datasources: list[DatasourceOverride] | None = None,
    ) -> None:
        if not self._closed:
            raise engine_errors.AlreadyConnectedError("Already connected to the query engine")
        self._timeout = timeout
        self._datasources = datasources
        self._closed = False
        try:
            await self._start()
        except BaseException:
            self._closed = True
            await self._stop_host()
            raise

    async def _start(self) -> None:
        folder = self._state["folder"]
        if folder is None or not os.path.isdir(folder):  # noqa: ASYNC240 - one stat
            folder = self._state["folder"] = tempfile.mkdtemp(prefix="domainlayer-engine-")
        socket_path = os.path.join(folder, "engine.sock")
        with contextlib.suppress(FileNotFoundError):
            os.unlink(socket_path)
        launcher = engine_dir() / "bin" / "query-engine"
        if not launcher.exists():
            raise EngineUnavailableError(
                f"no query engine host at {launcher} (set {ENGINE_DIR_VARIABLE})"
            )
        env = os.environ.copy()
        env.update(
            PRISMA_DML_PATH=str(self.dml_path.absolute()),
            RUST_LOG="error",
            RUST_LOG_FORMAT="json",
            DOMAINLAYER_ENGINE_SECRET=self.__secret,
        )
        if self._datasources is not None:
            env["OVERWRITE_DATASOURCES"] = dumps(self._datasources)
            if not _uses_tls(self._datasources, env):
                # Node reads every extra CA certificate at start-up (~90 ms with a system
                # bundle), before any code runs; a host that makes no TLS connection needs none
                env.pop("NODE_EXTRA_CA_CERTS", None)
        if self._log_queries:
            env["LOG_QUERIES"] = "y"
        started = time.monotonic()
        process = subprocess.Popen(  # noqa: S603, ASYNC220 - our own launcher; fork/exec only
            [str(launcher), "--socket", socket_path],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=sys.stdout,
            stderr=sys.stderr,
        )
        self._state["process"] = process
        deadline = started + self._timeout.total_seconds()
        loop = asyncio.get_running_loop()
        delay = 0.005
        while True:
            if process.poll() is not None:
                raise EngineUnavailableError(
                    f"the query engine host exited with status {process.returncode} while starting"
                )
            try:
                _, channel = await loop.create_unix_connection(_Channel, socket_path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.monotonic() > deadline:
                    raise EngineUnavailableError(
                        "the query engine host did not start in time"
                    ) from None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 0.05)
        self._channel = channel
        status, _, body = await channel.send(0, self.__secret.encode())
        if status != 200:
            raise engine_errors.EngineConnectionError(f"the query engine host refused us: {body!r}")
        remaining = max(deadline - time.monotonic(), 0.1)
        try:
            await asyncio.wait_for(self.request(_GET, "/status"), remaining)
        except TimeoutError:
            raise EngineUnavailableError("the query engine did not connect in time") from None
        log.debug("query engine host started in %.3f s", time.monotonic() - started)

    async def _ensure_running(self) -> _Channel:
        """The open channel, starting a new host if the last one died."""
        channel = self._channel
        if channel is not None and not channel.closed:
            return channel
        if self._closed:
            raise prisma_errors.ClientNotConnectedError()
        if self._restart_lock is None:
            self._restart_lock = asyncio.Lock()
        async with self._restart_lock:
            channel = self._channel
            if channel is not None and not channel.closed:
                return channel
            if self._closed:
                raise prisma_errors.ClientNotConnectedError()
            log.warning("the query engine host is gone; starting a new one")
            await self._stop_host()
            try:
                await self._start()
            except EngineUnavailableError:
                await self._stop_host()
                raise
            except Exception as exc:
                await self._stop_host()
                raise EngineUnavailableError(
                    f"the query engine host could not restart: {exc}"
                ) from exc
        assert self._channel is not None
        return self._channel

    async def ensure_alive(self) -> None:
        """Start a new host now if the last one died (``get_client`` calls it)."""
        if not self.alive and self._channel is not None:
            # the process is gone but the loop has not seen the channel close yet
            self._channel.close()
            self._channel.closed = True
        await self._ensure_running()

    async def _stop_host(self) -> None:
        channel, self._channel = self._channel, None
        if channel is not None:
            channel.close()
        process = self._state["process"]
        self._state["process"] = None
        if process is None:
            return
        # The host exits when its channel closes; wait without blocking the loop.
        deadline = time.monotonic() + _EXIT_GRACE
        if channel is None and process.poll() is None:
            with contextlib.suppress(OSError):
                process.send_signal(signal.SIGINT)
        while process.poll() is None and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        if process.poll() is None:
            with contextlib.suppress(OSError):
                process.kill()
            while process.poll() is None and time.monotonic() < deadline + _EXIT_GRACE:  # noqa: ASYNC110
                await asyncio.sleep(0.01)

    def close(self, *, timeout: timedelta | None = None) -> None:
        """Synchronous part of stopping: never waits (see :meth:`aclose`)."""
        self._closed = True
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        process = self._state["process"]
        if process is not None and process.poll() is None:
            with contextlib.suppress(OSError):
                process.send_signal(signal.SIGINT)

    async def aclose(self, *, timeout: timedelta | None = None) -> None:  # noqa: ASYNC109
        self._closed = True
        await self._stop_host()
        folder, self._state["folder"] = self._state["folder"], None
        if folder is not None:
            shutil.rmtree(folder, ignore_errors=True)

    # -- requests ----------------------------------------------------------------------

    async def request(
        self,
        method: int,
        path: str,
        *,
        content: str | None = None,
        tx_id: str | None = None,
        parse_response: bool = True,
    ) -> Any:
        channel = await self._ensure_running()
        status, kind, body = await channel.request(method, path, content, tx_id)
        if not parse_response and kind == 1:
            return body.decode()
        if status != 200:
            raise engine_errors.EngineRequestError(cast("Any", _Status(status)), body.decode())
        data = _decode(body)
        if not isinstance(data, dict):
            raise TypeError(
                f"Expected deserialised engine response to be a dictionary, got {data!r}"
            )
        errors_data = data.get("errors")
        if errors_data:
            self._raise(status, errors_data)
        return data

    def _raise(self, status: int, errors_data: list[Any]) -> NoReturn:
        for error in errors_data:
            user_facing = error.get("user_facing_error") if isinstance(error, dict) else None
            code = user_facing.get("error_code") if isinstance(user_facing, dict) else None
            if code in INFRASTRUCTURE_CODES or (code is None and _server_went_away(error)):
                raise DatabaseUnreachableError(error)
        engine_utils.handle_response_errors(cast("Any", _Status(status)), errors_data)

    async def query(self, content: str, *, tx_id: TransactionId | None) -> Any:
        return await self.request(_POST, "/", content=content, tx_id=tx_id)

    async def start_transaction(self, *, content: str) -> TransactionId:
        result = await self.request(_POST, "/transaction/start", content=content)
        return TransactionId(result["id"])

    async def commit_transaction(self, tx_id: TransactionId) -> None:
        await self.request(_POST, f"/transaction/{tx_id}/commit")

    async def rollback_transaction(self, tx_id: TransactionId) -> None:
        await self.request(_POST, f"/transaction/{tx_id}/rollback")

    async def metrics(  # type: ignore[override]
        self,
        *,
        format: MetricsFormat,
        global_labels: dict[str, str] | None,
    ) -> str | dict[str, Any]:
        content = json.dumps(global_labels) if global_labels is not None else None
        return cast(
            "str | dict[str, Any]",
            await self.request(
                _GET,
                f"/metrics?format={format}",
                content=content,
                parse_response=format == "json",
            ),
        )
