"""The Patreon emulator: a werkzeug WSGI app serving Patreon's paths at its root.

Routes mirror ``https://www.patreon.com``: ``/oauth2/authorize`` (HTML consent),
``/api/oauth2/token``, the v2 API under ``/api/oauth2/v2/`` and the deprecated v1
API under ``/api/oauth2/api/`` (:mod:`._v1`). ``/_admin/...`` is the emulator's
own JSON API for tests and the demo (:mod:`._admin`: change members, publish
posts, retry webhooks, inspect state). Absolute URLs (``links``) are built from
the request's URL root, so the app works on its own port or mounted under a
path prefix.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from paysupport.emulation import EmulatorSettings, loads_json
from paysupport_patreon import catalog as cat
from paysupport_patreon.emulator._admin import AdminError, AdminRoutes
from paysupport_patreon.emulator._jsonapi import (
    ApiError,
    Query,
    Resource,
    build_document,
    decode_cursor,
    encode_cursor,
    parse_page_count,
    parse_query,
    sortable,
    v2_attributes,
)
from paysupport_patreon.emulator._oauth import Client, OAuthError, OAuthServer, parse_scopes
from paysupport_patreon.emulator._pages import consent_page, error_page
from paysupport_patreon.emulator._ratelimit import RateLimiter
from paysupport_patreon.emulator._responses import (
    SANDBOX_REDIRECT_URI,
    V1,
    V2,
    all_attributes,
    html_response,
    json_response,
    with_query,
)
from paysupport_patreon.emulator._store import CampaignRecord, MemberRecord, Store, Viewer
from paysupport_patreon.emulator._v1 import V1Routes
from paysupport_patreon.emulator._views import Views
from paysupport_patreon.emulator._webhooks import Webhook, WebhookHub

log = logging.getLogger(__name__)


def _by(name: str) -> Callable[[Resource | MemberRecord], tuple[int, float, str]]:
    """Sort key on one attribute (or ``id``) of a resource or member record."""

    def key(item: Resource | MemberRecord) -> tuple[int, float, str]:
        if name == "id" and isinstance(item, Resource):
            return sortable(item.id)
        return sortable(item.attributes.get(name))

    return key


class PatreonEmulator(V1Routes, AdminRoutes):
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
        self.store = Store(self.settings.seed, self.settings.sizes)
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

    # ---------------------------------------------------------------- oauth
    def _authorize_request(self, params: Mapping[str, str]) -> tuple[Client, str] | Response:
        """The client and redirect URI, or the HTML error page (never a redirect)."""
        client = self.oauth.clients.get(params.get("client_id", ""))
        if client is None:
            return html_response(
                error_page("Unknown application", "client_id is not registered."), 400
            )
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri or not client.allows_redirect(redirect_uri):
            detail = "redirect_uri is missing or not registered for this client."
            return html_response(error_page("Invalid redirect_uri", detail), 400)
        return client, redirect_uri

    def _on_authorize(self, request: Request) -> Response:
        params = request.form if request.method == "POST" else request.args
        checked = self._authorize_request(params)
        if isinstance(checked, Response):
            return checked
        client, redirect_uri = checked
        state = params.get("state")

        def back(**result: str | None) -> Response:
            return Response(
                status=302,
                headers={"Location": with_query(redirect_uri, {**result, "state": state})},
            )

        if params.get("response_type") != "code":
            return back(error="unsupported_response_type")
        try:
            scopes = parse_scopes(params.get("scope"))
        except OAuthError as error:
            return back(error=error.error, error_description=error.description)
        challenge = params.get("code_challenge") or None
        method = params.get("code_challenge_method") or ("plain" if challenge else None)
        if method not in (None, "S256", "plain"):
            return back(
                error="invalid_request", error_description="code_challenge_method must be S256"
            )
        user_id = (
            params.get("user_id" if request.method == "POST" else "login_as")
            or self.store.creator_id
        )
        user = self.store.user_attributes(user_id)
        if user is None:
            return html_response(error_page("Unknown user", f"No emulated user {user_id}."), 400)
        if request.method == "GET":
            hidden = {
                "response_type": "code",
                "client_id": client.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(sorted(scopes)),
                "state": state or "",
                "code_challenge": challenge or "",
                "code_challenge_method": method or "",
                "user_id": user_id,
                "consent": self.oauth.consent_nonce(),
            }
            action = f"{request.script_root}/oauth2/authorize"
            page = consent_page(action, client.name, str(user["full_name"]), sorted(scopes), hidden)
            return html_response(page)
        if not self.oauth.take_nonce(params.get("consent", "")):
            detail = "The consent form expired or was already used; start the login again."
            return html_response(error_page("Consent expired", detail), 400)
        if params.get("decision") != "allow":
            return back(error="access_denied")
        code = self.oauth.issue_code(
            client.client_id, redirect_uri, user_id, scopes, challenge, method
        )
        return back(code=code)

    @staticmethod
    def _token_params(request: Request) -> dict[str, str]:
        """The token request's parameters, from the query string and the form body.

        RFC 6749 puts them in the form body, but Patreon's own Python library
        (patreon-python, ``OAuth.get_tokens``/``refresh_token``) sends every one of
        them, client secret included, in the query string of the POST, and
        Patreon's endpoint serves it; so both are read. The body wins where both
        name a parameter: it is where the standard says they belong, and a query
        string may have been added by something other than the client (a proxy, a
        redirect that kept its query).
        """
        return {**request.args.to_dict(), **request.form.to_dict()}

    def _on_token(self, request: Request) -> Response:
        form = self._token_params(request)
        client_id, secret = form.get("client_id"), form.get("client_secret")
        if request.authorization and request.authorization.type == "basic":
            client_id = client_id or request.authorization.username
            secret = secret or request.authorization.password
        grant_type = form.get("grant_type")
        if not grant_type:
            raise OAuthError("invalid_request", "grant_type is required.")
        if grant_type not in ("authorization_code", "refresh_token"):
            raise OAuthError("unsupported_grant_type", f"Unsupported grant_type {grant_type!r}.")
        client = self.oauth.authenticate_client(client_id, secret)
        if grant_type == "authorization_code":
            code = form.get("code")
            if not code:
                raise OAuthError("invalid_request", "code is required.")
            issued = self.oauth.exchange_code(
                client, code, form.get("redirect_uri"), form.get("code_verifier")
            )
        else:
            refresh_token = form.get("refresh_token")
            if not refresh_token:
                raise OAuthError("invalid_request", "refresh_token is required.")
            issued = self.oauth.refresh(client, refresh_token)
        return json_response(issued, 200, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    # -------------------------------------------------------- api plumbing
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
            items = sorted(items, key=_by(field), reverse=name.startswith("-"))
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

    # ---------------------------------------------------------------- v2
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
            more = last is not None and self.store.member_page(record.index, last, 1)[0]
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

            members.sort(key=_by(field), reverse=name.startswith("-"))
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


def create_emulator(settings: EmulatorSettings | None = None) -> PatreonEmulator:
    """Entry point ``paysupport.sandboxes: patreon``."""
    return PatreonEmulator(settings)
