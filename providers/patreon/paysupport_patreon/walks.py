"""Cursor walks over Patreon's list routes, and reading the cursor out of a page.

Patreon pages with ``page[count]`` and an opaque ``page[cursor]``; the next
cursor is in ``links.next`` (as its ``page[cursor]`` parameter) and in
``meta.pagination.cursors.next``. A walk yields typed resources lazily, one page
in memory at a time, and ``Walk.cursor`` resumes it.

``supporters`` is ``members`` in the common :class:`~paysupport.supporters.Supporter`
shape (:func:`supporter`), so an application asks Patreon and GitHub the same question.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import parse_qs, urlsplit

from paysupport.decode import UNSET
from paysupport.errors import ResponseFormatError
from paysupport.jsonapi import JsonApiDocument, JsonApiResource
from paysupport.money import Money
from paysupport.supporters import Period, Supporter, SupporterStatus
from paysupport.walk import Page, Walk
from paysupport_patreon.errors import PROVIDER
from paysupport_patreon.resources import PAGES, Campaign, Member, ResourcePage

T = TypeVar("T")


def extract_cursor(document: JsonApiDocument | Mapping[str, Any]) -> str | None:
    """The cursor of the next page, ``None`` on the last one (or when the page says nothing).

    Reads ``links.next``'s ``page[cursor]`` first, as the older library did, then
    ``meta.pagination.cursors.next``. Accepts a document or the raw JSON dict.
    """
    payload: Any = document.payload if isinstance(document, JsonApiDocument) else document
    if not isinstance(payload, Mapping):
        return None
    links = payload.get("links")
    following = links.get("next") if isinstance(links, Mapping) else None
    if isinstance(following, str) and following:
        values = parse_qs(urlsplit(following).query).get("page[cursor]")
        if values:
            return values[0]
    meta = payload.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, Mapping) else None
    cursors = pagination.get("cursors") if isinstance(pagination, Mapping) else None
    cursor = cursors.get("next") if isinstance(cursors, Mapping) else None
    return cursor if isinstance(cursor, str) and cursor else None


def total_of(document: JsonApiDocument) -> int | None:
    """``meta.pagination.total`` when the page reports it."""
    return _total(document.payload)


def _total(payload: Mapping[str, Any]) -> int | None:
    meta = payload.get("meta")
    pagination = meta.get("pagination") if isinstance(meta, Mapping) else None
    total = pagination.get("total") if isinstance(pagination, Mapping) else None
    return int(total) if isinstance(total, (int, float)) and not isinstance(total, bool) else None


def cursor_walk(
    fetch: Callable[[str | None], JsonApiDocument],
    wrap: Callable[[JsonApiResource], T],
    *,
    start: str | None = None,
) -> Walk[T]:
    """A lazy walk: ``fetch(cursor)`` gets a page, ``wrap`` types each primary resource.

    When ``wrap`` is a view with a declared page (:data:`~paysupport_patreon.resources.PAGES`),
    each page is decoded straight from its bytes into the views (:func:`page_items`);
    otherwise, or when a page has something the declaration does not know, the core
    reader reads it and ``wrap`` wraps each resource.
    """

    def page(cursor: str | None) -> Page[T]:
        document = fetch(cursor)
        typed = page_items(document, wrap)
        if typed is not None:
            items, next_cursor, total = typed
        else:
            items = [wrap(resource) for resource in document.data_list()]
            next_cursor, total = extract_cursor(document), total_of(document)
        return Page(items=items, next=next_cursor, total=total, raw=document)

    return Walk(page, start=start, pagination="cursor")


def page_items(
    document: JsonApiDocument, wrap: Any
) -> tuple[list[Any], str | None, int | None] | None:
    """A page's views, next cursor and total, decoded straight from the answer's bytes.

    ``None`` when ``wrap`` has no declared page, when the document was already
    decoded, or when the page holds a field or type the declaration does not know
    (then the core reader reads it). A value of the wrong type raises
    :class:`~paysupport.decode.ResponseFieldError` naming it
    (``$.data[3].attributes.patron_status``). The body is dropped once decoded.
    """
    kind = PAGES.get(wrap)
    if kind is None:
        return None
    page = document.decode_as(kind, ResourcePage.payload)
    if page is None:
        return None
    meta = {} if page.meta is UNSET else page.meta
    links = {} if page.links is UNSET else page.links
    envelope = {"meta": meta, "links": links}
    return page.resources(), extract_cursor(envelope), _total(envelope)


# -- supporters ------------------------------------------------------------------------

#: Patreon's ``patron_status`` as the common status (``None``, never pledged: not a supporter).
STATUSES = {
    "active_patron": SupporterStatus.ACTIVE,
    "declined_patron": SupporterStatus.DECLINED,
    "former_patron": SupporterStatus.PAST,
}


def supporter(
    member: Member, *, user_id: str | None = None, account: str | None = None
) -> Supporter | None:
    """A membership as the common :class:`Supporter`; ``None`` for a member who never pledged.

    Read with the member's ``campaign`` included (its ``currency`` and
    ``is_monthly``) and the entitled tiers; docs/supporters.md lists every field's
    source. ``status``: ``active_patron`` is ``active`` (``pending`` while its
    first charge is ``Pending`` and nothing was ever paid), ``declined_patron``
    ``declined``, ``former_patron`` ``past``. ``amount``: the
    ``currently_entitled_amount_cents`` per month; a pledge that entitles to
    nothing yet (declined, pending) states its ``will_pay_amount_cents`` per
    charge, every ``pledge_cadence`` months (12: per year). A campaign paid per
    creation (``is_monthly`` false) has no period. ``id`` is the patron's user
    id (``user_id`` when the membership carries no user linkage, as in a patron's
    own identity).
    """
    status = STATUSES.get(member.patron_status or "")
    if status is None:
        return None
    if (
        status is SupporterStatus.ACTIVE
        and member.last_charge_status == "Pending"
        and not member.lifetime_support_cents
    ):
        status = SupporterStatus.PENDING
    try:
        campaign = member._one("campaign", Campaign)
    except ResponseFormatError:  # linked to something else: no campaign to read
        campaign = None
    currency = campaign._value("currency") if campaign is not None else None
    monthly = campaign is None or campaign._value("is_monthly") is not False
    entitled = member.currently_entitled_amount_cents or 0
    cadence = _int(member._value("pledge_cadence")) or 1
    cents, period = entitled, Period.MONTH
    if not entitled and status is not SupporterStatus.PAST:
        cents = member.will_pay_amount_cents or 0
        period = Period.YEAR if cadence == 12 else Period.MONTH
        if cadence not in (1, 12):
            cents //= cadence
    amount = Money(cents, currency) if cents and isinstance(currency, str) and currency else None
    tiers = sorted(member.entitled_tiers, key=lambda t: t.amount_cents or 0, reverse=True)
    tier_ids = member.entitled_tier_ids
    return Supporter(
        provider=PROVIDER,
        id=member.user_id or user_id or member.id,
        name=member.full_name or (member.user.full_name if member.user else None),
        status=status,
        amount=amount,
        period=(period if monthly else None) if amount else None,
        tier=tiers[0].title if tiers else None,
        tier_id=tiers[0].id if tiers else (tier_ids[0] if tier_ids else None),
        email=member.email,
        since=member.pledge_relationship_start,
        last_charge=member.last_charge_date,
        account=account or member.campaign_id,
        resource=member,
    )


def supporters_walk(
    fetch: Callable[[str | None], JsonApiDocument],
    *,
    past: bool = False,
    start: str | None = None,
) -> Walk[Supporter]:
    """The members of ``fetch``'s pages that are supporters: current ones, or all with ``past``.

    Patreon cannot filter members by status, so every member is read and those
    who never pledged (and, without ``past``, former patrons) are left out;
    ``Walk.total`` is therefore unknown.
    """

    def page(cursor: str | None) -> Page[Supporter]:
        document = fetch(cursor)
        typed = page_items(document, Member)
        if typed is not None:
            members, next_cursor = typed[0], typed[1]
        else:
            members = [Member(resource) for resource in document.data_list()]
            next_cursor = extract_cursor(document)
        found = (supporter(member) for member in members)
        return Page(
            items=[s for s in found if s and (past or s.status is not SupporterStatus.PAST)],
            next=next_cursor,
            raw=document,
        )

    return Walk(page, start=start, pagination="cursor")


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
