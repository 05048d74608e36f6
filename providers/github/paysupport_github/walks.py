"""The collections' walks: GraphQL connections paged by cursor on the core Walk.

Every collection is a connection read ``first`` nodes at a time (100 by
default, GitHub's maximum) ``after`` the previous page's ``endCursor``; the
walk follows ``pageInfo.hasNextPage``, reports ``totalCount`` as
``Walk.total`` and resumes from ``Walk.cursor`` (``start=``).

``supporters`` is ``sponsors`` in the common :class:`~paysupport.supporters.Supporter`
shape, so an application asks GitHub and Patreon the same question.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from paysupport.errors import InvalidRequest, NotFound, ResponseFormatError
from paysupport.supporters import Period, Supporter, SupporterStatus
from paysupport.walk import Page, Walk
from paysupport_github.catalog import MAX_PAGE_SIZE
from paysupport_github.errors import PROVIDER
from paysupport_github.resources import Sponsorship

T = TypeVar("T")

#: ``fetch(variables) -> data``: one GraphQL call with the page's ``first``/``after``.
Fetch = Callable[[Mapping[str, Any]], Mapping[str, Any]]


def dig(data: Mapping[str, Any], path: Sequence[str], operation: str) -> Any:
    """``data[path[0]][path[1]]...``; a ``null`` owner is :class:`NotFound`.

    ``repositoryOwner(login:)`` answers ``null`` for an unknown login, and a
    sponsorable without a Sponsors listing has ``sponsorsListing: null``; both
    mean there is nothing to read under that name.
    """
    node: Any = data
    for index, key in enumerate(path):
        if not isinstance(node, Mapping):
            raise ResponseFormatError(
                f"{operation}: expected an object at {'.'.join(path[:index]) or 'data'}",
                provider=PROVIDER,
            )
        node = node.get(key)
        if node is None:
            raise NotFound(
                f"{operation}: {'.'.join(path[: index + 1])} is null "
                "(no such account, or nothing GitHub lets this token see)",
                provider=PROVIDER,
                code="NOT_FOUND",
            )
    return node


def connection_walk(
    fetch: Fetch,
    path: Sequence[str],
    wrap: Callable[[Mapping[str, Any]], T],
    *,
    operation: str,
    first: int = MAX_PAGE_SIZE,
    start: str | None = None,
) -> Walk[T]:
    """A lazy walk over the connection at ``path`` in each page's ``data``."""

    def page(cursor: str | None) -> Page[T]:
        data = fetch({"first": first, "after": cursor})
        connection = dig(data, path, operation)
        if not isinstance(connection, Mapping):
            raise ResponseFormatError(f"{operation}: not a connection", provider=PROVIDER)
        nodes = connection.get("nodes") or []
        info = connection.get("pageInfo") or {}
        following = info.get("endCursor") if info.get("hasNextPage") else None
        total = connection.get("totalCount")
        return Page(
            items=[wrap(node) for node in nodes if isinstance(node, Mapping)],
            next=following if isinstance(following, str) and following else None,
            total=total if isinstance(total, int) and not isinstance(total, bool) else None,
            raw=data,
        )

    return Walk(page, start=start, pagination="cursor")


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


__all__ = ["connection_walk", "dig", "flag", "page_size", "supporter"]
