"""Run the project's pinned, offline Prisma CLI from Python, in a checkout or installed.

``engines/prisma-cli.mjs`` is the same program the ``prisma`` command runs in the checkout
(see pyproject's ``[tool.prisma]``): Prisma CLI 6.19 on the WebAssembly schema engine for
schema commands, Prisma CLI 5.17 for ``generate``. Python calls it for ``migrate deploy``
before seeding, in the tests and from the ``domainlayer`` command.

Where it runs (:func:`toolchain_home`):

- in the checkout, from the checkout itself (``./scripts/setup`` ran ``npm ci`` there);
- from an installed wheel, from a cache folder outside site-packages:
  ``$DOMAINLAYER_CACHE_DIR`` (else ``$XDG_CACHE_HOME/domainlayer``, else
  ``~/.cache/domainlayer``) ``/<version>-<hash>/``. The wheel's package data (the engine
  sources, ``package.json``, ``package-lock.json``, ``prisma.config.ts``, the schema and the
  migrations) is copied there and ``npm ci --ignore-scripts`` installs the Node packages
  from the lock, once; the hash covers every copied file, so a new release or a changed
  lock gets a folder of its own. The engine sources keep their relative layout, so they
  resolve their packages (``node_modules``) and each other as they do in the checkout.

Failures (Node or npm missing, ``npm ci`` failing, a CLI command failing or timing out)
raise :class:`~domainlayer.errors.ToolchainError` with the tool's own output.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Final

from .errors import ToolchainError
from .settings import IN_CHECKOUT, PROJECT_ROOT, Settings, get_settings

__all__ = [
    "CLI_ENTRYPOINT",
    "NPM_CI_TIMEOUT",
    "PRISMA_CLI_TIMEOUT",
    "migrate_deploy",
    "prisma_command",
    "run_prisma",
    "toolchain_home",
]

log = logging.getLogger(__name__)

#: The dispatcher behind the ``prisma`` command, relative to the toolchain's home.
CLI_ENTRYPOINT: Final[Path] = Path("engines") / "prisma-cli.mjs"
#: Seconds one Prisma CLI command may take before it is stopped.
PRISMA_CLI_TIMEOUT: Final[float] = 300.0
#: Seconds ``npm ci`` may take to install the Node toolchain into the cache.
NPM_CI_TIMEOUT: Final[float] = 900.0

#: What of the package data the Node side needs (the seed fixtures stay in the package).
_TOOLCHAIN_FILES: Final = (
    "engines",
    "package.json",
    "package-lock.json",
    "prisma.config.ts",
    "schema.prisma",
    "prisma_migrations",
)
_READY_MARKER: Final = ".domainlayer-ready"


def _package_version() -> str:
    try:
        return version("domainlayer")
    except PackageNotFoundError:  # pragma: no cover - running from a bare source tree
        return "0"


def _toolchain_files(root: Path) -> Iterator[Path]:
    for name in _TOOLCHAIN_FILES:
        path = root / name
        if path.is_file():
            yield path
        elif path.is_dir():
            for child in sorted(path.rglob("*")):
                skipped = "node_modules" in child.parts or "__pycache__" in child.parts
                if child.is_file() and not skipped:
                    yield child


def _content_hash(root: Path) -> str:
    digest = hashlib.sha256()
    for path in _toolchain_files(root):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _cache_root(settings: Settings) -> Path:
    if settings.cache_dir is not None:
        return settings.cache_dir
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "domainlayer"


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _npm(node: str) -> str:
    beside_node = Path(shutil.which(node) or node).parent / "npm"
    found = shutil.which("npm") or (str(beside_node) if beside_node.is_file() else None)
    if found is None:
        raise ToolchainError(
            "npm was not found: install Node.js (>= 20.12, with npm) to use the Prisma "
            "toolchain (domainlayer generate / migrate / db)"
        )
    return found


def _materialise(source: Path, target: Path, settings: Settings) -> None:
    """Copy the toolchain's files to ``target`` and ``npm ci`` there (atomically: a
    scratch folder renamed into place, so a broken install is never reused)."""
    scratch = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    for path in _toolchain_files(source):
        copy = scratch / path.relative_to(source)
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, copy)
    for launcher in (scratch / "engines" / "bin").glob("*"):
        launcher.chmod(0o755)
    npm = _npm(settings.node)
    print(
        f"domainlayer: installing the Node toolchain (Prisma CLIs, WebAssembly engines) from "
        f"package-lock.json into {target} (once; npm ci --ignore-scripts) ...",
        file=sys.stderr,
        flush=True,
    )
    started = time.monotonic()
    try:
        done = subprocess.run(  # noqa: S603 - fixed program and arguments
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=scratch,
            capture_output=True,
            text=True,
            timeout=NPM_CI_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        raise ToolchainError(f"npm ci could not run in {scratch}: {exc}") from exc
    if done.returncode != 0:
        shutil.rmtree(scratch, ignore_errors=True)
        raise ToolchainError(
            f"npm ci failed (exit {done.returncode}) installing the Node toolchain:\n"
            f"{done.stdout.strip()}\n{done.stderr.strip()}".strip()
        )
    (scratch / _READY_MARKER).write_text(f"{_package_version()}\n")
    scratch.rename(target)
    print(
        f"domainlayer: Node toolchain ready in {time.monotonic() - started:.0f} s",
        file=sys.stderr,
        flush=True,
    )


def toolchain_home(settings: Settings | None = None) -> Path:
    """The folder the Prisma CLI and the engines run from (see the module docstring).

    Installs the Node packages into the cache on first use of an installed package.
    """
    settings = settings if settings is not None else get_settings()
    if IN_CHECKOUT:
        if not (PROJECT_ROOT / "node_modules" / "prisma").is_dir():
            raise ToolchainError(
                "the Node toolchain is not installed: run `./scripts/setup` (npm ci) first"
            )
        return PROJECT_ROOT
    if not (PROJECT_ROOT / "schema.prisma").is_file():
        raise ToolchainError(
            f"the package data is missing ({PROJECT_ROOT}): reinstall domainlayer from its wheel"
        )
    home = _cache_root(settings) / f"{_package_version()}-{_content_hash(PROJECT_ROOT)}"
    if (home / _READY_MARKER).is_file():
        return home
    with _exclusive(home.with_name(home.name + ".lock")):
        if not (home / _READY_MARKER).is_file():
            shutil.rmtree(home, ignore_errors=True)
            _materialise(PROJECT_ROOT, home, settings)
    return home


def _command(
    args: Sequence[str], database_url: str | None
) -> tuple[list[str], Path, dict[str, str]]:
    settings = get_settings()
    home = toolchain_home(settings)
    env = dict(os.environ)
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    # The generator (`prisma-client-py`) and the URL lookup run on this interpreter, so the
    # client is generated into the environment that asked for it.
    env.setdefault("DOMAINLAYER_PYTHON", sys.executable)
    return [settings.node, str(home / CLI_ENTRYPOINT), *args], home, env


def run_prisma(
    args: Sequence[str],
    *,
    database_url: str | None = None,
    timeout: float = PRISMA_CLI_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run ``prisma <args>`` from the toolchain's home and return its completed process.

    ``database_url`` overrides ``DATABASE_URL`` for this command only. Raises
    :class:`ToolchainError` when Node or the CLI is missing, times out or exits non-zero.
    """
    command, home, env = _command(args, database_url)
    started = time.perf_counter()
    try:
        done = subprocess.run(  # noqa: S603 - fixed program, arguments are not a shell string
            command,
            cwd=home,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ToolchainError(f"Node.js not found ({command[0]!r}): {exc}") from exc
    except OSError as exc:
        raise ToolchainError(f"Node.js could not run ({command[0]!r}): {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise ToolchainError(f"`prisma {' '.join(args)}` timed out after {timeout:.0f} s") from exc
    log.debug(
        "prisma %s exited %d in %.3f s",
        " ".join(args),
        done.returncode,
        time.perf_counter() - started,
    )
    if done.returncode != 0:
        raise ToolchainError(
            f"`prisma {' '.join(args)}` failed (exit {done.returncode}):\n"
            f"{done.stdout.strip()}\n{done.stderr.strip()}".strip()
        )
    return done


def prisma_command(args: Sequence[str], *, database_url: str | None = None) -> int:
    """Run ``prisma <args>`` with the terminal attached; its exit code.

    For operator commands, whose output is the CLI's own. Raises :class:`ToolchainError`
    when Node is missing; a failing command returns its non-zero code.
    """
    command, home, env = _command(args, database_url)
    try:
        done = subprocess.run(command, cwd=home, env=env, check=False)  # noqa: S603
    except OSError as exc:
        raise ToolchainError(f"Node.js not found ({command[0]!r}): {exc}") from exc
    return done.returncode


def finish_generated_client() -> None:
    """What ``prisma generate`` leaves out of the client it writes: run after every generate.

    - **Bytecode**, as pip writes for what it installs. ``prisma generate`` writes only
      sources, so without it every process compiles the generated modules again on import
      (where ``PYTHONDONTWRITEBYTECODE`` is set or site-packages is read-only): about 0.5 s
      of each ``import domainlayer.client``.
    - **``prisma/types.pyi``**, a verbatim copy of the generated ``types.py``. Pyright gives
      up on a module of this size ("Code is too complex to analyze": over ~30,000 flow nodes
      in one scope) and then reads every input ``TypedDict`` as unknown, so a service's
      misspelt field went unnoticed and correct calls were flagged. It applies no such limit
      to a stub, and a stub with the same text gives checkers (mypy too) the same types.

    Looking the package up does not import it.
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("prisma")
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        types = Path(location) / "types.py"
        if types.is_file():
            shutil.copyfile(types, types.with_suffix(".pyi"))
        compileall.compile_dir(location, quiet=1, workers=0)


def migrate_deploy(database_url: str) -> str:
    """Apply every migration in ``prisma_migrations/`` that the database lacks."""
    return run_prisma(["migrate", "deploy"], database_url=database_url).stdout
