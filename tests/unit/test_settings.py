"""Settings precedence: argument > environment > .env > default."""

from __future__ import annotations

from pathlib import Path

import pytest

from domainlayer.settings import PROJECT_ROOT, Settings


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / ".env"
    path.write_text("DATABASE_URL=postgresql://from-dotenv/db\nDOMAINLAYER_DATA_DIR=/tmp/x\n")
    return path


def test_the_default_is_the_embedded_server_under_the_project(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DOMAINLAYER_DATA_DIR", raising=False)
    settings = Settings.load(env_file=tmp_path / "missing.env")
    assert settings.database_url is None
    assert settings.data_dir == PROJECT_ROOT / ".domainlayer" / "postgres"


def test_dotenv_is_read_when_the_environment_is_silent(
    monkeypatch: pytest.MonkeyPatch, env_file: Path
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("DOMAINLAYER_DATA_DIR", raising=False)
    settings = Settings.load(env_file=env_file)
    assert settings.database_url == "postgresql://from-dotenv/db"
    assert settings.data_dir == Path("/tmp/x")


def test_the_environment_beats_dotenv(monkeypatch: pytest.MonkeyPatch, env_file: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://from-env/db")
    assert Settings.load(env_file=env_file).database_url == "postgresql://from-env/db"


def test_an_argument_beats_everything(monkeypatch: pytest.MonkeyPatch, env_file: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://from-env/db")
    settings = Settings.load(database_url="postgresql://from-arg/db", env_file=env_file)
    assert settings.database_url == "postgresql://from-arg/db"
