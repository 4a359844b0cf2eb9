"""Encryption at rest for integration secrets (004: "API keys ... encrypted at rest").

`cryptography`'s Fernet: AES-128-CBC with an HMAC-SHA256, so a tampered or foreign token
is refused, not decrypted into garbage. The key comes from DOMAINLAYER_INTEGRATIONS_KEY
(a urlsafe base64 32-byte key, `Fernet.generate_key()`); without it, nothing secret is
stored. Stored form: a JSON object {"$encrypted": "<token>"} for configs, the token itself
for API keys.
"""

from __future__ import annotations

import json
import os
from typing import Any, Final

from cryptography.fernet import Fernet, InvalidToken

from domainlayer.errors import InfrastructureError, InvalidInputError

__all__ = ["KEY_VARIABLE", "SecretBox", "SecretsUnavailable"]

KEY_VARIABLE: Final = "DOMAINLAYER_INTEGRATIONS_KEY"


class SecretsUnavailable(InfrastructureError):
    """No (valid) key to encrypt or decrypt integration secrets with."""


class SecretBox:
    def __init__(self, key: str | bytes) -> None:
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError) as exc:
            raise SecretsUnavailable(f"{KEY_VARIABLE} is not a valid Fernet key") from exc

    @classmethod
    def from_environment(cls) -> SecretBox:
        key = os.environ.get(KEY_VARIABLE)
        if not key:
            raise SecretsUnavailable(f"set {KEY_VARIABLE} to store integration secrets")
        return cls(key)

    def seal(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def open(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken as exc:
            raise InvalidInputError("a secret was not sealed with this key") from exc

    def seal_json(self, value: Any) -> dict[str, str]:
        return {"$encrypted": self.seal(json.dumps(value))}

    def open_json(self, sealed: Any) -> Any:
        if not isinstance(sealed, dict) or "$encrypted" not in sealed:
            raise InvalidInputError("not a sealed configuration")
        return json.loads(self.open(sealed["$encrypted"]))
