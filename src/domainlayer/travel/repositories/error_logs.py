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

from domainlayer.errors import InvalidInputError
from domainlayer.repository import translating_errors
from domainlayer.travel.error_logs import (
    SEVERITIES,
    ErrorGroupNotFound,
    check_severity,
    fingerprint,
)
from domainlayer.travel.repositories._common import aware, new_id, optional_text

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
        key = fingerprint(error_type, message, stack)
        check_severity(severity)
        optional_text(stack, "stack", 100_000)
        optional_text(url, "url", 2048)
        optional_text(user_id, "user_id", 200)
        moment = aware(now)
        if metadata is not None and not isinstance(metadata, Mapping):
            raise InvalidInputError("metadata is a mapping")
        try:
            meta = None if metadata is None else json.dumps(dict(metadata))
        except (TypeError, ValueError) as exc:
            raise InvalidInputError(f"metadata is not JSON: {exc}") from exc
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
                moment.isoformat(),
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
        with translating_errors():
            group = await self._client.travelerrorlog.find_unique(where={"id": group_id})
        if group is None:
            raise ErrorGroupNotFound(f"no error group {group_id!r}")
        return group

    async def resolve(self, group_id: str, *, by: str, now: datetime) -> TravelErrorLog:
        """Mark the group resolved by ``by`` at ``now`` (a later occurrence reopens it)."""
        if not isinstance(by, str) or not by.strip() or len(by) > 200:
            raise InvalidInputError("resolved by whom? (a non-empty string)")
        moment = aware(now)
        with translating_errors():
            group = await self._client.travelerrorlog.update(
                where={"id": group_id},
                data={"resolved": True, "resolvedAt": moment, "resolvedBy": by},
            )
        if group is None:
            raise ErrorGroupNotFound(f"no error group {group_id!r}")
        return group

    async def reopen(self, group_id: str) -> TravelErrorLog:
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
        if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
            raise InvalidInputError("limit is an int in 1..1000")
        where: dict[str, Any] = {"resolved": False}
        if severity is not None:
            where["severity"] = check_severity(severity)
        with translating_errors():
            return await self._client.travelerrorlog.find_many(
                where=where,  # type: ignore[arg-type]
                order=[{"lastSeen": "desc"}, {"id": "asc"}],
                take=limit,
            )
