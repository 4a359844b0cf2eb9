"""travel's error groups over :mod:`domainlayer.travel.error_logs`.

An occurrence is one ``INSERT ... ON CONFLICT (fingerprint) DO UPDATE``: a new fingerprint
makes a group, a known one counts another occurrence, widens first/last seen, keeps the worst
severity and, when the group was resolved, reopens it (a regression). One statement, so
concurrent reporters never lose a count. The client cannot express ``ON CONFLICT ... DO
UPDATE`` with arithmetic, so it is raw SQL, here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from prisma import Prisma
from prisma.models import TravelErrorLog

from domainlayer.repository import translating_errors
from domainlayer.travel.error_logs import (
    SEVERITIES,
    ErrorGroupNotFound,
    check_severity,
    fingerprint,
)
from domainlayer.travel.repositories._common import new_id
from domainlayer.validation import ident, integer, json_object, moment, optional_text, text

__all__ = ["ErrorLogRepository", "Occurrence"]

_RECORD = """
INSERT INTO travel.error_logs AS e (id, fingerprint, message, stack, error_type, severity,
                                    url, user_id, occurrences, first_seen, last_seen, metadata)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9::text::timestamptz, $9::text::timestamptz,
        $10::text::jsonb)
ON CONFLICT (fingerprint) DO UPDATE SET
    occurrences = e.occurrences + 1,
    first_seen = LEAST(e.first_seen, EXCLUDED.first_seen),
    last_seen = GREATEST(e.last_seen, EXCLUDED.last_seen),
    severity = CASE WHEN array_position($11::text::text[], EXCLUDED.severity)
                         > array_position($11::text::text[], e.severity)
                    THEN EXCLUDED.severity ELSE e.severity END,
    url = COALESCE(EXCLUDED.url, e.url),
    user_id = COALESCE(EXCLUDED.user_id, e.user_id),
    resolved = false,
    resolved_at = NULL,
    resolved_by = NULL
RETURNING id, occurrences, (xmax = 0) AS created
"""


@dataclass(frozen=True, slots=True)
class Occurrence:
    """The group an occurrence was counted in."""

    group_id: str
    fingerprint: str
    occurrences: int
    #: True when this occurrence made a new group.
    new_group: bool


class ErrorLogRepository:
    def __init__(self, client: Prisma) -> None:
        self._client = client

    async def record(
        self,
        *,
        error_type: str,
        message: str,
        now: datetime,
        stack: str | None = None,
        severity: str = "error",
        url: str | None = None,
        user_id: str | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> Occurrence:
        """Count one occurrence in its group (made on the first one)."""
        text("error_type", error_type, 500)
        text("message", message, 100_000)
        text("severity", severity, 50)
        meta = None if metadata is None else json.dumps(json_object("metadata", metadata))
        key = fingerprint(error_type, message, stack)
        check_severity(severity)
        optional_text("stack", stack, 100_000)
        optional_text("url", url, 2048)
        optional_text("user_id", user_id, 200)
        when = moment("now", now)
        # The array literal of severities, least to most severe, for the CASE above.
        order = "{" + ",".join(SEVERITIES) + "}"
        with translating_errors():
            row = await self._client.query_first(
                _RECORD,
                new_id(),
                key,
                message,
                stack,
                error_type.strip(),
                severity,
                url,
                user_id,
                when.isoformat(),
                meta,
                order,
            )
        return Occurrence(
            group_id=row["id"],
            fingerprint=key,
            occurrences=int(row["occurrences"]),
            new_group=bool(row["created"]),
        )

    async def get(self, group_id: str) -> TravelErrorLog:
        ident("group_id", group_id)
        with translating_errors():
            group = await self._client.travelerrorlog.find_unique(where={"id": group_id})
        if group is None:
            raise ErrorGroupNotFound(f"no error group {group_id!r}")
        return group

    async def resolve(self, group_id: str, *, by: str, now: datetime) -> TravelErrorLog:
        """Mark the group resolved by ``by`` at ``now`` (a later occurrence reopens it)."""
        ident("group_id", group_id)
        text("by", by, 200)
        when = moment("now", now)
        with translating_errors():
            group = await self._client.travelerrorlog.update(
                where={"id": group_id},
                data={"resolved": True, "resolvedAt": when, "resolvedBy": by},
            )
        if group is None:
            raise ErrorGroupNotFound(f"no error group {group_id!r}")
        return group

    async def reopen(self, group_id: str) -> TravelErrorLog:
        ident("group_id", group_id)
        with translating_errors():
            group = await self._client.travelerrorlog.update(
                where={"id": group_id},
                data={"resolved": False, "resolvedAt": None, "resolvedBy": None},
            )
        if group is None:
            raise ErrorGroupNotFound(f"no error group {group_id!r}")
        return group

    async def open_groups(
        self, *, severity: str | None = None, limit: int = 50
    ) -> list[TravelErrorLog]:
        """Unresolved groups, most recently seen first (optionally of one severity)."""
        integer("limit", limit, 1, 1000)
        optional_text("severity", severity, 50)
        where: dict[str, Any] = {"resolved": False}
        if severity is not None:
            where["severity"] = check_severity(severity)
        with translating_errors():
            return await self._client.travelerrorlog.find_many(
                where=where,  # type: ignore[arg-type]
                order=[{"lastSeen": "desc"}, {"id": "asc"}],
                take=limit,
            )
