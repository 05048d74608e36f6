"""``PatreonClient``: the common verbs, API v2 and v1, webhooks and content gating, in one object.

The class only assembles the pieces, each in its own module: OAuth and
creator tokens (:mod:`.auth`), the v2 calls (:mod:`.v2`), the v1 calls of the
older library (:mod:`.v1`), webhook management (:mod:`.webhook_calls`), walks
(:mod:`.walks`), entitlement (:mod:`.entitlement`) and pledge pages
(:mod:`.pages`). Receiving webhooks is :mod:`.webhooks`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from paysupport._args import several
from paysupport.errors import InvalidRequest, ResponseFormatError, Unsupported
from paysupport.http import EventHook, HttpOptions
from paysupport.jsonapi import JsonApiDocument, JsonApiResource
from paysupport.provider import Capability, Client, ProviderInfo, User, route_under
from paysupport.tokens import Token, TokenStore
from paysupport.walk import Walk
from paysupport_patreon import catalog as cat
from paysupport_patreon.auth import BearerToken, apply_creator_token, oauth_endpoints
from paysupport_patreon.entitlement import IDENTITY_FIELDS, IDENTITY_INCLUDES, Entitlement, decide
from paysupport_patreon.errors import PROVIDER
from paysupport_patreon.pages import URL_PATTERNS, pledge_url
from paysupport_patreon.query import build_params
from paysupport_patreon.resources import Campaign, Member, PatreonUser, Post
from paysupport_patreon.transport import V2, Transport
from paysupport_patreon.v1 import V1Calls
from paysupport_patreon.v2 import V2Calls
from paysupport_patreon.walks import cursor_walk
from paysupport_patreon.webhook_calls import WebhookCalls

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
CAMPAIGN_FIELDS = {"campaign": ("name", "url", "vanity", "patron_count", "pledge_url")}
POST_FIELDS = {"post": ("title", "url", "published_at", "is_public", "is_paid")}
WALK_FILTERS = frozenset(
    {"campaign", "includes", "fields", "include_all", "count", "start", "sort"}
)


class PatreonClient(V2Calls, V1Calls, WebhookCalls, Client):
    """A Patreon client: creator tools (campaigns, members, posts, webhooks) and patron logins.

    Log a user in with ``client.oauth.authorization_url()`` and
    ``client.oauth.fetch_token(...)``, or give a creator token from the
    developer portal (``creator_access_token`` and ``creator_refresh_token``).
    Patreon's API cannot pledge: ``support()`` raises ``Unsupported`` whose
    ``url`` is the pledge page.
    """

    info = ProviderInfo(
        name=PROVIDER,
        title="Patreon",
        default_base_url="https://www.patreon.com",
        capabilities=frozenset(
            {
                Capability.IDENTITY,
                Capability.WALK,
                Capability.MEMBERS,
                Capability.CAMPAIGNS,
                Capability.WEBHOOKS,
            }
        ),
        collections=("campaigns", "members", "posts"),
        settings=(
            "client_id",
            "client_secret",
            "redirect_uri",
            "access_token",
            "refresh_token",
            "creator_access_token",
            "creator_refresh_token",
        ),
        secret_settings=(
            "client_secret",
            "access_token",
            "refresh_token",
            "creator_access_token",
            "creator_refresh_token",
        ),
        env_aliases={
            "PATREON_CLIENT_ID": "client_id",
            "PATREON_CLIENT_SECRET": "client_secret",
            "PATREON_REDIRECT_URI": "redirect_uri",
            "PATREON_ACCESS_TOKEN": "access_token",
            "PATREON_REFRESH_TOKEN": "refresh_token",
            "PATREON_CREATOR_ACCESS_TOKEN": "creator_access_token",
            "PATREON_CREATOR_REFRESH_TOKEN": "creator_refresh_token",
        },
        url_patterns=URL_PATTERNS,
        auth="oauth2",
        description="Patreon API v2 (and v1): campaigns, members, posts, webhooks",
    )

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        apply_creator_token(self.settings)
        self.use_oauth2(oauth_endpoints(self.base_url))
        self._transport = Transport(self.http, self.redactor)

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
        """``campaigns``, ``members`` or ``posts`` (the last two need ``campaign=<id>``).

        Filters: ``includes``, ``fields``, ``include_all``, ``count`` (page size;
        members default to Patreon's maximum, 1000, or 500 with pledge history),
        ``sort`` (members) and ``start`` (a cursor from ``Walk.cursor``).
        Members come as :class:`Member` with user and entitled tiers included.
        """
        self.check_collection(collection)
        unknown = set(filters) - WALK_FILTERS
        if unknown:
            raise InvalidRequest(
                f"walk({collection!r}) takes no {', '.join(sorted(unknown))}; "
                f"it takes {', '.join(sorted(WALK_FILTERS))}",
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
        campaign = filters.get("campaign")
        if not campaign:
            raise InvalidRequest(f"walk({collection!r}) needs campaign=<id>", provider=PROVIDER)
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
                    campaign,
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
                campaign, includes, fields, include_all=include_all, count=count, cursor=cursor
            )

        return cursor_walk(posts, Post, start=start)

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

    def _patron_identity(self, who: Token | str | PatreonClient) -> JsonApiDocument:
        if isinstance(who, PatreonClient):
            return who.get_identity(IDENTITY_INCLUDES, IDENTITY_FIELDS)
        access_token = who.access_token if isinstance(who, Token) else who
        if not isinstance(access_token, str) or not access_token:
            raise InvalidRequest(
                "is_entitled takes a Token, an access token or a PatreonClient",
                provider=PROVIDER,
            )
        self.redactor.add(access_token)
        params = build_params(cat.IDENTITY, IDENTITY_INCLUDES, IDENTITY_FIELDS)
        return self._transport.document(
            "GET", f"{V2}/identity", params, auth=BearerToken(access_token)
        )


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
