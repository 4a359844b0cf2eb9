"""The integration secret box: sealed values round-trip and need the right key."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from domainlayer.errors import InvalidInputError
from domainlayer.madfam.secrets_box import KEY_VARIABLE, SecretBox, SecretsUnavailable


def test_sealed_json_round_trips_and_hides_the_text() -> None:
    box = SecretBox(Fernet.generate_key())
    sealed = box.seal_json({"password": "hunter2"})
    assert "hunter2" not in sealed["$encrypted"]
    assert box.open_json(sealed) == {"password": "hunter2"}


def test_another_key_cannot_open_it() -> None:
    sealed = SecretBox(Fernet.generate_key()).seal("x")
    with pytest.raises(InvalidInputError):
        SecretBox(Fernet.generate_key()).open(sealed)


def test_the_key_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_VARIABLE, raising=False)
    with pytest.raises(SecretsUnavailable):
        SecretBox.from_environment()
    monkeypatch.setenv(KEY_VARIABLE, "not a key")
    with pytest.raises(SecretsUnavailable):
        SecretBox.from_environment()
    monkeypatch.setenv(KEY_VARIABLE, Fernet.generate_key().decode())
    assert SecretBox.from_environment().open(SecretBox.from_environment().seal("v")) == "v"
