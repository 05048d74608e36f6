"""What Ipernity's API allows: its method catalog, typed.

``data/methods.json`` is Ipernity's own description of its 102 API methods (what
``api.methods.get`` returns): whether a call must be signed, needs a user's token, must be
POSTed, which permission it needs and which parameters are required. Client and emulator
read it from here so that both enforce the same rules without restating them by hand.

The raw file is uneven (``permissions`` is sometimes ``""`` or ``[]``, some methods have no
``parameters``); :func:`load_catalog` smooths that into :class:`Method` records.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from importlib import resources
from types import MappingProxyType
from typing import Any

__all__ = ["Catalog", "Method", "Parameter", "load_catalog"]


@dataclass(frozen=True)
class Parameter:
    """One documented parameter of a method."""

    name: str
    required: bool
    description: str = ""


@dataclass(frozen=True)
class Method:
    """What the catalog says about one API method.

    ``permissions`` maps a category (``doc``, ``blog``, ``post``, ``network``, ``profile``)
    to the minimum level a token must grant; it is empty for methods anyone may call.
    """

    name: str
    sign: bool
    token: bool
    post: bool
    permissions: Mapping[str, str] = field(default_factory=dict)
    parameters: tuple[Parameter, ...] = ()
    title: str = ""
    service: str = ""
    response_example: str = ""

    @property
    def required_parameters(self) -> tuple[str, ...]:
        """Names of the parameters the caller must send (``api_key`` included)."""
        return tuple(p.name for p in self.parameters if p.required)

    def parameter(self, name: str) -> Parameter | None:
        """The documented parameter called ``name``, if any."""
        return next((p for p in self.parameters if p.name == name), None)


class Catalog:
    """Read-only collection of :class:`Method` by name (``"doc.get" in catalog``)."""

    def __init__(self, methods: Mapping[str, Method]) -> None:
        self._methods = MappingProxyType(dict(methods))

    def get(self, name: str) -> Method | None:
        """The method called ``name``, or ``None`` if Ipernity has no such method."""
        return self._methods.get(name)

    def __getitem__(self, name: str) -> Method:
        return self._methods[name]

    def __contains__(self, name: object) -> bool:
        return name in self._methods

    def __iter__(self) -> Iterator[Method]:
        return iter(self._methods.values())

    def __len__(self) -> int:
        return len(self._methods)

    def names(self) -> tuple[str, ...]:
        """All method names, sorted."""
        return tuple(sorted(self._methods))


def _flag(value: Any) -> bool:
    return str(value).strip() not in ("", "0", "False", "false", "None")


def _method(raw: Mapping[str, Any]) -> Method:
    auth = raw.get("authentication") or {}
    perms = raw.get("permissions")
    parameters = tuple(
        Parameter(
            name=str(p["name"]),
            required=_flag(p.get("required", 0)),
            description=str(p.get("value", "")),
        )
        for p in raw.get("parameters") or ()
    )
    return Method(
        name=str(raw["name"]),
        sign=_flag(auth.get("sign", 0)),
        token=_flag(auth.get("token", 0)),
        post=_flag(auth.get("post", 0)),
        permissions=MappingProxyType(
            {str(k): str(v) for k, v in perms.items()} if isinstance(perms, dict) else {}
        ),
        parameters=parameters,
        title=str(raw.get("title", "")),
        service=str(raw.get("service", "")),
        response_example=str(raw.get("response", "")),
    )


@functools.cache
def load_catalog() -> Catalog:
    """The catalog shipped with this package (parsed once per process)."""
    text = resources.files("paysupport_ipernity").joinpath("data/methods.json").read_text("utf-8")
    raw: dict[str, Any] = json.loads(text)
    return Catalog({name: _method(entry) for name, entry in raw.items()})
