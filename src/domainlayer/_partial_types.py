"""Partial models for `prisma.partials`, run by Prisma Client Python at `prisma generate`.

Only the generator imports this module (``partial_type_generator`` in schema.prisma); at
run time the partial models live in the generated ``prisma.partials``.
"""

from __future__ import annotations

from prisma.models import CoachUserSession

# 003's session validation selects exactly these fields.
CoachUserSession.create_partial(
    "CoachUserSessionCheck", include={"isActive", "expiresAt", "skoolUserId"}
)
