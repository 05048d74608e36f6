"""The v2 API routes (``/api/oauth2/v2/``): identity, campaigns, members, posts, webhooks.

Each route checks its token and scope (:meth:`Routes._viewer`), its ``include``
and ``fields`` against the catalog, and that the token's user owns what it
asks for, then answers with the JSON:API document Patreon would. Webhooks are
created, changed and deleted here; their deliveries are :mod:`.webhooks`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from paysupport.emulation import loads_json
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
from paysupport_patreon.emulator.routes import V2, Routes, by_attribute
from paysupport_patreon.emulator.store import MemberRecord, Viewer
from paysupport_patreon.emulator.views import Resource, all_attributes, build_document
from paysupport_patreon.emulator.webhooks import Webhook


class ApiRoutes(Routes):
    """The v2 routes; mixed into the emulator."""

    def _on_identity(self, request: Request) -> Response:
        viewer = self._viewer(request)
        query = parse_query(request.args, cat.IDENTITY, cat.ATTRIBUTES)
        return self._single(request, self.views.user(viewer.user_id, viewer), query)

    def _on_campaigns(self, request: Request) -> Response:
        viewer = self._viewer(request, cat.CAMPAIGNS.scope)
        query = parse_query(request.args, cat.CAMPAIGNS, cat.ATTRIBUTES)
        owned = viewer.user_id == self.store.creator_id
        items = [self.views.campaign(c, viewer) for c in self.store.campaigns] if owned else []
        return self._offset_page(request, "campaigns", items, query)

    def _on_campaign(self, request: Request, campaign_id: str) -> Response:
        viewer = self._viewer(request, cat.CAMPAIGNS.scope)
        query = parse_query(request.args, cat.CAMPAIGNS, cat.ATTRIBUTES)
        record = self._owned_campaign(viewer, campaign_id)
        return self._single(request, self.views.campaign(record, viewer), query)

    def _member_query(self, request: Request, viewer: Viewer) -> Query:
        query = parse_query(request.args, cat.MEMBERS, cat.ATTRIBUTES)
        if "address" in query.include or "address" in query.fields:
            self._require(viewer, "campaigns.members.address")
        return query

    def _on_members(self, request: Request, campaign_id: str) -> Response:
        viewer = self._viewer(request, cat.MEMBERS.scope)
        query = self._member_query(request, viewer)
        record = self._owned_campaign(viewer, campaign_id)
        maximum = cat.MAX_PAGE_SIZE
        if "pledge_history" in query.include:
            maximum = cat.MAX_PAGE_SIZE_WITH_PLEDGE_HISTORY
        count = parse_page_count(request.args, cat.DEFAULT_PAGE_SIZE, maximum)
        sort = request.args.get("sort", "")
        kind = f"members:{campaign_id}|{sort}"
        cursor = request.args.get("page[cursor]")
        position = decode_cursor(cursor, kind) if cursor else None
        if position is not None and not (isinstance(position, int) and position >= 0):
            raise ApiError(400, "Invalid page[cursor].")
        if sort:
            members = self._sorted_members(record.index, sort)
            start = position or 0
            chosen = members[start : start + count]
            total = len(members)
            following = start + count if start + count < total else None
        else:
            chosen, total = self.store.member_page(record.index, position, count)
            last = chosen[-1].index if chosen else None
            more = last is not None and self.store.has_member_after(record.index, last)
            following = last if more else None
        items = [self.views.member(m, viewer) for m in chosen]
        next_cursor = encode_cursor(kind, following) if following is not None else None
        return json_response(self._page(request, items, query, total, next_cursor))

    def _sorted_members(self, c: int, sort: str) -> list[MemberRecord]:
        members = [m for i in self.store.live_member_indices(c) if (m := self.store.member(c, i))]
        for name in reversed([part.strip() for part in sort.split(",") if part.strip()]):
            field = name.lstrip("-")
            if field not in cat.ATTRIBUTES["member"] or field == "email":
                raise ApiError(400, f"Cannot sort members by '{name}'.")

            members.sort(key=by_attribute(field), reverse=name.startswith("-"))
        return members

    def _on_member(self, request: Request, member_id: str) -> Response:
        viewer = self._viewer(request, cat.MEMBERS.scope)
        query = self._member_query(request, viewer)
        member = self.store.member_by_id(member_id)
        if member is None:
            raise ApiError(404, f"No member {member_id}.")
        self._owned_campaign(viewer, self.store.campaigns[member.campaign_index].id)
        return self._single(request, self.views.member(member, viewer), query)

    def _on_posts(self, request: Request, campaign_id: str) -> Response:
        viewer = self._viewer(request, cat.POSTS.scope)
        query = parse_query(request.args, cat.POSTS, cat.ATTRIBUTES)
        record = self._owned_campaign(viewer, campaign_id)
        posts = [self.store.post(pid) for pid in self.store.campaign_post_ids(record.index)]
        items = [self.views.post(post, viewer) for post in posts if post is not None]
        return self._offset_page(request, f"posts:{campaign_id}", items, query)

    def _on_post(self, request: Request, post_id: str) -> Response:
        viewer = self._viewer(request, cat.POSTS.scope)
        query = parse_query(request.args, cat.POSTS, cat.ATTRIBUTES)
        post = self.store.post(post_id)
        if post is None:
            raise ApiError(404, f"No post {post_id}.")
        self._owned_campaign(viewer, self.store.campaigns[post.campaign_index].id)
        return self._single(request, self.views.post(post, viewer), query)

    # ------------------------------------------------------------ webhooks
    def _webhook_resource(self, hook: Webhook, viewer: Viewer) -> Resource:
        client = self.oauth.clients[hook.client_id]
        record = self.store.campaigns_by_id[hook.campaign_id]
        return Resource(
            "webhook",
            hook.id,
            hook.attributes(),
            {
                "campaign": lambda: self.views.campaign(record, viewer),
                "client": lambda: Resource("client", client.client_id, client.attributes()),
            },
        )

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        try:
            body = loads_json(request.get_data() or b"null")
        except ValueError:
            raise ApiError(400, "The request body is not valid JSON.") from None
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, dict) or data.get("type") != "webhook":
            raise ApiError(400, "The body must be a JSON:API document with data.type 'webhook'.")
        attributes = data.get("attributes", {})
        if not isinstance(attributes, dict):
            raise ApiError(400, "data.attributes must be an object.")
        return data

    @staticmethod
    def _check_webhook_attributes(attributes: Mapping[str, Any], *, creating: bool) -> None:
        allowed = {"uri", "triggers"} if creating else {"uri", "triggers", "paused"}
        unknown = set(attributes) - allowed
        if unknown:
            raise ApiError(400, f"Unknown webhook attribute(s): {', '.join(sorted(unknown))}.")
        if creating or "uri" in attributes:
            uri = attributes.get("uri")
            if not isinstance(uri, str) or urlsplit(uri).scheme not in ("http", "https"):
                raise ApiError(400, "uri must be an absolute http(s) URL.")
        if creating or "triggers" in attributes:
            triggers = attributes.get("triggers")
            if (
                not isinstance(triggers, list)
                or not triggers
                or any(t not in cat.TRIGGERS for t in triggers)
            ):
                raise ApiError(
                    400, f"triggers must be a non-empty list of: {', '.join(cat.TRIGGERS)}."
                )
        if "paused" in attributes and not isinstance(attributes["paused"], bool):
            raise ApiError(400, "paused must be a boolean.")

    def _webhook_single(self, request: Request, hook: Webhook, viewer: Viewer) -> Response:
        doc = build_document(self._webhook_resource(hook, viewer), (), all_attributes)
        doc["links"] = {"self": f"{self._base(request)}{V2}/webhooks/{hook.id}"}
        return json_response(doc)

    def _on_webhooks(self, request: Request) -> Response:
        viewer = self._viewer(request, cat.WEBHOOKS.scope)
        if request.method == "GET":
            query = parse_query(request.args, cat.WEBHOOKS, cat.ATTRIBUTES)
            hooks = self.webhooks.owned(viewer.client_id)
            items = [self._webhook_resource(hook, viewer) for hook in hooks]
            return self._offset_page(request, "webhooks", items, query)
        data = self._body(request)
        attributes = data.get("attributes", {})
        self._check_webhook_attributes(attributes, creating=True)
        relationships = data.get("relationships")
        campaign = relationships.get("campaign") if isinstance(relationships, dict) else None
        linkage = campaign.get("data") if isinstance(campaign, dict) else None
        if not isinstance(linkage, dict) or linkage.get("type") != "campaign":
            raise ApiError(400, "relationships.campaign.data must name the campaign.")
        record = self._owned_campaign(viewer, str(linkage.get("id")))
        hook = self.webhooks.create(
            viewer.client_id, record.id, attributes["uri"], attributes["triggers"], viewer.scopes
        )
        return self._webhook_single(request, hook, viewer)

    def _on_webhook(self, request: Request, hook_id: str) -> Response:
        viewer = self._viewer(request, cat.WEBHOOKS.scope)
        hook = self.webhooks.get(hook_id, viewer.client_id)
        if hook is None:
            raise ApiError(404, f"No webhook {hook_id}.")
        if request.method == "DELETE":
            self.webhooks.delete(hook)
            return Response(status=204)
        data = self._body(request)
        if str(data.get("id")) != hook_id:
            raise ApiError(400, "data.id must match the webhook in the URL.")
        attributes = data.get("attributes", {})
        self._check_webhook_attributes(attributes, creating=False)
        self.webhooks.update(hook, attributes)
        return self._webhook_single(request, hook, viewer)
