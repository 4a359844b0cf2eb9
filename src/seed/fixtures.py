"""The persona and fixture files under ``seeds/`` (data, not code): loading and time offsets.

Files are JSON, one folder per product (``seeds/<product>/<name>.json``). Instants in them
are durations before the run's reference time, written ``"120d15h"``, ``"2h30m"`` or
``"0m"``, so the same files serve any ``--now``.
"""

from __future__ import annotations

import json
import re
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any, Final

from domainlayer.errors import InvalidInputError
from domainlayer.settings import PROJECT_ROOT

__all__ = ["FIXTURES_DIR", "load", "parse_ago"]

#: Where the fixture files live.
FIXTURES_DIR: Final[Path] = PROJECT_ROOT / "seeds"

_AGO: Final = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")


@cache
def load(product: str, name: str) -> Any:
    """The parsed ``seeds/<product>/<name>.json`` (read once per process)."""
    path = FIXTURES_DIR / product / f"{name}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise InvalidInputError(f"missing fixture file {path}") from exc
    except json.JSONDecodeError as exc:
        raise InvalidInputError(f"{path}: invalid JSON: {exc}") from exc


def parse_ago(text: str) -> timedelta:
    """``"120d15h"`` -> 120 days 15 hours (days, hours and minutes, each optional)."""
    match = _AGO.match(text.replace(" ", ""))
    if match is None or not text.strip():
        raise InvalidInputError(f"not a duration like '3d4h5m': {text!r}")
    days, hours, minutes = (int(part or 0) for part in match.groups())
    return timedelta(days=days, hours=hours, minutes=minutes)
