"""The deprecated v1 API (``/api/oauth2/api/``) the older patreon-python library calls.

v1 sends every default attribute and lets ``fields[type]`` add optional ones;
its routes link every relationship and, unlike v2, include related resources
without being asked: ``current_user`` includes the user's pledges and campaign
(patreon-python's documented ``fetch_user()`` example finds both in
``included`` and sends no ``include``). An explicit ``include`` replaces the
default. Dotted (nested) includes are v2's; neither the reference notes nor the
old library's examples use them on v1, so v1 accepts only the names below.
Mixed into :class:`~paysupport_patreon.emulator.app.PatreonEmulator`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from paysupport_patreon import catalog as cat
from paysupport_patreon.emulator.errors import ApiError
from paysupport_patreon.emulator.params import (
    Query,
    decode_cursor,
    encode_cursor,
    parse_page_count,
    parse_query,
)
from paysupport_patreon.emulator.responses import json_response
from paysupport_patreon.emulator.routes import Routes
from paysupport_patreon.emulator.store import MemberRecord
from paysupport_patreon.emulator.views import Resource, build_document

# v1 attribute names per type; "optional" ones are sent only when fields[...] asks.
V1_ATTRIBUTES: dict[str, frozenset[str]] = {
    "user": cat.ATTRIBUTES["user"],
    "campaign": cat.ATTRIBUTES["campaign"] | {"pledge_sum", "creation_count", "is_plural"},
    "reward": cat.ATTRIBUTES["tier"] | {"amount"},
    "goal": cat.ATTRIBUTES["goal"],
    "address": cat.ATTRIBUTES["address"],
    "pledge": frozenset(
        [
            "amount_cents",
            "created_at",
            "declined_since",
            "patron_pays_fees",
            "pledge_cap_cents",
            "total_historical_amount_cents",
            "is_paused",
            "has_shipping_address",
        ]
    ),
}
V1_OPTIONAL: dict[str, frozenset[str]] = {
    "pledge": frozenset({"total_historical_amount_cents", "is_paused", "has_shipping_address"})
}
V1_CURRENT_USER = cat.RouteSpec(
    None, frozenset({"pledges", "campaign"}), frozenset(V1_ATTRIBUTES), "user"
)
V1_CAMPAIGNS = cat.RouteSpec(
    None,
    frozenset({"rewards", "creator", "goals", "pledges"}),
    frozenset(V1_ATTRIBUTES),
    "campaign",
)
V1_PLEDGES = cat.RouteSpec(
    None, frozenset({"patron", "reward", "creator", "address"}), frozenset(V1_ATTRIBUTES), "pledge"
)


class V1Routes(Routes):
    """The three v1 routes: current user, the user's campaigns, a campaign's pledges."""

    def _v1_query(self, request: Request, route: cat.RouteSpec, default_include: str) -> Query:
        args = dict(request.args)
        if "include" not in args:
            args["include"] = default_include
        return parse_query(args, route, V1_ATTRIBUTES)

    @staticmethod
    def _v1_select(query: Query) -> Callable[[Resource], dict[str, Any]]:
        def select(resource: Resource) -> dict[str, Any]:
            hidden = V1_OPTIONAL.get(resource.type, frozenset()) - set(
                query.fields.get(resource.type, ())
            )
            return {k: v for k, v in resource.attributes.items() if k not in hidden}

        return select

    def _on_v1_user(self, request: Request) -> Response:
        viewer = self._viewer(request)
        query = self._v1_query(request, V1_CURRENT_USER, "pledges,campaign")
        doc = build_document(
            self.views.v1_user(viewer.user_id, viewer),
            query.include,
            self._v1_select(query),
            always_relationships=True,
        )
        doc["links"] = {"self": self._base(request) + request.path}
        return json_response(doc)

    def _on_v1_campaigns(self, request: Request) -> Response:
        viewer = self._viewer(request)
        query = self._v1_query(request, V1_CAMPAIGNS, "rewards,creator,goals")
        owned = viewer.user_id == self.store.creator_id
        with_pledges = "pledges" in query.include
        items = (
            [self.views.v1_campaign(c, viewer, with_pledges) for c in self.store.campaigns]
            if owned
            else []
        )
        doc = build_document(
            items, query.include, self._v1_select(query), always_relationships=True
        )
        doc["meta"] = {"count": len(items)}
        return json_response(doc)

    def _on_v1_pledges(self, request: Request, campaign_id: str) -> Response:
        viewer = self._viewer(request)
        query = self._v1_query(request, V1_PLEDGES, "patron,reward")
        if "address" in query.include:
            self._require(viewer, "campaigns.members.address")
        record = self._owned_campaign(viewer, campaign_id)
        count = parse_page_count(request.args, cat.DEFAULT_PAGE_SIZE, cat.MAX_PAGE_SIZE)
        kind = f"pledges:{campaign_id}"
        cursor = request.args.get("page[cursor]")
        after = decode_cursor(cursor, kind) if cursor else None
        if after is not None and not (isinstance(after, int) and after >= 0):
            raise ApiError(400, "Invalid page[cursor].")
        chosen: list[MemberRecord] = []
        more = False
        for member in self.views.pledging_members(record.index, after):
            if len(chosen) == count:
                more = True
                break
            chosen.append(member)
        total = self.store.counts().get(f"pledges:{record.id}", 0)
        next_cursor = encode_cursor(kind, chosen[-1].index) if more else None
        items = [self.views.v1_pledge(m, viewer) for m in chosen]
        doc = self._page(
            request,
            items,
            query,
            total,
            next_cursor,
            select=self._v1_select(query),
            always_relationships=True,
        )
        doc["meta"]["count"] = total
        first_args = {k: v for k, v in request.args.items() if k != "page[cursor]"}
        first = f"{self._base(request)}{request.path}"
        doc.setdefault("links", {})["first"] = (
            f"{first}?{urlencode(first_args)}" if first_args else first
        )
        return json_response(doc)
