"""The Example provider: the smallest complete paysupport provider, installed for the tests.

It proves the plugin boundary (paysupport finds it through its entry points alone,
exactly as it finds Patreon, Flattr and Ipernity) and it is the template of
docs/writing-a-provider.md, whose code is taken from its files.

The Example service has an API key, ``GET /api/me``, page-numbered
``GET /api/items?page=N`` and ``POST /api/supports`` (a tip for a URL on
``tips.example``, once per URL: a second one is refused with 409). The
declaration is :data:`paysupport_example.info.INFO` (the ``paysupport.providers``
entry point); its emulator is :mod:`paysupport_example.emulator`.

The names below are imported on first use, so that reading the declaration
(``paysupport_example.info``, which imports this package first) imports no client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .client import ExampleClient, connect
    from .errors import AlreadyTipped
    from .resources import Item, Tip

__all__ = ["AlreadyTipped", "ExampleClient", "Item", "Tip", "connect"]

#: Where each public name lives.
_HOMES = {
    "ExampleClient": "client",
    "connect": "client",
    "AlreadyTipped": "errors",
    "Item": "resources",
    "Tip": "resources",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # found directly next time
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
