"""travel's error monitoring (002, ``error_logs``: fingerprinting, grouping, resolution). Pure.

Occurrences of one error are grouped under a fingerprint: SHA-256 over the error type, the
*normalised* message and the *top frame* of the stack. Normalising replaces what varies
between occurrences of the same fault with placeholders: URLs (``<url>``), e-mail addresses
(``<email>``), UUIDs (``<uuid>``), quoted strings (``<str>``), hex ids of 8+ digits
(``<hex>``) and numbers (``<n>``), then collapses whitespace. The top frame is the first
frame of a JavaScript stack (``at fn (file:line:col)``) or the last of a Python traceback
(``File "x.py", line n, in fn``), without its line and column numbers, so the same fault
keeps its fingerprint across deploys that move code around.

A group is resolved by someone at some time; an occurrence after that reopens it (a
regression), as does an explicit reopen.
"""

from __future__ import annotations

import hashlib
import re
from typing import Final

from domainlayer.errors import InvalidInputError, NotFoundError
from domainlayer.typed_rules import rule

__all__ = [
    "SEVERITIES",
    "ErrorGroupNotFound",
    "check_severity",
    "fingerprint",
    "normalise_message",
    "top_frame",
    "worse_severity",
]

SEVERITIES: Final = ("info", "warning", "error", "fatal")

_PATTERNS: Final = (
    (re.compile(r"\b[a-z][a-z0-9+.-]*://\S+", re.IGNORECASE), "<url>"),
    (re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b"), "<email>"),
    (
        re.compile(
            r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.IGNORECASE
        ),
        "<uuid>",
    ),
    (re.compile(r"\"[^\"]*\"|'[^']*'|`[^`]*`"), "<str>"),
    (re.compile(r"\b(?:0x)?[0-9a-f]{8,}\b", re.IGNORECASE), "<hex>"),
    (re.compile(r"(?<![A-Za-z_<\d.])\d+(?:\.\d+)?"), "<n>"),
)
_JS_FRAME: Final = re.compile(r"^\s*at\s+(.*?)\s*$")
_PY_FRAME: Final = re.compile(r'^\s*File "([^"]+)", line \d+, in (\S+)')
_LINE_COL: Final = re.compile(r":\d+(?::\d+)?(?=\)?$)")
_MAX_MESSAGE: Final = 10_000


class ErrorGroupNotFound(NotFoundError):
    """No error group has this id."""


@rule
def check_severity(severity: str) -> str:
    if not isinstance(severity, str) or severity not in SEVERITIES:
        raise InvalidInputError(f"severity is one of {', '.join(SEVERITIES)}: {severity!r}")
    return severity


@rule
def worse_severity(a: str, b: str) -> str:
    """The more severe of two severities (a group shows the worst it has seen)."""
    return max(check_severity(a), check_severity(b), key=SEVERITIES.index)


def normalise_message(message: str) -> str:
    """The message with its varying parts replaced by placeholders (see the module doc)."""
    if not isinstance(message, str) or not message.strip():
        raise InvalidInputError("an error needs a message")
    if len(message) > _MAX_MESSAGE:
        raise InvalidInputError(f"an error message is at most {_MAX_MESSAGE} characters")
    text = message
    for pattern, placeholder in _PATTERNS:
        text = pattern.sub(placeholder, text)
    return " ".join(text.split())


def top_frame(stack: str | None) -> str:
    """The frame the error was raised in, without line and column numbers ('' if none)."""
    if stack is None:
        return ""
    if not isinstance(stack, str):
        raise InvalidInputError("a stack is text")
    python_frames = [m for line in stack.splitlines() if (m := _PY_FRAME.match(line))]
    if python_frames:
        path, function = python_frames[-1].groups()
        return f"{function} ({path})"
    for line in stack.splitlines():
        match = _JS_FRAME.match(line)
        if match:
            return _LINE_COL.sub("", match[1])
    return ""


@rule
def fingerprint(error_type: str, message: str, stack: str | None = None) -> str:
    """32 hex characters grouping the occurrences of one fault."""
    if not isinstance(error_type, str) or not error_type.strip() or len(error_type) > 200:
        raise InvalidInputError("an error needs a type (at most 200 characters)")
    material = "\x1f".join((error_type.strip(), normalise_message(message), top_frame(stack)))
    return hashlib.sha256(material.encode()).hexdigest()[:32]
