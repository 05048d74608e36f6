"""What the route modules share: the state they use, the app's checks, JSON:API pages.

The API (:mod:`.api`, :mod:`.api_v1`) and admin (:mod:`.admin`) routes are
mixins of :class:`~paysupport_patreon.emulator.app.PatreonEmulator`;
:class:`Routes` declares once what they read from it (the store, views, webhooks,
OAuth server, clock) and the checks the app runs for them (``_viewer``,
``_require``, ``_owned_campaign``), and builds the single-resource and paged
documents every listing answers with. Absolute URLs (``links``) are built from
the request's URL root, so the app works on its own port or under a path prefix.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from werkzeug.wrappers import Request, Response

from paysupport_patreon import catalog as cat
from paysupport_patreon.emulator.auth import Client, OAuthServer
from paysupport_patreon.emulator.errors import ApiError
from paysupport_patreon.emulator.params import (
    Query,
    decode_cursor,
    encode_cursor,
    parse_page_count,
    sortable,
)
from paysupport_patreon.emulator.responses import json_response
from paysupport_patreon.emulator.store import CampaignRecord, MemberRecord, Store, Viewer
from paysupport_patreon.emulator.views import Resource, Views, build_document, v2_attributes
from paysupport_patreon.emulator.webhooks import WebhookHub

V2 = "/api/oauth2/v2"
V1 = "/api/oauth2/api"


def by_attribute(name: str) -> Callable[[Resource | MemberRecord], tuple[int, float, str]]:
    """Sort key on one attribute (or ``id``) of a resource or member record."""

    def key(item: Resource | MemberRecord) -> tuple[int, float, str]:
        if name == "id" and isinstance(item, Resource):
            return sortable(item.id)
        return sortable(item.attributes.get(name))

    return key


class Routes:
    """The emulator's state and checks, as the route mixins use them; the app provides them."""

    store: Store
    views: Views
    webhooks: WebhookHub
    oauth: OAuthServer
    client: Client
    _clock: Callable[[], float]

    if TYPE_CHECKING:

        def _viewer(self, request: Request, scope: str | None = None) -> Viewer: ...

        @staticmethod
        def _require(viewer: Viewer, scope: str) -> None: ...

        def _owned_campaign(self, viewer: Viewer, campaign_id: str) -> CampaignRecord: ...

        def admin_state(self) -> dict[str, Any]: ...

    @staticmethod
    def _base(request: Request) -> str:
        return request.url_root.rstrip("/")

    def _single(self, request: Request, resource: Resource, query: Query) -> Response:
        doc = build_document(resource, query.include, v2_attributes(query))
        doc["links"] = {"self": self._base(request) + request.path}
        return json_response(doc)

    def _page(
        self,
        request: Request,
        items: list[Resource],
        query: Query,
        total: int,
        next_cursor: str | None,
        *,
        select: Callable[[Resource], dict[str, Any]] | None = None,
        always_relationships: bool = False,
    ) -> dict[str, Any]:
        doc = build_document(
            items,
            query.include,
            select or v2_attributes(query),
            always_relationships=always_relationships,
        )
        doc["meta"] = {"pagination": {"total": total, "cursors": {"next": next_cursor}}}
        if next_cursor is not None:
            args = {k: v for k, v in request.args.items() if k != "page[cursor]"}
            args["page[cursor]"] = next_cursor
            doc["links"] = {"next": f"{self._base(request)}{request.path}?{urlencode(args)}"}
        return doc

    def _offset_page(
        self, request: Request, kind: str, items: list[Resource], query: Query
    ) -> Response:
        """Paginate a small in-memory list (campaigns, posts, webhooks) by offset."""
        sort = request.args.get("sort", "")
        for name in reversed([part.strip() for part in sort.split(",") if part.strip()]):
            field = name.lstrip("-")
            if field not in cat.ATTRIBUTES[items[0].type if items else "user"] and field != "id":
                raise ApiError(400, f"Cannot sort by '{name}'.")
            items = sorted(items, key=by_attribute(field), reverse=name.startswith("-"))
        count = parse_page_count(request.args, cat.DEFAULT_PAGE_SIZE, cat.MAX_PAGE_SIZE)
        cursor = request.args.get("page[cursor]")
        start = 0
        if cursor:
            position = decode_cursor(cursor, f"{kind}|{sort}")
            if not isinstance(position, int) or position < 0:
                raise ApiError(400, "Invalid page[cursor].")
            start = position
        end = start + count
        next_cursor = encode_cursor(f"{kind}|{sort}", end) if end < len(items) else None
        return json_response(self._page(request, items[start:end], query, len(items), next_cursor))
