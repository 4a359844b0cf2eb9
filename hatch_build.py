"""Hatch build hook: the project's files the library needs at run time, as package data.

The wheel carries them under ``domainlayer/_project/`` (``domainlayer.settings.PROJECT_ROOT``
when installed): the schema, the migrations, the engine sources (without any
``node_modules``), ``package.json`` + ``package-lock.json``, ``prisma.config.ts`` and the
seed fixtures. Node packages are not in the wheel: ``domainlayer.toolchain`` installs them
from the lock into a cache folder on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

FILES = ("schema.prisma", "package.json", "package-lock.json", "prisma.config.ts")
FOLDERS = ("prisma_migrations", "engines", "seeds")
# engines/cli only links Prisma Client Python's `prisma` command to the checkout's CLI.
SKIP_PARTS = {"node_modules", "__pycache__", "cli"}
TARGET = "domainlayer/_project"


class ProjectDataHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel" or version == "editable":
            return
        root = Path(self.root)
        include: dict[str, str] = build_data.setdefault("force_include", {})
        for name in FILES:
            include[str(root / name)] = f"{TARGET}/{name}"
        for folder in FOLDERS:
            for path in sorted((root / folder).rglob("*")):
                relative = path.relative_to(root)
                if path.is_file() and not SKIP_PARTS.intersection(relative.parts[1:]):
                    include[str(path)] = f"{TARGET}/{relative.as_posix()}"
