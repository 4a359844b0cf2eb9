"""``domainlayer``: the command a service (or an operator) runs, installed by the wheel.

::

    domainlayer generate                 generate the typed client into this environment
    domainlayer migrate deploy|status|diff|resolve|reset|dev ...   Prisma's migrate
    domainlayer db push|pull|execute ...  Prisma's db commands
    domainlayer db url|start|stop|status  the embedded development PostgreSQL
    domainlayer validate|format|version   Prisma's schema commands (offline)
    domainlayer seed ...                  as ``python -m seed`` (needs domainlayer[seed])

Prisma's commands run the pinned, offline Prisma CLI (:mod:`domainlayer.toolchain`), in
the checkout or from the Node toolchain cache of an installed package, with their own
options and ``--help``. Every command that touches a database first prints its target on
stderr (``host:port/database as user``, never the password). The database is chosen as
everywhere else (:mod:`domainlayer.settings`); with none configured the command fails with
a message saying how to configure one.

Exit codes: 0 success, 1 failure (message on stderr), 2 bad usage, 3 ``db status``: the
embedded server is not running; a Prisma command exits with the CLI's own code.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from typing import Final

from .errors import DomainError
from .settings import Settings, describe_target

__all__ = ["main"]

EXIT_FAILURE: Final = 1
EXIT_USAGE: Final = 2
EXIT_NOT_RUNNING: Final = 3

#: Prisma commands that never connect (the schema's env("DATABASE_URL") gets a placeholder).
_OFFLINE: Final = frozenset({"generate", "validate", "format", "version"})
#: ``db`` subcommands that manage the embedded server rather than run Prisma.
_EMBEDDED_DB: Final = ("url", "start", "stop", "status")
#: A URL that parses but is never connected to (for offline commands and ``--help``).
_PLACEHOLDER_URL: Final = "postgresql://localhost/not-connected"

_DESCRIPTION: Final = """\
The domainlayer data layer's commands: generate the typed Prisma client, migrate a
database, manage the embedded development PostgreSQL, seed development data.

The database is --database-url, else DATABASE_URL (environment, then a .env file found
from the working directory), else the embedded PostgreSQL when DOMAINLAYER_EMBEDDED=1
(or in the project's checkout). Prisma commands take Prisma's own options; run
`domainlayer migrate --help` for them."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="domainlayer",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--database-url", help="the database to use (default: DATABASE_URL, .env, ...)"
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logs on stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "generate",
        help="generate the typed client (Prisma Client Python) into this environment",
        add_help=False,
    )
    commands.add_parser(
        "migrate",
        help="Prisma's migrate: deploy, status, diff, resolve, reset, dev (see --help)",
        add_help=False,
    )
    commands.add_parser(
        "db",
        help="url|start|stop|status: the embedded PostgreSQL; push|pull|execute: Prisma's db",
        add_help=False,
    )
    for name in ("validate", "format", "version"):
        commands.add_parser(name, help=f"Prisma's {name} (offline)", add_help=False)
    commands.add_parser(
        "seed", help="migrate, then seed development data (python -m seed; --help)", add_help=False
    )
    return parser


def _db_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="domainlayer db",
        description=(
            "The embedded development PostgreSQL (url, start, stop, status), or Prisma's db "
            "commands (push, pull, execute: `domainlayer db push --help`)."
        ),
    )
    commands = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    commands.add_parser(
        "url",
        help="print the database URL: DATABASE_URL, else the embedded server's (started)",
    )
    commands.add_parser("start", help="start the embedded server if needed; print its URL")
    commands.add_parser("stop", help="stop the embedded server")
    commands.add_parser("status", help="print the URL and exit 0 if running, else exit 3")
    for name in ("push", "pull", "execute"):
        commands.add_parser(name, help=f"Prisma's db {name}", add_help=False)
    return parser


def _target(url: str) -> None:
    print(f"domainlayer: database {describe_target(url)}", file=sys.stderr, flush=True)
    os.environ["DOMAINLAYER_TARGET_SHOWN"] = "1"  # engines/database-url.mjs: not twice


def _resolve(settings: Settings) -> str:
    from .database import resolve_database_url

    return resolve_database_url(settings)


def _prisma(args: Sequence[str], settings: Settings) -> int:
    from .toolchain import prisma_command

    offline = args[0] in _OFFLINE or "--help" in args or "-h" in args
    if offline:
        url = settings.database_url or _PLACEHOLDER_URL
    else:
        url = _resolve(settings)
        _target(url)
    return prisma_command(args, database_url=url)


def _embedded(action: str, settings: Settings) -> int:
    from .database import DEFAULT_DATABASE, EmbeddedPostgres

    if action == "url":
        url = _resolve(settings)
        _target(url)
        print(url)
        return 0
    server = EmbeddedPostgres(settings.data_dir)
    print(f"domainlayer: embedded PostgreSQL in {settings.data_dir}", file=sys.stderr)
    if action == "start":
        server.ensure_running()
        server.create_database(DEFAULT_DATABASE, exist_ok=True)
        _target(server.url())
        print(server.url())
    elif action == "stop":
        server.stop()
    else:  # status
        if not server.is_running():
            print(f"not running ({settings.data_dir})")
            return EXIT_NOT_RUNNING
        _target(server.url())
        print(server.url())
    return 0


def _seed(args: Sequence[str], settings: Settings) -> int:
    try:
        from seed.__main__ import main as seed_main
    except ImportError as exc:
        print(
            f"domainlayer: error: seeding needs the seed extra: pip install 'domainlayer[seed]' "
            f"({exc})",
            file=sys.stderr,
        )
        return EXIT_FAILURE
    rest = list(args)
    if "--help" not in rest and "-h" not in rest:
        url = _resolve(settings)
        _target(url)
        if "--database-url" not in rest:
            rest = ["--database-url", url, *rest]
    return seed_main(rest)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one ``domainlayer`` command; its exit code."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    # Global options come before the command; everything after it belongs to the command.
    split = next(
        (
            i
            for i, arg in enumerate(arguments)
            if not arg.startswith("-") and (i == 0 or arguments[i - 1] != "--database-url")
        ),
        len(arguments),
    )
    options = parser.parse_args(arguments[: split + 1])
    rest = arguments[split + 1 :]
    logging.basicConfig(
        level=logging.DEBUG if options.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    try:
        settings = Settings.load(database_url=options.database_url)
        command: str = options.command
        if command == "seed":
            return _seed(rest, settings)
        if command == "db":
            if not rest or rest[0] in (*_EMBEDDED_DB, "-h", "--help"):
                db_options = _db_parser().parse_args(rest)
                return _embedded(db_options.action, settings)
            if rest[0] not in ("push", "pull", "execute"):
                _db_parser().parse_args(rest[:1])  # exits 2 with usage
        return _prisma([command, *rest], settings)
    except DomainError as error:
        print(f"domainlayer: error: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
