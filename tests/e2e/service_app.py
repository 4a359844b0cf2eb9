"""A service that installed domainlayer from its wheel (the e2e test copies this to app.py).

It runs outside the checkout with the wheel's own files only: it creates a scored madfam
lead, issues and redeems a coach auth code, reads both back through the generated client,
and prints a JSON summary. With no database configured it prints the error's type and
exits 3.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import UTC, datetime

from domainlayer.client import close_client, get_client
from domainlayer.coach.repository import AuthRepository
from domainlayer.errors import DatabaseUnavailableError
from domainlayer.madfam.repository import LeadRepository


async def main() -> dict[str, object]:
    db = await get_client()
    try:
        lead = await LeadRepository(db).create_lead(
            email="ana@acme-industrial.example",
            tier="L3_CONSULTING",
            company="Acme Industrial",
            phone="+52 55 1234 5678",
            message="We need a workshop on parametric design for our team of 40.",
            industry="manufacturing",
            company_size="51-200",
        )
        now = datetime.now(UTC)
        auth = AuthRepository(db)
        issued = await auth.issue_code("skool-e2e", "e2e_user", now)
        session = await auth.redeem_code(
            issued.code,
            now=now,
            ip_address="203.0.113.7",
            user_agent="e2e",
            device_fingerprint="fp-e2e",
        )
        stored_lead = await db.lead.find_unique(where={"id": lead.id})
        stored_code = await db.authcode.find_first(where={"skoolUserId": "skool-e2e"})
        sessions = await db.coachusersession.count(where={"skoolUserId": "skool-e2e"})
    finally:
        await close_client()
    return {
        "lead_id": lead.id,
        "lead_score": stored_lead.score if stored_lead else None,
        "lead_tier": str(stored_lead.tier) if stored_lead else None,
        "code_used": bool(stored_code and stored_code.usedAt is not None),
        "session_user": session.skool_user_id,
        "sessions": sessions,
    }


if __name__ == "__main__":
    try:
        print(json.dumps(asyncio.run(main())))
    except DatabaseUnavailableError as error:
        print(json.dumps({"error": type(error).__name__, "message": str(error)}))
        sys.exit(3)
