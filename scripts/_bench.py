"""Timing helpers shared by the benchmark scripts (they print figures; no test asserts time)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any


async def timed(fn: Callable[[], Awaitable[Any]], n: int) -> list[float]:
    """Milliseconds of ``n`` calls, after up to 20 warm-up calls."""
    for _ in range(min(20, n)):
        await fn()
    samples = []
    for _ in range(n):
        started = time.perf_counter()
        await fn()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def percentile(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]
