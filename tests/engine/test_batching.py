"""Concurrent find-by-ids are folded into one query per batch, each caller gets its row."""

from __future__ import annotations

import asyncio

from prisma import Prisma


async def _datasource_queries(client: Prisma) -> int:
    metrics = await client.get_metrics()
    return int(
        next(m.value for m in metrics.counters if m.key == "prisma_datasource_queries_total")
    )


async def test_concurrent_find_uniques_share_round_trips_and_get_their_own_rows(
    client: Prisma,
) -> None:
    users = [
        await client.coachuser.create(
            data={"googleId": f"g{i}", "email": f"u{i}@example.com", "displayName": f"U{i}"}
        )
        for i in range(40)
    ]
    asked = [u.id for u in users] + [f"missing-{i}" for i in range(10)]
    before = await _datasource_queries(client)
    found = await asyncio.gather(
        *(client.coachuser.find_unique(where={"id": user_id}) for user_id in asked)
    )
    statements = await _datasource_queries(client) - before
    assert [f.id if f else None for f in found] == [u.id for u in users] + [None] * 10
    assert [f.email for f in found if f] == [u.email for u in users]
    # 50 callers, far fewer statements (one per batch the host formed)
    assert statements < len(asked) / 2, statements
    # a different selection or unique field still works, batched or not
    by_email, by_id = await asyncio.gather(
        client.coachuser.find_unique(where={"email": "u3@example.com"}),
        client.coachuser.find_unique(where={"id": users[4].id}, include={"profile": True}),
    )
    assert by_email is not None and by_email.id == users[3].id
    assert by_id is not None and by_id.id == users[4].id and by_id.profile is None
