"""The shape of ``app/``, read from its source with ``ast`` (nothing is imported).

- No import cycle between modules, nor between packages (``app.catalog`` and ``app.orders``
  may not both reach into each other even through different modules). An import inside a
  function counts: it only postpones the cycle to run time.
- Nothing below the top layer (the admin, the API and the views) imports it: not a
  capability (accounts, wallet, catalog, …), not the plumbing in app/*.py. Only the factory
  (app/__init__.py) wires the top layer in.
- No file over 300 lines unless its module docstring says why (a line with "over 300 lines").
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
MAX_LINES = 300


def _module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def _sources() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(APP.rglob("*.py"))}


def _imported(module: str, path: Path) -> set[str]:
    """The ``app`` modules ``module`` imports anywhere in its file: ``from a.b import c``
    names module ``a.b.c`` when there is one, ``a.b`` otherwise."""
    modules = _sources()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{anchor}.{base}" if base else anchor
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return {name for name in found if name in modules and name != module}


@cache
def _graph() -> dict[str, set[str]]:
    return {module: _imported(module, path) for module, path in _sources().items()}


def _unit(module: str) -> str:
    """The package a module belongs to: ``app.catalog.stock`` → ``app.catalog``; the modules
    directly in ``app/`` (``app.db``, ``app.errors``, …) are each their own unit."""
    parts = module.split(".")
    return ".".join(parts[:2])


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One shortest cycle through each node that is on one, each cycle reported once."""
    cycles, seen = [], set()
    for start in sorted(graph):
        paths, visited = [[start]], {start}
        while paths:
            path = paths.pop(0)
            for target in sorted(graph[path[-1]]):
                if target == start:
                    cycle = path + [start]
                    if frozenset(path) not in seen:
                        seen.add(frozenset(path))
                        cycles.append(cycle)
                    paths = []
                    break
                if target not in visited:
                    visited.add(target)
                    paths.append(path + [target])
    return cycles


def _describe(cycles: list[list[str]]) -> str:
    return "\n".join(" → ".join(cycle) for cycle in cycles)


def test_no_import_cycle_between_modules():
    cycles = _cycles(_graph())
    assert not cycles, f"import cycles between modules:\n{_describe(cycles)}"


def test_no_import_cycle_between_packages():
    # The factory (app/__init__.py) is left out here: it wires every package, and the entry
    # points that run outside a request (the RQ jobs) build their app through it. Between
    # modules (above) it still counts.
    units: dict[str, set[str]] = {}
    for module, imported in _graph().items():
        if module == "app":
            continue
        units.setdefault(_unit(module), set()).update(
            _unit(name) for name in imported if _unit(name) not in (_unit(module), "app"))
    cycles = _cycles(units)
    assert not cycles, f"import cycles between packages:\n{_describe(cycles)}"


def _is_top_layer(module: str) -> bool:
    parts = module.split(".")
    return parts[1:2] in (["admin"], ["api"]) or parts[-1] == "views"


def test_only_the_top_layer_imports_admin_api_or_views():
    wrong = sorted(f"{module} imports {name}"
                   for module, imported in _graph().items()
                   if module != "app" and not _is_top_layer(module)
                   for name in imported if _is_top_layer(name))
    assert not wrong, "imports of the admin, the API or a view from below:\n" + "\n".join(wrong)


def test_no_file_over_300_lines_without_a_reason():
    too_long = []
    for module, path in _sources().items():
        lines = len(path.read_text().splitlines())
        docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
        if lines > MAX_LINES and "over 300 lines" not in docstring:
            too_long.append(f"{path.relative_to(APP.parent)}: {lines} lines")
    assert not too_long, ("files over 300 lines whose docstring gives no reason "
                          "(a line saying why it is over 300 lines):\n" + "\n".join(too_long))

