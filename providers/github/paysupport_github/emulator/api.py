"""The GraphQL API's resolvers: the Sponsors part of GitHub's schema, read from the store.

Served: ``viewer``, ``user(login:)``, ``organization(login:)``, ``node(id:)``,
``nodes(ids:)``, ``rateLimit``; on users and organizations their identity
(``login``, ``name``, ``databaseId``, ``id``, ``email`` when visible, ...) and
the ``Sponsorable`` interface (sponsorships as maintainer and as sponsor,
``sponsors``, the listing and its tiers, ``isSponsoredBy``,
``viewerIsSponsoring``, ``sponsorshipForViewerAsSponsor[able]``, estimated
income); ``Sponsorship`` and ``SponsorsTier`` in full. Any other field of the
schema is valid GitHub GraphQL but outside what the emulator serves: it
resolves to null with an ``errors`` entry of type ``EMULATOR_UNSUPPORTED``
naming the field (a GitHub-shaped error, never a 500), and the null spreads
to the nearest nullable parent as GraphQL says.

Visibility (the NOTES say only "private"; the rules below are GitHub's as its
docs describe them): a private sponsorship is seen by its sponsor and by the
maintainer (for an organization: its admins). ``includePrivate: true`` asked by
anyone else is refused with ``FORBIDDEN``; asked by the maintainer with a
classic token lacking ``read:user`` (organizations: ``read:org``) it is refused
with ``INSUFFICIENT_SCOPES``. A sponsorship's ``tier``, ``tierSelectedAt`` and
``paymentSource`` are null for anyone but the two parties.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLAbstractType, GraphQLResolveInfo

from paysupport_github.emulator.auth import Grant
from paysupport_github.emulator.cost import Analysis
from paysupport_github.emulator.errors import GitHubError
from paysupport_github.emulator.ratelimit import Budget
from paysupport_github.emulator.store import Account, Sponsorship, Store, Tier, iso


class QueryRoot:
    """The root value of every operation."""


@dataclass(frozen=True)
class Listing:
    """A sponsorable account's sponsors listing (GitHub's ``SponsorsListing``)."""

    account: Account


@dataclass
class Context:
    """What every resolver may read: the caller, the store, the query's cost and budget."""

    store: Store
    viewer: Account
    grant: Grant
    analysis: Analysis
    budget: Budget
    base_url: str

    def can_see_private(self, maintainer: Account) -> bool:
        login = self.viewer.login.lower()
        return maintainer.login.lower() == login or login in (a.lower() for a in maintainer.admins)

    def sees(self, sponsorship: Sponsorship) -> bool:
        return sponsorship.privacy == "PUBLIC" or self.is_party(sponsorship)

    def is_party(self, sponsorship: Sponsorship) -> bool:
        if sponsorship.sponsor.lower() == self.viewer.login.lower():
            return True
        maintainer = self.store.account(sponsorship.maintainer)
        return maintainer is not None and self.can_see_private(maintainer)


Resolver = Callable[..., Any]
#: The resolvers' ``info`` (the context is a :class:`Context`).
Info = GraphQLResolveInfo[Any]


def _ctx(info: Info) -> Context:
    context = info.context
    assert isinstance(context, Context)
    return context


# --------------------------------------------------------------- connections
def _encode_cursor(key: Sequence[Any]) -> str:
    return base64.b64encode(("cursor:v2:" + json.dumps(list(key))).encode()).decode()


def _decode_cursor(cursor: str) -> list[Any]:
    try:
        text = base64.b64decode(cursor.encode(), validate=True).decode()
        if not text.startswith("cursor:v2:"):
            raise ValueError(cursor)
        key = json.loads(text[len("cursor:v2:") :])
        if not isinstance(key, list):
            raise ValueError(cursor)
        return key
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise GitHubError(
            "INVALID_CURSOR_ARGUMENTS", f"`{cursor}` does not appear to be a valid cursor."
        ) from None


def connection(
    items: list[Any],
    key: Callable[[Any], list[Any]],
    *,
    first: int | None = None,
    after: str | None = None,
    last: int | None = None,
    before: str | None = None,
    descending: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """A Relay connection over ``items`` (already in order); cursors encode the sort key.

    A key-based cursor keeps a walk stable when sponsorships are added or end
    while it runs: ``after`` means "after this key", not "after position n".
    ``first``/``last`` bounds were checked before execution (:mod:`.cost`).
    """
    keys = [key(item) for item in items]

    def position(cursor: str, inclusive: bool) -> int:
        """How many items come before the cursor's key (and the key itself when inclusive)."""
        mark = _decode_cursor(cursor)
        if inclusive:
            return sum(1 for k in keys if (k >= mark if descending else k <= mark))
        return sum(1 for k in keys if (k > mark if descending else k < mark))

    start, end = 0, len(items)
    if after is not None:
        start = position(after, inclusive=True)
    if before is not None:
        end = position(before, inclusive=False)
    window = list(range(start, max(start, end)))
    if first is not None:
        window = window[:first]
    if last is not None:
        window = window[-last:] if last else []
    nodes = [items[i] for i in window]
    cursors = [_encode_cursor(keys[i]) for i in window]
    return {
        "nodes": nodes,
        "edges": [{"cursor": c, "node": n} for c, n in zip(cursors, nodes, strict=True)],
        "pageInfo": {
            "hasNextPage": bool(window) and window[-1] + 1 < len(items),
            "hasPreviousPage": bool(window) and window[0] > 0,
            "startCursor": cursors[0] if cursors else None,
            "endCursor": cursors[-1] if cursors else None,
        },
        "totalCount": len(items),
        **extra,
    }


def _sponsorship_key(s: Sponsorship) -> list[Any]:
    return [s.created_at, s.database_id]


def _order(order_by: dict[str, Any] | None) -> bool:
    """True for descending; sponsorships are ordered by creation (GitHub's ``CREATED_AT``)."""
    return bool(order_by) and (order_by or {}).get("direction") == "DESC"


def _sponsorships(info: Info, items: list[Sponsorship], args: dict[str, Any]) -> dict[str, Any]:
    ctx = _ctx(info)
    descending = _order(args.get("orderBy"))
    items = sorted(items, key=_sponsorship_key, reverse=descending)
    recurring = [
        ctx.store.tiers[s.tier_id].monthly_price_in_cents
        for s in items
        if s.is_active and not ctx.store.tiers[s.tier_id].is_one_time
    ]
    return connection(
        items,
        _sponsorship_key,
        first=args.get("first"),
        after=args.get("after"),
        last=args.get("last"),
        before=args.get("before"),
        descending=descending,
        totalRecurringMonthlyPriceInCents=sum(recurring),
        totalRecurringMonthlyPriceInDollars=sum(recurring) // 100,
    )


# ------------------------------------------------------------------- query
def _viewer(root: Any, info: Info) -> Account:
    return _ctx(info).viewer


def _user(root: Any, info: Info, login: str) -> Account:
    account = _ctx(info).store.account(login)
    if account is None or account.kind != "User":
        raise GitHubError("NOT_FOUND", f"Could not resolve to a User with the login of '{login}'.")
    return account


def _organization(root: Any, info: Info, login: str) -> Account:
    account = _ctx(info).store.account(login)
    if account is None or account.kind != "Organization":
        raise GitHubError(
            "NOT_FOUND", f"Could not resolve to an Organization with the login of '{login}'."
        )
    return account


def _rate_limit(root: Any, info: Info, dryRun: bool = False) -> dict[str, Any]:
    ctx = _ctx(info)
    return {
        "cost": ctx.analysis.cost,
        "limit": ctx.budget.limit,
        "nodeCount": ctx.analysis.node_count,
        "remaining": ctx.budget.remaining,
        "resetAt": iso(ctx.budget.reset),
        "used": ctx.budget.used,
    }


def find_node(ctx: Context, global_id: str) -> Any:
    """The record behind a legacy global id, if the viewer may see it."""
    try:
        text = base64.b64decode(global_id.encode(), validate=True).decode()
        _, _, rest = text.partition(":")
        kind = rest.rstrip("0123456789")
        number = int(rest[len(kind) :])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
    if kind in ("User", "Organization"):
        return next(
            (a for a in ctx.store.accounts.values() if a.kind == kind and a.database_id == number),
            None,
        )
    if kind == "SponsorsTier":
        return ctx.store.tiers.get(number)
    if kind == "Sponsorship":
        sponsorship = ctx.store.sponsorships.get(number)
        return sponsorship if sponsorship is not None and ctx.sees(sponsorship) else None
    return None


def _node(root: Any, info: Info, id: str) -> Any:
    found = find_node(_ctx(info), id)
    if found is None:
        raise GitHubError("NOT_FOUND", f"Could not resolve to a node with the global id of '{id}'")
    return found


def _nodes(root: Any, info: Info, ids: list[str]) -> list[Any]:
    ctx = _ctx(info)
    return [find_node(ctx, global_id) for global_id in ids]


# ---------------------------------------------------------------- accounts
def _email(account: Account, info: Info) -> str | None:
    ctx = _ctx(info)
    own = account.login.lower() == ctx.viewer.login.lower()
    if account.public_email or (own and ctx.grant.has_scope("user:email", "read:user")):
        return account.email
    return "" if account.kind == "User" else None  # User.email is String!: "" when hidden


def _as_maintainer(
    account: Account,
    info: Info,
    activeOnly: bool = True,
    includePrivate: bool = False,
    **args: Any,
) -> dict[str, Any]:
    ctx = _ctx(info)
    if includePrivate:
        if not ctx.can_see_private(account):
            raise GitHubError(
                "FORBIDDEN",
                f"{ctx.viewer.login} does not have permission to view private sponsorships "
                f"of {account.login}.",
            )
        scope = "read:org" if account.kind == "Organization" else "read:user"
        if not ctx.grant.has_scope(scope):
            raise GitHubError(
                "INSUFFICIENT_SCOPES",
                "Your token has not been granted the required scopes to execute this query. "
                f"The 'sponsorshipsAsMaintainer' field requires one of the following scopes: "
                f"['{scope}'], but your token has only been granted the: "
                f"{sorted(ctx.grant.scopes)} scopes. Please modify your token's scopes at: "
                "https://github.com/settings/tokens.",
            )
    items = [
        s
        for s in ctx.store.as_maintainer(account.login)
        if (s.is_active or not activeOnly) and (s.privacy == "PUBLIC" or includePrivate)
    ]
    return _sponsorships(info, items, args)


def _as_sponsor(
    account: Account,
    info: Info,
    activeOnly: bool = True,
    maintainerLogins: list[str] | None = None,
    **args: Any,
) -> dict[str, Any]:
    ctx = _ctx(info)
    wanted = {login.lower() for login in maintainerLogins or ()}
    items = [
        s
        for s in ctx.store.as_sponsor(account.login)
        if (s.is_active or not activeOnly)
        and ctx.sees(s)
        and (not wanted or s.maintainer.lower() in wanted)
    ]
    return _sponsorships(info, items, args)


def _sponsors(account: Account, info: Info, **args: Any) -> dict[str, Any]:
    """Who sponsors ``account`` now, as ``Sponsor`` (User or Organization), visible ones only."""
    ctx = _ctx(info)
    tier_id = args.pop("tierId", None)
    chosen = [
        s
        for s in ctx.store.as_maintainer(account.login)
        if s.is_active
        and ctx.sees(s)
        and (tier_id is None or ctx.store.tiers[s.tier_id].node_id == tier_id)
    ]
    chosen.sort(key=_sponsorship_key)
    pairs = [(s, ctx.store.account(s.sponsor)) for s in chosen]
    args.pop("orderBy", None)
    page = connection(
        [p for p in pairs if p[1] is not None],
        lambda pair: _sponsorship_key(pair[0]),
        **args,
    )
    page["nodes"] = [pair[1] for pair in page["nodes"]]
    for edge in page["edges"]:
        edge["node"] = edge["node"][1]
    return page


def _visible_active(ctx: Context, sponsor: str, maintainer: Account) -> bool:
    found = ctx.store.between(sponsor, maintainer.login, active_only=True)
    return found is not None and ctx.sees(found)


def _is_sponsored_by(
    account: Account,
    info: Info,
    accountLogin: str,
) -> bool:
    return _visible_active(_ctx(info), accountLogin, account)


def _viewer_is_sponsoring(account: Account, info: Info) -> bool:
    ctx = _ctx(info)
    return ctx.store.between(ctx.viewer.login, account.login, active_only=True) is not None


def _is_sponsoring_viewer(account: Account, info: Info) -> bool:
    ctx = _ctx(info)
    return ctx.store.between(account.login, ctx.viewer.login, active_only=True) is not None


def _for_viewer_as_sponsorable(
    account: Account,
    info: Info,
    activeOnly: bool = True,
) -> Sponsorship | None:
    """The sponsorship from ``account`` to the viewer (the viewer is the maintainer)."""
    ctx = _ctx(info)
    return ctx.store.between(account.login, ctx.viewer.login, activeOnly)


def _for_viewer_as_sponsor(
    account: Account,
    info: Info,
    activeOnly: bool = True,
) -> Sponsorship | None:
    """The viewer's own sponsorship of ``account``."""
    ctx = _ctx(info)
    return ctx.store.between(ctx.viewer.login, account.login, activeOnly)


def _monthly_income(account: Account, info: Info) -> int:
    """Active recurring sponsorships' monthly total; 0 for all but the owner (GitHub hides it)."""
    ctx = _ctx(info)
    if not ctx.can_see_private(account):
        return 0
    return sum(
        ctx.store.tiers[s.tier_id].monthly_price_in_cents
        for s in ctx.store.as_maintainer(account.login)
        if s.is_active and not ctx.store.tiers[s.tier_id].is_one_time
    )


def _listing(account: Account, info: Info) -> Listing | None:
    return Listing(account) if account.sponsorable else None


ACCOUNT: dict[str, Resolver] = {
    "login": lambda a, info: a.login,
    "name": lambda a, info: a.name,
    "databaseId": lambda a, info: a.database_id,
    "id": lambda a, info: a.node_id,
    "email": _email,
    "createdAt": lambda a, info: iso(a.created_at),
    "url": lambda a, info: f"{_ctx(info).base_url}/{a.login}",
    "resourcePath": lambda a, info: f"/{a.login}",
    "avatarUrl": lambda a, info, size=None: f"{_ctx(info).base_url}/avatars/u/{a.database_id}",
    "isViewer": lambda a, info: a.login.lower() == _ctx(info).viewer.login.lower(),
    "hasSponsorsListing": lambda a, info: a.sponsorable,
    "sponsorsListing": _listing,
    "sponsorshipsAsMaintainer": _as_maintainer,
    "sponsorshipsAsSponsor": _as_sponsor,
    "sponsors": _sponsors,
    "isSponsoredBy": _is_sponsored_by,
    "viewerIsSponsoring": _viewer_is_sponsoring,
    "isSponsoringViewer": _is_sponsoring_viewer,
    "viewerCanSponsor": lambda a, info: (
        a.sponsorable and a.login.lower() != _ctx(info).viewer.login.lower()
    ),
    "sponsorshipForViewerAsSponsorable": _for_viewer_as_sponsorable,
    "sponsorshipForViewerAsSponsor": _for_viewer_as_sponsor,
    "monthlyEstimatedSponsorsIncomeInCents": _monthly_income,
    "estimatedNextSponsorsPayoutInCents": _monthly_income,
}


# ------------------------------------------------------------ sponsorships
def _party_only(read: Callable[[Sponsorship, Context], Any]) -> Resolver:
    def resolve(s: Sponsorship, info: Info) -> Any:
        ctx = _ctx(info)
        return read(s, ctx) if ctx.is_party(s) else None

    return resolve


def _maintainer_user(s: Sponsorship, info: Info) -> Account:
    account = _ctx(info).store.account(s.maintainer)
    if account is None or account.kind != "User":
        raise GitHubError("NOT_FOUND", "The maintainer is not a user; use `sponsorable`.")
    return account


SPONSORSHIP: dict[str, Resolver] = {
    "id": lambda s, info: s.node_id,
    "createdAt": lambda s, info: iso(s.created_at),
    "isActive": lambda s, info: s.is_active,
    "isOneTimePayment": lambda s, info: _ctx(info).store.tiers[s.tier_id].is_one_time,
    "privacyLevel": lambda s, info: s.privacy,
    "tier": _party_only(lambda s, ctx: ctx.store.tiers[s.tier_id]),
    "tierSelectedAt": _party_only(lambda s, ctx: iso(s.tier_selected_at)),
    "paymentSource": _party_only(lambda s, ctx: s.payment_source),
    "isSponsorOptedIntoEmail": _party_only(lambda s, ctx: False),
    "sponsorEntity": lambda s, info: _ctx(info).store.account(s.sponsor),
    "sponsor": lambda s, info: (
        a if (a := _ctx(info).store.account(s.sponsor)) and a.kind == "User" else None
    ),
    "sponsorable": lambda s, info: _ctx(info).store.account(s.maintainer),
    "maintainer": _maintainer_user,
}


# ---------------------------------------------------------- tiers, listing
TIER: dict[str, Resolver] = {
    "id": lambda t, info: t.node_id,
    "name": lambda t, info: t.name,
    "description": lambda t, info: t.description,
    "descriptionHTML": lambda t, info: f"<p>{t.description}</p>" if t.description else "",
    "monthlyPriceInCents": lambda t, info: t.monthly_price_in_cents,
    "monthlyPriceInDollars": lambda t, info: t.monthly_price_in_cents // 100,
    "isOneTime": lambda t, info: t.is_one_time,
    "isCustomAmount": lambda t, info: t.is_custom_amount,
    "createdAt": lambda t, info: iso(t.created_at),
    "updatedAt": lambda t, info: iso(t.created_at),
    "closestLesserValueTier": lambda t, info: None,
    "sponsorsListing": lambda t, info: (
        Listing(a) if (a := _ctx(info).store.account(t.maintainer)) else None
    ),
}


def _tiers(
    listing: Listing,
    info: Info,
    includeUnpublished: bool = False,
    **args: Any,
) -> dict[str, Any]:
    """Published tiers by price; custom-amount tiers only for the owner with includeUnpublished."""
    ctx = _ctx(info)
    mine = includeUnpublished and ctx.can_see_private(listing.account)
    tiers = [t for t in ctx.store.tiers_of(listing.account.login) if mine or not t.is_custom_amount]
    descending = _order(args.pop("orderBy", None))

    def key(t: Tier) -> list[Any]:
        return [t.monthly_price_in_cents, t.database_id]

    tiers.sort(key=key, reverse=descending)
    return connection(tiers, key, descending=descending, **args)


LISTING: dict[str, Resolver] = {
    "id": lambda li, info: f"SL_{li.account.node_id}",
    "name": lambda li, info: f"Sponsor @{li.account.login} on GitHub Sponsors",
    "slug": lambda li, info: f"sponsors-{li.account.login}",
    "isPublic": lambda li, info: True,
    "createdAt": lambda li, info: iso(li.account.created_at),
    "shortDescription": lambda li, info: f"Support {li.account.login}'s open source work",
    "fullDescription": lambda li, info: f"Support {li.account.login}'s open source work.",
    "url": lambda li, info: f"{_ctx(info).base_url}/sponsors/{li.account.login}",
    "resourcePath": lambda li, info: f"/sponsors/{li.account.login}",
    "sponsorable": lambda li, info: li.account,
    "tiers": _tiers,
}

QUERY: dict[str, Resolver] = {
    "viewer": _viewer,
    "user": _user,
    "organization": _organization,
    "rateLimit": _rate_limit,
    "node": _node,
    "nodes": _nodes,
}

_TABLES: dict[type, dict[str, Resolver]] = {
    QueryRoot: QUERY,
    Account: ACCOUNT,
    Sponsorship: SPONSORSHIP,
    Tier: TIER,
    Listing: LISTING,
}


def field_resolver(root: Any, info: Info, **args: Any) -> Any:
    """Every field's resolver: the tables above for records, keys for plain dicts."""
    if isinstance(root, dict):
        return root.get(info.field_name)
    table = _TABLES.get(type(root))
    resolver = table.get(info.field_name) if table is not None else None
    if resolver is None:
        raise GitHubError(
            "EMULATOR_UNSUPPORTED",
            f"{info.parent_type.name}.{info.field_name} is valid GitHub GraphQL, but the "
            "paysupport emulator serves only the Sponsors part of the schema.",
        )
    return resolver(root, info, **args)


def type_resolver(value: Any, info: Info, abstract: GraphQLAbstractType) -> str | None:
    """The concrete GraphQL type of a record returned where an interface or union is expected."""
    if isinstance(value, Account):
        return value.kind
    if isinstance(value, Sponsorship):
        return "Sponsorship"
    if isinstance(value, Tier):
        return "SponsorsTier"
    if isinstance(value, Listing):
        return "SponsorsListing"
    return None
