"""The client's selection shim (domainlayer.client, #11): same fields, same errors."""

from __future__ import annotations

import inspect
from typing import Any

import prisma._builder
import prisma.models
import pytest
from prisma._builder import QueryBuilder
from prisma.errors import InvalidModelError, UnknownModelError

import domainlayer.client as client_module

MODELS = [
    model
    for _, model in inspect.getmembers(prisma.models, inspect.isclass)
    if hasattr(model, "__prisma_model__") and model.__module__ == prisma.models.__name__
]


def _builder(
    model: type[Any], prisma_models: set[str] | None = None
) -> prisma._builder.QueryBuilder:
    names = {m.__prisma_model__ for m in MODELS} if prisma_models is None else prisma_models
    return QueryBuilder(
        method="find_unique",
        arguments={"where": {}},
        model=model,
        prisma_models=names,
        relational_field_mappings={},
    )


def test_the_builder_uses_the_shim() -> None:
    assert prisma._builder.QueryBuilder.get_default_fields is client_module._cached_default_fields


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_model_selects_what_the_builder_itself_selects(model: type[Any]) -> None:
    builder = _builder(model)
    expected = client_module._builder_default_fields(builder, model)
    first, second = builder.get_default_fields(model), builder.get_default_fields(model)
    assert first == second == expected
    first.append("mutated")  # a caller's list is its own: the next one is unchanged
    assert builder.get_default_fields(model) == expected


def test_there_are_models_to_check() -> None:
    assert len(MODELS) > 50


def test_a_model_unknown_to_the_builder_still_raises_every_time() -> None:
    model = MODELS[0]
    _builder(model).get_default_fields(model)  # cached now
    stranger = _builder(model, prisma_models={"SomethingElse"})
    for _ in range(2):
        with pytest.raises(UnknownModelError, match=model.__prisma_model__):
            stranger.get_default_fields(model)


def test_a_class_that_is_no_model_still_raises_every_time() -> None:
    builder = _builder(MODELS[0])

    class NotAModel:
        pass

    for _ in range(2):
        with pytest.raises(InvalidModelError):
            builder.get_default_fields(NotAModel)  # type: ignore[arg-type]
