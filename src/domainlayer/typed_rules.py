"""``@rule``: a pure rule function refuses, as :class:`InvalidInputError`, what it cannot take.

The repositories check every caller value before it reaches a rule
(:mod:`domainlayer.validation`), but the rules are public too: a service may call
``score_lead`` or ``choose_variant`` directly. Without a check a wrong type surfaced as
whatever the rule's first operation raised on it (``TypeError``, ``AttributeError``, a
``UnicodeEncodeError`` from hashing a lone surrogate, an ``OverflowError`` from a huge
integer or a date near year 9999), outside the error tree.

The decorator lets the rule run as written (its own checks and messages first, nothing
added to a good call but a ``try``); when the rule fails with an error outside the tree it
checks each argument against the function's own annotations with plain ``isinstance``
tests, and refuses the first that does not fit:

- ``bool`` is not an ``int``, and neither is a ``float``; a ``float`` parameter takes an
  ``int`` (as the type system does; NaN is left to the rule's own checks); a ``Decimal``
  must be finite (a NaN one cannot even be compared);
- a ``str`` must be encodable (no lone surrogate: PostgreSQL could not store it, and
  hashing it fails); a ``str`` is not an iterable of strings;
- ``Sequence[X]``, ``Iterable[X]``, ``Mapping[K, V]`` and ``tuple[...]`` are checked item
  by item (a one-shot iterator only for being one: the rule has read it);
- unions, ``Literal`` values, enums, dataclasses and ``Protocol`` s (the members must be
  present) are understood; ``object`` and ``Any`` take anything;
- datetimes may not mix naive and timezone-aware ones (they cannot be compared).

An ``OverflowError`` or a decimal overflow raised inside the rule (date arithmetic at the
end of the calendar, a huge integer) is an out-of-range input as well, and a
``RecursionError`` an argument nested too deeply. The error is the module's
``RULE_ERROR`` (a product's own subclass, such as ``InvalidAirbarInput``) or
:class:`InvalidInputError`; it names the function and the argument, never the value (it
may be a secret).
"""

from __future__ import annotations

import collections.abc as abc
import dataclasses
import enum
import functools
import inspect
import sys
import types
import typing
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal, DecimalException
from typing import Any, ParamSpec, TypeVar

from .errors import DomainError, InvalidInputError

__all__ = ["rule"]

P = ParamSpec("P")
R = TypeVar("R")

_Check = Callable[[Any], Any]  # raises _Refused when the value does not fit


class _Refused(Exception):
    """The value does not fit the hint; ``expected`` says what would, ``got`` (when set)
    what the value is better than its type's name does ("a list holding int")."""

    def __init__(self, expected: str, got: str | None = None) -> None:
        super().__init__(expected)
        self.expected = expected
        self.got = got


def _exact(kind: type, expected: str) -> _Check:
    def check(value: Any) -> Any:
        if type(value) is bool and kind is not bool:
            raise _Refused(expected)
        if not isinstance(value, kind):
            raise _Refused(expected)
        return value

    return check


def _check_str(value: Any) -> Any:
    if not isinstance(value, str):
        raise _Refused("a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise _Refused("text without lone surrogates") from None
    return value


def _check_float(value: Any) -> Any:
    # NaN and infinity are floats: whether a rule takes them is the rule's own check.
    if type(value) is bool or not isinstance(value, int | float):
        raise _Refused("a number")
    return value


def _check_decimal(value: Any) -> Any:
    if not isinstance(value, Decimal):
        raise _Refused("a Decimal")
    if not value.is_finite():
        raise _Refused("a finite Decimal")
    return value


def _check_int(value: Any) -> Any:
    if type(value) is bool or not isinstance(value, int):
        raise _Refused("an integer")
    return value


def _check_bool(value: Any) -> Any:
    if type(value) is not bool:
        raise _Refused("True or False")
    return value


def _check_none(value: Any) -> Any:
    if value is not None:
        raise _Refused("None")
    return value


def _anything(value: Any) -> Any:
    return value


def _union(options: list[_Check], expected: str) -> _Check:
    def check(value: Any) -> Any:
        for option in options:
            try:
                return option(value)
            except _Refused:
                continue
        raise _Refused(expected)

    return check


def _literal(allowed: tuple[Any, ...]) -> _Check:
    expected = " or ".join(repr(a) for a in allowed)

    def check(value: Any) -> Any:
        # type() as well: True == 1 and 1.0 == 1, but neither is the literal 1.
        if not any(type(value) is type(a) and value == a for a in allowed):
            raise _Refused(expected)
        return value

    return check


def _protocol(cls: type) -> _Check:
    members = {
        name
        for klass in cls.__mro__
        if klass is not object and getattr(klass, "_is_protocol", False)
        for name in (*vars(klass), *getattr(klass, "__annotations__", {}))
        if not name.startswith("_")
    }
    expected = f"an object with {', '.join(sorted(members))}"

    def check(value: Any) -> Any:
        if not all(hasattr(value, name) for name in members):
            raise _Refused(expected)
        return value

    return check


def _inner(check: _Check, element: Any, expected: str, container: Any) -> None:
    try:
        check(element)
    except _Refused:
        held = type(element).__name__
        raise _Refused(expected, f"a {type(container).__name__} holding {held}") from None


def _items(item: _Check, expected: str, *, iterable: bool) -> _Check:
    """``Sequence[X]`` or (``iterable``) ``Iterable[X]``: a text or a mapping is never taken
    for a collection of items; a one-shot iterator cannot be read again, so it passes."""
    container = abc.Iterable if iterable else abc.Sequence

    def check(value: Any) -> Any:
        if isinstance(value, str | bytes | bytearray | abc.Mapping):
            raise _Refused(expected)
        if not isinstance(value, container):
            raise _Refused(expected)
        if not isinstance(value, abc.Iterator):
            for element in value:
                _inner(item, element, expected, value)
        return value

    return check


def _mapping(key: _Check, item: _Check, expected: str) -> _Check:
    def check(value: Any) -> Any:
        if not isinstance(value, abc.Mapping):
            raise _Refused(expected)
        for k, v in value.items():
            _inner(key, k, expected, value)
            _inner(item, v, expected, value)
        return value

    return check


def _tuple(parts: list[_Check], expected: str) -> _Check:
    def check(value: Any) -> Any:
        if not isinstance(value, tuple) or len(value) != len(parts):
            raise _Refused(expected)
        for part, element in zip(parts, value, strict=True):
            _inner(part, element, expected, value)
        return value

    return check


_SIMPLE: dict[Any, _Check] = {
    str: _check_str,
    int: _check_int,
    float: _check_float,
    bool: _check_bool,
    Decimal: _check_decimal,
    type(None): _check_none,
    object: _anything,
    Any: _anything,
}


def _describe(hint: Any) -> str:
    if typing.get_origin(hint) is None and isinstance(hint, type):
        return hint.__name__
    return str(hint).replace("collections.abc.", "").replace("typing.", "")


def _checker(hint: Any) -> _Check:
    if hint in _SIMPLE:
        return _SIMPLE[hint]
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    expected = _describe(hint)
    if origin is typing.Union or origin is types.UnionType:
        return _union([_checker(a) for a in args], expected)
    if origin is typing.Literal:
        return _literal(args)
    if origin in (abc.Sequence, list):
        return _items(_checker(args[0]) if args else _anything, expected, iterable=False)
    if origin in (abc.Iterable, abc.Collection, set, frozenset):
        return _items(_checker(args[0]) if args else _anything, expected, iterable=True)
    if origin in (abc.Mapping, dict):
        key, item = (_checker(args[0]), _checker(args[1])) if args else (_anything, _anything)
        return _mapping(key, item, expected)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _items(_checker(args[0]), expected, iterable=False)
        return _tuple([_checker(a) for a in args], expected)
    if origin is not None:  # another generic: its container type only
        return _exact(origin, expected)
    if isinstance(hint, type):
        if getattr(hint, "_is_protocol", False):
            return _protocol(hint)
        if typing.is_typeddict(hint):
            return _mapping(_check_str, _anything, expected)
        if issubclass(hint, enum.Enum) or dataclasses.is_dataclass(hint):
            return _exact(hint, expected)
        return _exact(hint, f"a {hint.__name__}")
    return _anything  # a hint this checker does not know: nothing to refuse on


#: What a rule raises when it was handed something it cannot work with. Anything else (a
#: DomainError) is the rule's own answer and passes through untouched.
_CONFUSED = (
    TypeError,
    AttributeError,
    ValueError,
    LookupError,
    ArithmeticError,
    UnicodeError,
    AssertionError,
    RecursionError,
)


def rule(function: Callable[P, R]) -> Callable[P, R]:
    """Turn ``function``'s failures on ill-typed arguments into its module's typed error.

    The rule runs first, untouched: its own checks and messages come first, and a call
    with good arguments costs one ``try``. Only when it fails with an error outside the
    tree are the arguments checked against the annotations (see the module docstring);
    one that does not fit is named in the refusal. When all fit, the failure is a bug of
    the rule's and is raised as it is, except an ``OverflowError`` or a decimal overflow
    (arguments too large, or dates too near the end of the calendar, for the arithmetic)
    and a ``RecursionError`` (an argument nested too deeply).
    """
    signature = inspect.signature(function)
    checks: dict[str, _Check] | None = None
    where = f"{function.__module__.removeprefix('domainlayer.')}.{function.__qualname__}"

    def prepared() -> dict[str, _Check]:
        # Resolved on first use: the hints may name classes defined after the function.
        nonlocal checks
        if checks is None:
            hints = typing.get_type_hints(function)
            checks = {name: _checker(hints[name]) for name in signature.parameters if name in hints}
        return checks

    def error() -> type[InvalidInputError]:
        chosen = getattr(sys.modules[function.__module__], "RULE_ERROR", InvalidInputError)
        return chosen if issubclass(chosen, InvalidInputError) else InvalidInputError

    def refusal(args: tuple[Any, ...], kwargs: dict[str, Any]) -> InvalidInputError | None:
        try:
            bound = signature.bind(*args, **kwargs)
        except TypeError as exc:
            return error()(f"{where}: {exc}")
        for name, value in bound.arguments.items():
            check = prepared().get(name)
            if check is None:
                continue
            try:
                check(value)
            except _Refused as refused:
                got = refused.got or type(value).__name__
                return error()(f"{where}: {name} must be {refused.expected}, not {got}")
        moments = [v for v in bound.arguments.values() if isinstance(v, datetime)]
        if len({m.tzinfo is None for m in moments}) > 1:
            return error()(f"{where}: the datetimes must all be timezone-aware (or all naive)")
        return None

    @functools.wraps(function)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return function(*args, **kwargs)
        except DomainError:
            raise
        except _CONFUSED as exc:
            refused = refusal(args, kwargs)
            if refused is not None:
                raise refused from None
            if isinstance(exc, OverflowError | DecimalException):
                raise error()(f"{where}: an argument is out of range") from None
            if isinstance(exc, RecursionError):
                raise error()(f"{where}: an argument is nested too deeply") from None
            raise

    return checked
