"""Request parsing and response building shared by the emulator's endpoints.

Bodies may be JSON or form-encoded (api.md, "Response Formats": both are valid
for POST, PATCH and PUT); query parameters and body fields are merged, body
winning, so ``POST /flattr?url=...`` and a JSON ``{"url": ...}`` behave alike.
"""

from __future__ import annotations

from typing import Any

import msgspec
from werkzeug.wrappers import Request, Response

from paysupport.emulation import loads_json

from .errors import invalid_parameters, invalid_request

JSON_TYPE = "application/json;charset=utf-8"
STREAM_TYPE = "application/stream+json"

#: URL suffixes api.md lets clients use instead of an Accept header.
SUFFIX_TYPES = {
    ".json": "application/json",
    ".xml": "text/xml",
    ".yaml": "application/yaml",
    ".as": STREAM_TYPE,
    ".atom": "application/atom+xml",
    ".txt": "text/plain",
}

#: One encoder for every answer: msgspec writes a page of things several times faster than
#: ``json.dumps`` (compact, UTF-8 as is, like ``ensure_ascii=False``), and the emulator's
#: CPU per answer is what limits a client's concurrent walk on a small machine (P3).
_ENCODER = msgspec.json.Encoder()

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


def params(request: Request) -> dict[str, Any]:
    """Query parameters merged with the JSON or form body; raises ``invalid_request``."""
    merged: dict[str, Any] = dict(request.args.items())
    if request.method in ("POST", "PUT", "PATCH", "DELETE"):
        merged.update(body(request))
    return merged


def body(request: Request) -> dict[str, Any]:
    if request.mimetype == "application/json":
        raw = request.get_data(cache=True)
        if not raw.strip():
            return {}
        try:
            data = loads_json(raw)
        except ValueError:  # also bad UTF-8 and absurd nesting
            raise invalid_request("The request body is not valid JSON") from None
        if not isinstance(data, dict):
            raise invalid_request("The request body must be a JSON object")
        return data
    return dict(request.form.items())


def split_suffix(path: str) -> tuple[str, str]:
    """``/categories.json`` -> (``/categories``, ``.json``); unknown suffixes stay."""
    last = path.rsplit("/", 1)[-1]
    if "." in last:
        stem, _, ext = last.rpartition(".")
        if stem and f".{ext.lower()}" in SUFFIX_TYPES:
            return path[: -len(ext) - 1], f".{ext.lower()}"
    return path, ""


def negotiate(request: Request, suffix: str, offered: tuple[str, ...]) -> str | None:
    """The media type to answer with, or ``None`` when nothing acceptable is offered."""
    if suffix:
        wanted = SUFFIX_TYPES[suffix]
        return wanted if wanted in offered else None
    if not request.accept_mimetypes:
        return offered[0]
    return request.accept_mimetypes.best_match(offered)


def flag(value: Any, name: str) -> bool:
    """A boolean parameter: JSON booleans or ``1/0/true/false``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise invalid_parameters(f"{name} must be a boolean")


def positive_int(args: dict[str, Any], name: str, default: int) -> int:
    value = args.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(str(value))
    except ValueError:
        raise invalid_parameters(f"{name} must be a positive integer") from None
    if number < 1:
        raise invalid_parameters(f"{name} must be a positive integer")
    return number


def page_of(items: list[Any], args: dict[str, Any]) -> tuple[list[Any], int]:
    """Slice by ``page`` (first is 1) and ``count`` (default 30), as the list routes document."""
    page = positive_int(args, "page", 1)
    count = positive_int(args, "count", 30)
    start = (page - 1) * count
    return items[start : start + count], page


def json_response(
    data: Any,
    status: int = 200,
    *,
    content_type: str = JSON_TYPE,
    headers: dict[str, str] | None = None,
) -> Response:
    return Response(
        _ENCODER.encode(data),
        status=status,
        content_type=content_type,
        headers=headers,
    )
