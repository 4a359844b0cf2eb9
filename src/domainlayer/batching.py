"""Deleting (or moving) many rows in small transactions, for the scheduled jobs.

Why: one ``DELETE ... WHERE "occurredAt" < $1`` over millions of rows holds its row locks
and a snapshot until it ends, bloats one transaction and blocks writers of those rows.
Here every batch is one statement, so one transaction of its own (autocommit):

- it locks up to ``batch_size`` rows with ``FOR UPDATE SKIP LOCKED`` (rows that a running
  transaction holds are skipped, never waited for; the next run takes them), and
- applies the plan's effects to exactly those rows (delete them, or copy then delete),
  counting each effect.

Batches walk the table in ``(key, id)`` order (keyset pagination): each one starts after
the last row of the one before, so a run reads every candidate once instead of rescanning
the rows it already removed. Two runs at once never remove a row twice (the row locks),
and their counts add up to the rows removed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final, Literal

from .errors import InfrastructureError, InvalidInputError

if TYPE_CHECKING:  # the jobs' --help must not import the generated client
    from .repository import RawSql

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "MAX_BATCH_SIZE",
    "BatchPlan",
    "JobResult",
    "Progress",
    "TableCount",
    "check_batch_size",
    "preview",
    "run_in_batches",
    "table_counts",
]

#: Rows per statement (one transaction each) unless a job is told otherwise.
DEFAULT_BATCH_SIZE: Final = 5_000
#: The largest batch accepted: beyond it a batch is a long transaction again.
MAX_BATCH_SIZE: Final = 100_000

#: Called after every batch with the plan's label and the rows handled so far.
Progress = Callable[[str, int], None]

KeyType = Literal["timestamp", "timestamptz", "text", "bigint"]
_START: Final[dict[str, str]] = {
    "timestamp": "-infinity",
    "timestamptz": "-infinity",
    "text": "",
    "bigint": str(-(2**63)),
}


@dataclass(frozen=True, slots=True)
class TableCount:
    """Rows one job removed from (or moved out of, or would remove from) one table."""

    table: str
    action: str
    rows: int


@dataclass(frozen=True, slots=True)
class JobResult:
    """What a job run did: the instant it used, its cutoff, the counts per table."""

    job: str
    now: datetime
    cutoff: datetime
    counts: tuple[TableCount, ...]
    dry_run: bool
    batches: int

    def rows(self, table: str, action: str | None = None) -> int:
        """Rows counted for ``table`` (and ``action``, when given)."""
        return sum(c.rows for c in self.counts if c.table == table and action in (None, c.action))


@dataclass(frozen=True, slots=True)
class BatchPlan:
    """Which rows a job takes, and what it does with each batch of them.

    ``where`` is SQL over ``table``'s columns with parameters ``$1..$n`` (cast from text);
    ``effects`` are ``(name, table, action, sql)``: data-modifying CTEs that read the locked
    ids from ``batch`` and ``RETURNING`` one row per row they touch; ``previews`` are
    ``(name, table, action, sql)``: scalar counts over ``candidates`` (the ids ``where``
    selects), for ``--dry-run``.
    """

    label: str
    table: str
    where: str
    key: str
    key_type: KeyType
    effects: tuple[tuple[str, str, str, str], ...]
    previews: tuple[tuple[str, str, str, str], ...]
    #: The type of ``id`` (text for cuids, bigint for serials).
    id_type: Literal["text", "bigint"] = "text"


def check_batch_size(batch_size: object) -> int:
    if isinstance(batch_size, bool) or not isinstance(batch_size, int):
        raise InvalidInputError(f"batch_size must be a whole number, not {batch_size!r}")
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise InvalidInputError(f"batch_size must be 1..{MAX_BATCH_SIZE:,}: {batch_size}")
    return batch_size


def _statement(plan: BatchPlan, n_args: int) -> str:
    after, last_id, limit = (f"${n_args + i}" for i in (1, 2, 3))
    effects = ",\n".join(f"{name} AS ({sql})" for name, _, _, sql in plan.effects)
    counts = ", ".join(
        f"(SELECT count(*) FROM {name}) AS {name}"  # noqa: S608 - names from this library's plans
        for name, *_ in plan.effects
    )
    return f"""
WITH batch AS MATERIALIZED (
    SELECT id, {plan.key} AS k FROM {plan.table}
    WHERE ({plan.where})
      AND ({plan.key}, id) > ({after}::text::{plan.key_type}, {last_id}::text::{plan.id_type})
    ORDER BY {plan.key}, id
    LIMIT {limit}::text::int
    FOR UPDATE SKIP LOCKED
), last AS (
    SELECT k::text AS k, id::text AS id FROM batch ORDER BY batch.k DESC, batch.id DESC LIMIT 1
),
{effects}
SELECT (SELECT count(*) FROM batch) AS seen, (SELECT k FROM last) AS last_k,
       (SELECT id FROM last) AS last_id, {counts}
"""  # noqa: S608 - table and column names come from the plans in this library, never callers


async def run_in_batches(
    sql: RawSql,
    plan: BatchPlan,
    args: tuple[str, ...],
    *,
    batch_size: int,
    progress: Progress | None = None,
) -> tuple[dict[str, int], int]:
    """Apply ``plan`` to every matching row, ``batch_size`` rows per statement.

    Returns the count of each effect and the number of batches (statements) run.
    """
    statement = _statement(plan, len(args))
    totals = {name: 0 for name, *_ in plan.effects}
    after, last_id = _START[plan.key_type], _START[plan.id_type]
    batches = 0
    handled = 0
    while True:
        row: dict[str, Any] | None = await sql.fetchrow(
            statement, *args, after, last_id, str(batch_size)
        )
        if row is None:
            raise InfrastructureError(f"{plan.label}: the batch statement returned no row")
        batches += 1
        for name in totals:
            totals[name] += int(row[name])
        seen = int(row["seen"])
        handled += seen
        if progress is not None:
            progress(plan.label, handled)
        if seen < batch_size:
            return totals, batches
        after, last_id = str(row["last_k"]), str(row["last_id"])


async def preview(sql: RawSql, plan: BatchPlan, args: tuple[str, ...]) -> dict[str, int]:
    """What :func:`run_in_batches` would count now, changing nothing (``--dry-run``)."""
    counts = ", ".join(f"({query}) AS {name}" for name, _, _, query in plan.previews)
    statement = (
        f"WITH candidates AS (SELECT id FROM {plan.table} WHERE ({plan.where})) "  # noqa: S608
        f"SELECT {counts}"
    )
    row = await sql.fetchrow(statement, *args)
    if row is None:
        raise InfrastructureError(f"{plan.label}: the preview returned no row")
    return {name: int(row[name]) for name, *_ in plan.previews}


def table_counts(plan: BatchPlan, totals: dict[str, int], *, dry_run: bool) -> list[TableCount]:
    """The plan's counts as rows per table, in the plan's order."""
    described = plan.previews if dry_run else plan.effects
    return [TableCount(table, action, totals[name]) for name, table, action, _ in described]
