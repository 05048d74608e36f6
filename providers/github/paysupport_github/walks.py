"""The collections' walks: GraphQL connections paged by cursor on the core Walk.

Every collection is a connection read ``first`` nodes at a time (100 by
default, GitHub's maximum) ``after`` the previous page's ``endCursor``; the
walk follows ``pageInfo.hasNextPage``, reports ``totalCount`` as
``Walk.total`` and resumes from ``Walk.cursor`` (``start=``). A page is
decoded from the answer's bytes straight into the records it yields (see
:mod:`.resources`), with no dicts in between.

``supporters`` is ``sponsors`` in the common :class:`~paysupport.supporters.Supporter`
shape, so an application asks GitHub and Patreon the same question.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import msgspec

from paysupport.decode import UNSET, Undeclared, decode
from paysupport.errors import InvalidRequest, NotFound, ResponseFormatError
from paysupport.supporters import Period, Supporter, SupporterStatus
from paysupport.walk import Page, Walk
from paysupport_github.catalog import MAX_PAGE_SIZE
from paysupport_github.errors import PROVIDER
from paysupport_github.resources import Account, Answer, Connection, Node, Sponsorship

#: ``fetch(variables) -> (body, root)``: one GraphQL call with the page's ``first``/``after``;
#: the answer's bytes (:meth:`.transport.GraphQL.answer`) and the root read (``viewer``...).
Fetch = Callable[[Mapping[str, Any]], tuple[bytes, str]]


def dig(data: Any, path: Sequence[str], operation: str) -> Any:
    """``data[path[0]][path[1]]...``, through dicts or structs; a ``null`` is :class:`NotFound`.

    ``repositoryOwner(login:)`` answers ``null`` for an unknown login, and a
    sponsorable without a Sponsors listing has ``sponsorsListing: null``; both
    mean there is nothing to read under that name.
    """
    node: Any = data
    for index, key in enumerate(path):
        if isinstance(node, Mapping):
            node = node.get(key)
        elif isinstance(node, msgspec.Struct):
            node = getattr(node, key, None)
            node = None if node is UNSET else node
        else:
            raise ResponseFormatError(
                f"{operation}: expected an object at {'.'.join(path[:index]) or 'data'}",
                provider=PROVIDER,
            )
        if node is None:
            raise NotFound(
                f"{operation}: {'.'.join(path[: index + 1])} is null "
                "(no such account, or nothing GitHub lets this token see)",
                provider=PROVIDER,
                code="NOT_FOUND",
            )
    return node


class DecodedPage(Page[Any]):
    """A page decoded straight into structs; ``raw`` is rebuilt from them when it is read.

    ``raw`` is what it is for every GitHub page, the account's JSON as GitHub sent it
    (``{"account": {...}}``); rebuilding it costs about what decoding the page did,
    so only a caller who reads it pays (once: it is kept).
    """

    def __init__(
        self, items: list[Any], next: str | None, total: int | None, account: Account
    ) -> None:
        self._account = account
        self._raw: Any = None
        super().__init__(items=items, next=next, total=total)

    @property
    def raw(self) -> Any:
        raw = self._raw
        if raw is None:  # two threads may both build it: the same value
            raw = self._raw = {"account": msgspec.to_builtins(self._account)}
        return raw

    @raw.setter
    def raw(self, value: Any) -> None:
        self._raw = value


def connection_walk(
    fetch: Fetch,
    path: Sequence[str],
    kind: type[Node],
    view: Callable[[Any], Any] | None = None,
    *,
    operation: str,
    first: int = MAX_PAGE_SIZE,
    start: str | None = None,
) -> Walk[Any]:
    """A lazy walk over the connection at ``path`` (``account.<field>...``) of each answer.

    Each page is decoded from its bytes straight into the declared records
    (:class:`~paysupport_github.resources.Answer`): the walk yields them, or
    ``view(record)``. A value of the wrong type raises
    :class:`~paysupport.decode.ResponseFieldError` naming it
    (``$.data.viewer.sponsorshipsAsMaintainer.nodes[3].tier.monthlyPriceInCents``);
    an answer with a field the declaration does not know is read by the generic
    reader instead (``kind.from_node`` on dicts), so nothing it sent is lost.
    """

    def page(cursor: str | None) -> Page[Any]:
        body, root = fetch({"first": first, "after": cursor})
        try:
            answer = decode(body, Answer, provider=PROVIDER)
        except Undeclared:
            return _generic_page(body, root, path, kind, view, operation)
        data: dict[str, Any] = {"account": getattr(answer.data, root, None)}
        connection = dig(data, path, operation)
        if not isinstance(connection, Connection):
            raise ResponseFormatError(f"{operation}: not a connection", provider=PROVIDER)
        nodes = [node for node in connection.nodes if node is not None]
        info = connection.pageInfo
        return DecodedPage(
            items=nodes if view is None else [view(node) for node in nodes],
            next=(info.endCursor or None) if info.hasNextPage else None,
            total=connection.totalCount,
            account=data["account"],
        )

    return Walk(page, start=start, pagination="cursor")


def _generic_page(
    body: bytes,
    root: str,
    path: Sequence[str],
    kind: type[Node],
    view: Callable[[Any], Any] | None,
    operation: str,
) -> Page[Any]:
    """A page the declared structs refused, read through dicts as walks always did."""
    payload = json.loads(body)  # the transport checked it is JSON with a data object
    data = {"account": payload["data"].get(root)}
    connection = dig(data, path, operation)
    if not isinstance(connection, Mapping):
        raise ResponseFormatError(f"{operation}: not a connection", provider=PROVIDER)
    nodes = [
        kind.from_node(node) for node in connection.get("nodes") or [] if isinstance(node, Mapping)
    ]
    info = connection.get("pageInfo") or {}
    following = info.get("endCursor") if info.get("hasNextPage") else None
    total = connection.get("totalCount")
    return Page(
        items=nodes if view is None else [view(node) for node in nodes],
        next=following if isinstance(following, str) and following else None,
        total=total if isinstance(total, int) and not isinstance(total, bool) else None,
        raw=data,
    )


def page_size(value: Any) -> int:
    """``count``: 1..100 (GitHub's bounds), 100 when not given."""
    if value in (None, ""):
        return MAX_PAGE_SIZE
    try:
        count = int(value)
    except (TypeError, ValueError):
        count = 0
    if not 1 <= count <= MAX_PAGE_SIZE:
        raise InvalidRequest(
            f"count must be between 1 and {MAX_PAGE_SIZE} (GitHub's page sizes), not {value!r}",
            provider=PROVIDER,
        )
    return count


def flag(value: Any, default: bool) -> bool:
    """A filter's yes/no, from Python or from the command line's text."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def supporter(sponsorship: Sponsorship, account: str | None = None) -> Supporter:
    """A sponsorship as the common :class:`Supporter`.

    ``id`` is the sponsor's GraphQL node id (stable across login renames; their
    login is in ``resource.sponsor.login``), or the sponsorship's own id when GitHub
    hides the sponsor from this token. ``name`` is the sponsor's name, else their
    login. ``amount`` is the tier's price in US cents, per ``MONTH``, or ``ONCE``
    for a one-time payment. ``status``: ``active``, ``one-time`` (an active
    one-time payment) or ``past``. ``since`` is when the sponsorship began;
    ``account`` is the maintainer's login.
    """
    sponsor = sponsorship.sponsor
    one_time = sponsorship.is_one_time_payment or bool(
        sponsorship.tier and sponsorship.tier.is_one_time
    )
    if not sponsorship.is_active:
        status = SupporterStatus.PAST
    elif one_time:
        status = SupporterStatus.ONE_TIME
    else:
        status = SupporterStatus.ACTIVE
    tier = sponsorship.tier
    return Supporter(
        provider=PROVIDER,
        id=(sponsor.id or sponsor.login) if sponsor else sponsorship.id,
        name=(sponsor.name or sponsor.login) if sponsor else None,
        status=status,
        amount=sponsorship.amount,
        period=(Period.ONCE if one_time else Period.MONTH) if tier else None,
        tier=tier.name if tier else None,
        tier_id=tier.id if tier else None,
        email=sponsor.email if sponsor else None,
        since=sponsorship.created_at,
        account=account or (sponsorship.sponsorable.login if sponsorship.sponsorable else None),
        resource=sponsorship,
    )


__all__ = ["DecodedPage", "connection_walk", "dig", "flag", "page_size", "supporter"]
