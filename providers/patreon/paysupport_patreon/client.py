"""``PatreonClient``: the common verbs and Patreon's own (API v2 reads), webhooks and gating.

The class holds the common verbs, the v2 read calls and pledge pages; the other
pieces are in their own modules: the declaration (:mod:`.info`), OAuth and
creator tokens (:mod:`.auth`), what each route allows (:mod:`.catalog`), the v1
calls of the older library (:mod:`.v1`), webhook management
(:mod:`.webhook_admin`), walks (:mod:`.walks`) and entitlement
(:mod:`.entitlement`). Receiving webhooks is :mod:`.webhooks`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from paysupport._args import several
from paysupport.errors import InvalidRequest, ResponseFormatError, Unsupported
from paysupport.http import EventHook, HttpOptions
from paysupport.jsonapi import JsonApiDocument, JsonApiResource
from paysupport.provider import Client, User, route_under
from paysupport.supporters import Supporter
from paysupport.tokens import Token, TokenStore
from paysupport.walk import Walk
from paysupport_patreon import catalog as cat
from paysupport_patreon.auth import BearerToken, apply_creator_token, oauth_endpoints
from paysupport_patreon.catalog import Fields, build_params
from paysupport_patreon.entitlement import IDENTITY_FIELDS, IDENTITY_INCLUDES, Entitlement, decide
from paysupport_patreon.errors import PROVIDER
from paysupport_patreon.info import INFO, PLEDGE_PAGE, creator_vanity
from paysupport_patreon.resources import SITE, Campaign, Member, PatreonUser, Post
from paysupport_patreon.transport import V2, Transport
from paysupport_patreon.v1 import V1Calls
from paysupport_patreon.walks import cursor_walk, supporter, supporters_walk
from paysupport_patreon.webhook_admin import WebhookCalls

if TYPE_CHECKING:
    from paysupport.sync.webhooks import SupporterDelivery

#: ``includes`` as the v2 calls take it: a list of relationship paths, or one "a,b" string.
Includes = Iterable[str] | str | None

#: What ``walk("members")`` asks for unless told otherwise: what ``Member.to_row`` shows.
MEMBER_INCLUDES = ("user", "currently_entitled_tiers")
MEMBER_FIELDS: Mapping[str, tuple[str, ...]] = {
    "member": (
        "full_name",
        "email",
        "patron_status",
        "currently_entitled_amount_cents",
        "will_pay_amount_cents",
        "lifetime_support_cents",
        "last_charge_status",
        "last_charge_date",
        "pledge_relationship_start",
    ),
    "user": ("full_name", "vanity", "url"),
    "tier": ("title", "amount_cents"),
}
#: What ``walk("supporters")`` and ``find_supporter`` read: docs/supporters.md's sources.
SUPPORTER_MEMBER_FIELDS = (*MEMBER_FIELDS["member"], "pledge_cadence")
SUPPORTER_INCLUDES = ("user", "currently_entitled_tiers", "campaign")
SUPPORTER_FIELDS: Mapping[str, tuple[str, ...]] = {
    "member": SUPPORTER_MEMBER_FIELDS,
    "user": ("full_name",),
    "tier": ("title", "amount_cents"),
    "campaign": ("currency", "is_monthly"),
}
#: A patron's own memberships, as ``find_supporter`` reads them from their login.
PATRON_SUPPORTER_INCLUDES = (
    "memberships",
    "memberships.campaign",
    "memberships.currently_entitled_tiers",
)
PATRON_SUPPORTER_FIELDS: Mapping[str, tuple[str, ...]] = {
    "member": SUPPORTER_MEMBER_FIELDS,
    "tier": ("title", "amount_cents"),
    "campaign": ("currency", "is_monthly"),
}
CAMPAIGN_FIELDS = {"campaign": ("name", "url", "vanity", "patron_count", "pledge_url")}
POST_FIELDS = {"post": ("title", "url", "published_at", "is_public", "is_paid")}
WALK_FILTERS = frozenset(
    {"campaign", "includes", "fields", "include_all", "count", "start", "sort", "past"}
)
#: ``walk("supporters")`` reads what the Supporter needs: it takes no includes or fields.
SUPPORTER_FILTERS = frozenset({"campaign", "count", "start", "sort", "past"})


class PatreonClient(V1Calls, WebhookCalls, Client):
    """A Patreon client: creator tools (campaigns, members, posts, webhooks) and patron logins.

    Log a user in with ``client.oauth.authorization_url()`` and
    ``client.oauth.fetch_token(...)``, or give a creator token from the
    developer portal (``creator_access_token`` and ``creator_refresh_token``).
    Patreon's API cannot pledge: ``support()`` raises ``Unsupported`` whose
    ``url`` is the pledge page.
    """

    info = INFO

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        apply_creator_token(self.settings)
        self.use_oauth2(oauth_endpoints(self.base_url))
        self._transport = Transport(self.http, self.redactor)
        self._own_campaign_id: str | None = None

    # -- common verbs -------------------------------------------------------------------

    def identity(self) -> User:
        """The token's user; ``email`` needs the ``identity[email]`` scope."""
        document = self.get_identity(fields={"user": ("full_name", "email", "url", "vanity")})
        user = PatreonUser(_single(document))
        return User(
            provider=PROVIDER,
            id=user.id,
            name=user.full_name,
            url=user.url,
            email=user.email,
            raw=user,
        )

    def walk(self, collection: str, **filters: Any) -> Walk[Any]:
        """``campaigns``, or the ``members``, ``supporters`` or ``posts`` of ``campaign=<id>``.

        Without ``campaign``, members and posts are the token's own campaign's
        (one more request, made with the first page).

        Filters: ``includes``, ``fields``, ``include_all``, ``count`` (page size;
        members default to Patreon's maximum, 1000, or 500 with pledge history),
        ``sort`` (members) and ``start`` (a cursor from ``Walk.cursor``).
        Members come as :class:`Member` with user and entitled tiers included.
        ``supporters`` are the members who pledge (active, pending, declined) as the
        common :class:`~paysupport.supporters.Supporter`; ``past=True`` adds former
        patrons (see :func:`paysupport_patreon.walks.supporter`).
        """
        self.check_collection(collection)
        allowed = SUPPORTER_FILTERS if collection == "supporters" else WALK_FILTERS - {"past"}
        unknown = set(filters) - allowed
        if unknown:
            raise InvalidRequest(
                f"walk({collection!r}) takes no {', '.join(sorted(unknown))}; "
                f"it takes {', '.join(sorted(allowed))}",
                provider=PROVIDER,
            )
        include_all = _flag(filters.get("include_all"))
        count = _count(filters.get("count"))
        start = filters.get("start") or None
        if collection == "campaigns":
            includes, fields = filters.get("includes"), filters.get("fields") or CAMPAIGN_FIELDS
            build_params(cat.CAMPAIGNS, includes, fields, include_all=include_all)

            def campaigns(cursor: str | None) -> JsonApiDocument:
                return self.get_campaigns(
                    includes, fields, include_all=include_all, count=count, cursor=cursor
                )

            return cursor_walk(campaigns, Campaign, start=start)
        given = str(filters.get("campaign") or "")
        known: list[str] = [given] if given else []

        def campaign() -> str:  # asked on the first page, so the walk stays lazy
            if not known:
                known.append(self._own_campaign(collection))
            return known[0]

        if collection == "supporters":
            size = count or cat.MAX_PAGE_SIZE
            sort = filters.get("sort")

            def pledges(cursor: str | None) -> JsonApiDocument:
                return self.get_campaign_members(
                    campaign(),
                    SUPPORTER_INCLUDES,
                    SUPPORTER_FIELDS,
                    count=size,
                    cursor=cursor,
                    sort=sort,
                )

            return supporters_walk(pledges, past=_flag(filters.get("past")), start=start)
        if collection == "members":
            includes = filters.get("includes", MEMBER_INCLUDES)
            fields = filters.get("fields") or MEMBER_FIELDS
            build_params(cat.MEMBERS, includes, fields, include_all=include_all)
            history = include_all or "pledge_history" in (includes or ())
            size = count or (
                cat.MAX_PAGE_SIZE_WITH_PLEDGE_HISTORY if history else cat.MAX_PAGE_SIZE
            )
            sort = filters.get("sort")

            def members(cursor: str | None) -> JsonApiDocument:
                return self.get_campaign_members(
                    campaign(),
                    includes,
                    fields,
                    include_all=include_all,
                    count=size,
                    cursor=cursor,
                    sort=sort,
                )

            return cursor_walk(members, Member, start=start)
        includes, fields = filters.get("includes"), filters.get("fields") or POST_FIELDS
        build_params(cat.POSTS, includes, fields, include_all=include_all)

        def posts(cursor: str | None) -> JsonApiDocument:
            return self.get_campaign_posts(
                campaign(), includes, fields, include_all=include_all, count=count, cursor=cursor
            )

        return cursor_walk(posts, Post, start=start)

    def _own_campaign(self, collection: str) -> str:
        """The token's own campaign, for ``walk("members")`` and ``walk("posts")`` without one.

        A creator's token sees their campaign (the first, should there be several),
        as ``paysupport export-members`` assumes too.
        """
        first = next(iter(self.walk("campaigns")), None)
        if first is None:
            raise InvalidRequest(
                f"walk({collection!r}) needs campaign=<id>: this token sees no campaign",
                provider=PROVIDER,
            )
        return str(first.id)

    def _unsupported(
        self, verb: str, *, url: str | None = None, why: str = "", target: Any = None
    ) -> Unsupported:
        if verb == "support":
            url = url or pledge_url(target)
            why = why or (
                "Patreon's API cannot pledge; a patron pledges on the campaign's page"
                + (f" ({url})" if url else "")
            )
        return super()._unsupported(verb, url=url, why=why, target=target)

    def pledge_url(self, target: Campaign | str) -> str | None:
        """Where a person pledges: a campaign's ``pledge_url`` or a creator page's checkout."""
        return pledge_url(target)

    def raw(
        self, target: str, params: Mapping[str, Any] | None = None, *, http_method: str = "GET"
    ) -> Any:
        """A v2 route relative to ``/api/oauth2/v2/`` (or an absolute path); returns the JSON.

        For GET and DELETE ``params`` is the query; otherwise it is the JSON body.
        """
        method = http_method.upper()
        path = target if target.startswith("/") else V2 + route_under(V2, target)
        if method in ("GET", "DELETE", "HEAD"):
            return self._transport.call(method, path, params)
        return self._transport.call(method, path, json_body=dict(params or {}))

    # -- API v2 reads ------------------------------------------------------------------
    #
    # Each returns the core's JsonApiDocument (``data()``, ``included``,
    # ``find_resource_by_type_and_id()``, ``normalized()``); the typed views in
    # resources.py wrap its resources. ``includes``/``fields`` are checked against the
    # catalog first, and ``include_all=True`` asks for everything the route allows.
    # Scopes: ``campaigns`` for campaigns, ``campaigns.members`` for members
    # (``campaigns.members[email]`` for emails, ``campaigns.members.address`` to include
    # addresses), ``campaigns.posts`` for posts; a missing one is an InsufficientScope.

    def _get(
        self,
        path: str,
        route: cat.RouteSpec,
        includes: Includes,
        fields: Fields | None,
        include_all: bool,
        **extra: str,
    ) -> JsonApiDocument:
        params = build_params(route, includes, fields, include_all=include_all)
        params.update({k: v for k, v in extra.items() if v})
        return self._transport.document("GET", f"{V2}/{path}", params)

    def get_identity(
        self, includes: Includes = None, fields: Fields | None = None, *, include_all: bool = False
    ) -> JsonApiDocument:
        """The token's user (any scope; email needs ``identity[email]``)."""
        return self._get("identity", cat.IDENTITY, includes, fields, include_all)

    def get_campaigns(
        self,
        includes: Includes = None,
        fields: Fields | None = None,
        *,
        include_all: bool = False,
        count: int | None = None,
        cursor: str | None = None,
    ) -> JsonApiDocument:
        """One page of the token's campaigns (``walk("campaigns")`` reads them all)."""
        return self._get(
            "campaigns",
            cat.CAMPAIGNS,
            includes,
            fields,
            include_all,
            **_page(count, cursor),
        )

    def get_campaign(
        self,
        campaign_id: str | int,
        includes: Includes = None,
        fields: Fields | None = None,
        *,
        include_all: bool = False,
    ) -> JsonApiDocument:
        """One campaign the token's user owns."""
        path = f"campaigns/{_segment(campaign_id)}"
        return self._get(path, cat.CAMPAIGNS, includes, fields, include_all)

    def get_campaign_members(
        self,
        campaign_id: str | int,
        includes: Includes = None,
        fields: Fields | None = None,
        *,
        include_all: bool = False,
        count: int | None = None,
        cursor: str | None = None,
        sort: str | None = None,
    ) -> JsonApiDocument:
        """One page of a campaign's members (``walk("members", campaign=...)`` reads them all)."""
        path = f"campaigns/{_segment(campaign_id)}/members"
        extra = {**_page(count, cursor), "sort": sort or ""}
        return self._get(path, cat.MEMBERS, includes, fields, include_all, **extra)

    def get_member(
        self,
        member_id: str,
        includes: Includes = None,
        fields: Fields | None = None,
        *,
        include_all: bool = False,
    ) -> JsonApiDocument:
        """One member of a campaign the token's user owns."""
        return self._get(
            f"members/{_segment(member_id)}", cat.MEMBERS, includes, fields, include_all
        )

    def get_campaign_posts(
        self,
        campaign_id: str | int,
        includes: Includes = None,
        fields: Fields | None = None,
        *,
        include_all: bool = False,
        count: int | None = None,
        cursor: str | None = None,
    ) -> JsonApiDocument:
        """One page of a campaign's posts (``walk("posts", campaign=...)`` reads them all)."""
        path = f"campaigns/{_segment(campaign_id)}/posts"
        return self._get(path, cat.POSTS, includes, fields, include_all, **_page(count, cursor))

    def get_post(
        self,
        post_id: str | int,
        includes: Includes = None,
        fields: Fields | None = None,
        *,
        include_all: bool = False,
    ) -> JsonApiDocument:
        """One post of a campaign the token's user owns."""
        return self._get(f"posts/{_segment(post_id)}", cat.POSTS, includes, fields, include_all)

    # -- content gating -----------------------------------------------------------------

    def entitlement(
        self,
        user_or_token: Token | str | PatreonClient,
        campaign_id: str | int,
        *,
        min_cents: int | None = None,
        tier_ids: Iterable[str | int] | None = None,
    ) -> Entitlement:
        """Why a patron is or is not entitled (see :meth:`is_entitled`); one request.

        ``tier_ids`` is a list (``["123"]``); a bare string is refused before the request.
        """
        if tier_ids is not None:
            tier_ids = several(tier_ids, "tier_ids", provider=PROVIDER)
        return decide(
            self._patron_identity(user_or_token),
            campaign_id,
            min_cents=min_cents,
            tier_ids=tier_ids,
        )

    def is_entitled(
        self,
        user_or_token: Token | str | PatreonClient,
        campaign_id: str | int,
        min_cents: int | None = None,
        tier_ids: Iterable[str | int] | None = None,
    ) -> bool:
        """Is this patron an active patron of the campaign, at ``min_cents`` or in ``tier_ids``?

        ``user_or_token`` is the patron's :class:`Token`, their access token, or a
        client logged in as them. A revoked or expired token raises
        ``InvalidToken``: send the patron through the login again.
        """
        return self.entitlement(
            user_or_token, campaign_id, min_cents=min_cents, tier_ids=tier_ids
        ).entitled

    def find_supporter(
        self, who: Token | PatreonClient | str | int, *, campaign: str | int | None = None
    ) -> Supporter | None:
        """``who`` as a :class:`~paysupport.supporters.Supporter` of the campaign, or ``None``.

        ``who`` is a patron's login (their :class:`Token` or a client logged in as
        them): one request, their identity with their memberships, as
        :meth:`is_entitled` makes. Or it is a Patreon user id (a ``str`` or
        ``int``): Patreon cannot look a member up by user, so the campaign's
        members are read until found (pages of 1,000); prefer the login.
        ``campaign`` defaults to the token's own campaign (asked once per client).
        This is what :func:`paysupport.is_supporter` asks Patreon.
        """
        owner = str(campaign) if campaign is not None else self._supporter_campaign()
        if isinstance(who, (Token, PatreonClient)):
            document = self._patron_identity(
                who, PATRON_SUPPORTER_INCLUDES, PATRON_SUPPORTER_FIELDS
            )
            user = _single(document)
            memberships = [Member(r) for r in user.related("memberships") if r.type == "member"]
            member = next((m for m in memberships if m.campaign_id == owner), None)
            return None if member is None else supporter(member, user_id=user.id, account=owner)
        if isinstance(who, bool) or not isinstance(who, (str, int)) or not str(who).strip():
            raise InvalidRequest(
                "find_supporter takes a patron's Token, a client logged in as them, "
                f"or a Patreon user id; not {type(who).__name__}",
                provider=PROVIDER,
            )
        wanted = str(who).strip()
        walk = self.walk("supporters", campaign=owner, past=True)
        return next((s for s in walk if s.id == wanted), None)

    # -- paysupport sync's hooks (docs/writing-a-provider.md) ----------------------------

    def sync_supporters(
        self, account: str, *, start: str | None = None, count: int | None = None
    ) -> Walk[Supporter]:
        """Campaign ``account``'s supporters from cursor ``start`` (for paysupport sync)."""
        return self.walk("supporters", campaign=account, start=start, count=count)

    def supporter_from_delivery(
        self,
        headers: Mapping[str, str] | Sequence[tuple[str, str]],
        raw_body: bytes,
        secret: str,
        clients: Callable[[str], Any] | None = None,
    ) -> SupporterDelivery | None:
        """A verified ``members:*`` delivery as the member's state now; ``None`` for posts.

        Patreon's deliveries carry no time of the change, so the member is read
        again (one request) and the observation is dated by the start of that
        read: of two deliveries applied in any order, the later read wins. A
        member gone (404) or no longer pledging is no supporter. Raises
        ``InvalidSignature`` before anything is read. ``clients(account)``, when
        given, is the client to re-read with (the account's own token); else this one.
        """
        from datetime import datetime, timezone

        from paysupport.errors import NotFound
        from paysupport.sync.webhooks import SupporterDelivery
        from paysupport_patreon.webhooks import parse

        event = parse(headers, raw_body, secret)
        member = event.member
        if member is None:
            return None
        campaign = member.campaign_id
        if not campaign:
            raise ResponseFormatError("the member delivery names no campaign", provider=PROVIDER)
        started = datetime.now(timezone.utc)
        try:
            reader = self if clients is None else clients(campaign)
            document = reader.get_member(member.id, SUPPORTER_INCLUDES, SUPPORTER_FIELDS)
        except NotFound:
            current = None
        else:
            current = supporter(Member(_single(document)), account=campaign)
        return SupporterDelivery(
            provider=PROVIDER,
            delivery_id=event.delivery_key,
            account=campaign,
            supporter_id=current.id if current else (member.user_id or member.id),
            supporter=current,
            observed_at=started,
        )

    def _supporter_campaign(self) -> str:
        """The token's own campaign, asked once per client (it does not change)."""
        if self._own_campaign_id is None:
            self._own_campaign_id = self._own_campaign("supporters")
        return self._own_campaign_id

    def _patron_identity(
        self,
        who: Token | str | PatreonClient,
        includes: Sequence[str] = IDENTITY_INCLUDES,
        fields: Mapping[str, tuple[str, ...]] = IDENTITY_FIELDS,
    ) -> JsonApiDocument:
        if isinstance(who, PatreonClient):
            return who.get_identity(includes, fields)
        access_token = who.access_token if isinstance(who, Token) else who
        if not isinstance(access_token, str) or not access_token:
            raise InvalidRequest(
                "is_entitled takes a Token, an access token or a PatreonClient",
                provider=PROVIDER,
            )
        self.redactor.add(access_token)
        params = build_params(cat.IDENTITY, includes, fields)
        return self._transport.document(
            "GET", f"{V2}/identity", params, auth=BearerToken(access_token)
        )


def _segment(value: str | int) -> str:
    return quote(str(value), safe="")


def _page(count: int | None, cursor: str | None) -> dict[str, str]:
    page: dict[str, str] = {}
    if count is not None:
        page["page[count]"] = str(int(count))
    if cursor:
        page["page[cursor]"] = cursor
    return page


def pledge_url(target: Any) -> str | None:
    """Where a person pledges to ``target`` (a :class:`Campaign` or a creator URL), if known.

    Patreon's API cannot pledge, so ``support()`` is not a capability; what the
    library can do is point at the page where a person pledges by hand (carried as
    ``Unsupported.url``): a campaign's ``pledge_url`` attribute, a pledge link as
    given, or a creator page's ``/checkout/<vanity>``.
    """
    if isinstance(target, Campaign):
        return target.pledge_url
    if not isinstance(target, str):
        return None
    text = target.strip()
    if PLEDGE_PAGE.match(text):
        return text
    vanity = creator_vanity(text)
    return f"{SITE}/checkout/{vanity}" if vanity else None


def _single(document: JsonApiDocument) -> JsonApiResource:
    data = document.data()
    if data is None or isinstance(data, list):
        raise ResponseFormatError("expected one resource as primary data", provider=PROVIDER)
    return data


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _count(value: Any) -> int | None:
    if value in (None, ""):
        return None
    try:
        count = int(value)
    except (TypeError, ValueError):
        raise InvalidRequest(
            f"count must be a positive integer, not {value!r}", provider=PROVIDER
        ) from None
    if count < 1:
        raise InvalidRequest("count must be a positive integer", provider=PROVIDER)
    return count


def connect(
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    redirect_uri: str | None = None,
    access_token: str | None = None,
    refresh_token: str | None = None,
    creator_access_token: str | None = None,
    creator_refresh_token: str | None = None,
    base_url: str | None = None,
    http_options: HttpOptions | None = None,
    token_store: TokenStore | str | None = None,
    account: str | None = None,
    app_name: str | None = None,
    hooks: Sequence[EventHook] = (),
) -> PatreonClient:
    """A :class:`PatreonClient`, typed: ``paysupport.connect("patreon", ...)`` with checks.

    The settings are arguments here, so editors complete them and mypy refuses a
    misspelt one; ``None`` leaves a setting to the configuration chain (config file,
    then ``PAYSUPPORT_PATREON_*`` and ``PATREON_*`` variables), as with
    ``paysupport.connect``.
    """
    return PatreonClient(
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        access_token=access_token,
        refresh_token=refresh_token,
        creator_access_token=creator_access_token,
        creator_refresh_token=creator_refresh_token,
        base_url=base_url,
        http_options=http_options,
        token_store=token_store,
        account=account,
        app_name=app_name,
        hooks=hooks,
    )
