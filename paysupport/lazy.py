"""Public names of a package, imported on first use.

A provider's ``info.py`` is read when providers are listed; importing it runs
the package's ``__init__`` first. A package that imported its client there
would load the client, ``requests`` and everything else just to be listed. So
packages name where each public name lives and let this module import it when
it is first touched (PEP 562's module ``__getattr__``). Type checkers still see
the names through the package's ``if TYPE_CHECKING:`` imports.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, homes: Mapping[str, str], *, renamed: Mapping[str, str] | None = None
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose names live in ``homes``.

    ``homes`` maps each public name to the submodule holding it, relative to the
    package (``{"PatreonClient": "client"}``). Use it as::

        __getattr__, __dir__ = lazy_exports(__name__, {"PatreonClient": "client"})

    A name found once is kept in the package, so later look-ups cost nothing.
    ``renamed`` maps old public names to their new ones (which must be in
    ``homes``): the old name still works, with a :class:`DeprecationWarning` on
    every use, for one release.
    """
    old_names = dict(renamed or {})

    def __getattr__(name: str) -> Any:
        if name in old_names:
            new = old_names[name]
            warnings.warn(
                f"{package}.{name} is now {package}.{new}; the old name goes in the next"
                " minor release",
                DeprecationWarning,
                stacklevel=2,
            )
            return __getattr__(new)
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{home}", package), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *homes})

    return __getattr__, __dir__
