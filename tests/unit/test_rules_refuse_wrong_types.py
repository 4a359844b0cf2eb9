"""Every public rule answers ill-typed and out-of-range arguments with an error of the tree.

Each rule function of the twelve rule modules is called with one hostile value at a time
(the others valid where the annotation says what valid is): a filter where a value belongs,
bytes, an opaque object, a lone surrogate, huge and non-finite numbers, the ends of the
calendar, a naive datetime among aware ones, NUL, empty and ill-typed collections. A call
may return (a rule that has nothing to refuse) or raise a ``DomainError``; anything else
(``TypeError``, ``AttributeError``, ``UnicodeEncodeError``, ``OverflowError``, ...) is a
failure. ``domainlayer.typed_rules.rule`` does this for the rules that need it.
"""

from __future__ import annotations

import collections.abc as abc
import hashlib
import importlib
import inspect
import reprlib
import types
import typing
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from domainlayer.errors import DomainError, InvalidInputError
from domainlayer.typed_rules import rule

MODULES = (
    "domainlayer.flags",
    "domainlayer.airbar.rules",
    "domainlayer.churn.rules",
    "domainlayer.coach.rules",
    "domainlayer.madfam.rules",
    "domainlayer.madfam.calculations",
    "domainlayer.travel.admin",
    "domainlayer.travel.cms",
    "domainlayer.travel.error_logs",
    "domainlayer.travel.experiments",
    "domainlayer.travel.reporting",
    "domainlayer.travel.migration",
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxstring, _SHORT.maxother = 3, 40, 40


class _Opaque:
    def __repr__(self) -> str:
        return "<opaque>"


def _deep(levels: int) -> dict[str, Any]:
    value: dict[str, Any] = {"bottom": 1}
    for _ in range(levels):
        value = {"next": value}
    return value


#: Wrong for every parameter (each is skipped where the annotation allows it).
HOSTILE: tuple[Any, ...] = (
    None,
    {"not": "x"},
    b"bytes",
    _Opaque(),
    "lone \ud800 surrogate",
    "\x00",
    "",
    10**400,
    -(10**400),
    float("nan"),
    float("inf"),
    True,
    -1,
    Decimal("NaN"),
    datetime(9999, 12, 31, 23, 59, tzinfo=UTC),
    datetime(1, 1, 1, tzinfo=UTC),
    datetime(2026, 1, 1, 12, 0),  # naive among aware ones
    [],
    [_Opaque()],
    ["lone \ud800"],
    {"lone \ud800": 1},
    _deep(2000),
)


def _valid(hint: Any) -> Any:
    """A plain valid value for a parameter of type ``hint`` (None where there is none)."""
    simple: dict[Any, Any] = {
        str: "probe",
        int: 10,
        float: 0.5,
        bool: True,
        Decimal: Decimal("100"),
        datetime: NOW,
        date: NOW.date(),
    }
    if hint in simple:
        return simple[hint]
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is typing.Union or origin is types.UnionType:
        for arg in args:
            if arg is not type(None) and (found := _valid(arg)) is not None:
                return found
        return None
    if origin is typing.Literal:
        return args[0]
    if origin in (abc.Sequence, abc.Iterable, list, abc.Collection):
        return []
    if origin in (abc.Mapping, dict):
        return {}
    return None


def _rule_functions() -> Iterator[tuple[str, Callable[..., Any]]]:
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            function = getattr(module, name)
            if inspect.isfunction(function) and function.__module__ == module_name:
                yield f"{module_name.removeprefix('domainlayer.')}.{name}", function


RULES = dict(_rule_functions())


@pytest.mark.parametrize("label", sorted(RULES))
def test_a_rule_refuses_what_it_cannot_take_with_an_error_of_the_tree(label: str) -> None:
    function = RULES[label]
    hints = typing.get_type_hints(function)
    signature = inspect.signature(function)
    valid = {
        name: _valid(hints.get(name, object))
        for name, p in signature.parameters.items()
        if p.default is inspect.Parameter.empty
    }
    escaped = []
    for name in signature.parameters:
        for value in HOSTILE:
            arguments = {**valid, name: value}
            try:
                function(**arguments)
            except DomainError:
                pass
            except Exception as exc:
                escaped.append(f"{name}={_SHORT.repr(value)}: {type(exc).__name__}: {exc!s:.80}")
    assert escaped == []


# The decorator itself ---------------------------------------------------------------------


class NoticeError(InvalidInputError):
    """A module's own input error (RULE_ERROR)."""


RULE_ERROR = NoticeError


@rule
def _add_days(day: datetime, days: int) -> datetime:
    from datetime import timedelta

    return day + timedelta(days=days)


@rule
def _first_word(words: abc.Sequence[str], *, upper: bool = False) -> str:
    first = words[0]
    return first.upper() if upper else first


@rule
def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@rule
def _pick(level: typing.Literal["low", "high"], weights: abc.Mapping[str, float]) -> float:
    return weights[level] * 2


@rule
def _depth(tree: object) -> int:
    return 1 + max((_depth(child) for child in tree.values()), default=0)  # type: ignore[attr-defined]


@rule
def _later(a: datetime, b: datetime | None) -> bool:
    return a > (b or a)


@rule
def _buggy(text: str) -> int:
    return int(text) + len(None)  # type: ignore[arg-type]


@rule
def _refuses(amount: int) -> int:
    if amount < 0:
        raise InvalidInputError("amount must not be negative")
    return amount


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: _add_days("2026-01-01", 1), "day must be a datetime, not str"),  # type: ignore[arg-type]
        (lambda: _add_days(NOW, "1"), "days must be an integer, not str"),  # type: ignore[arg-type]
        (lambda: _add_days(NOW, 10**12), "out of range"),
        (lambda: _add_days(datetime.max.replace(tzinfo=UTC), 1), "out of range"),
        (lambda: _first_word(5), r"words must be Sequence\[str\], not int"),  # type: ignore[arg-type]
        (lambda: _first_word([5], upper=True), "words must be .*, not a list holding int"),  # type: ignore[list-item]
        (lambda: _digest("lone \ud800"), "text must be text without lone surrogates, not str"),
        (lambda: _pick("medium", {"low": 1.0}), "level must be 'low' or 'high', not str"),  # type: ignore[arg-type]
        (lambda: _pick("low", {"low": None}), "weights must be .*, not a dict holding NoneType"),  # type: ignore[dict-item]
        (lambda: _pick("low", {}), None),  # a KeyError on good types: the rule's own bug
        (lambda: _later(NOW, datetime(2026, 1, 1)), "all be timezone-aware"),
        (lambda: _first_word(), "missing a required argument"),  # type: ignore[call-arg]
        (lambda: _depth(_deep(5000)), "nested too deeply"),
    ],
)
def test_the_decorator_names_the_argument_and_raises_the_modules_error(
    call: Callable[[], object], message: str | None
) -> None:
    if message is None:
        with pytest.raises(KeyError):
            call()
        return
    with pytest.raises(NoticeError, match=message) as refused:
        call()
    assert "\ud800" not in str(refused.value)  # names the argument, never echoes the value


def test_a_good_call_and_the_rules_own_refusals_pass_through_untouched() -> None:
    assert _add_days(NOW, 1) == datetime(2026, 6, 2, 12, 0, tzinfo=UTC)
    assert _first_word(("a", "b"), upper=True) == "A"
    assert _pick("high", {"high": 2}) == 4
    with pytest.raises(InvalidInputError, match="must not be negative") as own:
        _refuses(-1)
    assert type(own.value) is InvalidInputError


def test_a_bug_with_well_typed_arguments_is_not_disguised_as_bad_input() -> None:
    with pytest.raises(TypeError, match="NoneType"):
        _buggy("1")


def test_a_wrapped_rule_keeps_its_name_and_signature() -> None:
    assert _pick.__name__ == "_pick"
    assert list(inspect.signature(_pick).parameters) == ["level", "weights"]
