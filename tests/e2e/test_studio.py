"""`prisma studio` offline, in a real browser: headless Chromium (Debian's package).

The five products are seeded into the test's own database; Studio is started as an
operator starts it (`prisma studio`); tests/e2e/studio_browser.mjs (playwright-core) opens
one model of each product and waits for its rows, then edits a coach user's displayName in
the grid and saves it. The row is then checked with plain SQL. The last screen is kept as
.domainlayer/test-artifacts/studio.png (git-ignored).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys

import asyncpg

from domainlayer.settings import PROJECT_ROOT
from tests.e2e.operator_support import PRISMA, env_for, output
from tests.e2e.test_prisma_toolchain import _free_port, _wait_for_http
from tests.support.processes import run

ARTIFACTS = PROJECT_ROOT / ".domainlayer" / "test-artifacts"
BROWSER_SCRIPT = PROJECT_ROOT / "tests" / "e2e" / "studio_browser.mjs"
#: One model per product: airbar, churn, travel, madfam (coach is the edited one).
MODELS = ["AirbarUser", "Customer", "TravelDeal", "Lead"]
NEW_NAME = "Edited In Studio"


def _fetchval(url: str, sql: str, *args: object) -> object:
    async def fetch() -> object:
        conn = await asyncpg.connect(url)
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()

    return asyncio.run(fetch())


def test_studio_shows_every_product_and_saves_an_edit(database_url: str) -> None:
    seeded = run(
        [sys.executable, "-m", "seed", "--no-migrate", "--database-url", database_url],
        timeout=900,
    )
    assert seeded.returncode == 0, output(seeded)
    email = _fetchval(
        database_url, "SELECT email FROM coach.\"User\" WHERE role = 'coach' ORDER BY email LIMIT 1"
    )
    assert email is not None
    port = _free_port()
    studio = subprocess.Popen(
        [str(PRISMA), "studio", "--browser", "none", "--port", str(port)],
        env=env_for(database_url),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        url = f"http://127.0.0.1:{port}/"
        _wait_for_http(url, studio)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        screenshot = ARTIFACTS / "studio.png"
        spec = {
            "models": MODELS,
            "edit": {
                "model": "CoachUser",
                "match": email,
                "field": "displayName",
                "value": NEW_NAME,
            },
        }
        browser = run(
            ["node", str(BROWSER_SCRIPT), url, str(screenshot), json.dumps(spec)],
            env={**os.environ},
            timeout=900,
        )
        assert browser.returncode == 0, output(browser)
        result = json.loads(browser.stdout.strip().splitlines()[-1])
    finally:
        studio.terminate()
        studio.wait(timeout=60)
        if studio.stdout is not None:
            studio.stdout.close()
    assert result["saved"] is True
    assert set(result["models"]) == {*MODELS, "CoachUser"}
    for shown in result["models"].values():
        counts = re.fullmatch(r"(\d+)\s+of\s+(\d+)", shown)  # "10 of 10" (with nbsp)
        assert counts is not None, result
        assert int(counts[1]) > 0 and int(counts[2]) > 0, result
    assert screenshot.stat().st_size > 0
    saved = _fetchval(
        database_url, 'SELECT "displayName" FROM coach."User" WHERE email = $1', email
    )
    assert saved == NEW_NAME
