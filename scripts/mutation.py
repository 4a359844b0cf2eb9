"""Mutation testing of the pure rule modules against tests/unit (run it as scripts/mutation).

For each module listed in scripts/mutation.toml, every mutant Cosmic Ray's operators make
(a flipped condition, a shifted boundary, a changed constant, changed arithmetic, ...) is
written into a scratch copy of src/ and tests/, and the unit tests that import the module
are run against it. A mutant the tests reject is *killed*; one they accept *survives*.
Mutants listed in scripts/mutation_equivalents*.toml (they cannot change any result) are
left out of the score. Prints per module: killed / total non-equivalent and the share, then
every surviving mutant as ``module:line  operator  old -> new``.

    scripts/mutation                       # all twelve modules
    scripts/mutation -m flags -m coach/rules   # only these (path suffix without .py)
    scripts/mutation --fail-under 90       # exit 1 when a module scores below 90 %

Speed: the scratch copy is imported once by a parent process that already holds pytest
and the project's dependencies; each mutant runs in a fork of it (``pytest -x`` on the
module's unit tests), one at a time, so a run costs about one core. The source is never
touched: mutants live only in the scratch copy, which is removed at the end.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import difflib
import gc
import os
import shutil
import signal
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "scripts" / "mutation.toml"
EQUIVALENTS = ROOT / "scripts" / "mutation_equivalents.toml"
# Stop at the first failure; no assertion rewriting (its compiled modules are not cached,
# as nothing here writes bytecode) and no plugins the unit tests do not use.
_PYTEST_ARGS = (
    "-x",
    "-q",
    "--assert=plain",
    "-p",
    "no:cacheprovider",
    "-p",
    "no:cov",
    "-p",
    "no:faker",
    "-p",
    "no:unraisableexception",
)


@dataclass(frozen=True)
class Mutant:
    module: str  # path relative to the root, e.g. src/domainlayer/flags.py
    operator: str
    occurrence: int
    line: int
    column: int
    source_line: str  # the original line the mutation starts on, stripped
    before: str  # what changed, before and after
    after: str
    code: str  # the whole mutated module

    @property
    def key(self) -> tuple[str, str, str, int]:
        """What the equivalents file names: stable while that line of code is unchanged."""
        return (self.module, self.operator, self.source_line, self.column)


@dataclass
class Score:
    module: str
    total: int = 0
    killed: int = 0
    timeouts: int = 0
    equivalent: int = 0
    survivors: list[Mutant] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def counted(self) -> int:
        return self.total - self.equivalent

    @property
    def percent(self) -> float:
        return 100.0 * self.killed / self.counted if self.counted else 100.0


# Mutants ---------------------------------------------------------------------------------


def _annotation_spans(source: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) positions of every annotation: never evaluated, so never mutated."""
    spans = []
    for node in ast.walk(ast.parse(source)):
        annotations: list[ast.expr | None] = []
        if isinstance(node, ast.arg):
            annotations.append(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            annotations.append(node.returns)
        elif isinstance(node, ast.AnnAssign):
            annotations.append(node.annotation)
        for annotation in annotations:
            if annotation is not None and annotation.end_lineno is not None:
                spans.append(
                    (
                        (annotation.lineno, annotation.col_offset),
                        (annotation.end_lineno, annotation.end_col_offset or 0),
                    )
                )
    return spans


def _changed_lines(original: str, mutated: str) -> tuple[str, str]:
    old_lines, new_lines = original.splitlines(), mutated.splitlines()
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            old = " / ".join(line.strip() for line in old_lines[i1:i2])
            new = " / ".join(line.strip() for line in new_lines[j1:j2])
            return old, new or "(removed)"
    return "", ""


def mutants_of(module: str, operator_names: Sequence[str]) -> Iterator[Mutant]:
    import cosmic_ray.plugins
    from cosmic_ray.ast import ast_nodes, get_ast
    from cosmic_ray.mutating import mutate_code

    source = (ROOT / module).read_text(encoding="utf-8")
    spans = _annotation_spans(source)
    lines = source.splitlines()
    known = set(cosmic_ray.plugins.operator_names())
    for name in operator_names:
        if name not in known:
            raise SystemExit(f"mutation: unknown Cosmic Ray operator {name!r} in {CONFIG.name}")
        operator = cosmic_ray.plugins.get_operator(name)()
        positions = [
            start
            for node in ast_nodes(get_ast(source))
            for start, _ in operator.mutation_positions(node)
        ]
        for occurrence, (line, column) in enumerate(positions):
            if any(a <= (line, column) < b for a, b in spans):
                continue
            code = mutate_code(source, operator, occurrence)
            if code is None or code == source:
                continue
            before, after = _changed_lines(source, code)
            if not before and not after:
                continue
            yield Mutant(
                module, name, occurrence, line, column, lines[line - 1].strip(), before, after, code
            )


# Which unit tests import a module --------------------------------------------------------


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT / "src").with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, package: str) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


def _import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in (ROOT / "src" / "domainlayer").rglob("*.py"):
        name = _module_name(path)
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        graph[name] = _imports(path, package)
    for name in list(graph):
        graph[name] = {dep for dep in graph[name] if dep in graph}
    return graph


def _closure(names: set[str], graph: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    stack = [n for n in names if n in graph]
    while stack:
        name = stack.pop()
        if name in seen:
            continue
        seen.add(name)
        # importing a.b.c runs a/__init__ and a/b/__init__ too
        parts = name.split(".")
        stack.extend(".".join(parts[:i]) for i in range(1, len(parts)) if ".".join(parts[:i]))
        stack.extend(graph.get(name, ()))
    return seen


def _named_modules(path: Path, graph: dict[str, set[str]]) -> set[str]:
    """Modules a test names as a string (``importlib.import_module("domainlayer.flags")``)."""
    return {
        node.value
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in graph
    }


def tests_for(module: str, tests_dir: Path) -> list[str]:
    graph = _import_graph()
    target = _module_name(ROOT / module)
    selected = []
    for path in sorted(tests_dir.glob("test_*.py")):
        imported = _imports(path, "tests.unit") | _named_modules(path, graph)
        if target in _closure(imported, graph):
            selected.append(str(path.relative_to(ROOT)))
    return selected


# Running ---------------------------------------------------------------------------------


def _scratch_copy() -> Path:
    scratch = Path(tempfile.mkdtemp(prefix="domainlayer-mutation-"))
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "src", scratch / "src", ignore=ignore)
    shutil.copytree(ROOT / "tests", scratch / "tests", ignore=ignore)
    shutil.copy2(ROOT / "pyproject.toml", scratch / "pyproject.toml")
    return scratch


def _preload(scratch: Path, modules: Sequence[str]) -> None:
    """Import what every test run needs, except the rule modules, once, before forking."""
    sys.dont_write_bytecode = True  # a mutant and its original can share a size and mtime
    original = str(ROOT / "src")
    sys.path[:] = [p for p in sys.path if os.path.realpath(p) != os.path.realpath(original)]
    sys.path.insert(0, str(scratch / "src"))
    os.environ["PYTHONPATH"] = str(scratch / "src")
    os.environ["PYTHONDONTWRITEBYTECODE"] = "1"
    os.chdir(scratch)
    import asyncio  # noqa: F401
    import decimal  # noqa: F401
    import statistics  # noqa: F401
    import unicodedata  # noqa: F401

    import asyncpg  # noqa: F401

    # What tests/conftest.py imports: the generated client alone is seconds of CPU.
    import prisma  # noqa: F401
    import pytest  # noqa: F401

    import domainlayer
    import domainlayer.client
    import domainlayer.database
    import domainlayer.errors
    import domainlayer.pool
    import domainlayer.settings
    import domainlayer.testing
    import domainlayer.toolchain  # noqa: F401

    # The forks' garbage collections then skip this heap (the client's models are large).
    gc.collect()
    gc.freeze()
    rule_modules = {_module_name(ROOT / m) for m in modules}
    loaded = rule_modules & set(sys.modules)
    if loaded:
        raise SystemExit(f"mutation: preloading imported rule modules {sorted(loaded)}")


def _run_tests(test_files: Sequence[str], timeout: float | None) -> tuple[str, float]:
    """Run pytest in a fork: 'passed', 'failed', 'error' or 'timeout', and the seconds."""
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the child: its own process group, so a timeout ends what it started
        os.setpgid(0, 0)
        if not os.environ.get("MUTATION_DEBUG"):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
        code = 3
        try:
            import pytest

            code = int(pytest.main([*test_files, *_PYTEST_ARGS]))
        finally:
            os._exit(code)
    deadline = None if timeout is None else started + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if deadline is not None and time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return "timeout", time.monotonic() - started
        time.sleep(0.002)
    seconds = time.monotonic() - started
    code = os.waitstatus_to_exitcode(status)
    if code == 0:
        return "passed", seconds
    if code in (1, 2):  # tests failed, or collection failed (the mutant broke an import)
        return "failed", seconds
    return "error", seconds


EquivalentKey = tuple[str, str, str, int, str]


def _load_equivalents() -> dict[EquivalentKey, str]:
    """Every ``scripts/mutation_equivalents*.toml`` (one file per product is fine).

    An entry may name ``after`` (the changed line as the report prints it after ``->``)
    when only one of the mutants at that position is equivalent (NumberReplacer makes two,
    +1 and -1, at the same column); without it the entry covers every mutant there.
    """
    result = {}
    for path in sorted(EQUIVALENTS.parent.glob(EQUIVALENTS.stem + "*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for entry in data.get("equivalent", []):
            key = (
                entry["module"],
                entry["operator"],
                entry["code"],
                int(entry["column"]),
                entry.get("after", ""),
            )
            result[key] = entry["why"]
    return result


def _progress(text: str) -> None:
    if sys.stderr.isatty():
        print(f"\r\x1b[K{text}", end="", file=sys.stderr, flush=True)


def score_module(
    module: str,
    scratch: Path,
    operators: Sequence[str],
    equivalents: dict[EquivalentKey, str],
    timeout_factor: float,
    tests_dir: Path,
    used: set[EquivalentKey],
) -> Score:
    score = Score(module)
    started = time.monotonic()
    test_files = tests_for(module, tests_dir)
    if not test_files:
        raise SystemExit(f"mutation: no unit test imports {module}")
    outcome, baseline = _run_tests(test_files, None)
    if outcome != "passed":
        raise SystemExit(f"mutation: the unit tests of {module} fail without any mutant")
    timeout = baseline * timeout_factor + 2.0
    target = scratch / module
    original = target.read_text(encoding="utf-8")
    mutants = list(mutants_of(module, operators))
    try:
        for index, mutant in enumerate(mutants, start=1):
            _progress(f"{module}: {index}/{len(mutants)}")
            score.total += 1
            candidates = ((*mutant.key, mutant.after), (*mutant.key, ""))
            matching = [k for k in candidates if k in equivalents]
            if matching:
                used.add(matching[0])
                score.equivalent += 1
                continue
            target.write_text(mutant.code, encoding="utf-8")
            outcome, _ = _run_tests(test_files, timeout)
            if outcome == "passed":
                score.survivors.append(mutant)
            else:
                score.killed += 1
                score.timeouts += outcome == "timeout"
    finally:
        target.write_text(original, encoding="utf-8")
    _progress("")
    score.seconds = time.monotonic() - started
    return score


def _short(module: str) -> str:
    return module.removeprefix("src/domainlayer/").removesuffix(".py")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/mutation",
        description="Mutation score of the pure rule modules against tests/unit.",
    )
    parser.add_argument(
        "-m",
        "--module",
        action="append",
        default=[],
        help="only this module (e.g. flags, madfam/rules); repeatable",
    )
    parser.add_argument(
        "--fail-under",
        type=float,
        default=None,
        metavar="PERCENT",
        help="exit 1 when a module's score is below PERCENT",
    )
    args = parser.parse_args(argv)

    config = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    modules: list[str] = config["modules"]
    if args.module:
        wanted = {name.removesuffix(".py") for name in args.module}
        unknown = wanted - {_short(m) for m in modules}
        if unknown:
            parser.error(f"unknown module(s): {', '.join(sorted(unknown))}")
        modules = [m for m in modules if _short(m) in wanted]
    equivalents = _load_equivalents()
    tests_dir = ROOT / config["tests"]

    width = max(len(_short(m)) for m in modules)

    def row(name: str, killed: int, counted: int, equivalent: int, seconds: float) -> str:
        percent = 100.0 * killed / counted if counted else 100.0
        return (
            f"{name:<{width}}  {killed:>7} / {counted:<5}  {percent:5.1f}%"
            f"  {equivalent:>10}  {seconds:7.1f}"
        )

    # A stop (Ctrl-C, SIGTERM) still removes the scratch copy.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    scratch = _scratch_copy()
    scores: list[Score] = []
    used: set[EquivalentKey] = set()
    print(f"{'module':<{width}}  {'killed':>7} / {'total':<5}  {'score':>6}  equivalent  seconds")
    try:
        _preload(scratch, config["modules"])
        for module in modules:
            print(f"mutating {module} ...", file=sys.stderr, flush=True)
            s = score_module(
                module,
                scratch,
                config["operators"],
                equivalents,
                float(config["timeout_factor"]),
                tests_dir,
                used,
            )
            scores.append(s)
            print(row(_short(s.module), s.killed, s.counted, s.equivalent, s.seconds), flush=True)
    finally:
        os.chdir(ROOT)
        shutil.rmtree(scratch, ignore_errors=True)

    killed = sum(s.killed for s in scores)
    counted = sum(s.counted for s in scores)
    equivalent = sum(s.equivalent for s in scores)
    print(row("total", killed, counted, equivalent, sum(s.seconds for s in scores)))
    survivors = [m for s in scores for m in s.survivors]
    print(f"\nsurviving mutants: {len(survivors)}")
    for m in survivors:
        print(f"{_short(m.module)}:{m.line}  {m.operator.removeprefix('core/')}")
        print(f"       {m.before}\n    -> {m.after}")
    stale = [k for k in equivalents if k[0] in {s.module for s in scores} and k not in used]
    for module, operator, code, column, _after in stale:
        print(
            f"\nnote: equivalent entry matches no mutant: {module} {operator} col {column}: {code}"
        )
    if args.fail_under is not None and any(s.percent < args.fail_under for s in scores):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
