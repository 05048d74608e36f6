"""The method-property form: ``client.doc.tags.add(doc_id=..., keywords=...)``.

flickrapi's convenience: attribute access builds the dotted method name, calling it sends
``client.call(name, **params)``. Nothing is checked until the call, where an unknown name
raises :class:`~paysupport_ipernity.errors.UnknownMethod` before any request; ``dir()`` lists
what the catalogue has under a prefix and ``repr()`` a method's parameters, so the shell
shows real methods.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from paysupport_ipernity.catalogue import Catalogue

__all__ = ["MethodProxy", "top_level_names"]

Call = Callable[..., dict[str, Any]]


def top_level_names(catalogue: Catalogue) -> frozenset[str]:
    """The first segment of every method name (``doc``, ``album``, ``user``...)."""
    return frozenset(name.split(".", 1)[0] for name in catalogue.names())


class MethodProxy:
    """A dotted method name being built; call it to send the method."""

    __slots__ = ("_call", "_catalogue", "_name")

    def __init__(self, name: str, call: Call, catalogue: Catalogue) -> None:
        self._name = name
        self._call = call
        self._catalogue = catalogue

    def __getattr__(self, part: str) -> MethodProxy:
        if part.startswith("_"):
            raise AttributeError(part)
        return MethodProxy(f"{self._name}.{part}", self._call, self._catalogue)

    def __call__(self, **params: Any) -> dict[str, Any]:
        return self._call(self._name, **params)

    def __dir__(self) -> list[str]:
        prefix = self._name + "."
        return sorted(
            {
                n[len(prefix) :].split(".", 1)[0]
                for n in self._catalogue.names()
                if n.startswith(prefix)
            }
        )

    def __repr__(self) -> str:
        method = self._catalogue.get(self._name)
        if method is None:
            return f"<Ipernity methods under {self._name}: {', '.join(dir(self)) or 'none'}>"
        params = ", ".join(
            p.name + ("" if p.required else "?") for p in method.parameters if p.name != "api_key"
        )
        return f"<Ipernity method {method.name}({params}): {method.title}>"
