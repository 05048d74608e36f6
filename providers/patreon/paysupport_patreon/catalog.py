"""What Patreon's v2 API lets a caller ask for (attributes, includes, scopes), checked per call.

One catalog for both sides: the client refuses an unknown include or field
before sending anything, and the emulator answers such a request with a 400,
so the two cannot disagree. It is transcribed from the reference openapi.json
and the emulator's fidelity tests compare it with the spec, so a drift in
either is caught. Two additions the spec does not list, both documented:

* the ``goal`` schema in the spec has no properties; the attributes here are the
  ones Patreon documents for goals;
* ``identity`` accepts the nested includes ``memberships.campaign`` and
  ``memberships.currently_entitled_tiers`` (and ``fields[tier]``), the way every
  content-gating integration asks Patreon which tiers a patron is entitled to;
  the spec's include enum lists only the top-level names. They are kept apart
  (:attr:`RouteSpec.nested_includes`) so the comparison with the spec stays exact.

:func:`build_params` applies it to a call: Patreon v2 returns no attribute
unless ``fields[type]`` names it and no related resource unless ``include``
names the relationship, so every call takes both. A name the route does not
offer is a typo that Patreon would answer with a 400; here it is an
:class:`~paysupport.errors.InvalidRequest` before any request, naming what the
route does allow.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from paysupport._args import several
from paysupport.errors import InvalidRequest
from paysupport_patreon.info import PROVIDER

ATTRIBUTES: dict[str, frozenset[str]] = {
    "address": frozenset(
        [
            "addressee",
            "city",
            "country",
            "created_at",
            "line_1",
            "line_2",
            "phone_number",
            "postal_code",
            "state",
        ]
    ),
    "benefit": frozenset(
        [
            "app_external_id",
            "app_meta",
            "benefit_type",
            "created_at",
            "deliverables_due_today_count",
            "delivered_deliverables_count",
            "description",
            "is_deleted",
            "is_ended",
            "is_published",
            "next_deliverable_due_date",
            "not_delivered_deliverables_count",
            "rule_type",
            "tiers_count",
            "title",
        ]
    ),
    "campaign": frozenset(
        [
            "created_at",
            "creation_name",
            "currency",
            "discord_server_id",
            "google_analytics_id",
            "image_url",
            "image_small_url",
            "is_charged_immediately",
            "is_monthly",
            "is_nsfw",
            "has_rss",
            "has_sent_rss_notify",
            "main_video_embed",
            "main_video_url",
            "name",
            "one_liner",
            "pay_per_name",
            "patron_count",
            "pledge_url",
            "published_at",
            "rss_artwork_url",
            "rss_feed_title",
            "show_earnings",
            "summary",
            "thanks_embed",
            "thanks_msg",
            "thanks_video_url",
            "url",
            "vanity",
        ]
    ),
    "client": frozenset(
        [
            "author_name",
            "category",
            "client_secret",
            "default_scopes",
            "description",
            "domain",
            "icon_url",
            "name",
            "privacy_policy_url",
            "redirect_uris",
            "tos_url",
            "version",
        ]
    ),
    "goal": frozenset(
        ["amount_cents", "completed_percentage", "created_at", "description", "reached_at", "title"]
    ),
    "live-access-rule": frozenset({"access_rule_type"}),
    "member": frozenset(
        [
            "campaign_lifetime_support_cents",
            "currently_entitled_amount_cents",
            "email",
            "full_name",
            "is_follower",
            "is_free_trial",
            "is_gifted",
            "last_charge_date",
            "last_charge_status",
            "lifetime_support_cents",
            "next_charge_date",
            "note",
            "patron_status",
            "pledge_cadence",
            "pledge_relationship_start",
            "will_pay_amount_cents",
        ]
    ),
    "pledge-event": frozenset(
        [
            "amount_cents",
            "currency_code",
            "date",
            "pledge_payment_status",
            "payment_status",
            "tier_id",
            "tier_title",
            "type",
        ]
    ),
    "post": frozenset(
        [
            "app_id",
            "app_status",
            "content",
            "embed_data",
            "embed_url",
            "is_paid",
            "is_public",
            "published_at",
            "tiers",
            "title",
            "url",
        ]
    ),
    "tier": frozenset(
        [
            "amount_cents",
            "created_at",
            "description",
            "discord_role_ids",
            "edited_at",
            "image_url",
            "patron_count",
            "post_count",
            "published",
            "published_at",
            "remaining",
            "requires_shipping",
            "title",
            "unpublished_at",
            "url",
            "user_limit",
        ]
    ),
    "user": frozenset(
        [
            "about",
            "can_see_nsfw",
            "created",
            "email",
            "first_name",
            "full_name",
            "hide_pledges",
            "image_url",
            "is_creator",
            "is_email_verified",
            "last_name",
            "like_count",
            "social_connections",
            "thumb_url",
            "url",
            "vanity",
        ]
    ),
    "webhook": frozenset(
        ["last_attempted_at", "num_consecutive_times_failed", "paused", "secret", "triggers", "uri"]
    ),
}

TRIGGERS: tuple[str, ...] = (
    "members:create",
    "members:update",
    "members:delete",
    "members:pledge:create",
    "members:pledge:update",
    "members:pledge:delete",
    "posts:publish",
    "posts:update",
    "posts:delete",
)

#: Every OAuth scope, as listed under the spec's ``securitySchemes.Oauth2``.
SCOPES: frozenset[str] = frozenset(
    {
        "identity",
        "identity[email]",
        "identity.memberships",
        "campaigns",
        "campaigns.members",
        "campaigns.members[email]",
        "campaigns.members.address",
        "campaigns.posts",
        "w:campaigns.webhook",
        "campaigns.lives",
        "w:campaigns.lives",
    }
)


@dataclass(frozen=True)
class RouteSpec:
    """One family of v2 read routes: the scope it needs and what it may include.

    ``scope`` is ``None`` where the spec's security requirement lists no scope
    (``identity``: any valid token).
    """

    scope: str | None
    includes: frozenset[str]
    field_types: frozenset[str]
    primary_type: str
    nested_includes: frozenset[str] = frozenset()
    nested_field_types: frozenset[str] = frozenset()

    @property
    def allowed_includes(self) -> frozenset[str]:
        """Every include path the route accepts: the spec's names and the nested ones."""
        return self.includes | self.nested_includes

    @property
    def allowed_field_types(self) -> frozenset[str]:
        """Every type whose ``fields[type]`` the route accepts."""
        return self.field_types | self.nested_field_types


def _spec(
    scope: str | None,
    includes: str,
    field_types: str,
    primary: str,
    nested_includes: str = "",
    nested_field_types: str = "",
) -> RouteSpec:
    return RouteSpec(
        scope,
        frozenset(includes.split()),
        frozenset(field_types.split()),
        primary,
        frozenset(nested_includes.split()),
        frozenset(nested_field_types.split()),
    )


IDENTITY = _spec(
    None,
    "campaign memberships",
    "campaign member user",
    "user",
    nested_includes="memberships.campaign memberships.currently_entitled_tiers",
    nested_field_types="tier",
)
CAMPAIGNS = _spec(
    "campaigns",
    "benefits creator goals live_access_rules tiers",
    "benefit user goal live-access-rule tier campaign",
    "campaign",
)
MEMBERS = _spec(
    "campaigns.members",
    "address campaign currently_entitled_tiers pledge_history user",
    "address campaign tier pledge-event user member",
    "member",
)
POSTS = _spec("campaigns.posts", "user campaign", "user campaign post", "post")
WEBHOOKS = _spec("w:campaigns.webhook", "campaign client", "campaign client webhook", "webhook")

# Patreon documents a 1000-result page limit on campaign members, 500 when the
# request includes pledge history; the spec itself states no maximum.
#: What the client asks for when the caller names no scopes: everything a creator's
#: tool needs to read its campaign and members and manage webhooks, without lives,
#: addresses or members' emails (ask for those explicitly).
DEFAULT_SCOPES: tuple[str, ...] = (
    "identity",
    "identity[email]",
    "identity.memberships",
    "campaigns",
    "campaigns.members",
    "campaigns.posts",
    "w:campaigns.webhook",
)

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 1000
MAX_PAGE_SIZE_WITH_PLEDGE_HISTORY = 500


#: ``fields`` as callers write it: ``{"member": ["full_name", "email"]}`` or ``{"member": "a,b"}``.
Fields = Mapping[str, Iterable[str] | str]


def split_names(value: Iterable[str] | str, argument: str) -> list[str]:
    """Names from a list, or from one comma-separated string (the wire's own form)."""
    items = (
        value.split(",") if isinstance(value, str) else several(value, argument, provider=PROVIDER)
    )
    return [name.strip() for name in items if isinstance(name, str) and name.strip()]


def build_params(
    route: RouteSpec,
    includes: Iterable[str] | str | None = None,
    fields: Fields | None = None,
    *,
    include_all: bool = False,
) -> dict[str, str]:
    """Query parameters for ``route``; :class:`InvalidRequest` for anything it does not offer.

    ``include_all`` asks for every relationship the route allows (nested ones
    too) and every attribute of every type it can return, merged with the
    ``includes`` and ``fields`` given.
    """
    wanted = split_names(includes, "includes") if includes is not None else []
    chosen = {t: split_names(v, f"fields[{t!r}]") for t, v in (fields or {}).items()}
    if include_all:
        wanted = sorted(set(wanted) | route.allowed_includes)
        for rtype in route.allowed_field_types:
            chosen[rtype] = sorted(ATTRIBUTES[rtype])
    unknown = [name for name in wanted if name not in route.allowed_includes]
    if unknown:
        raise InvalidRequest(
            f"unknown include {', '.join(unknown)} on {route.primary_type} routes; "
            f"allowed: {', '.join(sorted(route.allowed_includes))}",
            provider=PROVIDER,
        )
    params: dict[str, str] = {}
    if wanted:
        params["include"] = ",".join(dict.fromkeys(wanted))
    for rtype, names in chosen.items():
        if rtype not in route.allowed_field_types:
            raise InvalidRequest(
                f"no fields for type {rtype!r} on {route.primary_type} routes; "
                f"allowed types: {', '.join(sorted(route.allowed_field_types))}",
                provider=PROVIDER,
            )
        bad = [name for name in names if name not in ATTRIBUTES[rtype]]
        if bad:
            raise InvalidRequest(
                f"unknown field(s) {', '.join(bad)} on type {rtype!r}; "
                f"known: {', '.join(sorted(ATTRIBUTES[rtype]))}",
                provider=PROVIDER,
            )
        if names:
            params[f"fields[{rtype}]"] = ",".join(dict.fromkeys(names))
    return params
