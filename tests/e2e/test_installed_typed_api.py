"""The typed API a service codes against is checked: mypy and pyright catch caller mistakes.

A sample service (``GOOD``) and three variants with one mistake each: a misspelt field, a
wrong argument type, an unknown enum value (a lead tier). Enums are the generated
``prisma.enums`` classes, so an unknown member is an attribute error for a checker.

mypy (``--strict``, the project's gate) and pyright (``strict``) each catch all three and
accept the sample. Pyright can do so only through the ``prisma/types.pyi`` that
``domainlayer.toolchain.finish_generated_client`` writes after every generate: on the
generated ``types.py`` of a schema this size alone it gives up ("Code is too complex to
analyze"), reads the input ``TypedDict`` s as unknown, misses a misspelt field and flags the
correct sample's ``create``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from domainlayer.settings import PROJECT_ROOT

GOOD = """\
from prisma import Prisma
from prisma.enums import ServiceTier


async def handler(db: Prisma) -> int:
    lead = await db.lead.create(data={"email": "a@example.com", "tier": ServiceTier.L2_ADVANCED})
    found = await db.lead.find_many(where={"tier": ServiceTier.L1_ESSENTIALS}, take=5)
    return lead.score + len(found)
"""
MISTAKES = {
    "misspelt_field": ('"email": "a@example.com"', '"emial": "a@example.com"'),
    "wrong_argument_type": ("take=5", 'take="5"'),
    "unknown_enum_value": ("ServiceTier.L1_ESSENTIALS", "ServiceTier.L9_GALACTIC"),
}
BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("typed_service")
    (folder / "good.py").write_text(GOOD)
    for name, (old, new) in MISTAKES.items():
        assert old in GOOD
        (folder / f"{name}.py").write_text(GOOD.replace(old, new))
    return folder


def _mypy(*files: Path) -> subprocess.CompletedProcess[str]:
    # From the project root: its [tool.mypy] (strict) and its cache of the generated client.
    return subprocess.run(
        [str(BIN / "mypy"), "--strict", "--no-error-summary", *map(str, files)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_mypy_accepts_the_sample_and_catches_each_mistake(samples: Path) -> None:
    good = _mypy(samples / "good.py")
    assert good.returncode == 0, good.stdout
    done = _mypy(*(samples / f"{name}.py" for name in MISTAKES))
    assert done.returncode == 1
    errors = done.stdout.splitlines()
    assert any("misspelt_field.py:6" in e and '"emial"' in e for e in errors), done.stdout
    assert any("wrong_argument_type.py:7" in e and '"take"' in e for e in errors), done.stdout
    assert any("unknown_enum_value.py:7" in e and "L9_GALACTIC" in e for e in errors), done.stdout


def _pyright(folder: Path, name: str) -> list[dict[str, object]]:
    (folder / "pyrightconfig.json").write_text(json.dumps({"typeCheckingMode": "strict"}))
    done = subprocess.run(
        [str(BIN / "pyright"), "--outputjson", "--pythonpath", sys.executable, f"{name}.py"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    diagnostics: list[dict[str, object]] = json.loads(done.stdout)["generalDiagnostics"]
    return [d for d in diagnostics if d.get("severity") == "error"]


def _on_line(diagnostics: list[dict[str, object]], line: int) -> list[str]:
    return [
        str(d["message"])
        for d in diagnostics
        if isinstance(d.get("range"), dict) and d["range"]["start"]["line"] == line - 1  # type: ignore[index]
    ]


def test_the_generated_types_have_their_stub_for_pyright() -> None:
    import importlib.util

    spec = importlib.util.find_spec("prisma")
    assert spec is not None and spec.submodule_search_locations
    folder = Path(next(iter(spec.submodule_search_locations)))
    assert (folder / "types.pyi").read_bytes() == (folder / "types.py").read_bytes()


def test_pyright_strict_accepts_the_sample(samples: Path) -> None:
    assert _pyright(samples, "good") == []


@pytest.mark.parametrize(
    ("name", "line", "expected"),
    [
        ("misspelt_field", 6, '"emial" is an undefined item in type "LeadCreateInput"'),
        ("wrong_argument_type", 7, '"take"'),
        ("unknown_enum_value", 7, "L9_GALACTIC"),
    ],
)
def test_pyright_strict_catches_each_mistake(
    samples: Path, name: str, line: int, expected: str
) -> None:
    bad = _on_line(_pyright(samples, name), line)
    assert any(expected in message for message in bad), bad
