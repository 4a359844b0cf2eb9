"""The generated Prisma Client Python imports and carries every model of schema.prisma."""

from __future__ import annotations

import re

from domainlayer.settings import PROJECT_ROOT


def _schema_models() -> list[str]:
    text = (PROJECT_ROOT / "schema.prisma").read_text()
    return re.findall(r"^model\s+(\w+)\s*\{", text, re.MULTILINE)


def test_every_model_of_the_schema_is_on_the_client() -> None:
    import prisma
    from prisma import models

    models_in_schema = _schema_models()
    assert len(models_in_schema) == 6 + 8 + 17 + 12 + 11
    client = prisma.Prisma(auto_register=False)
    for name in models_in_schema:
        assert hasattr(models, name), name
        assert hasattr(client, name.lower()), name


def test_the_client_is_asyncio_and_uses_the_project_engine_host() -> None:
    import inspect

    import prisma
    from prisma.client import BINARY_PATHS

    assert inspect.iscoroutinefunction(prisma.Prisma.connect)
    engines = list(BINARY_PATHS.query_engine.values())
    assert engines == [str(PROJECT_ROOT / "engines" / "bin" / "query-engine")]
