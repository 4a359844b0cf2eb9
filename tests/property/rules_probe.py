"""Drive the public rule functions with the property test's hostile values and count what
escapes domainlayer's error tree: ``python -m tests.property.rules_probe``.

The test of the same property is tests/unit/test_rules_refuse_wrong_types.py (every rule,
its own table of hostile values, no escape allowed; ``domainlayer.typed_rules.rule`` is what
makes it hold). This probe uses the repository property test's values instead and prints
the totals and, per function, the count and one example: 0 since the rules are guarded.
"""

from __future__ import annotations

import collections
import importlib
import inspect

from domainlayer.errors import DomainError
from tests.property.test_hostile_inputs import _FALLBACK, _SHORT, _hostile, _params
from tests.unit.test_rules_refuse_wrong_types import MODULES


def main() -> None:
    escaped: collections.Counter[str] = collections.Counter()
    example: dict[str, str] = {}
    functions = calls = 0
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in getattr(module, "__all__", ()):
            function = getattr(module, name)
            if not inspect.isfunction(function):
                continue
            params = _params(function)
            functions += 1
            for param in params:
                for value in _hostile(param):
                    kwargs = {p.name: _FALLBACK.get(p.kind) for p in params if not p.optional}
                    kwargs[param.name] = value
                    calls += 1
                    try:
                        function(**kwargs)
                    except DomainError:
                        pass
                    except Exception as exc:
                        label = f"{module_name}.{name}"
                        escaped[label] += 1
                        example.setdefault(
                            label, f"{param.name}={_SHORT.repr(value)}: {type(exc).__name__}"
                        )
    print(
        f"rule functions: {functions}, calls: {calls}, outside the error tree: "
        f"{sum(escaped.values())} in {len(escaped)} functions"
    )
    for label, count in escaped.most_common():
        print(f"{count:5d}  {label}  e.g. {example[label]}")


if __name__ == "__main__":
    main()
