"""The package's shape: the provider layout's modules, no import cycle, a light declaration.

Import cycles are found by :mod:`paysupport.layout` (every ``import`` statement,
also inside functions and ``TYPE_CHECKING`` blocks, so a lazy import cannot hide
one); tests/core/test_provider_layout.py checks the common contract for every
provider, this file Flattr's own modules. The records in ``resources`` import nothing that
calls the API: the live ones are given the client's calls when they are made.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import paysupport_flattr
import pytest

from paysupport.layout import find_cycle, import_graph

PACKAGE = Path(paysupport_flattr.__file__).parent
NAME = "paysupport_flattr"

#: The provider layout's modules (the lead's contract), client side and emulator.
LAYOUT = (
    "__init__",
    "info",
    "client",
    "auth",
    "transport",
    "errors",
    "resources",
    "walks",
    "catalog",
    "demo",
    "emulator.__init__",
    "emulator.app",
    "emulator.store",
    "emulator.seed",
    "emulator.auth",
    "emulator.api",
    "emulator.views",
    "emulator.errors",
    "emulator.admin",
    "emulator.pages",
    "emulator.ratelimit",
)

#: Modules that send calls: the records in ``resources`` must not import them.
CALLERS = {
    "client",
    "transport",
    "thing_calls",
    "user_calls",
    "subscription_calls",
    "flattring",
    "register",
    "demo",
}


def graph() -> dict[str, set[str]]:
    return import_graph(NAME, PACKAGE)


def test_no_module_of_the_package_takes_part_in_an_import_cycle() -> None:
    # The package's __init__ names every public module for type checkers only;
    # no module imports the package itself, so it closes no cycle.
    edges = graph()
    assert not any(NAME in targets for targets in edges.values())
    assert find_cycle(edges) is None


@pytest.mark.parametrize("module", LAYOUT)
def test_the_layout_module_exists_and_its_first_docstring_line_says_its_job(module: str) -> None:
    path = PACKAGE / (module.replace(".", "/") + ".py")
    assert path.is_file(), f"{module} is missing"
    docstring = ast.get_docstring(ast.parse(path.read_text()))
    assert docstring and docstring.splitlines()[0].strip(), f"{module} says nothing of its job"


def test_no_module_name_starts_with_an_underscore() -> None:
    private = [p.name for p in PACKAGE.rglob("*.py") if p.name.startswith("_")]
    assert set(private) <= {"__init__.py", "__main__.py"}, private


def test_the_records_import_no_module_that_calls_the_api() -> None:
    imported = {name.rpartition(".")[2] for name in graph()[f"{NAME}.resources"]}
    assert not imported & CALLERS, imported & CALLERS


def test_the_declaration_imports_only_the_core_declaration_types() -> None:
    tree = ast.parse((PACKAGE / "info.py").read_text())
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    assert imported <= {"__future__", "paysupport.info"}, imported


def test_no_client_module_imports_the_emulator() -> None:
    client_side = {n: t for n, t in graph().items() if not n.startswith(f"{NAME}.emulator")}
    for name, targets in client_side.items():
        assert not any(t.startswith(f"{NAME}.emulator") for t in targets), name


def test_listing_the_providers_imports_no_flattr_client() -> None:
    code = (
        "import sys, paysupport.registry as r; r.available(); "
        f"print(sorted(m for m in sys.modules if m.startswith('{NAME}.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert f"'{NAME}.info'" in loaded
    assert f"'{NAME}.client'" not in loaded and f"'{NAME}.transport'" not in loaded
