"""Argument checks at the library's edge, shared by every repository.

A repository method runs these on each caller value before anything reaches the client or
SQL, so that a bad value is an :class:`~domainlayer.errors.InvalidInputError` naming the
argument, and never something else further down: a dict where an id belongs would become a
Prisma filter (``{"not": "x"}`` matches every row), a lone surrogate a
``UnicodeEncodeError``, year 9999 plus a session's 30 days an ``OverflowError``, a deep
JSON value a ``RecursionError``, ``Decimal("NaN")`` an ``InvalidOperation``.

Each helper checks the type exactly (``bool`` is not an ``int``, a ``str`` is not a sequence
of strings, a mapping is not an id) and returns the value in the form the repository stores:

- :func:`ident`: an id or key: a non-empty string of at most 200 characters;
- :func:`text` / :func:`optional_text`: text PostgreSQL can store (no NUL, no surrogate
  code point) of at most ``max_len`` characters;
- :func:`moment` / :func:`optional_moment`: a timezone-aware datetime in
  [:data:`EARLIEST`, :data:`LATEST`), returned in UTC; the margin up to year 9999 leaves
  room for the lifetimes and windows the rules add;
- :func:`integer`, :func:`number`, :func:`decimal`, :func:`boolean`, :func:`choice`;
- :func:`strings`: a list or tuple of texts;
- :func:`json_value` / :func:`json_object`: a JSON document (str keys, finite numbers,
  bounded depth and size), returned as a plain copy.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final, NoReturn

from .errors import InvalidInputError

__all__ = [
    "EARLIEST",
    "LATEST",
    "MAX_ID_LENGTH",
    "MAX_JSON_DEPTH",
    "MAX_JSON_ITEMS",
    "boolean",
    "choice",
    "decimal",
    "ident",
    "integer",
    "json_object",
    "json_value",
    "moment",
    "number",
    "optional_ident",
    "optional_moment",
    "optional_text",
    "refusing_as",
    "strings",
    "text",
]

#: The range of datetimes a caller may pass (PostgreSQL's own range is far wider; Python's
#: ends at year 9999, and the rules add days to what they are given).
EARLIEST: Final = datetime(1900, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(3000, 1, 1, tzinfo=UTC)

MAX_ID_LENGTH: Final = 200
#: Nesting and node limits of a JSON argument (objects, arrays and scalars all count).
MAX_JSON_DEPTH: Final = 32
MAX_JSON_ITEMS: Final = 10_000
#: |integers| inside JSON: JavaScript's safe range, so the engine reads them exactly.
_JSON_INT_LIMIT: Final = 2**53 - 1
_INT32: Final = 2**31 - 1


@contextmanager
def refusing_as(error: type[InvalidInputError]) -> Iterator[None]:
    """Raise the checks' refusals inside the block as ``error`` (a product's own subclass
    of InvalidInputError, such as ``InvalidAirbarInput``); the message stays the same."""
    try:
        yield
    except InvalidInputError as exc:
        if isinstance(exc, error):
            raise
        raise error(str(exc)) from None


def _fail(name: str, expected: str, value: object = None, *, show: bool = False) -> NoReturn:
    detail = f": {value!r}"[:80] if show else f" (got {type(value).__name__})"
    raise InvalidInputError(f"{name} must be {expected}{detail}")


def _storable(name: str, value: str) -> str:
    """Refuse what a PostgreSQL text column cannot hold: NUL and UTF-16 surrogates."""
    if "\x00" in value:
        raise InvalidInputError(f"{name} contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInputError(f"{name} contains a lone surrogate") from None
    return value


def text(name: str, value: object, max_len: int = 2000, *, blank: bool = False) -> str:
    """A string of 1..``max_len`` characters (with ``blank``, empty or spaces too)."""
    if not isinstance(value, str):
        _fail(name, "a string", value)
    if len(value) > max_len:
        raise InvalidInputError(f"{name} is longer than {max_len} characters")
    if not blank and not value.strip():
        raise InvalidInputError(f"{name} is required (a non-empty string)")
    return _storable(name, value)


def optional_text(
    name: str, value: object, max_len: int = 2000, *, blank: bool = True
) -> str | None:
    """None, or :func:`text` (empty allowed unless ``blank`` is False)."""
    return None if value is None else text(name, value, max_len, blank=blank)


def ident(name: str, value: object, max_len: int = MAX_ID_LENGTH) -> str:
    """An id, key or name used to find a row: a plain non-empty string, never a filter."""
    return text(name, value, max_len)


def optional_ident(name: str, value: object, max_len: int = MAX_ID_LENGTH) -> str | None:
    return None if value is None else ident(name, value, max_len)


def moment(name: str, value: object) -> datetime:
    """A timezone-aware datetime in [EARLIEST, LATEST), in UTC."""
    if not isinstance(value, datetime):
        _fail(name, "a timezone-aware datetime", value)
    try:
        offset = value.utcoffset()
    except Exception:  # a broken tzinfo
        offset = None
    if offset is None:
        raise InvalidInputError(f"{name} must be a timezone-aware datetime (got a naive one)")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise InvalidInputError(f"{name} is out of range") from None
    if not EARLIEST <= utc < LATEST:
        raise InvalidInputError(
            f"{name} must be between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}: {utc:%Y-%m-%d}"
        )
    return utc


def optional_moment(name: str, value: object) -> datetime | None:
    return None if value is None else moment(name, value)


def integer(name: str, value: object, low: int = 0, high: int = _INT32) -> int:
    """An ``int`` (not a bool) in ``low..high``."""
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(name, f"an int in {low}..{high}", value)
    if not low <= value <= high:
        raise InvalidInputError(f"{name} must be an int in {low}..{high}")
    return value


def number(name: str, value: object, low: float, high: float) -> float:
    """A finite int or float (not a bool) in ``low..high``, as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        _fail(name, f"a number in {low}..{high}", value)
    if isinstance(value, int) and abs(value) > 2**63:
        raise InvalidInputError(f"{name} must be a number in {low}..{high}")
    converted = float(value)
    if not math.isfinite(converted) or not low <= converted <= high:
        raise InvalidInputError(f"{name} must be a finite number in {low}..{high}")
    return converted


def decimal(name: str, value: object, low: Decimal, high: Decimal) -> Decimal:
    """A Decimal, int or numeric string (not a float, not a bool), finite, in ``low..high``."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        _fail(name, "a Decimal, int or numeric string", value)
    if isinstance(value, str):
        if len(value) > 100:
            raise InvalidInputError(f"{name} is not a number")
        _storable(name, value)
    if isinstance(value, int) and abs(value) > 10**40:
        raise InvalidInputError(f"{name} must be in {low}..{high}")
    try:
        amount = Decimal(value.strip() if isinstance(value, str) else value)
        finite = amount.is_finite()
        inside = finite and low <= amount <= high
    except (InvalidOperation, ValueError, ArithmeticError):
        raise InvalidInputError(f"{name} is not a number") from None
    if not inside:
        raise InvalidInputError(f"{name} must be a finite number in {low}..{high}")
    return amount


def boolean(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        _fail(name, "a bool", value)
    return value


def choice(name: str, value: object, allowed: Collection[str]) -> str:
    """One of ``allowed`` (a string; anything else is refused, never looked up)."""
    if not isinstance(value, str) or value not in allowed:
        raise InvalidInputError(f"{name} must be one of {sorted(allowed)}")
    return value


def strings(name: str, values: object, *, max_items: int = 100, max_len: int = 200) -> list[str]:
    """A list, tuple or set of at most ``max_items`` non-empty texts, as a list (a bare
    string, a mapping or a generator is refused)."""
    if not isinstance(values, list | tuple | set | frozenset):
        _fail(name, "a list of strings", values)
    if len(values) > max_items:
        raise InvalidInputError(f"{name} has more than {max_items} items")
    return [text(f"{name}[{i}]", v, max_len) for i, v in enumerate(values)]


def json_value(
    name: str,
    value: object,
    *,
    max_depth: int = MAX_JSON_DEPTH,
    max_items: int = MAX_JSON_ITEMS,
    max_len: int = 100_000,
    decimals: bool = False,
    as_text: tuple[type, ...] = (),
) -> Any:
    """A JSON document as a plain copy (dicts, lists, str, finite numbers, bool, None).

    Walked without recursion, so a deep value is refused rather than overflowing the stack.
    Keys are strings; tuples become lists; NaN, infinities, sets, bytes and other objects
    are refused, and so are Decimals unless ``decimals`` (then finite ones are kept);
    values of the ``as_text`` types (datetimes, say) become their ``str``.
    """
    remaining = max_items
    root: list[Any] = [None]
    # (path, value, container, slot, depth): each value is copied into container[slot].
    pending: list[tuple[str, object, Any, Any, int]] = [(name, value, root, 0, 0)]
    while pending:
        path, item, container, slot, depth = pending.pop()
        remaining -= 1
        if remaining < 0:
            raise InvalidInputError(f"{name} has more than {max_items} values")
        if depth > max_depth:
            raise InvalidInputError(f"{name} is nested deeper than {max_depth} levels")
        if isinstance(item, Mapping):
            obj: dict[str, Any] = {}
            for key, child in item.items():
                if not isinstance(key, str):
                    raise InvalidInputError(f"{path} has a key that is not a string")
                _storable(f"{path} key", key)
                obj[key] = None
                pending.append((f"{path}.{key}"[:200], child, obj, key, depth + 1))
            container[slot] = obj
        elif isinstance(item, list | tuple):
            array: list[Any] = [None] * len(item)
            pending.extend(
                (f"{path}[{i}]", child, array, i, depth + 1) for i, child in enumerate(item)
            )
            container[slot] = array
        else:
            if as_text and isinstance(item, as_text):
                item = str(item)
            container[slot] = _json_scalar(path, item, max_len, decimals)
    return root[0]


def _json_scalar(path: str, item: object, max_len: int, decimals: bool) -> Any:
    if item is None or isinstance(item, bool):
        return item
    if decimals and isinstance(item, Decimal):
        if not item.is_finite() or abs(item.adjusted()) > 100:
            raise InvalidInputError(f"{path} is not a finite number of sensible size")
        return item
    if isinstance(item, int):
        if abs(item) > _JSON_INT_LIMIT:
            raise InvalidInputError(f"{path} is an integer beyond ±2**53")
        return item
    if isinstance(item, float):
        if not math.isfinite(item):
            raise InvalidInputError(f"{path} is not a finite number")
        return item
    if isinstance(item, str):
        if len(item) > max_len:
            raise InvalidInputError(f"{path} is longer than {max_len} characters")
        return _storable(path, item)
    raise InvalidInputError(f"{path} is not a JSON value (got {type(item).__name__})")


def json_object(name: str, value: object, **limits: Any) -> dict[str, Any]:
    """A JSON object (a mapping with string keys), as a plain dict."""
    if not isinstance(value, Mapping):
        _fail(name, "a JSON object (a mapping)", value)
    result: dict[str, Any] = json_value(name, value, **limits)
    return result
