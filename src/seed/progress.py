"""A progress bar per table on stderr, without dependencies.

Drawn only when asked (``--progress``) or when stderr is a terminal, and never with
``--quiet``. Redraws are throttled (10 a second), so counting rows costs next to nothing.
"""

from __future__ import annotations

import sys
import time
from typing import Final, TextIO

__all__ = ["Progress", "TableProgress"]

_WIDTH: Final = 24
_INTERVAL: Final = 0.1


class TableProgress:
    """Rows written to one table so far; ``update`` redraws at most every 0.1 s."""

    def __init__(self, stream: TextIO | None, label: str, total: int | None) -> None:
        self._stream = stream
        self._label = label
        self._total = total
        self._done = 0
        self._started = time.perf_counter()
        self._drawn = 0.0

    def update(self, done: int) -> None:
        self._done = done
        if self._stream is None:
            return
        moment = time.perf_counter()
        if moment - self._drawn >= _INTERVAL:
            self._drawn = moment
            self._draw(moment, end="")

    def close(self) -> None:
        if self._stream is not None:
            self._draw(time.perf_counter(), end="\n")

    def _draw(self, moment: float, *, end: str) -> None:
        assert self._stream is not None
        elapsed = max(moment - self._started, 1e-9)
        rate = self._done / elapsed
        if self._total:
            share = min(1.0, self._done / self._total)
            filled = int(share * _WIDTH)
            bar = "[" + "#" * filled + "." * (_WIDTH - filled) + "]"
            count = f"{self._done:>11,}/{self._total:,}"
        else:
            bar = "[" + "?" * _WIDTH + "]"
            count = f"{self._done:>11,}"
        line = f"\r{self._label:<36} {bar} {count} rows {rate:>9,.0f}/s"
        self._stream.write(line + end)
        self._stream.flush()


class Progress:
    """Hands out a :class:`TableProgress` per table; silent when disabled."""

    def __init__(self, enabled: bool, stream: TextIO | None = None) -> None:
        self._stream = (stream or sys.stderr) if enabled else None

    @classmethod
    def for_terminal(cls, *, forced: bool, quiet: bool) -> Progress:
        """On when forced or when stderr is a TTY; always off when quiet."""
        return cls(not quiet and (forced or sys.stderr.isatty()))

    def table(self, label: str, total: int | None) -> TableProgress:
        return TableProgress(self._stream, label, total)
