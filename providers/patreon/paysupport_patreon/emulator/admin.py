"""The emulator's own admin API (``/_admin/...``) for tests and the demo.

Members created, changed or deleted here fire the webhooks Patreon would
(``members:*`` and ``members:pledge:*``), and published posts fire
``posts:publish``. Mixed into :class:`~paysupport_patreon.emulator.app.PatreonEmulator`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from werkzeug.wrappers import Request, Response

from paysupport.emulation import loads_object
from paysupport_patreon import catalog as cat
from paysupport_patreon.emulator.responses import json_response
from paysupport_patreon.emulator.routes import Routes
from paysupport_patreon.emulator.store import MemberRecord, Viewer
from paysupport_patreon.emulator.views import all_attributes, build_document
from paysupport_patreon.emulator.webhooks import Webhook, member_body, post_body


class AdminError(Exception):
    """A bad admin request, answered with ``{"error": detail}``."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class AdminRoutes(Routes):
    """Change members, publish posts, retry webhooks, inspect state."""

    @staticmethod
    def _admin_body(request: Request) -> dict[str, Any]:
        try:
            return loads_object(request.get_data())
        except ValueError as exc:
            raise AdminError(400, str(exc)) from None

    def _admin_campaign(self, body: dict[str, Any]) -> str:
        campaign_id = str(body.pop("campaign_id", self.store.campaigns[0].id))
        if campaign_id not in self.store.campaigns_by_id:
            raise AdminError(404, f"no campaign {campaign_id}")
        return campaign_id

    def _member_payload(self, request: Request, member: MemberRecord) -> Callable[[Webhook], bytes]:
        def body_for(hook: Webhook) -> bytes:
            viewer = Viewer(self.store.creator_id, hook.client_id, hook.scopes)
            return member_body(self, member, viewer, self._base(request))

        return body_for

    def _fire_member(
        self, request: Request, member: MemberRecord, triggers: list[str]
    ) -> list[dict[str, Any]]:
        campaign_id = self.store.campaigns[member.campaign_index].id
        body_for = self._member_payload(request, member)
        attempts: list[dict[str, Any]] = []
        for trigger in triggers:
            attempts += self.webhooks.fire(campaign_id, trigger, body_for)
        return attempts

    @staticmethod
    def _pledging(member: MemberRecord | None) -> bool:
        return member is not None and member.attributes.get("patron_status") == "active_patron"

    def _admin_member_view(self, member: MemberRecord) -> dict[str, Any]:
        viewer = Viewer(self.store.creator_id, self.client.client_id, cat.SCOPES)
        return build_document(
            self.views.member(member, viewer), ["currently_entitled_tiers", "user"], all_attributes
        )

    def _on_admin_state(self, request: Request) -> Response:
        return json_response(self.admin_state())

    def _on_admin_members(self, request: Request) -> Response:
        body = self._admin_body(request)
        campaign_id = self._admin_campaign(body)
        try:
            member = self.store.create_member(campaign_id, body, self._clock())
        except ValueError as exc:
            raise AdminError(400, str(exc)) from None
        triggers = ["members:create"] + (
            ["members:pledge:create"] if self._pledging(member) else []
        )
        deliveries = self._fire_member(request, member, triggers)
        return json_response({**self._admin_member_view(member), "deliveries": deliveries}, 201)

    def _on_admin_member(self, request: Request, member_id: str) -> Response:
        try:
            if request.method == "DELETE":
                before = self.store.delete_member(member_id)
                triggers = ["members:delete"]
                if self._pledging(before):
                    triggers.append("members:pledge:delete")
                deliveries = self._fire_member(request, before, triggers)
                return json_response({"deleted": member_id, "deliveries": deliveries})
            before, after = self.store.update_member(
                member_id, self._admin_body(request), self._clock()
            )
        except KeyError:
            raise AdminError(404, f"no member {member_id}") from None
        except ValueError as exc:
            raise AdminError(400, str(exc)) from None
        triggers = ["members:update"]
        was, now = self._pledging(before), self._pledging(after)
        if now and not was:
            triggers.append("members:pledge:create")
        elif was and not now:
            triggers.append("members:pledge:delete")
        elif now and (
            before.tier_ids != after.tier_ids
            or before.attributes.get("will_pay_amount_cents")
            != after.attributes.get("will_pay_amount_cents")
        ):
            triggers.append("members:pledge:update")
        deliveries = self._fire_member(request, after, triggers)
        return json_response({**self._admin_member_view(after), "deliveries": deliveries})

    def _on_admin_posts(self, request: Request) -> Response:
        body = self._admin_body(request)
        campaign_id = self._admin_campaign(body)
        try:
            post = self.store.create_post(campaign_id, body, self._clock())
        except ValueError as exc:
            raise AdminError(400, str(exc)) from None

        def body_for(hook: Webhook) -> bytes:
            viewer = Viewer(self.store.creator_id, hook.client_id, hook.scopes)
            return post_body(self, post, viewer, self._base(request))

        deliveries = self.webhooks.fire(campaign_id, "posts:publish", body_for)
        doc = build_document(self.views.post(post, None), (), all_attributes)
        return json_response({**doc, "deliveries": deliveries}, 201)

    def _on_admin_retry(self, request: Request) -> Response:
        return json_response({"deliveries": self.webhooks.retry()})
