"""``FlattrClient``: Flattr's REST API v2 behind paysupport's common API.

The client wires the pieces together and keeps the common verbs: the records
are in ``resources``, the calls of each kind of resource in ``thing_calls``,
``user_calls``, ``subscription_calls``, ``flattring`` and ``register``, what the
API allows in ``catalog``, the wire in ``transport``, the budget in ``ratelimit``
and the declaration in ``info``.

    client = paysupport.connect("flattr", client_id=..., client_secret=..., redirect_uri=...)
    login = client.oauth.authorization_url()          # send the user to login.url
    client.oauth.fetch_token(authorization_response=callback_url, request=login)
    client.support("https://flattr.com/submit/auto?user_id=alice&url=https://a.example/ep1")
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from paysupport.http import EventHook, HttpOptions
from paysupport.provider import Client, User, route_under
from paysupport.tokens import TokenStore
from paysupport.walk import Page, Walk

from . import flattring
from .autosubmit import AutoSubmit, is_autosubmit_url, parse_autosubmit_url
from .catalog import Choice, Vocabulary
from .errors import Forbidden, ValidationFailed
from .info import INFO
from .ratelimit import RateLimit, RateLimitGate, check_mode
from .register import register
from .resources import (
    Activity,
    AuthenticatedUser,
    Flattr,
    FlattrResult,
    FlattrUser,
    LazyUser,
    Registration,
    Subscription,
    Thing,
    parse_choices,
)
from .subscription_calls import SubscriptionsService
from .thing_calls import ThingsService
from .transport import API_PREFIX, STREAM_JSON, Context, FlattrApi, Hosts, refuse_closed_hosts
from .user_calls import UsersService, user_path
from .walks import DEFAULT_COUNT, check_count, check_flag

#: Filters each collection of :meth:`FlattrClient.walk` accepts.
_WALK_FILTERS: Mapping[str, frozenset[str]] = {
    "things": frozenset({"user", "count", "full"}),
    "flattrs": frozenset({"user", "count", "full"}),
    "subscriptions": frozenset(),
    "activities": frozenset({"user", "type"}),
    "search": frozenset(
        {"query", "url", "tags", "language", "category", "user", "sort", "count", "full"}
        | {"max_workers"}
    ),
}


class FlattrClient(Client):
    """Client of Flattr's REST API v2 (OAuth 2 bearer tokens, hourly rate limit).

    Besides the common verbs: ``things`` (:class:`~paysupport_flattr.thing_calls.ThingsService`),
    ``users``, ``subscriptions``, ``me`` (the authenticated user), :meth:`user`
    (a lazy user), :meth:`flattr`, :attr:`rate_limit` and :meth:`rate_limit_status`.
    """

    info = INFO

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.hosts = Hosts.for_base_url(self.base_url)
        refuse_closed_hosts(self.http.session)  # Flattr closed in 2023: only emulators answer
        self.use_oauth2(self.hosts.oauth_endpoints())
        gate = RateLimitGate(
            check_mode(self.settings.get("rate_limit_mode")),
            max_wait=self.http.options.max_retry_after,
        )
        self.api = FlattrApi(self.http, self.hosts.api, gate)
        self.vocabulary = Vocabulary(self._fetch_languages, self._fetch_categories)
        self._ctx = Context(self.api, self.hosts, self.vocabulary)
        home = _Home(self._ctx)
        self.things = home.things
        self.users = home.users
        self.subscriptions = home.subscriptions_service
        self.me = AuthenticatedUser(home)

    # -- rate limits -------------------------------------------------------------------

    @property
    def rate_limit(self) -> RateLimit | None:
        """The budget from the last answer's ``X-RateLimit-*`` headers (``None`` before any)."""
        return self.api.gate.last

    def rate_limit_status(self) -> RateLimit:
        """``GET /rate_limit``: the current budget (this call itself is not counted)."""
        return RateLimit.from_body(self.api.call("GET", "/rate_limit", rate_limited=False).body)

    # -- reference lists -----------------------------------------------------------------

    def _fetch_languages(self) -> tuple[Choice, ...]:
        return parse_choices(self.api.call("GET", "/languages").body, "languages")

    def _fetch_categories(self) -> tuple[Choice, ...]:
        return parse_choices(self.api.call("GET", "/categories").body, "categories")

    def languages(self) -> tuple[Choice, ...]:
        """Languages a thing may have (fetched once per client)."""
        return self.vocabulary.languages()

    def categories(self) -> tuple[Choice, ...]:
        """Categories a thing may have (fetched once per client)."""
        return self.vocabulary.categories()

    # -- users ---------------------------------------------------------------------------

    def user(self, username: str) -> LazyUser:
        """A user by name that makes no request until a profile field is read."""
        return self.users.lazy(username)

    def _my_username(self) -> str:
        return self.me.username

    # -- auto-submit URLs ----------------------------------------------------------------

    def autosubmit_url(self, user_id: str, url: str, **fields: Any) -> str:
        """An auto-submit URL on this client's Flattr site (the sandbox's, when pointed there)."""
        return AutoSubmit(user_id, url, **fields).to_url(self.hosts.site)

    def is_autosubmit_url(self, url: str) -> bool:
        return is_autosubmit_url(url, self.hosts.sites)

    def parse_autosubmit_url(self, url: str) -> AutoSubmit:
        return parse_autosubmit_url(url, self.hosts.sites)

    # -- the common verbs ----------------------------------------------------------------

    def identity(self) -> User:
        """The authenticated account; ``email`` needs the ``email`` or ``extendedread`` scope."""
        profile = self.me.profile()
        return User(
            provider=self.info.name,
            id=profile.username,
            name=profile.name,
            url=profile.link,
            email=profile.email,
            raw=profile.raw,
        )

    def flattr(self, target: Any) -> FlattrResult:
        """Flattr a Thing, a thing id, a thing page URL, an auto-submit URL or any URL."""
        return flattring.flattr(self._ctx, target)

    def support(self, target: Any) -> FlattrResult:
        """Flattr ``target`` (see :meth:`flattr`); needs the ``flattr`` scope."""
        return self.flattr(target)

    def register(
        self,
        url: str,
        title: str,
        *,
        description: str | None = None,
        tags: Sequence[str] = (),
        language: str | None = None,
        category: str | None = None,
        hidden: bool = False,
    ) -> Registration:
        """Make ``url`` a thing of this account, idempotently (``thing`` scope)."""
        return register(
            self.things,
            self._my_username,
            url,
            title,
            description=description,
            tags=tags,
            language=language,
            category=category,
            hidden=hidden,
        )

    def unregister(self, url: str) -> bool:
        """Delete this account's thing for ``url``; ``False`` when Flattr knows none.

        A thing owned by another account is refused with :class:`Forbidden`
        before anything is deleted.
        """
        thing = self.things.lookup(url)
        if thing is None:
            return False
        if thing.owner_username is not None and thing.owner_username != self._my_username():
            raise Forbidden(
                f"{url} is registered by {thing.owner_username}, not by this account",
                provider="flattr",
                code="forbidden",
            )
        self.things.delete(thing)
        return True

    def walk(self, collection: str, **filters: Any) -> Walk[Any]:
        """Walk ``things``, ``flattrs``, ``subscriptions``, ``search`` or ``activities``.

        ``things`` and ``flattrs`` are the authenticated user's, or ``user=``'s;
        ``search`` takes the filters of :meth:`ThingsService.search`;
        ``activities`` takes ``type`` (outgoing/incoming). Unknown filters are
        refused before any request.
        """
        self.check_collection(collection)
        unknown = set(filters) - _WALK_FILTERS[collection]
        if unknown:
            allowed = ", ".join(sorted(_WALK_FILTERS[collection])) or "none"
            raise ValidationFailed(
                f"{collection} takes no filter {', '.join(sorted(unknown))} (it takes: {allowed})",
                field=sorted(unknown)[0],
            )
        user = filters.get("user")
        owner = self.user(str(user)) if user else self.me
        count = check_count(filters.get("count", DEFAULT_COUNT))
        full = check_flag(filters.get("full", False), "full")
        if collection == "things":
            return owner.things(count=count, full=full)
        if collection == "flattrs":
            return owner.flattrs(count=count, full=full)
        if collection == "subscriptions":
            return _single_page(self.subscriptions.list)
        if collection == "activities":
            kind = str(filters.get("type") or "outgoing")
            return _single_page(lambda: owner.activities(kind))
        search = {k: v for k, v in filters.items() if k not in ("count", "full", "max_workers")}
        given = filters.get("max_workers")
        workers = None if given is None else check_count(given)  # None: the core's default
        return self.things.search(count=count, full=full, max_workers=workers, **search)

    def raw(
        self, target: str, params: Mapping[str, Any] | None = None, *, http_method: str = "GET"
    ) -> Any:
        """A route under ``/rest/v2`` (``things/423405``, or ``rest/v2/things/423405``);
        params go in the query for GET."""
        method = http_method.upper()
        query = dict(params or {}) if method in ("GET", "DELETE") else None
        body = dict(params or {}) if query is None else None
        stream = target.rstrip("/").endswith("activities")  # they answer only stream+json
        answer = self.api.call(
            method,
            route_under(API_PREFIX, target),
            params=query,
            json_body=body,
            accept=STREAM_JSON if stream else "application/json",
        )
        return answer.body


class _Home:
    """What the client's records call back into (:class:`~paysupport_flattr.resources.Home`).

    It owns the services and delegates to them, so a Thing commits and a LazyUser
    fetches its profile without ``resources`` importing any module that calls the API.
    """

    def __init__(self, ctx: Context) -> None:
        self.vocabulary = ctx.vocabulary
        self.things = ThingsService(ctx, self)
        self.users = UsersService(ctx, self)
        self.subscriptions_service = SubscriptionsService(ctx, self)

    def fetch_thing(self, thing_id: int) -> Thing:
        return self.things.get(thing_id)

    def create_thing(self, fields: Mapping[str, Any]) -> int:
        return self.things.post_new(fields)

    def update_thing(self, thing_id: int, fields: Mapping[str, Any], method: str) -> None:
        self.things.send_changes(thing_id, fields, method)

    def fetch_profile(self, username: str | None) -> FlattrUser:
        return self.users.profile(username)

    def walk_things(self, username: str | None, *, count: int, full: bool) -> Walk[Thing]:
        return self.things.of_path(user_path(username, "things"), count=count, full=full)

    def walk_flattrs(self, username: str | None, *, count: int, full: bool) -> Walk[Flattr]:
        return self.users.flattrs(username, count=count, full=full)

    def activities(self, username: str | None, type: str) -> list[Activity]:
        return self.users.activities(username, type)

    def subscriptions(self) -> list[Subscription]:
        return self.subscriptions_service.list()


def _single_page(fetch: Callable[[], Sequence[Any]]) -> Walk[Any]:
    """Subscriptions and activities come in one unpaged answer."""
    return Walk(lambda _: Page(list(fetch()), next=None), start=None)


def connect(
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    redirect_uri: str | None = None,
    access_token: str | None = None,
    rate_limit_mode: Literal["wait", "raise"] | None = None,
    base_url: str | None = None,
    http_options: HttpOptions | None = None,
    token_store: TokenStore | str | None = None,
    account: str | None = None,
    app_name: str | None = None,
    hooks: Sequence[EventHook] = (),
) -> FlattrClient:
    """A :class:`FlattrClient`, typed: ``paysupport.connect("flattr", ...)`` with checks.

    The settings are arguments here, so editors complete them and mypy refuses a
    misspelt one; ``None`` leaves a setting to the configuration chain (config file,
    then ``PAYSUPPORT_FLATTR_*`` and ``FLATTR_*`` variables), as with
    ``paysupport.connect``.
    """
    return FlattrClient(
        client_id=client_id,
        client_secret=client_secret,
        redirect_uri=redirect_uri,
        access_token=access_token,
        rate_limit_mode=rate_limit_mode,
        base_url=base_url,
        http_options=http_options,
        token_store=token_store,
        account=account,
        app_name=app_name,
        hooks=hooks,
    )


__all__ = ["FlattrClient", "connect"]
