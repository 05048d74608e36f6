"""The REST API v2 routes (api.md and resources/*.md), served under ``/rest/v2``.

The dispatcher does what every route shares, in this order: authenticate the
bearer token, count the request against the caller's hourly budget, parse the
body, honour ``_method=patch``, route, negotiate the response format, and turn
:class:`ApiError` into the documented error body. Handlers only do their
resource's work.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from . import autosubmit, catalog
from .catalog import CATEGORIES, LANGUAGES
from .errors import (
    ApiError,
    insufficient_scope,
    invalid_parameters,
    invalid_request,
    not_found,
    unauthorized,
    validation,
)
from .http import (
    JSON_TYPE,
    STREAM_TYPE,
    flag,
    json_response,
    negotiate,
    page_of,
    params,
    split_suffix,
)
from .ratelimit import Quota, RateLimiter
from .store import SearchQuery, Store, Thing, Token
from .views import Links, Renderer

PREFIX = "/rest/v2"
_log = logging.getLogger(__name__)
_JSONP = re.compile(r"^[A-Za-z_$][\w$.]{0,99}$")

_ROUTES: tuple[tuple[str, str, str], ...] = (
    ("GET", "/things/search", "search_things"),
    ("GET", "/things/lookup", "lookup_thing"),
    ("GET", "/things/lookup/", "lookup_thing"),
    ("POST", "/things", "create_thing"),
    ("GET", "/things/<ref>", "get_things"),
    ("PATCH", "/things/<ref>", "update_thing"),
    ("DELETE", "/things/<ref>", "delete_thing"),
    ("GET", "/things/<ref>/flattrs", "thing_flattrs"),
    ("POST", "/things/<ref>/flattr", "flattr_thing"),
    ("POST", "/things/<ref>/subscriptions", "subscribe"),
    ("PUT", "/things/<ref>/subscriptions", "toggle_subscription"),
    ("DELETE", "/things/<ref>/subscriptions", "unsubscribe"),
    ("POST", "/flattr", "flattr_url"),
    ("GET", "/users/<username>", "get_user"),
    ("GET", "/users/<username>/things", "user_things"),
    ("GET", "/users/<username>/flattrs", "user_flattrs"),
    ("GET", "/users/<username>/activities", "user_activities"),
    ("GET", "/user", "me"),
    ("GET", "/user/things", "my_things"),
    ("GET", "/user/flattrs", "my_flattrs"),
    ("GET", "/user/subscriptions", "my_subscriptions"),
    ("GET", "/user/activities", "my_activities"),
    ("GET", "/categories", "categories"),
    ("GET", "/languages", "languages"),
    ("GET", "/rate_limit", "rate_limit"),
)
#: Activity Streams resources answer only ``application/stream+json`` (resources/activities.md).
_STREAM_ENDPOINTS = frozenset({"user_activities", "my_activities"})


@dataclass
class Call:
    """One API request as the handlers see it."""

    request: Request
    args: dict[str, Any]
    token: Token | None
    render: Renderer
    links: Links
    store: Store

    def user(self) -> str:
        """The authenticated username; raises ``unauthorized`` for anonymous calls."""
        if self.token is None:
            raise unauthorized("An access token is required for this resource")
        return self.token.username

    def require(self, scope: str) -> str:
        username = self.user()
        assert self.token is not None
        if scope not in self.token.scopes:
            raise insufficient_scope(scope)
        return username

    def has_scope(self, scope: str) -> bool:
        return self.token is not None and scope in self.token.scopes

    def full(self) -> bool:
        return flag(self.args.get("full", False), "full")

    def thing_id(self, ref: str) -> int:
        if not ref.isdigit():
            raise not_found()
        return int(ref)


class RestApi:
    def __init__(self, store: Store, limiter: RateLimiter) -> None:
        self._store = store
        self._limiter = limiter
        self._map = Map(
            [Rule(path, methods=[method], endpoint=name) for method, path, name in _ROUTES],
            strict_slashes=False,
        )

    # -- dispatch ---------------------------------------------------------------

    def __call__(self, request: Request, path: str) -> Response:
        path, suffix = split_suffix(path or "/")
        token: Token | None = None
        auth_error: ApiError | None = None
        try:
            token = self._authenticate(request)
        except ApiError as exc:
            auth_error = exc
        key = f"token:{token.value}" if token else f"ip:{request.remote_addr}"
        quota: Quota | None = None
        if path.rstrip("/") != "/rate_limit":
            quota = self._limiter.hit(key)
        try:
            if quota is not None and quota.exceeded:
                raise ApiError(403, "rate_limit_exceeded", "Too many requests the last hour")
            if auth_error is not None:
                raise auth_error
            response = self._route(request, path, suffix, token, key)
        except ApiError as exc:
            response = json_response(exc.body(), exc.status, headers=exc.headers)
        except HTTPException as exc:  # werkzeug refusing the body (size, encoding)
            error = ApiError(exc.code or 400, "invalid_request", exc.description or "Bad request")
            response = json_response(error.body(), error.status)
        except Exception:
            _log.exception("flattr emulator: unhandled error for %s", request.path)
            response = json_response(
                {"error": "server_error", "error_description": "Internal error"}, 500
            )
        if quota is not None:
            response.headers.update(quota.headers())
        response.headers["Access-Control-Allow-Origin"] = "*"
        return _jsonp(request, response)

    def _authenticate(self, request: Request) -> Token | None:
        header = request.headers.get("Authorization")
        if header is None:
            return None
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise unauthorized("Only Bearer tokens are accepted")
        with self._store.locked():
            token = self._store.tokens.get(value.strip())
        if token is None:
            raise unauthorized("Invalid bearer token supplied")
        return token

    def _route(
        self, request: Request, path: str, suffix: str, token: Token | None, key: str
    ) -> Response:
        args = params(request)
        method = request.method
        if method == "POST" and str(args.get("_method", "")).lower() == "patch":
            method = "PATCH"
        try:
            endpoint, values = self._map.bind("emulator").match(path, method=method)
        except NotFound:
            raise not_found() from None
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(exc.valid_methods or []))
            raise ApiError(
                405, "invalid_request", f"Method {method} not allowed", headers={"Allow": allowed}
            ) from None
        offered = (STREAM_TYPE,) if endpoint in _STREAM_ENDPOINTS else ("application/json",)
        media = negotiate(request, suffix, offered)
        if media is None:
            raise ApiError(406, "not_acceptable", "Unknown response format")
        if endpoint == "rate_limit":
            return self._rate_limit(key)
        links = Links(request.url_root)
        handler: Callable[..., Any] = getattr(self, f"_{endpoint}")
        with self._store.locked():
            call = Call(
                request, args, token, Renderer(self._store, links, token), links, self._store
            )
            result = handler(call, **values)
        if isinstance(result, Response):
            return result
        if media == STREAM_TYPE:
            return json_response(result, content_type=STREAM_TYPE)
        return json_response(result)

    # -- things -----------------------------------------------------------------

    def _get_things(self, call: Call, ref: str) -> Any:
        if "," not in ref:
            return call.render.thing(call.store.thing(call.thing_id(ref)), full=call.full())
        found = [
            call.store.things[int(part)]
            for part in ref.split(",")
            if part.isdigit() and int(part) in call.store.things
        ]
        if not found:
            raise not_found("The requested thing(s) could not be found")
        return [call.render.thing(t, full=call.full()) for t in found]

    def _lookup_thing(self, call: Call) -> Any:
        url = str(call.args.get("url", "")).strip()
        owner: str | None = None
        if autosubmit.is_autosubmit(url, call.links.root):
            spec = autosubmit.parse(url)
            url, owner = spec.url, spec.user_id
        thing = call.store.thing_by_url(url) if url else None
        if thing is not None and not self._may_find(call, thing):
            thing = None
        if thing is None:
            return json_response({"message": "not_found", "description": "No thing was found"}, 404)
        if owner is not None and thing.owner != owner:
            raise validation("Owner mismatch. Current thing owned by other account.")
        location = call.links.api(f"/things/{thing.id}")
        return json_response(
            {"message": "found", "location": location}, 302, headers={"Location": location}
        )

    def _may_find(self, call: Call, thing: Thing) -> bool:
        """Hidden things are found only by their owner or with ``extendedread``."""
        if not thing.hidden or call.has_scope("extendedread"):
            return True
        return call.token is not None and call.token.username == thing.owner

    def _search_things(self, call: Call) -> Any:
        a = call.args

        def listed(name: str) -> tuple[str, ...]:
            return tuple(x.strip() for x in str(a.get(name, "")).split(",") if x.strip())

        query = SearchQuery(
            query=str(a.get("query", "")),
            url=str(a.get("url", "")).strip(),
            tags=str(a.get("tags", "")).strip(),
            languages=listed("language"),
            categories=listed("category"),
            user=str(a.get("user", "")).strip(),
            sort=str(a.get("sort") or "relevance"),
            include_hidden=call.has_scope("extendedread"),
        )
        full = call.full()
        matches = call.store.search(query)
        things, page = page_of(matches, a)
        return {
            "total_items": len(matches),
            "items": len(things),
            "page": page,
            "things": [call.render.thing(t, full=full) for t in things],
        }

    def _create_thing(self, call: Call) -> Any:
        username = call.require("thing")
        thing = call.store.create_thing(username, catalog.new_thing(call.args))
        return json_response(
            {
                "id": thing.id,
                "link": call.links.api(f"/things/{thing.id}"),
                "message": "ok",
                "description": "Thing was created successfully",
            },
            201,
        )

    def _update_thing(self, call: Call, ref: str) -> Any:
        username = call.require("thing")
        call.store.update_thing(username, call.thing_id(ref), catalog.changes(call.args))
        return {"message": "ok", "description": "Thing was updated correctly"}

    def _delete_thing(self, call: Call, ref: str) -> Any:
        username = call.user()
        if not call.has_scope("thing"):
            raise ApiError(403, "forbidden", "Cannot delete the thing: the scope thing is missing")
        call.store.delete_thing(username, call.thing_id(ref))
        return Response(status=204)

    def _thing_flattrs(self, call: Call, ref: str) -> Any:
        call.user()
        thing = call.store.thing(call.thing_id(ref))
        flattrs, _ = page_of(call.store.flattrs_of_thing(thing.id), call.args)
        return self._flattr_views(call, flattrs)

    # -- flattring --------------------------------------------------------------

    def _flattr_thing(self, call: Call, ref: str) -> Any:
        username = call.require("flattr")
        thing, _ = call.store.flattr(username, call.thing_id(ref))
        return self._flattred(call, thing)

    def _flattr_url(self, call: Call) -> Any:
        username = call.require("flattr")
        url = call.args.get("url")
        if not isinstance(url, str) or not url.strip():
            raise invalid_request("The url parameter is required")
        url = url.strip()
        if autosubmit.is_autosubmit(url, call.links.root):
            thing, _ = call.store.flattr_autosubmit(username, autosubmit.parse(url))
        else:
            found = call.store.thing_by_url(url)
            if found is None:
                raise not_found("Thing does not exist")
            thing, _ = call.store.flattr(username, found.id)
        return self._flattred(call, thing)

    def _flattred(self, call: Call, thing: Thing) -> Any:
        return {
            "message": "ok",
            "description": "Thing was successfully flattred",
            "thing": call.render.mini_thing(thing),
        }

    def _flattr_views(self, call: Call, flattrs: list[Any]) -> list[Any]:
        full = call.full()
        views = (call.render.flattr(f, full=full) for f in flattrs)
        return [v for v in views if v is not None]

    # -- subscriptions ----------------------------------------------------------

    def _subscribe(self, call: Call, ref: str) -> Any:
        thing = call.store.subscribe(call.require("flattr"), call.thing_id(ref))
        return {
            "message": "ok",
            "description": "Successfully subscribed to Thing",
            "thing": call.render.mini_thing(thing),
        }

    def _toggle_subscription(self, call: Call, ref: str) -> Any:
        sub = call.store.toggle_subscription(call.require("flattr"), call.thing_id(ref))
        if sub.active:
            return {"message": "started", "description": "Subscription started"}
        return {"message": "paused", "description": "Subscription paused"}

    def _unsubscribe(self, call: Call, ref: str) -> Any:
        call.store.unsubscribe(call.require("flattr"), call.thing_id(ref))
        return Response(status=204)

    def _my_subscriptions(self, call: Call) -> Any:
        username = call.require("flattr")
        return [call.render.subscription(s) for s in call.store.subscriptions_of(username)]

    # -- users ------------------------------------------------------------------

    def _get_user(self, call: Call, username: str) -> Any:
        return call.render.user(call.store.user(username))

    def _user_things(self, call: Call, username: str) -> Any:
        call.store.user(username)
        mine = call.token is not None and call.token.username == username
        things = call.store.things_of(
            username, include_hidden=mine or call.has_scope("extendedread")
        )
        page, _ = page_of(things, call.args)
        full = call.full()
        return [call.render.thing(t, full=full) for t in page]

    def _user_flattrs(self, call: Call, username: str) -> Any:
        user = call.store.user(username)
        if user.hide_flattrs and (call.token is None or call.token.username != username):
            return []
        flattrs, _ = page_of(call.store.flattrs_by(username), call.args)
        return self._flattr_views(call, flattrs)

    def _user_activities(self, call: Call, username: str) -> Any:
        user = call.store.user(username)
        hidden = user.hide_flattrs and (call.token is None or call.token.username != username)
        return self._activities(call, username, hide_outgoing=hidden)

    def _me(self, call: Call) -> Any:
        return call.render.user(call.store.user(call.user()), private=True)

    def _my_things(self, call: Call) -> Any:
        return self._user_things(call, call.user())

    def _my_flattrs(self, call: Call) -> Any:
        return self._user_flattrs(call, call.user())

    def _my_activities(self, call: Call) -> Any:
        return self._activities(call, call.user(), hide_outgoing=False)

    def _activities(self, call: Call, username: str, *, hide_outgoing: bool) -> Any:
        kind = str(call.args.get("type") or "outgoing")
        if kind == "outgoing":
            flattrs = [] if hide_outgoing else call.store.flattrs_by(username)
        elif kind == "incoming":
            flattrs = call.store.incoming_flattrs(username)
        else:
            raise invalid_parameters("type must be incoming or outgoing")
        items = (call.render.activity(f) for f in flattrs)
        return {"items": [item for item in items if item is not None]}

    # -- reference lists and rate limit -----------------------------------------

    def _categories(self, call: Call) -> Any:
        return [dict(c) for c in CATEGORIES]

    def _languages(self, call: Call) -> Any:
        return [dict(lang) for lang in LANGUAGES]

    def _rate_limit(self, key: str) -> Response:
        quota = self._limiter.peek(key)
        reset = datetime.fromtimestamp(quota.reset, tz=timezone.utc)
        return json_response(
            {
                "hourly_limit": quota.limit,
                "remaining_hits": quota.remaining,
                "current_hits": quota.current,
                "reset_time_in_seconds": quota.reset,
                "reset_time": reset.strftime("%a, %d %b %Y %H:%M:%S +0000 GMT"),
            }
        )


def _jsonp(request: Request, response: Response) -> Response:
    """Wrap a JSON body in the ``jsonp`` callback when one is asked for (api.md)."""
    callback = request.args.get("jsonp")
    if not callback or not _JSONP.match(callback) or response.mimetype != "application/json":
        return response
    response.set_data(f"{callback}(".encode() + response.get_data() + b");")
    response.content_type = "application/javascript;charset=utf-8"
    return response


__all__ = ["JSON_TYPE", "PREFIX", "RestApi"]
