"""Reads and writes through the unmodified client, checked against PostgreSQL itself."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import asyncpg
import pytest
from prisma import Json, Prisma, errors
from prisma.fields import Base64


async def _user(client: Prisma, n: int, **data: object) -> str:
    user = await client.coachuser.create(
        data={"googleId": f"g{n}", "email": f"u{n}@example.com", "displayName": f"U{n}", **data}
    )
    return user.id


async def test_create_then_find_unique_by_id_and_by_unique_field(client: Prisma) -> None:
    user_id = await _user(client, 1)
    by_id = await client.coachuser.find_unique(where={"id": user_id})
    by_email = await client.coachuser.find_unique(where={"email": "u1@example.com"})
    assert by_id is not None and by_email is not None
    assert by_id.id == by_email.id == user_id
    assert await client.coachuser.find_unique(where={"email": "nobody@example.com"}) is None


async def test_or_raise_variants_raise_record_not_found(client: Prisma) -> None:
    with pytest.raises(errors.RecordNotFoundError):
        await client.coachuser.find_unique_or_raise(where={"email": "none@example.com"})
    with pytest.raises(errors.RecordNotFoundError):
        await client.coachuser.find_first_or_raise(where={"role": "nobody"})


async def test_find_many_filters_order_take_skip_cursor_and_distinct(client: Prisma) -> None:
    for n in range(1, 7):
        await _user(client, n, role="coach" if n % 2 else "client", coachLevel=n)
    coaches = await client.coachuser.find_many(
        where={"role": "coach", "coachLevel": {"gte": 2}}, order={"coachLevel": "desc"}
    )
    assert [u.coachLevel for u in coaches] == [5, 3]
    page = await client.coachuser.find_many(order={"coachLevel": "asc"}, take=2, skip=1)
    assert [u.coachLevel for u in page] == [2, 3]
    third = await client.coachuser.find_unique_or_raise(where={"email": "u3@example.com"})
    after = await client.coachuser.find_many(
        cursor={"id": third.id}, skip=1, take=2, order={"coachLevel": "asc"}
    )
    assert [u.coachLevel for u in after] == [4, 5]
    roles = await client.coachuser.find_many(distinct=["role"], order={"role": "asc"})
    assert [u.role for u in roles] == ["client", "coach"]
    some = await client.coachuser.find_many(
        where={"OR": [{"email": {"contains": "u1@"}}, {"coachLevel": {"in": [6]}}]}
    )
    assert sorted(u.coachLevel or 0 for u in some) == [1, 6]
    insensitive = await client.coachuser.find_many(
        where={"displayName": {"equals": "u4", "mode": "insensitive"}}
    )
    assert [u.coachLevel for u in insensitive] == [4]


async def test_relation_filters_and_include(client: Prisma) -> None:
    coach = await _user(client, 1, role="coach")
    with_profile = await _user(client, 2)
    await client.coachprofile.create(data={"user": {"connect": {"id": with_profile}}})
    await client.appointment.create(
        data={
            "scheduledFor": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            "client": {"connect": {"id": with_profile}},
            "coach": {"connect": {"id": coach}},
            "roomId": "room-1",
        }
    )
    has_profile = await client.coachuser.find_many(where={"profile": {"is_not": None}})
    assert [u.id for u in has_profile] == [with_profile]
    coaching = await client.coachuser.find_many(where={"coachAppointments": {"some": {}}})
    assert [u.id for u in coaching] == [coach]
    loaded = await client.coachuser.find_unique_or_raise(
        where={"id": with_profile},
        include={"profile": True, "clientAppointments": {"take": 1}},
    )
    assert loaded.profile is not None and loaded.profile.userId == with_profile
    assert loaded.clientAppointments is not None
    assert [a.roomId for a in loaded.clientAppointments] == ["room-1"]


async def test_every_scalar_type_round_trips(client: Prisma, db: asyncpg.Connection) -> None:
    user = await client.airbaruser.create(
        data={"email": "s@example.com", "firstName": "S", "lastName": "T", "country": "US"}
    )
    token = bytes(range(32))
    session = await client.airbarusersession.create(
        data={
            "user": {"connect": {"id": user.id}},
            "tokenHash": Base64.encode(token),
            "deviceFingerprint": "fp",
            "deviceType": "desktop",
            "ipAddress": "127.0.0.1",
            "country": "US",
            "expiresAt": dt.datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC),
        }
    )
    assert session.tokenHash.decode() == token
    assert session.expiresAt == dt.datetime(2030, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC)
    metric = await client.systemmetrics.create(
        data={"metricName": "m", "metricType": "system", "value": 2.5, "tags": Json({"a": [1]})}
    )
    assert isinstance(metric.id, int) and metric.id >= 1
    assert metric.tags == {"a": [1]}
    customer = await client.customer.create(
        data={
            "email": "c@example.com",
            "firstName": "C",
            "lastName": "D",
            "totalSpent": Decimal("1234.56"),
            "riskLevel": "HIGH",
            "churnProbability": 0.7,
            "isActive": False,
        }
    )
    assert customer.totalSpent == Decimal("1234.56")
    assert customer.riskLevel == "HIGH"
    assert customer.isActive is False
    profile_user = await _user(client, 9)
    profile = await client.coachprofile.create(
        data={"user": {"connect": {"id": profile_user}}, "challenges": ["breathing", "sleep"]}
    )
    assert profile.challenges == ["breathing", "sleep"]
    stored = await db.fetchrow('SELECT "totalSpent", "riskLevel" FROM churn."Customer"')
    assert stored is not None
    assert stored["totalSpent"] == Decimal("1234.56") and stored["riskLevel"] == "HIGH"
    big = await db.fetchval("SELECT token_hash FROM airbar.user_sessions")
    assert bytes(big) == token


async def test_bigint_beyond_double_precision_is_exact(client: Prisma) -> None:
    await client.execute_raw(
        "SELECT setval(pg_get_serial_sequence('churn.\"SystemMetrics\"', 'id'), $1)",
        2**60,
    )
    metric = await client.systemmetrics.create(
        data={"metricName": "m", "metricType": "system", "value": 1.0}
    )
    assert metric.id == 2**60 + 1
    found = await client.systemmetrics.find_unique(where={"id": 2**60 + 1})
    assert found is not None and found.id == 2**60 + 1


async def test_update_atomic_number_ops_array_push_and_update_many(client: Prisma) -> None:
    user_id = await _user(client, 1, coachLevel=1)
    updated = await client.coachuser.update(
        where={"id": user_id}, data={"coachLevel": {"increment": 4}}
    )
    assert updated is not None and updated.coachLevel == 5
    updated = await client.coachuser.update(
        where={"id": user_id}, data={"coachLevel": {"multiply": 3}}
    )
    assert updated is not None and updated.coachLevel == 15
    await client.coachprofile.create(data={"user": {"connect": {"id": user_id}}})
    profile = await client.coachprofile.update(
        where={"userId": user_id}, data={"clientFacts": {"push": ["prefers mornings"]}}
    )
    assert profile is not None and profile.clientFacts == ["prefers mornings"]
    await _user(client, 2)
    count = await client.coachuser.update_many(where={}, data={"isAvailable": True})
    assert count == 2


async def test_upsert_on_a_compound_unique(client: Prisma) -> None:
    day = dt.datetime(2026, 11, 25, tzinfo=dt.UTC)
    for _ in range(3):
        row = await client.ratelimit.upsert(
            where={"skoolUserId_requestDate": {"skoolUserId": "s1", "requestDate": day}},
            data={
                "create": {"skoolUserId": "s1", "requestDate": day, "requestCount": 1},
                "update": {"requestCount": {"increment": 1}},
            },
        )
    assert row.requestCount == 3
    assert await client.ratelimit.count() == 1


async def test_create_many_with_skip_duplicates_delete_and_delete_many(client: Prisma) -> None:
    rows = [
        {"googleId": f"g{n}", "email": f"u{n}@example.com", "displayName": f"U{n}"}
        for n in range(3)
    ]
    assert await client.coachuser.create_many(data=rows) == 3
    assert await client.coachuser.create_many(data=rows, skip_duplicates=True) == 0
    deleted = await client.coachuser.delete(where={"email": "u0@example.com"})
    assert deleted is not None and deleted.googleId == "g0"
    assert await client.coachuser.delete(where={"email": "u0@example.com"}) is None
    assert await client.coachuser.delete_many(where={"googleId": {"startswith": "g"}}) == 2
    assert await client.coachuser.count() == 0


async def test_count_and_group_by(client: Prisma) -> None:
    for n in range(5):
        await _user(client, n, role="coach" if n < 2 else "client", coachLevel=n)
    assert await client.coachuser.count(where={"role": "coach"}) == 2
    groups = await client.coachuser.group_by(
        by=["role"], count={"_all": True}, sum={"coachLevel": True}, order={"role": "asc"}
    )
    assert [(g["role"], g["_count"]["_all"], g["_sum"]["coachLevel"]) for g in groups] == [
        ("client", 3, 9),
        ("coach", 2, 1),
    ]


async def test_raw_queries(client: Prisma) -> None:
    await _user(client, 1)
    rows = await client.query_raw('SELECT email FROM coach."User" WHERE "googleId" = $1', "g1")
    assert rows == [{"email": "u1@example.com"}]
    first = await client.query_first("SELECT 1::int AS one, 'x'::text AS s")
    assert first == {"one": 1, "s": "x"}
    changed = await client.execute_raw('UPDATE coach."User" SET "coachLevel" = $1', 7)
    assert changed == 1
    with pytest.raises(errors.RawQueryError):
        await client.query_raw("SELECT * FROM no_such_table")


async def test_batch_runs_in_one_transaction(client: Prisma) -> None:
    async with client.batch_() as batch:
        batch.coachuser.create(data={"googleId": "a", "email": "a@example.com", "displayName": "A"})
        batch.coachuser.create(data={"googleId": "b", "email": "b@example.com", "displayName": "B"})
    assert await client.coachuser.count() == 2
    with pytest.raises(errors.UniqueViolationError):
        async with client.batch_() as batch:
            batch.coachuser.create(
                data={"googleId": "c", "email": "c@example.com", "displayName": "C"}
            )
            batch.coachuser.create(
                data={"googleId": "a", "email": "a2@example.com", "displayName": "A2"}
            )
    assert await client.coachuser.count() == 2


async def test_a_partial_model_selects_only_its_fields(client: Prisma) -> None:
    from prisma.partials import CoachUserSessionCheck

    expires = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    await client.authcode.create(
        data={"code": "vgs-1-a", "skoolUserId": "s", "skoolUsername": "S", "expiresAt": expires}
    )
    await client.coachusersession.create(
        data={
            "sessionId": "token",
            "skoolUserId": "s",
            "skoolUsername": "S",
            "authCode": {"connect": {"code": "vgs-1-a"}},
            "expiresAt": expires,
            "ipAddress": "127.0.0.1",
            "userAgent": "ua",
            "deviceFingerprint": "fp",
        }
    )
    check = await CoachUserSessionCheck.prisma(client).find_unique(where={"sessionId": "token"})
    assert check is not None
    assert check.model_dump() == {"isActive": True, "expiresAt": expires, "skoolUserId": "s"}


async def test_nested_writes_inside_an_update(client: Prisma) -> None:
    user_id = await _user(client, 1)
    updated = await client.coachuser.update(
        where={"id": user_id},
        data={
            "profile": {"create": {"clientFacts": ["new"]}},
            "membershipHistory": {
                "create": [{"community": "ultra", "newStatus": "active"}],
            },
        },
        include={"profile": True, "membershipHistory": True},
    )
    assert updated is not None and updated.profile is not None
    assert updated.profile.clientFacts == ["new"]
    assert updated.membershipHistory is not None
    assert [h.newStatus for h in updated.membershipHistory] == ["active"]


async def test_a_transaction_honours_max_wait_and_timeout(client: Prisma) -> None:
    async with client.tx(max_wait=dt.timedelta(seconds=2), timeout=dt.timedelta(seconds=5)) as tx:
        await tx.coachuser.create(
            data={"googleId": "g", "email": "e@example.com", "displayName": "E"}
        )
        assert await tx.coachuser.count() == 1
    assert await client.coachuser.count() == 1


async def test_raw_queries_read_catalog_types_as_text(client: Prisma, database_url: str) -> None:
    row = await client.query_first(
        "SELECT current_database() AS db, 'r'::\"char\" AS kind, 'pg_class'::regclass AS rel"
    )
    assert row == {"db": database_url.rsplit("/", 1)[1], "kind": "r", "rel": "pg_class"}


async def test_more_filters_find_first_and_relation_filters(client: Prisma) -> None:
    coach = await _user(client, 1, role="coach", coachLevel=3)
    loner = await _user(client, 2, role="client", coachLevel=None)
    for n, status in enumerate(["scheduled", "completed"]):
        await client.appointment.create(
            data={
                "scheduledFor": dt.datetime(2026, 1, 1 + n, tzinfo=dt.UTC),
                "client": {"connect": {"id": loner}},
                "coach": {"connect": {"id": coach}},
                "roomId": f"room-{n}",
                "status": status,
            }
        )
    first = await client.coachuser.find_first(where={"email": {"endswith": "1@example.com"}})
    assert first is not None and first.id == coach
    assert await client.coachuser.find_first(where={"coachLevel": {"lt": 3}}) is None
    nulls = await client.coachuser.find_many(where={"coachLevel": None})
    assert [u.id for u in nulls] == [loner]
    negated = await client.coachuser.find_many(where={"NOT": [{"role": "coach"}]})
    assert [u.id for u in negated] == [loner]
    every_done = await client.coachuser.find_many(
        where={"coachAppointments": {"every": {"status": "completed"}}, "role": "coach"}
    )
    assert every_done == []
    none_booked = await client.coachuser.find_many(where={"clientAppointments": {"none": {}}})
    assert [u.id for u in none_booked] == [coach]
    by_relation = await client.appointment.find_many(
        where={
            "coach": {"is": {"coachLevel": {"gt": 2}}},
            "scheduledFor": {"lte": dt.datetime(2026, 1, 1, tzinfo=dt.UTC)},
        }
    )
    assert [a.roomId for a in by_relation] == ["room-0"]
