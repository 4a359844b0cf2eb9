"""The connected Prisma client of this process.

Prisma Client Python talks to one engine process per client; opening one per request would
start a Node process each time. So, as the seed documents' singleton pattern does, a process
keeps one connected client and every caller reuses it: :func:`get_client` connects on first
use (concurrent first callers share one connection attempt) and :func:`close_client`
disconnects, which also stops the engine process. If the engine process has died (killed,
out of memory), the next :func:`get_client` reconnects instead of handing out a client
whose every call would fail.

The clients made here are :class:`DomainlayerPrisma`, the generated ``Prisma`` with one
change: its engine is :class:`~domainlayer._engine.ChannelEngine`, the same Node host
reached over a private Unix-socket channel instead of HTTP on a TCP port (faster, closed
to other local users, and self-healing: a host that died is replaced on the next call, so
client objects held by callers keep working). See :mod:`domainlayer._engine`.
"""

from __future__ import annotations

import asyncio
import logging
import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import prisma._builder
from prisma import Prisma
from prisma import errors as prisma_errors
from prisma.engine.abstract import AbstractEngine

from . import _log_redaction
from ._engine import ChannelEngine
from .database import resolve_database_url
from .errors import InvalidInputError
from .settings import Settings, get_settings

__all__ = [
    "DomainlayerPrisma",
    "NonFiniteNumberError",
    "close_client",
    "connect_client",
    "get_client",
]

log = logging.getLogger(__name__)
_log_redaction.install()

_client: Prisma | None = None
_lock: asyncio.Lock | None = None

# -- text shim (#14.9) -----------------------------------------------------------------
# The client's query builder indents nested GraphQL with textwrap.indent, which splits
# lines with str.splitlines(): that also breaks at U+0085, U+2028 and U+2029, and so
# inserted spaces into any string holding one ('Hi\u2028there' was stored as
# 'Hi\u2028    there'). Its JSON encoder (prisma._builder.dumps) writes them raw
# (ensure_ascii=False); JSON allows them only inside strings, so writing them as \uXXXX
# escapes instead is the same JSON and leaves nothing for splitlines to break. The
# builder looks `dumps` up in its module on every call, so replacing it there is enough;
# the package's files stay as published. The same wrapper refuses NaN and infinities.
_LINE_BREAKERS = str.maketrans({"\u0085": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"})
_builder_dumps = prisma._builder.dumps


class NonFiniteNumberError(prisma_errors.PrismaError, InvalidInputError):
    """NaN or an infinity in a query: JSON has no such number (#14.3)."""


def _dumps_without_line_breakers(obj: Any, **kwargs: Any) -> str:
    # NaN / Infinity would be written as bare tokens that are not JSON: a Json value holding
    # one used to make the 5.17 engine panic with the transaction left open. Refused here,
    # before anything is sent.
    kwargs.setdefault("allow_nan", False)
    try:
        text = _builder_dumps(obj, **kwargs)
    except ValueError as exc:
        if "Out of range float values" not in str(exc):
            raise
        raise NonFiniteNumberError(
            "NaN and infinite numbers cannot be sent to the database (JSON has none)"
        ) from None
    return text.translate(_LINE_BREAKERS)


if getattr(prisma._builder.dumps, "__name__", "") != _dumps_without_line_breakers.__name__:
    prisma._builder.dumps = _dumps_without_line_breakers

# -- selection shim (#11) ------------------------------------------------------------------
# For every query, the builder lists a model's scalar fields (the selection it asks for)
# by walking every field's type annotation: half of the client's own CPU time for a
# find by id (0.5 of ~1.1 ms). The answer depends only on the model class, which never
# changes once defined, so it is computed once per class; unknown models still raise as
# before (an error is never remembered).
_builder_default_fields = prisma._builder.QueryBuilder.get_default_fields
_default_fields: dict[type[Any], tuple[str, ...]] = {}


def _cached_default_fields(self: prisma._builder.QueryBuilder, model: type[Any]) -> list[str]:
    fields = _default_fields.get(model)
    if fields is None or getattr(model, "__prisma_model__", None) not in self.prisma_models:
        fields = _default_fields[model] = tuple(_builder_default_fields(self, model))
    return list(fields)


if prisma._builder.QueryBuilder.get_default_fields is _builder_default_fields:
    prisma._builder.QueryBuilder.get_default_fields = _cached_default_fields  # type: ignore[method-assign]


# -- indent shim (#11) ---------------------------------------------------------------------
# The builder renders nested GraphQL by indenting every child's text with textwrap.indent
# (about 30 calls for a find by id, a quarter of the client's own CPU for it), whose
# generator and per-line predicate call cost more than the work. This gives the same text
# for every input: the same line split (str.splitlines, every boundary it knows) and the
# same rule (a line gets the prefix unless it is whitespace only), with the common cases
# (one line; no blank line) done by C-level string methods.
def _indent(text: str, prefix: str, predicate: Callable[[str], bool] | None = None) -> str:
    if predicate is not None:
        return textwrap.indent(text, prefix, predicate)
    lines = text.splitlines(True)
    if not lines:
        return text
    if len(lines) == 1:
        return prefix + text if text.strip() else text
    if all(map(str.strip, lines)):
        return prefix + prefix.join(lines)
    return "".join([prefix + line if line.strip() else line for line in lines])


if getattr(prisma._builder, "indent", None) is textwrap.indent:
    prisma._builder.indent = _indent  # type: ignore[attr-defined]


#: How long connect() waits for the engine host (Prisma's default is 10 s; a host that
#: starts on a busy machine, or in CI, can take longer, and failing then is worse).
CONNECT_TIMEOUT = timedelta(seconds=30)


_SLOTS: dict[type[Any], tuple[str, ...]] = {}


def _instance_fields(cls: type[Any]) -> tuple[str, ...]:
    """Every slot of ``cls`` and its bases (the generated client keeps its state in slots)."""
    known = _SLOTS.get(cls)
    if known is None:
        names: list[str] = []
        for klass in reversed(cls.__mro__):
            slots = klass.__dict__.get("__slots__", ())
            names.extend([slots] if isinstance(slots, str) else slots)
        known = _SLOTS[cls] = tuple(name for name in dict.fromkeys(names) if name != "__dict__")
    return known


def _set_slots(client: Any) -> Iterator[tuple[str, Any]]:
    """Each slot of ``client`` that is set, with its value (a slot never set is skipped)."""
    for name in _instance_fields(type(client)):
        try:
            yield name, object.__getattribute__(client, name)
        except AttributeError:
            continue


class DomainlayerPrisma(Prisma):
    """The generated client on domainlayer's engine class (the package is unmodified)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("connect_timeout", CONNECT_TIMEOUT)
        super().__init__(*args, **kwargs)

    def _create_engine(self, dml_path: Path | None = None) -> AbstractEngine:
        return ChannelEngine(
            dml_path=dml_path or self._packaged_schema_path, log_queries=self._log_queries
        )

    @property
    def _engine_class(self) -> type[AbstractEngine]:
        return ChannelEngine

    def _copy(self) -> Self:
        """The client a transaction runs on: what the stock ``_copy`` makes, made cheaply.

        The stock one runs ``__init__`` again, which builds the ~55 model accessors through
        ``typing``'s generic aliases: 0.5 ms of every interactive transaction's ~2.3 ms of
        client CPU. This copies the instance's state instead (the same engine, settings
        and datasource the stock copy is given); each model accessor is made for the copy
        when the transaction first uses it (a transaction uses one or two of the ~55), of
        the source's accessor class and model, bound to the copy.
        ``tests/integration/test_transaction_copy.py`` checks it against the stock copy
        field by field.
        """
        cls = type(self)
        new = object.__new__(cls)
        new.__dict__.update(self.__dict__)  # this subclass has one; the generated ones slots
        accessors = _ACCESSORS.get(cls)
        if accessors is None:
            accessors = _ACCESSORS[cls] = _accessor_specs(self)
        for name, value in _set_slots(self):
            if name not in accessors:  # an accessor is made on first use (__getattr__)
                object.__setattr__(new, name, value)
        new._tx_id = None
        new._copied = True
        return new

    if not TYPE_CHECKING:  # the type checker sees the generated accessors' own types

        def __getattr__(self, name: str) -> Any:
            # Only for a slot that is not set: a copy's model accessor, made on first use.
            spec = _ACCESSORS.get(type(self), {}).get(name)
            if spec is None or not object.__getattribute__(self, "_copied"):
                raise AttributeError(name)
            accessor_class, model = spec
            accessor = accessor_class(self, model)
            object.__setattr__(self, name, accessor)
            return accessor


#: Per client class: its model accessors' slot names -> (accessor class, model class).
_ACCESSORS: dict[type[Any], dict[str, tuple[type[Any], type[Any]]]] = {}


def _accessor_specs(client: Prisma) -> dict[str, tuple[type[Any], type[Any]]]:
    return {
        name: (type(value), value._model)
        for name, value in _set_slots(client)
        if getattr(value, "_client", None) is client and hasattr(value, "_model")
    }


async def connect_client(url: str | None = None, *, settings: Settings | None = None) -> Prisma:
    """A new connected client for ``url`` (default: the project's database resolution)."""
    started = time.perf_counter()
    target = url or resolve_database_url(settings or get_settings())
    client = DomainlayerPrisma(datasource={"url": target}, auto_register=False)
    await client.connect()
    log.debug("connected a Prisma client in %.3f s", time.perf_counter() - started)
    return client


def _usable(client: Prisma) -> bool:
    if not client.is_connected():
        return False
    engine = client._engine
    if isinstance(engine, ChannelEngine):
        return engine.alive
    # The stock engine keeps its process privately; it has no public liveness check.
    process = getattr(engine, "process", None)
    return process is None or process.poll() is None


async def get_client() -> Prisma:
    """The process-wide connected client, connected on first use and reused after."""
    global _client, _lock
    client = _client
    if client is not None and _usable(client):
        return client
    if _lock is None:
        _lock = asyncio.Lock()
    async with _lock:
        client = _client
        if client is not None and client.is_connected() and not _usable(client):
            engine = client._engine
            if isinstance(engine, ChannelEngine):
                # the same object recovers: callers holding it keep a working client
                await engine.ensure_alive()
                return client
            log.warning("the query engine process died; reconnecting")
            await client.disconnect()
            client = None
        if client is None or not client.is_connected():
            client = _client = await connect_client()
    return client


async def close_client() -> None:
    """Disconnect the process-wide client (and stop its engine), if any."""
    global _client
    client, _client = _client, None
    if client is not None and client.is_connected():
        await client.disconnect()
