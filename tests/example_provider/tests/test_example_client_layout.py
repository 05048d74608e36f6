"""The package has the provider layout: its modules, their jobs, and no import cycle.

docs/writing-a-provider.md presents this package as the layout's smallest complete
instance, so the layout is checked here: each module of the contract exists and its
docstring's first line says its job; imports (read with :mod:`ast`, so a lazy or
``TYPE_CHECKING`` import cannot hide) form no cycle; the declaration imports only the
core's declaration types; the records import nothing that sends a request; no
client module imports the emulator or werkzeug.
"""

from __future__ import annotations

import ast
from pathlib import Path

import paysupport_example
import pytest

PACKAGE = Path(paysupport_example.__file__).parent
NAME = "paysupport_example"

#: The modules of the contract this provider has (it needs no catalog, webhooks or pages).
LAYOUT = (
    "__init__",
    "info",
    "client",
    "auth",
    "transport",
    "errors",
    "resources",
    "walks",
    "demo",
    "emulator/__init__",
    "emulator/app",
    "emulator/store",
    "emulator/seed",
    "emulator/api",
    "emulator/errors",
    "emulator/admin",
)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return ".".join((NAME, *(parts[:-1] if parts[-1] == "__init__" else parts)))


def imports() -> dict[str, set[str]]:
    """Each module's imports (every ``import`` statement, resolved to module names)."""
    paths = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    found: dict[str, set[str]] = {}
    for name, path in paths.items():
        targets: set[str] = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # ``from .walks import item_walk``: relative to the package
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                # ``from package import module`` imports the module, not the package's names
                targets |= {
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in paths else base
                    for alias in node.names
                }
        found[name] = {t for t in targets if t != name}
    return found


def cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One import cycle among the package's modules, or ``None``."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done or node not in edges:
            return None
        for nxt in sorted(edges[node]):
            if found := visit(nxt, [*path, node]):
                return found
        done.add(node)
        return None

    return next((c for start in sorted(edges) if (c := visit(start, []))), None)


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


@pytest.mark.parametrize("module", LAYOUT)
def test_each_module_exists_and_says_its_job(module: str) -> None:
    path = PACKAGE / f"{module}.py"
    assert path.is_file(), f"{module} is missing"
    docstring = ast.get_docstring(ast.parse(path.read_text()))
    assert docstring and docstring.splitlines()[0].strip(), f"{module} says nothing of its job"


def test_the_package_is_typed() -> None:
    assert (PACKAGE / "py.typed").is_file()


def test_no_import_cycle() -> None:
    internal = {n: {t for t in ts if t.startswith(NAME)} for n, ts in imports().items()}
    assert internal[f"{NAME}.client"] >= {f"{NAME}.info", f"{NAME}.transport"}  # imports are read
    assert cycle(internal) is None


def test_the_declaration_imports_only_the_core_declaration_types() -> None:
    assert imports()[f"{NAME}.info"] <= {"__future__", "paysupport.info"}


def test_the_records_import_nothing_that_sends_a_request() -> None:
    imported = imports()[f"{NAME}.resources"]
    assert not imported & {f"{NAME}.client", f"{NAME}.transport", "requests"}, imported


def test_no_client_module_imports_the_emulator_or_werkzeug() -> None:
    for name, targets in imports().items():
        if not name.startswith(f"{NAME}.emulator"):
            assert not {t for t in targets if t.startswith((f"{NAME}.emulator", "werkzeug"))}, name
