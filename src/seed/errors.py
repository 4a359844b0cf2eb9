"""Why a seed run stopped. A failed product is rolled back whole: nothing of it is written."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from domainlayer.errors import DomainError, InfrastructureError

if TYPE_CHECKING:
    from .runner import ProductReport

__all__ = ["InjectedFailure", "SeedFailed"]


class SeedFailed(InfrastructureError):
    """A product could not be seeded; its transaction was rolled back.

    ``completed`` holds the reports of the products committed before it (they stay).
    """

    def __init__(
        self, product: str, cause: BaseException, completed: Sequence[ProductReport] = ()
    ) -> None:
        self.product = product
        self.completed = tuple(completed)
        detail = str(cause).strip() or type(cause).__name__
        if not isinstance(cause, DomainError):
            detail = f"{type(cause).__name__}: {detail}"
        super().__init__(f"{product}: {detail} (rolled back: nothing of {product} was written)")


class InjectedFailure(RuntimeError):
    """Raised by the ``fail_after`` test hook to prove a failing product leaves no rows."""
