"""travel's error monitoring (002, ``error_logs``): severities, normalised messages, top
frames and fingerprints, each at its documented edge.

A fingerprint is SHA-256 over the error type, the normalised message and the top frame; the
golden values below must never change, or every open error group would split in two on the
next deploy.
"""

from __future__ import annotations

import hashlib
import itertools

import pytest

from domainlayer.errors import InvalidInputError, NotFoundError
from domainlayer.travel.error_logs import (
    SEVERITIES,
    ErrorGroupNotFound,
    check_severity,
    fingerprint,
    normalise_message,
    top_frame,
    worse_severity,
)

JS_STACK = "TypeError: x\n    at fetchDeals (/app/deals.ts:42:13)\n    at main (/app/m.ts:1:1)"
PY_STACK = (
    "Traceback (most recent call last):\n"
    '  File "app.py", line 3, in <module>\n'
    '  File "deals.py", line 9, in load\n'
    '  File "db.py", line 120, in fetch\n'
    "KeyError: 1"
)


def test_a_missing_group_is_not_found() -> None:
    assert issubclass(ErrorGroupNotFound, NotFoundError)


# Severities -------------------------------------------------------------------------------


def test_the_four_severities_in_rising_order() -> None:
    assert SEVERITIES == ("info", "warning", "error", "fatal")


@pytest.mark.parametrize("severity", SEVERITIES)
def test_every_severity_is_known(severity: str) -> None:
    assert check_severity(severity) == severity


@pytest.mark.parametrize("severity", ["", "Error", "critical", "debug", " info", None, 3])
def test_other_severities_are_refused(severity: object) -> None:
    with pytest.raises(InvalidInputError, match=r"severity is one of info, warning, error, fatal"):
        check_severity(severity)  # type: ignore[arg-type]


@pytest.mark.parametrize(("a", "b"), list(itertools.product(SEVERITIES, repeat=2)))
def test_a_group_shows_the_worst_severity_it_has_seen(a: str, b: str) -> None:
    worst = SEVERITIES[max(SEVERITIES.index(a), SEVERITIES.index(b))]
    assert worse_severity(a, b) == worst == worse_severity(b, a)


def test_worse_severity_checks_both() -> None:
    with pytest.raises(InvalidInputError, match=r"severity is one of"):
        worse_severity("info", "critical")
    with pytest.raises(InvalidInputError, match=r"severity is one of"):
        worse_severity("critical", "info")


# Messages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("message", "normalised"),
    [
        ("x", "x"),
        ("Deal 123 not found", "Deal <n> not found"),
        ("see http://a.example/x and ftp://b.example/y", "see <url> and <url>"),
        ("mail ana.b+deals@mail.example.co.uk now", "mail <email> now"),
        ("id 550E8400-E29B-41D4-A716-446655440000", "id <uuid>"),
        ("names \"Ana\" and `Bo` and 'Cy'", "names <str> and <str> and <str>"),
        ("tx 0xDEADBEEF aborted; 1234567 rows", "tx <hex> aborted; <n> rows"),
        ("took 3.5s  and\n\t35ms", "took <n>s and <n>ms"),
        ("  padded  ", "padded"),
        ("v2 of user42 in <n>", "v2 of user42 in <n>"),
    ],
)
def test_messages_are_normalised(message: str, normalised: str) -> None:
    assert normalise_message(message) == normalised


def test_a_message_of_exactly_10000_characters_is_accepted() -> None:
    assert normalise_message("x" * 10_000) == "x" * 10_000
    assert normalise_message("x" * 9_999 + " ") == "x" * 9_999


@pytest.mark.parametrize("message", ["", "   ", "\n\t", "x" * 10_001, None, 5])
def test_bad_messages(message: object) -> None:
    with pytest.raises(InvalidInputError, match=r"an error (needs a message|message is at most)"):
        normalise_message(message)  # type: ignore[arg-type]


def test_the_message_limit_names_10000() -> None:
    with pytest.raises(InvalidInputError, match=r"at most 10000 characters"):
        normalise_message("x" * 10_001)


# Top frames -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stack", "frame"),
    [
        (None, ""),
        ("", ""),
        (JS_STACK, "fetchDeals (/app/deals.ts)"),
        ("Error\n    at /app/anon.js:10:2", "/app/anon.js"),
        ("Error\n    at f (/app/x.js:7)", "f (/app/x.js)"),
        (PY_STACK, "fetch (db.py)"),  # the last frame of a traceback
        ('  File "only.py", line 1, in main', "main (only.py)"),
        # a traceback wins over a line that looks like a JavaScript frame
        ("    at f (/a.js:1:1)\n" + PY_STACK, "fetch (db.py)"),
        ("no frames here\nnor here", ""),
    ],
)
def test_the_top_frame(stack: str | None, frame: str) -> None:
    assert top_frame(stack) == frame


def test_a_stack_is_text() -> None:
    with pytest.raises(InvalidInputError, match=r"a stack is text"):
        top_frame(["at f (a.js:1:1)"])  # type: ignore[arg-type]


# Fingerprints -----------------------------------------------------------------------------


def test_golden_fingerprints() -> None:
    assert fingerprint("TypeError", "deal 1 missing", "E\n    at f (/a.ts:1:1)") == (
        "0463b5984d34f75fc9d3ef595155005c"
    )
    assert fingerprint("TypeError", "deal 1 missing") == "6202673467d19c9c2d9aeba5282b41fd"


def test_a_fingerprint_is_the_first_32_hex_digits_of_sha256() -> None:
    material = "\x1f".join(("KeyError", "no row <n>", "fetch (db.py)"))
    expected = hashlib.sha256(material.encode()).hexdigest()[:32]
    assert fingerprint(" KeyError ", "no row 7", PY_STACK) == expected
    assert len(expected) == 32


def test_occurrences_of_one_fault_share_a_fingerprint() -> None:
    base = fingerprint("TypeError", "deal 1 missing", JS_STACK)
    moved = JS_STACK.replace(":42:13", ":57:2")
    assert fingerprint("TypeError", "deal 982 missing", moved) == base
    assert fingerprint("TypeError", "deal   7   missing", JS_STACK) == base
    assert fingerprint("RangeError", "deal 1 missing", JS_STACK) != base
    assert fingerprint("TypeError", "offer 1 missing", JS_STACK) != base
    assert fingerprint("TypeError", "deal 1 missing", JS_STACK.replace("fetchDeals", "g")) != base
    assert fingerprint("TypeError", "deal 1 missing") != base


def test_an_error_type_of_200_characters_is_accepted() -> None:
    assert len(fingerprint("E" * 200, "m")) == 32


@pytest.mark.parametrize("error_type", ["", "   ", "E" * 201, None])
def test_bad_error_types(error_type: object) -> None:
    with pytest.raises(InvalidInputError, match=r"an error needs a type"):
        fingerprint(error_type, "m")  # type: ignore[arg-type]


@pytest.mark.parametrize("message", ["", "x" * 10_001])
def test_fingerprints_need_a_message(message: str) -> None:
    with pytest.raises(InvalidInputError, match=r"an error (needs a message|message is at most)"):
        fingerprint("E", message)
