"""``python -m domainlayer.database url|start|stop|status``: the embedded server from a shell.

Why: Node tooling (the Prisma CLI, the engines) cannot import Python, so it asks this command
for ``DATABASE_URL``; developers use it to stop or inspect the dev server. Only the URL (or
the status line) goes to stdout; errors go to stderr.

Exit codes: 0 success, 1 failure (message on stderr), 2 bad usage, 3 ``status``: not running.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from domainlayer.database import DEFAULT_DATABASE, EmbeddedPostgres, resolve_database_url
from domainlayer.errors import DomainError
from domainlayer.settings import Settings

logger = logging.getLogger(__name__)

EXIT_NOT_RUNNING = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m domainlayer.database",
        description="Manage the embedded PostgreSQL used when DATABASE_URL is not set.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logs on stderr")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "url", help="print DATABASE_URL, or the embedded server's URL (started if needed)"
    )
    commands.add_parser("start", help="start the embedded server (if needed); print its URL")
    commands.add_parser("stop", help="stop the embedded server")
    commands.add_parser("status", help="print the URL and exit 0 if running, else exit 3")
    return parser


def _run(command: str, settings: Settings) -> int:
    server = EmbeddedPostgres(settings.data_dir)
    if command == "url":
        print(resolve_database_url(settings))
    elif command == "start":
        server.ensure_running()
        server.create_database(DEFAULT_DATABASE, exist_ok=True)
        print(server.url())
    elif command == "stop":
        server.stop()
    else:  # status
        if not server.is_running():
            print(f"not running ({settings.data_dir})")
            return EXIT_NOT_RUNNING
        print(server.url())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    try:
        return _run(args.command, Settings.load())
    except DomainError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
