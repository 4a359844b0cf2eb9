"""The host's protocol edges: every product schema, malformed requests, query logs."""

from __future__ import annotations

import json
import os

from prisma import Json, Prisma

from domainlayer._engine import ChannelEngine
from tests.support.processes import run_python


async def test_models_of_all_five_schemas_are_reachable(client: Prisma) -> None:
    await client.airbarfeatureflag.create(
        data={"key": "smart_matching", "name": "Smart Matching", "rolloutPercentage": 80}
    )
    await client.modelversion.create(
        data={
            "version": "v1",
            "name": "churn",
            "algorithm": "xgboost",
            "features": Json(["recency"]),
            "trainedAt": "2026-01-01T00:00:00Z",  # type: ignore[typeddict-item]
        }
    )
    flag = await client.travelfeatureflag.create(
        data={
            "key": "ml_price_prediction",
            "name": "ML",
            "variants": Json([{"id": "control", "weight": 100}]),
        }
    )
    await client.travelexperimentparticipation.create(
        data={"flag": {"connect": {"id": flag.id}}, "userId": "u1", "variant": "control"}
    )
    await client.lead.create(data={"email": "l@example.com", "tier": "L3_CONSULTING"})
    await client.ratelimit.create(
        data={"skoolUserId": "s", "requestDate": "2026-01-01T00:00:00Z"}  # type: ignore[typeddict-item]
    )
    counts = [
        await client.airbarfeatureflag.count(),
        await client.modelversion.count(),
        await client.travelexperimentparticipation.count(),
        await client.ratelimit.count(),
        await client.lead.count(),
    ]
    assert counts == [1, 1, 1, 1, 1]
    loaded = await client.travelfeatureflag.find_unique_or_raise(
        where={"key": "ml_price_prediction"}, include={"participations": True}
    )
    assert loaded.variants == [{"id": "control", "weight": 100}]
    assert loaded.participations is not None and len(loaded.participations) == 1


async def test_a_malformed_request_gets_an_error_answer_and_the_host_keeps_serving(
    client: Prisma,
) -> None:
    engine = client._engine
    assert isinstance(engine, ChannelEngine)
    channel = await engine._ensure_running()
    answers = [
        await channel.request(1, "/", '{"query": "query { result: findManyNothing( }"}', None),
        await channel.request(1, "/", '{"query": "query { result: dropEverything }"}', None),
        await channel.request(1, "/transaction/not-a-real-id/commit", None, None),
    ]
    bodies = []
    for status, _, body in answers:
        assert status == 200
        bodies.append(json.loads(body))
        assert bodies[-1]["errors"][0]["user_facing_error"]["message"]
    assert bodies[2]["errors"][0]["user_facing_error"]["error_code"] == "P2028"
    assert await client.coachuser.count() == 0


def test_log_queries_prints_the_sql(database_url: str) -> None:
    code = (
        "import asyncio\n"
        "from prisma import Prisma\n"
        "async def main():\n"
        "    db = Prisma(log_queries=True)\n"
        "    await db.connect()\n"
        "    await db.coachuser.count()\n"
        "    await db.disconnect()\n"
        "asyncio.run(main())\n"
    )
    done = run_python(code, env={**os.environ, "DATABASE_URL": database_url})
    assert done.returncode == 0, done.stderr
    logged = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    # The native engine's log shape: {timestamp, level, fields: {query, params, ...}, target}
    queries = [entry.get("fields", {}).get("query", "") for entry in logged]
    assert any('FROM "coach"."User"' in q for q in queries), logged
