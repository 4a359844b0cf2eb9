"""Where the email worker hands its emails: an SMTP server, or a folder of ``.eml`` files.

Document 004 names templates (``welcome``, ``assessment_results`` ...) but not their text,
so an email is rendered as plain text: its subject, and its template variables as JSON
under the template's name (``X-Template`` carries the name, ``X-Email-Id`` the queue id,
so a retried send can be recognised downstream).
"""

from __future__ import annotations

import asyncio
import json
import os
import smtplib
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol
from urllib.parse import unquote, urlsplit

from domainlayer.errors import InvalidInputError

if TYPE_CHECKING:
    from domainlayer.madfam.repository import ClaimedEmail

__all__ = ["FolderTransport", "SmtpTransport", "Transport", "render", "transport_for"]

#: Seconds an SMTP conversation may take.
SMTP_TIMEOUT: Final = 30.0


class Transport(Protocol):
    """Sends one email or raises (the worker then marks it failed, to be retried)."""

    def describe(self) -> str: ...

    async def send(self, email: ClaimedEmail) -> None: ...


def render(email: ClaimedEmail, sender: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(email.to)
    message["Subject"] = email.subject
    message["X-Template"] = email.template
    message["X-Email-Id"] = email.id
    body = json.dumps(email.data, indent=2, sort_keys=True, ensure_ascii=False)
    message.set_content(f"{email.subject}\n\n{email.template}:\n{body}\n")
    return message


class FolderTransport:
    """Writes each email to ``<folder>/<id>.eml`` (atomically: a temporary file, renamed)."""

    def __init__(self, folder: Path, sender: str) -> None:
        self._folder = folder
        self._sender = sender

    def describe(self) -> str:
        return f"folder {self._folder}"

    async def send(self, email: ClaimedEmail) -> None:
        await asyncio.to_thread(self._write, email)

    def _write(self, email: ClaimedEmail) -> None:
        self._folder.mkdir(parents=True, exist_ok=True)
        data = render(email, self._sender).as_bytes()
        fd, temporary = tempfile.mkstemp(dir=self._folder, prefix=".sending-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self._folder / f"{email.id}.eml")
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise


class SmtpTransport:
    """Sends through an SMTP server (``smtp://[user[:password]@]host[:port]``, or
    ``smtps://`` for TLS from the start; ``smtp://...?starttls=1`` upgrades)."""

    def __init__(self, url: str, sender: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise InvalidInputError("an SMTP transport is smtp://host[:port] or smtps://...")
        self._tls = parts.scheme == "smtps"
        self._starttls = "starttls=1" in parts.query
        self._host = parts.hostname
        self._port = parts.port or (465 if self._tls else 25)
        self._user = unquote(parts.username) if parts.username else None
        self._password = unquote(parts.password) if parts.password else None
        self._sender = sender

    def describe(self) -> str:
        # Never the password.
        return f"{'smtps' if self._tls else 'smtp'} {self._host}:{self._port}"

    async def send(self, email: ClaimedEmail) -> None:
        await asyncio.to_thread(self._send, email)

    def _send(self, email: ClaimedEmail) -> None:
        factory = smtplib.SMTP_SSL if self._tls else smtplib.SMTP
        with factory(self._host, self._port, timeout=SMTP_TIMEOUT) as smtp:
            if self._starttls:
                smtp.starttls()
            if self._user is not None:
                smtp.login(self._user, self._password or "")
            smtp.send_message(render(email, self._sender))


def transport_for(spec: str, sender: str) -> Transport:
    """``smtp://...`` / ``smtps://...`` or ``folder:PATH`` (a folder of .eml files)."""
    if spec.startswith(("smtp://", "smtps://")):
        return SmtpTransport(spec, sender)
    if spec.startswith("folder:") and len(spec) > len("folder:"):
        return FolderTransport(Path(spec[len("folder:") :]).expanduser(), sender)
    raise InvalidInputError(
        f"unknown transport {spec.split(':', 1)[0]!r}: use smtp://host:port, smtps://... "
        "or folder:PATH"
    )
