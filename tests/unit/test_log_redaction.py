"""Database passwords never reach a handler through the client's loggers (#12)."""

from __future__ import annotations

import logging
from urllib.parse import quote

import pytest

from domainlayer._engine import _uses_tls
from domainlayer._log_redaction import LOGGERS, PasswordRedactingFilter, install

PASSWORDS = ["s3cret", "it's", 'say "hi"', "a b", "p%40ss", "x]y}z", "ünï"]


def _record(message: str, *args: object) -> logging.LogRecord:
    return logging.LogRecord("prisma._base_client", logging.DEBUG, __file__, 1, message, args, None)


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_datasource_list_is_logged_without_its_password(password: str) -> None:
    url = f"postgresql://app:{password}@db.internal:5433/svc?schema=madfam"
    record = _record("datasources: %s", [{"url": url, "name": "db"}])
    assert PasswordRedactingFilter().filter(record) is True
    message = record.getMessage()
    assert password not in message
    # a URL that does not parse (an unencoded "]") is replaced whole
    assert (
        "postgresql://app:***@db.internal:5433/svc?schema=madfam" in message
        or "<unparsable database URL>" in message
    )


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_url_already_in_the_message_is_redacted_too(password: str) -> None:
    encoded = quote(password, safe="")  # as a valid URL holds it
    record = _record(f"Datasources: url=postgresql://app:{encoded}@h/db done")
    PasswordRedactingFilter().filter(record)
    assert encoded not in record.getMessage()
    assert record.getMessage().endswith("@h/db done")


def test_a_record_without_a_url_is_left_as_it_was() -> None:
    record = _record("connected in %.3f s to %s", 0.25, "h:5432/db")
    PasswordRedactingFilter().filter(record)
    assert (record.msg, record.args) == ("connected in %.3f s to %s", (0.25, "h:5432/db"))


def test_install_puts_one_filter_on_each_client_logger() -> None:
    install()
    install()
    for name in LOGGERS:
        filters = logging.getLogger(name).filters
        assert sum(isinstance(f, PasswordRedactingFilter) for f in filters) == 1


@pytest.mark.parametrize(
    ("url", "env", "expected"),
    [
        ("postgresql://u:p@h/db", {}, False),
        ("postgresql://u:p@h/db?schema=x", {}, False),
        ("postgresql://u:p@h/db?sslmode=require", {}, True),
        ("postgresql://u:p@h/db?schema=x&sslrootcert=/ca.pem", {}, True),
        ("postgresql://u:p@h/db", {"PGSSLMODE": "verify-full"}, True),
        ("postgresql://u:p@h/db", {"PGSSLROOTCERT": "/ca.pem"}, True),
        ("postgresql://ssl:p@ssl-host/ssl", {}, False),
    ],
)
def test_the_host_keeps_extra_ca_certificates_only_when_it_may_use_tls(
    url: str, env: dict[str, str], expected: bool
) -> None:
    assert _uses_tls([{"name": "db", "url": url}], env) is expected
