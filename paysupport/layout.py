"""Check a provider package against the provider layout (docs/writing-a-provider.md).

The layout is a contract only while something checks it. :func:`layout_problems`
reads a provider package's files (never imports them) and lists what breaks
the contract: a required module missing, a module whose docstring does not say
its job, a private (underscore) module name, an import cycle inside the
package, records (``resources``) importing a module that sends requests, a
declaration (``info``) importing more than the standard library and the core's
declaration types, a
client module importing the emulator. Imports are read with :mod:`ast`, so an
import inside a function or a ``TYPE_CHECKING`` block is counted too: a lazy
import cannot hide a cycle. The project's tests run it on every installed
provider; a third party can run it on its own in one line::

    assert not layout_problems("paysupport_acme")
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["REQUIRED", "find_cycle", "import_graph", "layout_problems"]

#: Modules every provider has; the others of the layout are optional (auth when
#: nobody logs in, catalog, walks, webhooks, emulator pages...).
REQUIRED = (
    "__init__",
    "info",
    "client",
    "errors",
    "resources",
    "transport",
    "demo",
    "emulator.__init__",
    "emulator.app",
    "emulator.store",
    "emulator.seed",
    "emulator.admin",
)

#: Modules that send requests: the records must not import them.
CALLERS = ("client", "transport", "demo")


def package_dir(package: str) -> Path:
    """The folder of an installed package, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"no package named {package!r} is installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _modules(root: Path, package: str) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join((package, *parts))] = path
    return found


def import_graph(package: str, root: Path | None = None) -> dict[str, set[str]]:
    """Each module of ``package`` and the modules of the same package it imports."""
    root = root or package_dir(package)
    known = _modules(root, package)
    edges: dict[str, set[str]] = {}
    for name, path in known.items():
        base_package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = base_package.split(".")
                    anchor = anchor[: len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base]) if base else ".".join(anchor)
                # ``from . import x`` imports the module x, not a name of the package
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base
                    for alias in node.names
                ]
            found.update(t for t in targets if t in known and t != name)
        edges[name] = found
    return edges


def find_cycle(edges: Mapping[str, Iterable[str]]) -> list[str] | None:
    """One import cycle as a path of module names (first == last), or ``None``."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for following in sorted(edges.get(node, ())):
            if state.get(following) == 1:
                return [*path[path.index(following) :], following]
            if following not in state and (cycle := visit(following)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def layout_problems(package: str, *, root: Path | None = None) -> list[str]:
    """What in ``package`` breaks the provider layout; empty when nothing does."""
    root = root or package_dir(package)
    problems: list[str] = []
    for module in REQUIRED:
        path = root / (module.replace(".", "/") + ".py")
        if not path.is_file():
            problems.append(f"{module}.py is missing")
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if path.name.startswith("_") and path.name not in ("__init__.py", "__main__.py"):
            problems.append(f"{relative} has a private name: name modules by their job")
        docstring = ast.get_docstring(ast.parse(path.read_text("utf-8")))
        if not (docstring and docstring.strip().splitlines()[0].strip()):
            problems.append(f"{relative} does not say its job in its first docstring line")
    if not (root / "py.typed").is_file():
        problems.append("py.typed is missing: the package's types are not published")
    edges = import_graph(package, root)
    cycle = find_cycle(edges)
    if cycle:
        problems.append("import cycle: " + " -> ".join(cycle))
    if any(package in targets for targets in edges.values()):
        problems.append(f"a module imports the package {package} itself (a cycle through it)")
    records = edges.get(f"{package}.resources", set())
    sending = sorted(t for t in records if t.rpartition(".")[2] in CALLERS)
    if sending:
        problems.append(f"resources imports {', '.join(sending)}, which send requests")
    info = root / "info.py"
    if info.is_file():
        tree = ast.parse(info.read_text("utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
            a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
        }
        heavy = sorted(
            m
            for m in imported - {"paysupport.info"}
            if m and m.partition(".")[0] not in sys.stdlib_module_names
        )
        if heavy:
            problems.append(
                f"info imports {', '.join(heavy)}: only the standard library and"
                " paysupport.info keep the declaration light"
            )
    for name, targets in sorted(edges.items()):
        if name.startswith(f"{package}.emulator"):
            continue
        into_emulator = sorted(t for t in targets if t.startswith(f"{package}.emulator"))
        if into_emulator:
            problems.append(f"{name} imports the emulator ({', '.join(into_emulator)})")
    return problems
