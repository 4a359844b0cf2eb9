"""DomainlayerPrisma._copy (the client a transaction runs on) against the stock _copy."""

from __future__ import annotations

from typing import Any

import pytest
from prisma import Prisma

from domainlayer.client import DomainlayerPrisma, _instance_fields


def _shape(client: Prisma, source: Prisma) -> dict[str, Any]:
    """Each attribute: a model accessor as (class, model, bound to `client`), else its value."""
    shape: dict[str, Any] = {}
    for name in _instance_fields(type(client)):
        value = getattr(client, name, "<unset>")
        if hasattr(value, "_model") and hasattr(value, "_client"):
            shape[name] = (type(value), value._model, value._client is client)
        else:
            shape[name] = value
    shape["__dict__"] = dict(vars(client))
    assert source is not client
    return shape


async def test_the_copy_has_the_stock_copys_state_and_its_own_model_accessors(
    client: Prisma,
) -> None:
    assert isinstance(client, DomainlayerPrisma)
    ours = client._copy()
    stock = Prisma._copy(client)  # the package's own, which runs __init__ again
    assert type(ours) is type(stock)
    assert _shape(ours, client) == _shape(stock, client)
    fields = _instance_fields(type(client))
    accessors = [getattr(ours, name) for name in fields if hasattr(getattr(ours, name), "_model")]
    assert len(accessors) > 50
    assert all(a._client is ours for a in accessors)
    assert ours._engine is client._engine
    assert ours._copied and ours._tx_id is None
    assert client._tx_id is None and not client._copied  # the source is untouched


async def test_a_transaction_on_the_copy_commits_and_rolls_back(client: Prisma) -> None:
    async with client.tx() as tx:
        assert tx is not client and tx._tx_id is not None
        await tx.coachuser.create(
            data={"id": "u-commit", "googleId": "g-c", "email": "c@x.io", "displayName": "C"}
        )
    assert await client.coachuser.count(where={"id": "u-commit"}) == 1
    with pytest.raises(RuntimeError, match="roll me back"):
        async with client.tx() as tx:
            await tx.coachuser.create(
                data={"id": "u-back", "googleId": "g-b", "email": "b@x.io", "displayName": "B"}
            )
            raise RuntimeError("roll me back")
    assert await client.coachuser.count(where={"id": "u-back"}) == 0
    assert client._tx_id is None


async def test_a_copys_accessors_are_made_on_first_use_and_kept(client: Prisma) -> None:
    ours = client._copy()
    with pytest.raises(AttributeError):
        object.__getattribute__(ours, "coachuser")  # not made yet
    first = ours.coachuser
    assert first._client is ours and first._model is client.coachuser._model
    assert type(first) is type(client.coachuser)
    assert ours.coachuser is first  # made once, then an ordinary slot
    assert object.__getattribute__(ours, "coachuser") is first
    with pytest.raises(AttributeError):
        ours.no_such_accessor  # noqa: B018 - an unknown name still raises


async def test_the_source_client_never_makes_accessors_lazily(client: Prisma) -> None:
    client._copy()  # the accessor table for the class exists
    fresh = DomainlayerPrisma(auto_register=False)  # not a copy
    del fresh.coachuser
    with pytest.raises(AttributeError):
        fresh.coachuser  # noqa: B018
