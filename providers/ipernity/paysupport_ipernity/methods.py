"""The method-property form: ``client.doc.tags.add(doc_id=..., keywords=...)``.

flickrapi's convenience: attribute access builds the dotted method name, calling it sends
``client.call(name, **params)``. Nothing is checked until the call, where an unknown name
raises :class:`~paysupport_ipernity.errors.UnknownMethod` before any request; ``dir()`` lists
what the catalog has under a prefix and ``repr()`` a method's parameters, so the shell
shows real methods.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from paysupport_ipernity.catalog import Catalog

__all__ = ["MethodProxy", "top_level_names"]

Call = Callable[..., dict[str, Any]]


def top_level_names(catalog: Catalog) -> frozenset[str]:
    """The first segment of every method name (``doc``, ``album``, ``user``...)."""
    return frozenset(name.split(".", 1)[0] for name in catalog.names())


class MethodProxy:
    """A dotted method name being built; call it to send the method."""

    __slots__ = ("_call", "_catalog", "_name")

    def __init__(self, name: str, call: Call, catalog: Catalog) -> None:
        self._name = name
        self._call = call
        self._catalog = catalog

    def __getattr__(self, part: str) -> MethodProxy:
        if part.startswith("_"):
            raise AttributeError(part)
        return MethodProxy(f"{self._name}.{part}", self._call, self._catalog)

    def __call__(self, **params: Any) -> dict[str, Any]:
        return self._call(self._name, **params)

    def __dir__(self) -> list[str]:
        prefix = self._name + "."
        return sorted(
            {
                n[len(prefix) :].split(".", 1)[0]
                for n in self._catalog.names()
                if n.startswith(prefix)
            }
        )

    def __repr__(self) -> str:
        method = self._catalog.get(self._name)
        if method is None:
            return f"<Ipernity methods under {self._name}: {', '.join(dir(self)) or 'none'}>"
        params = ", ".join(
            p.name + ("" if p.required else "?") for p in method.parameters if p.name != "api_key"
        )
        return f"<Ipernity method {method.name}({params}): {method.title}>"
