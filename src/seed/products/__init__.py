"""One seeder per product: ``async def seed(ctx, out) -> notes``, in ``seed.products.<name>``.

A seeder writes its product's tables through the :class:`~seed.bulk.BulkWriter` (parents
before children), derives every value from its :class:`~seed.context.SeedContext`, and
returns notes worth telling the operator (e.g. what it could not seed and why). Modules are
imported when their product is seeded, so seeding one product loads only its code.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import cast

from seed.bulk import BulkWriter
from seed.context import SeedContext
from seed.options import DOMAINS

__all__ = ["Seeder", "seeder"]

Seeder = Callable[[SeedContext, BulkWriter], Awaitable[list[str]]]


def seeder(product: str) -> Seeder:
    """The ``seed`` function of ``seed.products.<product>``."""
    if product not in DOMAINS:
        raise KeyError(product)
    module = importlib.import_module(f"{__name__}.{product}")
    return cast(Seeder, module.seed)
