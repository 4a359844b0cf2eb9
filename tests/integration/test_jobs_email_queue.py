"""The email queue's leases and the worker, on the real database.

A worker that stops while holding emails (here: claims, then never answers) leaves them
`sending`; once the lease has run out on the database's clock another worker claims them
again, with the stopped worker's attempt counted once. Leases are short here (1 s) and the
tests poll for the re-claim with a deadline rather than sleeping a fixed time.
"""

from __future__ import annotations

import asyncio
import email
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from prisma import Prisma

from domainlayer.errors import InvalidInputError, NotFoundError
from domainlayer.jobs import cli
from domainlayer.jobs.transports import FolderTransport
from domainlayer.jobs.worker import Worker
from domainlayer.madfam.repository import (
    DEFAULT_EMAIL_LEASE,
    MAX_EMAIL_ATTEMPTS,
    ClaimedEmail,
    EmailQueueRepository,
)


def _sent_files(folder: Path) -> list[str]:
    """The email ids a folder transport has written (one ``<id>.eml`` each)."""
    return [p.stem for p in folder.glob("*.eml")]


def _read(path: Path) -> bytes:
    return path.read_bytes()


async def _queue(queue: EmailQueueRepository, n: int) -> list[str]:
    return [
        await queue.enqueue(
            to=[f"u{i}@example.com"], subject=f"s{i}", template="follow_up", data={"i": i}
        )
        for i in range(n)
    ]


async def _claim_within(
    queue: EmailQueueRepository, *, seconds: float = 30.0
) -> list[ClaimedEmail]:
    deadline = asyncio.get_running_loop().time() + seconds
    while not (batch := await queue.claim(batch_size=100)):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("nothing became claimable in time")
        await asyncio.sleep(0.05)
    return batch


async def _rows(db: asyncpg.Connection) -> list[asyncpg.Record]:
    return await db.fetch(
        'SELECT id, status, attempts, "claimedBy", "leaseExpiresAt", error '
        'FROM madfam."EmailQueue" ORDER BY "createdAt", id'
    )


async def test_a_stopped_workers_email_is_claimed_again_after_its_lease_once_counted(
    client: Prisma, db: asyncpg.Connection
) -> None:
    dead = EmailQueueRepository(client, lease=timedelta(seconds=1), worker_id="dead")
    alive = EmailQueueRepository(client, lease=timedelta(seconds=60), worker_id="alive")
    ids = await _queue(dead, 3)
    held = await dead.claim(batch_size=10)
    assert [e.id for e in held] == ids and {e.attempts for e in held} == {1}
    assert {e.claimed_by for e in held} == {"dead"}
    # while the lease lasts, nobody else gets them
    assert await alive.claim(batch_size=10) == []
    # the "dead" worker never answers; after its lease the live one takes them
    again = await _claim_within(alive)
    assert [e.id for e in again] == ids
    assert {e.attempts for e in again} == {2}  # the dead worker's attempt, once, plus this one
    rows = await _rows(db)
    assert {(r["status"], r["attempts"], r["claimedBy"]) for r in rows} == {("sending", 2, "alive")}
    # the dead worker's late answer cannot touch emails it no longer holds
    with pytest.raises(NotFoundError, match="is being sent by this worker"):
        await dead.mark_sent(ids[0])
    with pytest.raises(NotFoundError, match="is being sent by this worker"):
        await dead.mark_failed(ids[1], "late")
    await alive.mark_sent(ids[0])
    assert await alive.mark_failed(ids[1], "smtp 451") == "pending"
    assert await alive.release([ids[2]]) == 1
    rows = await _rows(db)
    assert [(r["status"], r["attempts"], r["claimedBy"]) for r in rows] == [
        ("sent", 2, None),
        ("pending", 2, None),
        ("pending", 1, None),  # released unsent: its claim's attempt taken back
    ]


async def test_an_expired_lease_on_the_last_attempt_fails_the_email(
    client: Prisma, db: asyncpg.Connection
) -> None:
    dead = EmailQueueRepository(
        client, max_attempts=1, lease=timedelta(seconds=1), worker_id="dead"
    )
    await _queue(dead, 1)
    (held,) = await dead.claim()
    assert held.attempts == 1
    other = EmailQueueRepository(client, max_attempts=1, worker_id="other")

    async def failed() -> bool:
        await other.claim()
        return bool(await db.fetchval("SELECT status = 'failed' FROM madfam.\"EmailQueue\""))

    deadline = asyncio.get_running_loop().time() + 30
    while not await failed():
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)
    row = (await _rows(db))[0]
    assert (row["status"], row["attempts"], row["claimedBy"]) == ("failed", 1, None)
    assert "lease expired" in row["error"]


async def test_renewing_a_lease_keeps_the_email(client: Prisma, db: asyncpg.Connection) -> None:
    worker = EmailQueueRepository(client, lease=timedelta(seconds=30), worker_id="w")
    await _queue(worker, 2)
    held = await worker.claim()
    before = await db.fetchval('SELECT max("leaseExpiresAt") FROM madfam."EmailQueue"')
    await db.execute(
        'UPDATE madfam."EmailQueue" '
        'SET "leaseExpiresAt" = "leaseExpiresAt" - interval \'20 seconds\''
    )
    assert await worker.renew([e.id for e in held]) == 2
    after = await db.fetchval('SELECT min("leaseExpiresAt") FROM madfam."EmailQueue"')
    assert after >= before - timedelta(seconds=1)
    assert await EmailQueueRepository(client, worker_id="x").renew([held[0].id]) == 0


async def test_legacy_sending_rows_without_a_lease_are_claimable(
    client: Prisma, db: asyncpg.Connection
) -> None:
    """Rows stuck `sending` from before leases existed (finding 7's 40) come back."""
    queue = EmailQueueRepository(client, worker_id="w")
    ids = await _queue(queue, 2)
    await db.execute("UPDATE madfam.\"EmailQueue\" SET status = 'sending', attempts = 1")
    assert await queue.claimable() == 2
    again = await queue.claim()
    assert sorted(e.id for e in again) == sorted(ids) and {e.attempts for e in again} == {2}


@pytest.mark.parametrize(
    ("method", "args", "match"),
    [
        ("mark_sent", ({"not": "x"},), "email_id must be a string, not dict"),
        ("mark_sent", ("",), "email_id must not be empty"),
        ("mark_sent", (123,), "email_id must be a string, not int"),
        ("mark_failed", ({"not": "x"}, "e"), "email_id must be a string, not dict"),
        ("mark_failed", ("id", {"e": 1}), "error must be a string, not dict"),
        ("mark_failed", ("id", "bad\x00text"), "error contains a NUL character"),
        ("release", ({"not": "x"},), "email_ids must be a list of email ids"),
        ("release", ("abc",), "email_ids must be a list of email ids"),
        ("release", ([{"in": ["a"]}],), r"email_ids\[0\] must be a string, not dict"),
        ("renew", ([None],), r"email_ids\[0\] must be a string, not NoneType"),
        ("claim", ({"gt": 0},), "batch_size must be a whole number, not dict"),
        ("claim", (0,), r"batch_size must be 1\.\.1000: 0"),
        ("claim", (True,), "batch_size must be a whole number, not bool"),
    ],
)
async def test_a_filter_where_an_id_belongs_is_refused_and_changes_nothing(
    method: str, args: tuple[Any, ...], match: str, client: Prisma, db: asyncpg.Connection
) -> None:
    queue = EmailQueueRepository(client, worker_id="w")
    await _queue(queue, 3)
    await queue.claim(batch_size=3)
    before = await _rows(db)
    with pytest.raises(InvalidInputError, match=match):
        await getattr(queue, method)(*args)
    assert await _rows(db) == before


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"to": "a@example.com"}, "to must be a non-empty list of addresses"),
        ({"to": []}, "to must be a non-empty list of addresses"),
        ({"to": [{"not": "x"}]}, r"to\[0\] must be a string, not dict"),
        ({"subject": ""}, "subject must not be empty"),
        ({"template": None}, "template must be a string, not NoneType"),
        ({"data": ["x"]}, "data must be a mapping of template variables"),
        ({"data": {"x": float("nan")}}, "data.x is not a finite number"),
        ({"data": {"x": "\ud800"}}, "data.x contains a lone surrogate"),
    ],
)
async def test_enqueue_validates_its_arguments(
    kwargs: dict[str, Any], match: str, client: Prisma, db: asyncpg.Connection
) -> None:
    fields: dict[str, Any] = {
        "to": ["a@example.com"],
        "subject": "s",
        "template": "welcome",
        "data": {},
        **kwargs,
    }
    with pytest.raises(InvalidInputError, match=match):
        await EmailQueueRepository(client).enqueue(**fields)
    assert await db.fetchval('SELECT count(*) FROM madfam."EmailQueue"') == 0


async def test_mark_sent_checks_the_clock(client: Prisma, db: asyncpg.Connection) -> None:
    from datetime import UTC, datetime

    queue = EmailQueueRepository(client, worker_id="w")
    (email_id,) = await _queue(queue, 1)
    await queue.claim()
    with pytest.raises(InvalidInputError, match="database clock"):
        await queue.mark_sent(email_id, datetime(9999, 1, 1, tzinfo=UTC))
    assert await db.fetchval('SELECT status FROM madfam."EmailQueue"') == "sending"
    await queue.mark_sent(email_id, datetime(2020, 1, 1, tzinfo=UTC), allow_clock_skew=True)
    row = await db.fetchrow('SELECT status, "sentAt" FROM madfam."EmailQueue"')
    assert row is not None and row["status"] == "sent" and row["sentAt"].year == 2020


async def test_repository_bad_construction_is_refused(client: Prisma) -> None:
    for kwargs, match in (
        ({"max_attempts": 0}, r"max_attempts must be 1\.\.1000: 0"),
        ({"max_attempts": "3"}, "max_attempts must be a whole number, not str"),
        ({"lease": timedelta(0)}, "lease must be a timedelta in"),
        ({"lease": 5}, "lease must be a timedelta in"),
        ({"worker_id": {"not": "x"}}, "worker_id must be a string, not dict"),
    ):
        with pytest.raises(InvalidInputError, match=match):
            EmailQueueRepository(client, **kwargs)  # type: ignore[arg-type]


async def test_the_cli_defaults_match_the_repository() -> None:
    assert DEFAULT_EMAIL_LEASE.total_seconds() == cli.DEFAULT_LEASE_SECONDS
    assert MAX_EMAIL_ATTEMPTS == cli.DEFAULT_MAX_ATTEMPTS


# The worker --------------------------------------------------------------------------------


class FlakyFolder(FolderTransport):
    """A folder transport whose provider refuses one address (a real failure, not a stub:
    everything else is written)."""

    async def send(self, email: ClaimedEmail) -> None:
        if "refused@example.com" in email.to:
            raise ConnectionRefusedError("550 mailbox unavailable")
        await super().send(email)


async def test_the_worker_sends_each_email_once_and_retries_failures(
    client: Prisma, db: asyncpg.Connection, tmp_path: Path
) -> None:
    queue = EmailQueueRepository(client, worker_id="w1", max_attempts=2)
    ids = await _queue(queue, 7)
    refused = await queue.enqueue(
        to=["refused@example.com"], subject="x", template="welcome", data={}
    )
    worker = Worker(queue, FlakyFolder(tmp_path, "MADFAM <no-reply@madfam.io>"), once=True)
    stats = await worker.run()
    assert (stats.sent, stats.retried, stats.failed, stats.released) == (7, 1, 1, 0)
    files = sorted(_sent_files(tmp_path))
    assert files == sorted(ids)
    message = email.message_from_bytes(_read(tmp_path / f"{ids[3]}.eml"))
    assert message["To"] == "u3@example.com" and message["X-Template"] == "follow_up"
    assert json.loads(message.get_payload().split(":\n", 1)[1]) == {"i": 3}  # type: ignore[union-attr]
    rows = {r["id"]: r for r in await _rows(db)}
    assert {rows[i]["status"] for i in ids} == {"sent"}
    assert (rows[refused]["status"], rows[refused]["attempts"]) == ("failed", 2)
    assert "550 mailbox unavailable" in rows[refused]["error"]


async def test_workers_side_by_side_never_send_an_email_twice(
    database_url: str, db: asyncpg.Connection, tmp_path: Path
) -> None:
    from domainlayer.client import connect_client

    clients = [await connect_client(database_url) for _ in range(3)]
    try:
        await _queue(EmailQueueRepository(clients[0]), 60)
        folders = [tmp_path / f"w{n}" for n in range(3)]
        workers = [
            Worker(
                EmailQueueRepository(c, worker_id=f"w{n}"),
                FolderTransport(folders[n], "x@madfam.io"),
                batch_size=3,
                once=True,
            )
            for n, c in enumerate(clients)
        ]
        stats = await asyncio.gather(*(w.run() for w in workers))
    finally:
        for c in clients:
            await c.disconnect()
    sent = [name for folder in folders for name in _sent_files(folder)]
    assert len(sent) == len(set(sent)) == 60 == sum(s.sent for s in stats)
    assert (
        await db.fetchval(
            "SELECT count(*) FROM madfam.\"EmailQueue\" WHERE status = 'sent' AND attempts = 1"
        )
        == 60
    )


async def test_stopping_the_worker_finishes_the_email_in_hand_and_releases_the_rest(
    client: Prisma, db: asyncpg.Connection, tmp_path: Path
) -> None:
    queue = EmailQueueRepository(client, worker_id="w")
    await _queue(queue, 10)
    worker = Worker(queue, FolderTransport(tmp_path, "x@madfam.io"), batch_size=10, send_delay=0.05)
    running = asyncio.create_task(worker.run())
    deadline = asyncio.get_running_loop().time() + 60
    while len(_sent_files(tmp_path)) < 2:
        assert asyncio.get_running_loop().time() < deadline and not running.done()
        await asyncio.sleep(0.01)
    worker.stop()
    stats = await asyncio.wait_for(running, 60)
    assert stats.sent >= 2 and stats.sent + stats.released == 10
    rows = await _rows(db)
    assert {r["status"] for r in rows} <= {"sent", "pending"}
    assert sum(r["status"] == "sent" for r in rows) == stats.sent == len(_sent_files(tmp_path))
    assert {r["attempts"] for r in rows if r["status"] == "pending"} <= {0}
    assert all(r["claimedBy"] is None for r in rows)


class _SmtpServer:
    """A minimal SMTP server on localhost (EHLO, MAIL, RCPT, DATA, QUIT) that keeps what it
    receives, to check the SMTP transport speaks the protocol."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sender, recipients = "", []
        writer.write(b"220 test ESMTP\r\n")
        while line := await reader.readline():
            command = line.decode().strip()
            verb = command.split(" ", 1)[0].upper()
            if verb in ("EHLO", "HELO"):
                writer.write(b"250 test\r\n")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip(" <>"), []
                writer.write(b"250 OK\r\n")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip(" <>"))
                writer.write(b"250 OK\r\n")
            elif verb == "DATA":
                writer.write(b"354 go ahead\r\n")
                await writer.drain()
                data = await reader.readuntil(b"\r\n.\r\n")
                self.messages.append((sender, recipients, data[:-5]))
                writer.write(b"250 queued\r\n")
            elif verb == "QUIT":
                writer.write(b"221 bye\r\n")
                await writer.drain()
                break
            else:
                writer.write(b"250 OK\r\n")
            await writer.drain()
        writer.close()


async def test_the_smtp_transport_delivers_through_a_real_smtp_conversation(
    client: Prisma, db: asyncpg.Connection
) -> None:
    from domainlayer.jobs.transports import transport_for

    server = _SmtpServer()
    listener = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    try:
        queue = EmailQueueRepository(client, worker_id="smtp")
        ids = await _queue(queue, 2)
        secret = transport_for("smtps://user:s3cret@mail.example.com", "a@madfam.io")
        assert secret.describe() == "smtps mail.example.com:465"  # never the password
        transport = transport_for(f"smtp://127.0.0.1:{port}", "MADFAM <a@madfam.io>")
        stats = await Worker(queue, transport, once=True).run()
    finally:
        listener.close()
        await listener.wait_closed()
    assert stats.sent == 2
    assert [(s, r) for s, r, _ in server.messages] == [
        ("a@madfam.io", ["u0@example.com"]),
        ("a@madfam.io", ["u1@example.com"]),
    ]
    first = email.message_from_bytes(server.messages[0][2])
    assert first["X-Email-Id"] == ids[0] and first["Subject"] == "s0"
    assert (
        await db.fetchval("SELECT count(*) FROM madfam.\"EmailQueue\" WHERE status = 'sent'") == 2
    )
