"""Import ``prisma.types`` only when something at run time reads it.

Why: the generated ``prisma/types.py`` holds only ``TypedDict`` s and ``Literal`` aliases
for type checkers (tens of thousands of classes for five products). Executing it is most
of the cost of ``import prisma`` (``scripts/bench_import.py``), yet at run time the client
needs three of its names, which it re-exports from ``prisma._types``: the rest is read by
pyright and mypy from the file, never by the running program. (The generated
``client.py`` and ``actions.py`` use ``from __future__ import annotations``; ``models.py``
quotes its references to ``types``.)

:func:`install` puts a module object for ``prisma.types`` in :data:`sys.modules` before
the client package is imported. It holds those three names and, on the first read of any
other attribute, executes the real ``types.py`` into itself (so ``prisma.types.X`` is the
generated definition, as before). Nothing in the client package is modified, and type
checking is unchanged: checkers never execute this module.

Set ``DOMAINLAYER_EAGER_TYPES=1`` to import ``prisma.types`` as usual.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
import threading
import types
from typing import Any, Final

__all__ = ["install"]

_NAME: Final = "prisma.types"
#: What the generated client reads from ``prisma.types`` while it is imported; the
#: generated module defines each as ``_types.<name>``, so these are the same objects.
_EAGER_NAMES: Final = ("DatasourceOverride", "HttpConfig", "MetricsFormat")


class _LazyTypesModule(types.ModuleType):
    """``prisma.types``, executed on first use of a name it does not hold yet."""

    _spec_for_load: importlib.machinery.ModuleSpec
    _load_lock: threading.RLock
    _loaded: bool

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        if name in _EAGER_NAMES and not self._loaded:
            # The generated module defines these as ``_types.<name>``: the same objects,
            # from a small module the client package has already imported by now.
            from prisma import _types as client_types

            value = getattr(client_types, name)
            setattr(self, name, value)
            return value
        self._load()
        try:
            return self.__dict__[name]
        except KeyError:
            raise AttributeError(f"module {_NAME!r} has no attribute {name!r}") from None

    def _load(self) -> None:
        with self._load_lock:
            if self._loaded:
                return
            self._loaded = True
            loader = self._spec_for_load.loader
            assert loader is not None  # find_spec of a source file always has one
            loader.exec_module(self)


def install() -> bool:
    """Register the lazy ``prisma.types``; False when it cannot (already imported, not
    generated, or turned off with ``DOMAINLAYER_EAGER_TYPES=1``)."""
    if _NAME in sys.modules or os.environ.get("DOMAINLAYER_EAGER_TYPES") == "1":
        return False
    package = importlib.util.find_spec("prisma")
    if package is None or not package.submodule_search_locations:
        return False
    spec = importlib.machinery.PathFinder.find_spec(
        "types", list(package.submodule_search_locations)
    )
    if spec is None or spec.loader is None or spec.origin is None:
        return False  # the client has not been generated
    # Re-home the spec under its real name, so the module's relative imports work.
    spec = importlib.util.spec_from_file_location(_NAME, spec.origin)
    if spec is None or spec.loader is None:
        return False
    module = _LazyTypesModule(_NAME)
    module.__spec__ = spec
    module.__file__ = spec.origin
    module.__package__ = "prisma"
    module.__loader__ = spec.loader
    module._spec_for_load = spec
    module._load_lock = threading.RLock()
    module._loaded = False
    sys.modules[_NAME] = module
    return True
