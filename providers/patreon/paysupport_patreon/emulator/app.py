"""The Patreon emulator: a werkzeug WSGI app serving Patreon's paths at its root.

Routes mirror ``https://www.patreon.com``: ``/oauth2/authorize`` (HTML consent)
and ``/api/oauth2/token`` (:mod:`.auth`), the v2 API under ``/api/oauth2/v2/``
(:mod:`.api`) and the deprecated v1 API under ``/api/oauth2/api/``
(:mod:`.api_v1`). ``/_admin/...`` is the emulator's own JSON API for tests and
the demo (:mod:`.admin`: change members, publish posts, retry webhooks, inspect
state). This module holds the routing and the checks every API request goes
through (User-Agent, bearer token, rate limit, scope, ownership), and turns
every refusal into the answer Patreon gives.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from paysupport.emulation import EmulatorSettings
from paysupport_patreon import catalog as cat
from paysupport_patreon.emulator.admin import AdminError, AdminRoutes
from paysupport_patreon.emulator.api import ApiRoutes
from paysupport_patreon.emulator.api_v1 import V1Routes
from paysupport_patreon.emulator.auth import SANDBOX_REDIRECT_URI, AuthRoutes, Client, OAuthServer
from paysupport_patreon.emulator.errors import ApiError, OAuthError
from paysupport_patreon.emulator.pages import error_page
from paysupport_patreon.emulator.ratelimit import RateLimiter
from paysupport_patreon.emulator.responses import html_response, json_response
from paysupport_patreon.emulator.routes import V1, V2
from paysupport_patreon.emulator.seed import SeededStore
from paysupport_patreon.emulator.store import CampaignRecord, Store, Viewer
from paysupport_patreon.emulator.views import Views
from paysupport_patreon.emulator.webhooks import WebhookHub

log = logging.getLogger(__name__)


class PatreonEmulator(ApiRoutes, V1Routes, AdminRoutes, AuthRoutes):
    """A Patreon look-alike with seeded data, OAuth, webhooks and an admin API.

    ``clock`` (seconds since the epoch) drives token expiry, rate limiting and
    webhook timestamps, so tests can move time without sleeping.
    ``max_webhook_failures`` consecutive failed deliveries pause a webhook.
    """

    name = "patreon"

    def __init__(
        self,
        settings: EmulatorSettings | None = None,
        *,
        clock: Callable[[], float] = time.time,
        max_webhook_failures: int = 3,
        webhook_timeout: float = 2.0,
    ) -> None:
        self.settings = settings or EmulatorSettings()
        self._clock = clock
        self.store: Store = SeededStore(self.settings.seed, self.settings.sizes)
        self.views = Views(self.store)
        self.oauth = OAuthServer(clock, self.settings.token_lifetime)
        rng = random.Random(f"patreon-sandbox-client/{self.settings.seed}")
        self.client = Client(
            client_id=f"sandbox-{rng.getrandbits(64):016x}",
            client_secret=f"{rng.getrandbits(128):032x}",
            owner_id=self.store.creator_id,
            name="paysupport sandbox",
            redirect_uris=(SANDBOX_REDIRECT_URI,),
        )
        self.oauth.register(self.client)
        self._creator_tokens = self.oauth.issue_tokens(
            self.client.client_id, self.store.creator_id, cat.SCOPES
        )
        self.webhooks = WebhookHub(
            clock, max_failures=max_webhook_failures, timeout=webhook_timeout
        )
        self.limiter = RateLimiter(self.settings.rate_limit, self.settings.rate_window, clock)
        self._map = Map(
            [
                Rule("/oauth2/authorize", endpoint="authorize", methods=["GET", "POST"]),
                Rule("/api/oauth2/token", endpoint="token", methods=["POST"]),
                Rule(f"{V2}/identity", endpoint="identity", methods=["GET"]),
                Rule(f"{V2}/campaigns", endpoint="campaigns", methods=["GET"]),
                Rule(f"{V2}/campaigns/<campaign_id>", endpoint="campaign", methods=["GET"]),
                Rule(f"{V2}/campaigns/<campaign_id>/members", endpoint="members", methods=["GET"]),
                Rule(f"{V2}/members/<member_id>", endpoint="member", methods=["GET"]),
                Rule(f"{V2}/campaigns/<campaign_id>/posts", endpoint="posts", methods=["GET"]),
                Rule(f"{V2}/posts/<post_id>", endpoint="post", methods=["GET"]),
                Rule(f"{V2}/webhooks", endpoint="webhooks", methods=["GET", "POST"]),
                Rule(f"{V2}/webhooks/<hook_id>", endpoint="webhook", methods=["PATCH", "DELETE"]),
                Rule(f"{V1}/current_user", endpoint="v1_user", methods=["GET"]),
                Rule(f"{V1}/current_user/campaigns", endpoint="v1_campaigns", methods=["GET"]),
                Rule(
                    f"{V1}/campaigns/<campaign_id>/pledges", endpoint="v1_pledges", methods=["GET"]
                ),
                Rule("/_admin/state", endpoint="admin_state", methods=["GET"]),
                Rule("/_admin/members", endpoint="admin_members", methods=["POST"]),
                Rule(
                    "/_admin/members/<member_id>",
                    endpoint="admin_member",
                    methods=["PATCH", "DELETE"],
                ),
                Rule("/_admin/posts", endpoint="admin_posts", methods=["POST"]),
                Rule("/_admin/webhooks/retry", endpoint="admin_retry", methods=["POST"]),
            ]
        )

    # ------------------------------------------------------------ contract
    def credentials(self) -> dict[str, str]:
        return {
            "client_id": self.client.client_id,
            "client_secret": self.client.client_secret,
            "redirect_uri": SANDBOX_REDIRECT_URI,
            "creator_access_token": self._creator_tokens["access_token"],
            "creator_refresh_token": self._creator_tokens["refresh_token"],
        }

    def admin_state(self) -> dict[str, Any]:
        return {
            "provider": self.name,
            "seed": self.settings.seed,
            "data": self.store.summary(),
            "oauth": self.oauth.summary(),
            **self.webhooks.summary(),
        }

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        api = request.path.startswith("/api/oauth2/") and request.path != "/api/oauth2/token"
        try:
            endpoint, values = self._map.bind_to_environ(request.environ).match()
            handler: Callable[..., Response] = getattr(self, f"_on_{endpoint}")
            return handler(request, **values)
        except ApiError as error:
            return json_response(error.document(), error.status, error.headers)
        except OAuthError as error:
            return json_response(error.document(), error.status, {"Cache-Control": "no-store"})
        except AdminError as error:
            return json_response({"error": error.detail}, error.status)
        except MethodNotAllowed:
            if api:
                return self._api_error(ApiError(405, "Method not allowed on this route."))
            return json_response({"error": "method not allowed"}, 405)
        except NotFound:
            if api:
                return self._api_error(ApiError(404, "No such route."))
            if request.path.startswith("/_admin/"):
                return json_response({"error": "no such admin route"}, 404)
            return html_response(error_page("Not found", "This page does not exist."), 404)
        except HTTPException as exc:  # e.g. a redirect for a missing trailing slash
            return exc.get_response(request.environ)
        except Exception:
            log.exception("patreon emulator failed on %s %s", request.method, request.path)
            if api:
                return self._api_error(ApiError(500, "The emulator failed; see its log."))
            return json_response({"error": "internal error"}, 500)

    @staticmethod
    def _api_error(error: ApiError) -> Response:
        return json_response(error.document(), error.status, error.headers)

    # ------------------------------------------------------------ checks
    def _viewer(self, request: Request, scope: str | None = None) -> Viewer:
        if not request.headers.get("User-Agent", "").strip():
            raise ApiError(400, "A descriptive User-Agent header is required.")
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise ApiError(401, "Missing bearer token.")
        grant = self.oauth.lookup(token)
        if grant is None:
            raise ApiError(401, "The access token is invalid or has expired.")
        wait = self.limiter.check(token)
        if wait is not None:
            raise ApiError(
                429,
                f"Rate limit exceeded; retry in {wait} seconds.",
                headers={"Retry-After": str(wait)},
                extra={"retry_after_seconds": wait},
            )
        viewer = Viewer(grant.user_id, grant.client_id, grant.scopes)
        if scope is not None:
            self._require(viewer, scope)
        return viewer

    @staticmethod
    def _require(viewer: Viewer, scope: str) -> None:
        if scope not in viewer.scopes:
            raise ApiError(
                403, f"This request needs the '{scope}' scope.", code_name="ScopeMissing"
            )

    def _owned_campaign(self, viewer: Viewer, campaign_id: str) -> CampaignRecord:
        record = self.store.campaigns_by_id.get(campaign_id)
        if record is None:
            raise ApiError(404, f"No campaign {campaign_id}.")
        if viewer.user_id != self.store.creator_id:
            raise ApiError(403, "The token's user does not own this campaign.")
        return record


def create_emulator(settings: EmulatorSettings | None = None) -> PatreonEmulator:
    """Entry point ``paysupport.sandboxes: patreon``."""
    return PatreonEmulator(settings)
