"""What the route mixins (v1, admin) need from :class:`PatreonEmulator`, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request

from paysupport_patreon.emulator._jsonapi import Query, Resource
from paysupport_patreon.emulator._oauth import Client
from paysupport_patreon.emulator._store import CampaignRecord, Store, Viewer
from paysupport_patreon.emulator._views import Views
from paysupport_patreon.emulator._webhooks import WebhookHub


class EmulatorHost:
    """The emulator's state and helpers, for the type checker; the emulator provides them."""

    store: Store
    views: Views
    webhooks: WebhookHub
    client: Client
    _clock: Callable[[], float]

    if TYPE_CHECKING:

        def _viewer(self, request: Request, scope: str | None = None) -> Viewer: ...

        @staticmethod
        def _require(viewer: Viewer, scope: str) -> None: ...

        def _owned_campaign(self, viewer: Viewer, campaign_id: str) -> CampaignRecord: ...

        @staticmethod
        def _base(request: Request) -> str: ...

        def admin_state(self) -> dict[str, Any]: ...

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
        ) -> dict[str, Any]: ...
