"""The public surface: what `__all__` promises is there, and nothing private leaks."""

from __future__ import annotations

import importlib

import pytest

import domainlayer
from domainlayer import errors

PUBLIC_MODULES = [
    "domainlayer",
    "domainlayer.errors",
    "domainlayer.settings",
    "domainlayer.client",
    "domainlayer.repository",
    "domainlayer.madfam.rules",
    "domainlayer.coach.rules",
    "domainlayer.churn.rules",
]


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_name_in_all_exists_and_is_public(module_name: str) -> None:
    module = importlib.import_module(module_name)
    for name in module.__all__:
        assert hasattr(module, name), name
        assert not name.startswith("_"), name


def test_the_package_reexports_the_whole_error_tree() -> None:
    assert set(errors.__all__) <= set(domainlayer.__all__)


def test_every_error_derives_from_domain_error() -> None:
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), errors.DomainError), name


def test_invalid_input_is_also_a_value_error_and_not_found_a_lookup_error() -> None:
    assert issubclass(errors.InvalidInputError, ValueError)
    assert issubclass(errors.NotFoundError, LookupError)
    assert issubclass(errors.LimitExceededError, errors.ConflictError)
