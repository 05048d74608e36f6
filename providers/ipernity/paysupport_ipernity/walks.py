"""Page-numbered walks over Ipernity's list methods, on the core's :class:`~paysupport.Walk`.

A list answer nests its items under a container that carries the pagination::

    {"api": {...}, "albums": {"total": 17, "page": 1, "pages": 9, "per_page": 2,
                              "album": [{...}, {...}]}}

so a walk needs the *element path* (``albums.album``). For ``<noun>.<verb>`` methods it is
guessed from the noun (``album.getList`` -> ``albums.album``, ``doc.search`` ->
``docs.doc``); deeper methods nest differently (``album.docs.getList`` answers
``album.docs.doc``, ``faves.docs.getList`` answers ``docs.doc``), so they take an explicit
dotted path, and a path without a dot is read as the element name (``"doc"`` ->
``docs.doc``).

Numbers may arrive as numbers or as strings (the XML heritage); a list of one may arrive as a
bare object. ``pages`` is computed from ``total`` and ``per_page`` when it is missing (the
``album.getList`` example has none). Because the first page reports the total, the walk can
prefetch the following pages (``max_workers``).

Document walks (:func:`doc_walk`) decode each page's bytes straight into
:class:`~paysupport_ipernity.resources.Doc` structs, with no dicts in between; a page's
``raw`` (the whole answer as dicts) is rebuilt from them when read. A value of another type
than declared is a :class:`~paysupport.decode.ResponseFieldError` naming it
(``$.docs.doc[3].title``); an answer with a field the declaration does not know is read by
the dict reader, as other walks' pages are, so nothing it sent is lost.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import msgspec
import requests

from paysupport.decode import UNSET, ResponseFieldError, Undeclared, decode
from paysupport.errors import InvalidRequest, ResponseFormatError
from paysupport.walk import Page, Walk
from paysupport_ipernity.errors import PROVIDER
from paysupport_ipernity.resources import (
    DOC_ANSWERS,
    AlbumDocsAnswer,
    Doc,
    DocsAnswer,
    docs_of,
)

__all__ = [
    "DEFAULT_PER_PAGE",
    "AnswerPage",
    "Answers",
    "ListInfo",
    "data_walk",
    "doc_walk",
    "element_path",
    "list_info",
    "read_list",
]

T = TypeVar("T")
JSON = dict[str, Any]

#: Ipernity's maximum page size for list methods.
DEFAULT_PER_PAGE = 100

#: Options of the walk itself, never sent to Ipernity.
WALK_OPTIONS = ("max_workers",)


def element_path(method: str, elem_name: str | None = None) -> tuple[str, ...]:
    """Where ``method`` puts its list items, as a key path (see the module docstring)."""
    if elem_name:
        parts = tuple(p.strip() for p in elem_name.split("."))
        if not all(parts):
            raise InvalidRequest(f"element path {elem_name!r} has an empty part", provider=PROVIDER)
        return parts if len(parts) > 1 else (parts[0] + "s", parts[0])
    segments = method.split(".")
    if len(segments) == 2 and segments[0]:
        noun = segments[0]
        return (noun + "s", noun)
    raise InvalidRequest(
        f"cannot guess where {method} puts its list: pass elem_name as a dotted path "
        "(album.docs.getList -> 'album.docs.doc', faves.docs.getList -> 'docs.doc')",
        provider=PROVIDER,
    )


@dataclass(frozen=True)
class ListInfo:
    """The pagination of one list answer."""

    total: int | None
    page: int
    pages: int | None
    per_page: int | None


def _number(container: Mapping[str, Any], *keys: str) -> int | None:
    for key in keys:
        if key in container and container[key] not in (None, ""):
            try:
                return int(container[key])
            except (TypeError, ValueError):
                raise ResponseFormatError(
                    f"list field {key!r} is not a number: {container[key]!r}", provider=PROVIDER
                ) from None
    return None


def list_info(container: Mapping[str, Any], page: int) -> ListInfo:
    """The pagination of a list container (``total``, ``page``, ``pages``, ``per_page``)."""
    total = _number(container, "total")
    per_page = _number(container, "per_page", "perpage")
    pages = _number(container, "pages")
    if pages is None and total is not None and per_page:
        pages = math.ceil(total / per_page)
    current = _number(container, "page") or page
    return ListInfo(total=total, page=current, pages=pages, per_page=per_page)


def _following(page: int, found: int, info: ListInfo) -> int | None:
    """The page after ``page`` (which held ``found`` items), ``None`` on the last one."""
    if not found:
        return None
    if info.pages is not None:
        return page + 1 if page < info.pages else None
    # no total: a full page may have a successor
    return page + 1 if info.per_page and found >= info.per_page else None


def _first_page(params: Mapping[str, Any]) -> tuple[dict[str, Any], int]:
    """``params`` without ``page`` (where to start, returned too) and with a ``per_page``."""
    base = dict(params)
    start = int(base.pop("page", None) or 1)
    if base.get("per_page") in (None, "") and base.get("count") in (None, ""):
        base["per_page"] = DEFAULT_PER_PAGE
    return base, start


def read_list(
    body: Mapping[str, Any], path: tuple[str, ...], method: str, page: int
) -> tuple[list[JSON], ListInfo]:
    """The items and pagination at ``path`` in a list answer."""
    container: Any = body
    for key in path[:-1]:
        container = container.get(key) if isinstance(container, Mapping) else None
        if not isinstance(container, Mapping):
            raise ResponseFormatError(
                f"{method}: no {'.'.join(path[:-1])!r} list in the answer "
                "(pass elem_name if the path differs)",
                provider=PROVIDER,
            )
    raw = container.get(path[-1])
    if raw is None:
        items: list[Any] = []
    elif isinstance(raw, dict):
        items = [raw]  # a list of one, collapsed to an object
    elif isinstance(raw, list):
        items = raw
    else:
        raise ResponseFormatError(
            f"{method}: {'.'.join(path)!r} is neither a list nor an object", provider=PROVIDER
        )
    if not all(isinstance(item, dict) for item in items):
        raise ResponseFormatError(
            f"{method}: {'.'.join(path)!r} holds something other than objects",
            provider=PROVIDER,
        )
    return items, list_info(container, page)


def data_walk(
    call: Callable[[str, Mapping[str, Any]], JSON],
    method: str,
    path: tuple[str, ...],
    params: Mapping[str, Any],
    convert: Callable[[JSON], T],
    *,
    max_workers: int | None = None,
) -> Walk[T]:
    """A lazy walk over every page of ``method``.

    ``params`` may hold ``page`` (where to start, 1 by default, e.g. a previous walk's
    ``cursor``) and ``per_page`` (100 by default, Ipernity's maximum).
    """
    base, start = _first_page(params)

    def fetch(page: int) -> Page[T]:
        body = call(method, {**base, "page": page})
        items, info = read_list(body, path, method, page)
        return Page(
            items=[convert(item) for item in items],
            next=_following(page, len(items), info),
            position=page,
            total=info.total,
            pages=info.pages,
            raw=body,
        )

    return Walk(
        fetch,
        start=start,
        pagination="page",
        max_workers=None if max_workers is None else max(1, int(max_workers)),
    )


# -- document walks, decoded from the answers' bytes --------------------------------------


class Answers(Protocol):
    """What a document walk sends its calls through (the client's :class:`ApiCaller`)."""

    def answer(self, name: str, params: Mapping[str, Any]) -> requests.Response: ...

    def read(self, response: requests.Response, name: str) -> JSON: ...


class AnswerPage(Page[T]):
    """A page decoded into structs: ``raw``, the whole answer as dicts, is rebuilt when read.

    Rebuilding costs about what decoding the page into dicts would; a walk that never
    reads ``raw`` (most) never pays it.
    """

    def __init__(self, answer: Any, **fields: Any) -> None:
        self._answer = answer
        self._given: Any = None
        super().__init__(**fields)

    @property  # a field of Page, computed here
    def raw(self) -> Any:
        if self._given is not None:
            return self._given
        return msgspec.to_builtins(self._answer)

    @raw.setter
    def raw(self, value: Any) -> None:
        self._given = value


def doc_walk(
    caller: Answers,
    method: str,
    path: tuple[str, ...],
    params: Mapping[str, Any],
    *,
    max_workers: int | None = None,
) -> Walk[Doc]:
    """A lazy walk over every page of a list method whose items are documents.

    ``path`` is one of :data:`~paysupport_ipernity.resources.DOC_ANSWERS`; ``params`` as
    for :func:`data_walk`. Pages are decoded into :class:`Doc` structs (module docstring).
    """
    kind = DOC_ANSWERS[path]
    base, start = _first_page(params)

    def fetch(page: int) -> Page[Doc]:
        response = caller.answer(method, {**base, "page": page})
        answer = _decoded(caller, response, method, kind)
        if answer is None:  # not what the declaration knows: the dict reader reads it
            body = caller.read(response, method)
            records, info = read_list(body, path, method, page)
            items = [Doc.from_record(record) for record in records]
            return Page(
                items=items,
                next=_following(page, len(items), info),
                position=page,
                total=info.total,
                pages=info.pages,
                raw=body,
            )
        listing = docs_of(answer)
        if listing is None:
            raise ResponseFormatError(
                f"{method}: no {'.'.join(path[:-1])!r} list in the answer "
                "(pass elem_name if the path differs)",
                provider=PROVIDER,
            )
        docs = listing.items
        info = list_info(listing.pagination, page)
        return AnswerPage(
            answer,
            items=docs,
            next=_following(page, len(docs), info),
            position=page,
            total=info.total,
            pages=info.pages,
        )

    return Walk(
        fetch,
        start=start,
        pagination="page",
        max_workers=None if max_workers is None else max(1, int(max_workers)),
    )


def _decoded(
    caller: Answers,
    response: requests.Response,
    method: str,
    kind: type[DocsAnswer] | type[AlbumDocsAnswer],
) -> DocsAnswer | AlbumDocsAnswer | None:
    """The answer decoded as ``kind``; ``None`` when the dict reader should read it.

    Whatever is wrong with the envelope (a refusal, ``api.status`` other than ``ok``, a
    body that is not JSON) is said by the caller's :meth:`~Answers.read`, exactly as for
    ``call()``; a value of the wrong type in an accepted answer is a
    :class:`~paysupport.decode.ResponseFieldError` naming it.
    """
    if response.status_code != 200:
        caller.read(response, method)  # raises the error the refusal stands for
        return None
    try:
        answer = decode(response.content, kind, provider=PROVIDER)
    except Undeclared:
        return None
    except ResponseFieldError as exc:
        caller.read(response, method)  # an error envelope says so first
        raise ResponseFieldError(
            f"{method}: {exc.message}", provider=PROVIDER, path=exc.path
        ) from None
    except ResponseFormatError:
        caller.read(response, method)  # raises, with the status and an excerpt
        raise
    api = answer.api
    if api is UNSET or api.get("status") != "ok":
        caller.read(response, method)  # raises the error the envelope stands for
        return None
    return answer
