"""Settings: argument > environment > .env (found from the working directory) > default;
the embedded server only when allowed; no password in a repr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from domainlayer.database import resolve_database_url
from domainlayer.errors import DatabaseUnavailableError, InvalidInputError
from domainlayer.settings import (
    IN_CHECKOUT,
    PROJECT_ROOT,
    Settings,
    describe_target,
    redact_url,
)

SECRET = "s3cr3t-Pa55"
URL_WITH_SECRET = f"postgresql://app:{SECRET}@db.example.com:6543/appdb"


@pytest.fixture(autouse=True)
def _no_settings_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "DOMAINLAYER_DATA_DIR", "DOMAINLAYER_EMBEDDED"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def env_file(tmp_path: Path) -> Path:
    path = tmp_path / ".env"
    path.write_text("DATABASE_URL=postgresql://from-dotenv/db\nDOMAINLAYER_DATA_DIR=/tmp/x\n")
    return path


def test_in_the_checkout_the_default_is_the_embedded_server_under_the_project(
    tmp_path: Path,
) -> None:
    assert IN_CHECKOUT, "the tests run from the checkout"
    settings = Settings.load(env_file=tmp_path / "missing.env")
    assert settings.database_url is None
    assert settings.embedded is True
    assert settings.data_dir == PROJECT_ROOT / ".domainlayer" / "postgres"


def test_dotenv_is_read_when_the_environment_is_silent(env_file: Path) -> None:
    settings = Settings.load(env_file=env_file)
    assert settings.database_url == "postgresql://from-dotenv/db"
    assert settings.data_dir == Path("/tmp/x")
    assert settings.env_file == env_file


def test_the_environment_beats_dotenv(monkeypatch: pytest.MonkeyPatch, env_file: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://from-env/db")
    assert Settings.load(env_file=env_file).database_url == "postgresql://from-env/db"


def test_an_argument_beats_everything(monkeypatch: pytest.MonkeyPatch, env_file: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://from-env/db")
    settings = Settings.load(database_url="postgresql://from-arg/db", env_file=env_file)
    assert settings.database_url == "postgresql://from-arg/db"


def test_dotenv_is_found_from_the_working_directory_upwards(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    service = tmp_path / "service"
    nested = service / "app" / "handlers"
    nested.mkdir(parents=True)
    (service / ".env").write_text("DATABASE_URL=postgresql://svc@svc-db/svc\n")
    monkeypatch.chdir(nested)
    settings = Settings.load()
    assert settings.database_url == "postgresql://svc@svc-db/svc"
    assert settings.env_file == (service / ".env").resolve()


def test_no_dotenv_above_the_working_directory_means_none_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The checkout's own .env (if any) is never consulted from elsewhere.
    monkeypatch.chdir(tmp_path)
    assert Settings.load().env_file is None


def test_embedded_can_be_refused_and_then_no_database_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings.load(
        env_file=tmp_path / "missing.env", data_dir=tmp_path / "pg", embedded=False
    )
    with pytest.raises(DatabaseUnavailableError, match="DATABASE_URL") as caught:
        resolve_database_url(settings)
    assert "DOMAINLAYER_EMBEDDED=1" in str(caught.value)
    assert not settings.data_dir.exists()  # no server was created for it


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("0", False)])
def test_domainlayer_embedded_is_read_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, raw: str, expected: bool
) -> None:
    monkeypatch.setenv("DOMAINLAYER_EMBEDDED", raw)
    assert Settings.load(env_file=tmp_path / "missing.env").embedded is expected


def test_a_malformed_embedded_flag_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DOMAINLAYER_EMBEDDED", "maybe")
    with pytest.raises(InvalidInputError, match="DOMAINLAYER_EMBEDDED"):
        Settings.load(env_file=tmp_path / "missing.env")


def test_print_settings_never_shows_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("DATABASE_URL", URL_WITH_SECRET)
    settings = Settings.load(env_file=tmp_path / "missing.env")
    assert settings.database_url == URL_WITH_SECRET  # still usable
    print(settings)
    shown = capsys.readouterr().out
    assert SECRET not in shown and SECRET not in repr(settings) and SECRET not in str(settings)
    assert "db.example.com:6543/appdb" in shown and "***" in shown


def test_print_settings_load_in_a_fresh_process_hides_the_password(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "from domainlayer.settings import Settings; print(Settings.load())"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=tmp_path,
        env={"DATABASE_URL": URL_WITH_SECRET, "PATH": "/usr/bin:/bin"},
    )
    assert SECRET not in done.stdout + done.stderr
    assert "app:***@db.example.com:6543" in done.stdout


def test_targets_and_redaction_name_host_port_database_never_the_password() -> None:
    assert describe_target(URL_WITH_SECRET) == "db.example.com:6543/appdb as app"
    assert SECRET not in describe_target(URL_WITH_SECRET)
    assert redact_url(URL_WITH_SECRET) == "postgresql://app:***@db.example.com:6543/appdb"
    assert redact_url("postgresql://app@h/db") == "postgresql://app@h/db"
    assert describe_target("postgresql:///db") == "localhost:5432/db"
