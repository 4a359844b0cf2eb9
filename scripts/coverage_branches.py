#!/usr/bin/env python3
"""Branch coverage of every repository module, as a table.

Runs pytest over ``tests/integration`` and ``tests/unit`` with branch coverage
(``--cov=src/domainlayer --cov-branch``; the repositories are exercised by the integration
tests, against the project's real PostgreSQL), reads coverage.py's JSON report and prints,
for every repository module, the branches taken out of all branches and their share:

    .venv/bin/python scripts/coverage_branches.py [--fail-under 85] [--missing]
    .venv/bin/python scripts/coverage_branches.py --from-json coverage.json   # no test run

A repository module is ``src/domainlayer/repository.py``, every ``*/repository.py`` and
``*/repositories/*.py`` under ``src/domainlayer``, and any other module there that defines a
class whose name ends in ``Repository``. A module without branches is shown as ``-`` and
never fails the bar.

Exit codes: 0 every module at ``--fail-under`` or more; 1 a module below it, or a test
failed, or the report could not be produced; 2 usage.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import shlex
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "domainlayer"
DEFAULT_TESTS = ("tests/integration", "tests/unit")


@dataclass(frozen=True)
class BranchFigures:
    module: str
    covered: int
    total: int
    missing: tuple[tuple[int, int], ...]

    @property
    def percent(self) -> float | None:
        return None if self.total == 0 else 100.0 * self.covered / self.total


def _defines_repository_class(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return any(
        isinstance(node, ast.ClassDef) and node.name.endswith("Repository")
        for node in ast.walk(tree)
    )


def repository_modules() -> list[Path]:
    """Every repository module under src/domainlayer, relative to the project root."""
    found: set[Path] = set()
    base = PACKAGE / "repository.py"
    if base.exists():
        found.add(base)
    found.update(PACKAGE.glob("*/repository.py"))
    found.update(p for p in PACKAGE.glob("**/repositories/*.py") if p.name != "__init__.py")
    found.update(p for p in PACKAGE.rglob("*.py") if _defines_repository_class(p))
    return sorted(p.relative_to(ROOT) for p in found)


def _pytest_command(tests: list[str], report: Path, extra: list[str]) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        *tests,
        "--cov=src/domainlayer",
        "--cov-branch",
        f"--cov-report=json:{report}",
        "--cov-report=",  # nothing on the terminal: the table below is the report
        "-q",
        "-p",
        "no:cacheprovider",
        *extra,
    ]


def run_tests(tests: list[str], report: Path, extra: list[str]) -> int:
    env = dict(os.environ)
    # Keep the data file out of the checkout (and away from other runs).
    env["COVERAGE_FILE"] = str(report.with_suffix(".data"))
    command = _pytest_command(tests, report, extra)
    print("coverage_branches: running", shlex.join(command[1:]), file=sys.stderr, flush=True)
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def _key(path: str) -> str:
    candidate = Path(path)
    if candidate.is_absolute():
        try:
            return candidate.resolve().relative_to(ROOT).as_posix()
        except ValueError:
            return candidate.as_posix()
    return candidate.as_posix()


def figures(report: dict[str, Any], modules: list[Path]) -> list[BranchFigures]:
    files = {_key(name): data for name, data in report.get("files", {}).items()}
    rows = []
    for module in modules:
        data = files.get(module.as_posix())
        if data is None:
            # --cov=src/domainlayer reports unimported files too, so this is a wrong report.
            raise LookupError(f"{module} is not in the coverage report")
        summary = data["summary"]
        rows.append(
            BranchFigures(
                module.as_posix(),
                int(summary.get("covered_branches", 0)),
                int(summary.get("num_branches", 0)),
                tuple((int(a), int(b)) for a, b in data.get("missing_branches", [])),
            )
        )
    return rows


def render(rows: list[BranchFigures], fail_under: float, *, missing: bool) -> str:
    width = max(len("module"), *(len(r.module) for r in rows))
    lines = [
        f"| {'module':<{width}} | branches taken / total | branch % |",
        f"|{'-' * (width + 2)}|-----------------------:|---------:|",
    ]
    covered = total = 0
    for row in rows:
        covered += row.covered
        total += row.total
        percent = "-" if row.percent is None else f"{row.percent:.1f}"
        flag = " **below**" if row.percent is not None and row.percent < fail_under else ""
        lines.append(
            f"| {row.module:<{width}} | {f'{row.covered} / {row.total}':>22} | {percent:>8} |{flag}"
        )
    overall = f"{100.0 * covered / total:.1f}" if total else "-"
    lines.append(
        f"| {'all repository modules':<{width}} | {f'{covered} / {total}':>22} | {overall:>8} |"
    )
    if missing:
        for row in rows:
            if row.missing:
                arcs = ", ".join(f"{a}->{'exit' if b < 0 else b}" for a, b in row.missing)
                lines.append(f"\n{row.module}: branches never taken: {arcs}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=(
            "Run the integration and unit tests with branch coverage and print the branch "
            "coverage of every repository module."
        ),
        epilog="Arguments after -- go to pytest (e.g. -- -x -k madfam).",
    )
    parser.add_argument(
        "--fail-under",
        type=float,
        default=85.0,
        metavar="PERCENT",
        help="exit 1 if any repository module has less branch coverage (default: 85)",
    )
    parser.add_argument(
        "--tests",
        nargs="+",
        default=list(DEFAULT_TESTS),
        metavar="PATH",
        help=f"test paths to run (default: {' '.join(DEFAULT_TESTS)})",
    )
    parser.add_argument(
        "--from-json",
        type=Path,
        metavar="FILE",
        help="read an existing `coverage json` report instead of running the tests",
    )
    parser.add_argument(
        "--json-out",
        type=Path,
        metavar="FILE",
        help="keep the coverage JSON report of this run in FILE",
    )
    parser.add_argument(
        "--missing", action="store_true", help="list the branches never taken, per module"
    )
    args, extra = parser.parse_known_args(argv)
    if extra and extra[0] == "--":
        extra = extra[1:]
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)} (pytest options go after --)")
    if not 0 <= args.fail_under <= 100:
        parser.error("--fail-under must be between 0 and 100")

    tests_status = 0
    if args.from_json is not None:
        report_path = args.from_json
    else:
        workdir = Path(tempfile.mkdtemp(prefix="coverage_branches_"))
        report_path = args.json_out or workdir / "coverage.json"
        tests_status = run_tests(args.tests, report_path.resolve(), extra)
    try:
        report = json.loads(report_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"coverage_branches: no coverage report at {report_path}: {exc}", file=sys.stderr)
        return 1
    if not report.get("meta", {}).get("branch_coverage", False):
        print(
            f"coverage_branches: {report_path} was not measured with --cov-branch", file=sys.stderr
        )
        return 1

    try:
        rows = figures(report, repository_modules())
    except LookupError as exc:
        print(f"coverage_branches: {exc}", file=sys.stderr)
        return 1
    print()
    print(render(rows, args.fail_under, missing=args.missing))
    reproduce = ["scripts/coverage_branches.py", "--fail-under", f"{args.fail_under:g}"]
    if args.tests != list(DEFAULT_TESTS):
        reproduce += ["--tests", *args.tests]
    print(f"\nreproduce: .venv/bin/python {shlex.join(reproduce)}")
    print(
        f"  (= .venv/bin/pytest {' '.join(args.tests)} --cov=src/domainlayer --cov-branch "
        "--cov-report=json, per file: summary.covered_branches / summary.num_branches)"
    )

    below = [r for r in rows if r.percent is not None and r.percent < args.fail_under]
    if tests_status != 0:
        print(f"coverage_branches: pytest exited {tests_status}", file=sys.stderr)
        return 1
    if below:
        names = ", ".join(r.module for r in below)
        print(f"coverage_branches: below {args.fail_under:g} %: {names}", file=sys.stderr)
        return 1
    return 0


def _in_project_environment() -> None:
    """Run under the project's .venv (which has pytest-cov) when started by another Python."""
    venv_python = ROOT / ".venv" / "bin" / "python"
    if venv_python.exists() and Path(sys.prefix).resolve() != (ROOT / ".venv").resolve():
        os.execv(venv_python, [str(venv_python), __file__, *sys.argv[1:]])


if __name__ == "__main__":
    _in_project_environment()
    sys.exit(main())
