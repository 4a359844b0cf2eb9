"""The email worker: claim, send, mark; until told to stop, then drain.

Stopping (SIGTERM or SIGINT, or :meth:`Worker.stop`) lets the email being sent finish and
be marked, releases the rest of the claimed batch unsent (back to `pending`, its attempt
taken back), and returns. A worker that dies instead (SIGKILL, power loss) leaves its
emails `sending` until their lease runs out; then any worker claims them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from domainlayer.errors import DatabaseUnavailableError, NotFoundError

if TYPE_CHECKING:
    from domainlayer.madfam.repository import ClaimedEmail, EmailQueueRepository

    from .transports import Transport

__all__ = ["Worker", "WorkerStats"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class WorkerStats:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    released: int = 0
    #: Emails whose lease ran out while being sent (another worker may have them now).
    lost: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)


class Worker:
    def __init__(
        self,
        queue: EmailQueueRepository,
        transport: Transport,
        *,
        batch_size: int = 10,
        poll_interval: float = 5.0,
        once: bool = False,
        send_delay: float = 0.0,
        on_batch: Callable[[WorkerStats], None] | None = None,
    ) -> None:
        self._queue = queue
        self._transport = transport
        self._batch_size = batch_size
        self._poll = poll_interval
        self._once = once
        self._send_delay = send_delay
        self._on_batch = on_batch
        self._stopping = asyncio.Event()
        self.stats = WorkerStats()

    def stop(self) -> None:
        """Finish the email in hand, release the rest, return from :meth:`run`."""
        self._stopping.set()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    async def run(self) -> WorkerStats:
        while not self._stopping.is_set():
            batch = await self._queue.claim(self._batch_size)
            if not batch:
                if self._once:
                    break
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._poll)
                continue
            self.stats.claimed += len(batch)
            self.stats.batches += 1
            await self._work(batch)
            if self._on_batch is not None:
                self._on_batch(self.stats)
        return self.stats

    async def _work(self, batch: list[ClaimedEmail]) -> None:
        for index, email in enumerate(batch):
            if self._stopping.is_set():
                rest = [e.id for e in batch[index:]]
                self.stats.released += await self._queue.release(rest)
                log.info("stopping: released %d claimed emails unsent", len(rest))
                return
            await self._send(email)

    async def _send(self, email: ClaimedEmail) -> None:
        try:
            if self._send_delay:
                await asyncio.sleep(self._send_delay)  # test hook: a slow provider
            await asyncio.wait_for(
                self._transport.send(email), self._queue.lease.total_seconds() / 2
            )
        except DatabaseUnavailableError:
            raise
        except Exception as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            try:
                status = await self._queue.mark_failed(email.id, reason)
            except NotFoundError:
                self.stats.lost += 1
                return
            if status == "failed":
                self.stats.failed += 1
            else:
                self.stats.retried += 1
            self.stats.errors.append(f"{email.id}: {reason}")
            return
        try:
            await self._queue.mark_sent(email.id)
        except NotFoundError:
            self.stats.lost += 1
            log.warning("email %s was sent after its lease ran out", email.id)
        else:
            self.stats.sent += 1
