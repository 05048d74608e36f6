"""Answers for the catalog methods the emulator has no model for: the documented example.

The emulator's store holds users, documents, albums, faves and uploads (see
:mod:`~paysupport_ipernity.emulator.api`). Ipernity documents 49 more methods with an
example response (folders, groups, comments, visitors, explore, quotas, ...). Rather than
refusing them with a code Ipernity does not have, the emulator answers each with its
documented example, turned into Ipernity's JSON form, so a client that parses the shape
(the old libraries' documented flows) works. The data is the example's, not the sandbox
world's: a ``folder.create`` creates nothing and ``group.getList`` lists the example's
groups. Identifying parameters the caller sent (``doc_id``, ``folder_id``, ``group_id``, ...)
replace the example's values on the answer's top element, so the answer is at least about
what was asked. Catalog methods without a documented response answer "Method not found"
(code 1) from the dispatcher, as Ipernity does for a method it does not serve.

The catalog's examples are XML written by hand: some have several top elements, unclosed
tags, duplicate attributes or ``(...)`` for elided siblings, so they are read with the
forgiving :class:`html.parser.HTMLParser`, not an XML parser. The JSON form follows
:mod:`~paysupport_ipernity.emulator.views`: attributes become string values, a child element
a nested object, an element holding only text a string. Two choices where the reference is
silent: a child is a list when it repeats or when its parent is named as its plural
(``docs``/``doc``, ``folders``/``folder``), so lists are lists even of one, as the emulator's
other lists are; an element with both attributes and text keeps the text under ``_content``,
as Flickr's JSON (the API Ipernity's copies) does. Placeholders such as
``<dates ... if option/>`` (an optional element) are left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from paysupport_ipernity.catalog import Method, load_catalog
from paysupport_ipernity.emulator.api import Call, handles
from paysupport_ipernity.emulator.errors import METHOD_NOT_FOUND, ApiError
from paysupport_ipernity.emulator.store import State
from paysupport_ipernity.emulator.views import JSON

__all__ = ["documented_answer", "example_json", "methods_get", "methods_get_list"]

_NAME = re.compile(r"[a-z_][a-z0-9_]*\Z")
_ELIDED = "(...)"
_PAGINATION = frozenset({"total", "page", "pages", "per_page"})
#: Hosts of the examples' links and file URLs; answers point back at the emulator instead.
_EXAMPLE_HOSTS = re.compile(r"https?://(?:www|u1)\.ipernity\.(?:com|dev)/")


@dataclass
class _Element:
    tag: str
    attributes: dict[str, str]
    children: list[_Element] = field(default_factory=list)
    text: str = ""
    placeholder: bool = False


class _Reader(HTMLParser):
    """Builds a tree from a hand-written example, tolerating its slips."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.top: list[_Element] = []
        self._open: list[_Element] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = _Element(
            tag,
            {k: v.strip('"') for k, v in attrs if v is not None and _NAME.match(k)},
            placeholder=any(k == "..." for k, _ in attrs),
        )
        (self._open[-1].children if self._open else self.top).append(element)
        self._open.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._open.pop()

    def handle_endtag(self, tag: str) -> None:
        # Close up to the matching element; a stray end tag closes nothing.
        for depth in range(len(self._open) - 1, -1, -1):
            if self._open[depth].tag == tag:
                del self._open[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self._open:
            return
        self._open[-1].text += data.replace(_ELIDED, "")


def _value(name: str, raw: str) -> str | int:
    return int(raw) if name in _PAGINATION and raw.isdigit() else raw


def _convert(element: _Element) -> Any:
    text = " ".join(element.text.split())
    if not element.attributes and not element.children:
        return text
    out: dict[str, Any] = {k: _value(k, v) for k, v in element.attributes.items()}
    children = [child for child in element.children if not child.placeholder]
    tags = [child.tag for child in children]
    for child in children:
        converted = _convert(child)
        if element.tag == f"{child.tag}s" or tags.count(child.tag) > 1:
            out.setdefault(child.tag, []).append(converted)
        else:
            out[child.tag] = converted
    if text:
        out["_content"] = text
    return out


def example_json(method: Method, root: str) -> JSON:
    """The JSON body (without ``api``) of ``method``'s documented example.

    ``root`` is the request's URL root: the example's links and file URLs are rebuilt on it.
    """
    reader = _Reader()
    reader.feed(_EXAMPLE_HOSTS.sub(root, method.response_example))
    reader.close()
    return {element.tag: _convert(element) for element in reader.top}


def documented_answer(state: State, call: Call) -> JSON:
    """Handler for a documented method the emulator does not model (see the module doc)."""
    body = example_json(call.method, call.root)
    for element in body.values():
        if isinstance(element, dict):
            for name in element:
                if name.endswith("_id") and call.has(name):
                    element[name] = call.text(name)
    return body


# -- api.methods: reflection straight from the catalog ---------------------------------


def _summary(method: Method) -> JSON:
    return {
        "name": method.name,
        "service": method.service,
        "authentication": {
            "token": str(int(method.token)),
            "sign": str(int(method.sign)),
            "post": str(int(method.post)),
        },
        "permissions": dict(method.permissions),
        "title": method.title,
    }


@handles("api.methods.getList")
def methods_get_list(state: State, call: Call) -> JSON:
    """``api.methods.getList``: every method of the catalog."""
    methods = list(load_catalog())
    return {"methods": {"total": len(methods), "method": [_summary(m) for m in methods]}}


@handles("api.methods.get")
def methods_get(state: State, call: Call) -> JSON:
    """``api.methods.get``: one method's description; code 1 when Ipernity has no such method."""
    method = load_catalog().get(call.text("method", "api.methods.get") or "api.methods.get")
    if method is None:
        raise ApiError(METHOD_NOT_FOUND, "Method not found")
    params = [
        {"name": p.name, "required": str(int(p.required)), "_content": p.description}
        for p in method.parameters
    ]
    return {"method": {**_summary(method), "parameters": {"param": params}}}
