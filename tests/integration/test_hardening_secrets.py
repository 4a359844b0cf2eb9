"""Issue 14, finding 5: coach's codes and session tokens are stored only as SHA-256 digests,
and an integration's webhook URL only sealed.

Before, a ``sessionId`` read from ``coach."UserSession"`` validated as a session, and a code
read from ``coach."AuthCode"`` could be redeemed. Now the tables hold digests: a value read
from them opens nothing, while the code (shown once, when issued) and the token (given once,
when the session opens) keep working. Both statement paths: the client's and the pool's.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import asyncpg
import pytest
from cryptography.fernet import Fernet
from prisma import Prisma

from domainlayer.coach.errors import AuthCodeNotFound, SessionNotFound
from domainlayer.coach.repository import AuthRepository
from domainlayer.errors import InvalidInputError
from domainlayer.madfam.repository import IntegrationRepository
from domainlayer.madfam.secrets_box import SecretBox

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)
DEVICE = {"ip_address": "203.0.113.7", "user_agent": "ua/1", "device_fingerprint": "fp-1"}


def _sha256(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@pytest.fixture(params=["client", "pool"])
def auth(request: pytest.FixtureRequest, client: Prisma) -> AuthRepository:
    if request.param == "pool":
        return AuthRepository(client, pool=request.getfixturevalue("pool"))
    return AuthRepository(client)


async def test_a_stored_code_cannot_be_redeemed_and_the_issued_one_can(
    auth: AuthRepository, db: asyncpg.Connection
) -> None:
    issued = await auth.issue_code("skool-1", "Ana", NOW)
    stored = await db.fetchval('SELECT code FROM coach."AuthCode"')
    assert stored == _sha256(issued.code) and issued.code not in stored
    with pytest.raises(AuthCodeNotFound) as refused:
        await auth.redeem_code(stored, now=NOW, **DEVICE)
    assert stored not in str(refused.value)
    session = await auth.redeem_code(issued.code, now=NOW, **DEVICE)
    assert session.skool_user_id == "skool-1"
    assert await db.fetchval('SELECT "authCodeUsed" FROM coach."UserSession"') == stored


async def test_a_stored_session_id_does_not_validate_and_the_token_does(
    auth: AuthRepository, db: asyncpg.Connection
) -> None:
    issued = await auth.issue_code("skool-1", "Ana", NOW)
    session = await auth.redeem_code(issued.code, now=NOW, **DEVICE)
    stored = await db.fetchval('SELECT "sessionId" FROM coach."UserSession"')
    assert stored == _sha256(session.token) and session.token != stored
    with pytest.raises(SessionNotFound):
        await auth.validate_session(stored, NOW)
    valid = await auth.validate_session(session.token, NOW)
    assert valid.skool_user_id == "skool-1"


async def test_a_webhook_url_is_stored_sealed_and_loaded_in_clear(
    client: Prisma, db: asyncpg.Connection
) -> None:
    url = "https://hooks.example/services/T000/B000/secret-part"
    integrations = IntegrationRepository(client, SecretBox(Fernet.generate_key()))
    await integrations.save("slack", config={"channel": "#leads"}, webhook_url=url)
    stored = await db.fetchval('SELECT "webhookUrl" FROM madfam."Integration"')
    assert stored and "secret-part" not in stored and "hooks.example" not in stored
    assert (await integrations.load("slack")).webhook_url == url
    other = IntegrationRepository(client, SecretBox(Fernet.generate_key()))
    with pytest.raises(InvalidInputError, match="a secret was not sealed with this key") as foreign:
        await other.load("slack")
    assert "secret-part" not in str(foreign.value)
