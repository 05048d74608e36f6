"""The package has the provider layout: its modules, their jobs, and no import cycle.

docs/writing-a-provider.md presents this package as the layout's smallest complete
instance, so the layout is checked here: each module this provider has exists and
its docstring's first line says its job, and :func:`paysupport.layout.layout_problems`
finds nothing wrong (imports read with :mod:`ast`, so a lazy or ``TYPE_CHECKING``
import cannot hide a cycle).
"""

from __future__ import annotations

import ast
from pathlib import Path

import paysupport_example
import pytest

from paysupport.layout import layout_problems

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


@pytest.mark.parametrize("module", LAYOUT)
def test_each_module_exists_and_says_its_job(module: str) -> None:
    path = PACKAGE / f"{module}.py"
    assert path.is_file(), f"{module} is missing"
    docstring = ast.get_docstring(ast.parse(path.read_text()))
    assert docstring and docstring.splitlines()[0].strip(), f"{module} says nothing of its job"


def test_the_package_follows_the_layout() -> None:
    # The contract every provider is held to (tests/core/test_provider_layout.py):
    # required modules, their docstrings, no private names, py.typed, no import
    # cycle, records that send no request, a light declaration, no client module
    # importing the emulator. A new provider copies this test.
    assert layout_problems(NAME) == []
