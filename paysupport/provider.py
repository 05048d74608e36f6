"""The common API every provider's client implements.

Libcloud's lesson: capabilities are *declared*, not discovered by trial. A
client class lists its capabilities in :class:`ProviderInfo`; the verbs it
lacks raise :class:`~paysupport.errors.Unsupported` before any request is
sent. The declaration and the code cannot drift apart: a subclass that
overrides a verb without declaring it, or declares one without overriding it,
is refused when the class is created.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from paysupport.auth.oauth2 import OAuth2Auth, OAuth2Endpoints
from paysupport.auth.signed import FrobFlow
from paysupport.config import resolve_settings
from paysupport.errors import Unsupported
from paysupport.http import EventHook, HttpClient, HttpOptions, resolve_base_url
from paysupport.info import (  # declared there, light to import; re-exported here
    AUTH_KINDS as AUTH_KINDS,
    COMMON_SETTINGS as COMMON_SETTINGS,
    VERBS as VERBS,
    Capability as Capability,
    ProviderInfo as ProviderInfo,
)
from paysupport.redact import Redactor
from paysupport.tokens import Token, TokenStore, open_store
from paysupport.walk import Walk

if TYPE_CHECKING:
    from paysupport.login import LoginStart


@dataclass(frozen=True)
class User:
    """The account a client acts for, in the same shape for every provider."""

    provider: str
    id: str
    name: str | None = None
    url: str | None = None
    email: str | None = None
    raw: Any = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class Registration:
    """What ``register()`` did: ``status`` is ``created``, ``updated`` or ``unchanged``.

    ``changed`` names the fields an update sent; ``remote_id`` is the provider's
    id for the registered item (a Flattr thing id).
    """

    url: str
    remote_id: str
    status: str
    changed: tuple[str, ...] = ()
    raw: Any = field(default=None, repr=False, compare=False)


def token_store_spec(
    provider: str, explicit: str | None = None, *, settings: Mapping[str, str] | None = None
) -> str | None:
    """The token store spec a client of ``provider`` uses (``None``: the default JSON file).

    By precedence: ``explicit`` (``token_store=``, ``--token-store``), the
    ``token_store`` key of the provider's config section, then
    ``PAYSUPPORT_<PROVIDER>_TOKEN_STORE``, then ``PAYSUPPORT_TOKEN_STORE``. A client
    passes the settings it already resolved; the command line asks with the
    provider's name, so both always open the same store.
    """
    if settings is None:
        settings = resolve_settings(provider, ("token_store",), {"token_store": explicit})
    return settings.get("token_store") or os.environ.get("PAYSUPPORT_TOKEN_STORE")


def route_under(prefix: str, target: str) -> str:
    """``target``, a route given to :meth:`Client.raw`, as a path under the API's ``prefix``.

    People paste routes as they appear in URLs: ``user``, ``/user``, ``rest/v2/user``
    and ``/rest/v2/user`` all name ``/user`` under the prefix ``/rest/v2``, so the
    prefix is never sent twice (``/rest/v2/rest/v2/user``).
    """
    path = "/" + target.lstrip("/")
    root = "/" + prefix.strip("/")
    if path == root or path.startswith(root + "/"):
        path = path[len(root) :] or "/"
    return path


class Client:
    """Base class of provider clients: settings, the HTTP layer, the common verbs.

    Subclasses set ``info`` and call ``super().__init__(**kwargs)``, then use
    ``self.settings`` (resolved by precedence) and ``self.http``.
    """

    info: ClassVar[ProviderInfo]

    #: Set by OAuth 2 providers (see :meth:`use_oauth2`): the login flow and token refresh.
    oauth: OAuth2Auth | None = None
    #: Set by frob providers: the desktop and web frob flows.
    frob: FrobFlow | None = None
    #: Frob providers: the callback URL registered with the application. Their web
    #: login calls it back; it cannot be chosen per login (see :meth:`start_login`).
    callback_url: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        info = cls.__dict__.get("info")
        if info is None:
            return
        if info.auth not in AUTH_KINDS:
            raise TypeError(
                f"{cls.__name__}'s ProviderInfo declares auth={info.auth!r}; "
                f"it is one of {', '.join(AUTH_KINDS)}"
            )
        for verb, capability in VERBS.items():
            overridden = getattr(cls, verb) is not getattr(Client, verb)
            declared = capability in info.capabilities
            if overridden != declared:
                state = "implements" if overridden else "declares"
                raise TypeError(
                    f"{cls.__name__} {state} {verb!r} but its ProviderInfo "
                    f"{'does not declare' if overridden else 'has no implementation for'} "
                    f"the {capability.value!r} capability"
                )

    def __init__(
        self,
        *,
        base_url: str | None = None,
        http_options: HttpOptions | None = None,
        token_store: TokenStore | str | None = None,
        account: str | None = None,
        app_name: str | None = None,
        hooks: Sequence[EventHook] = (),
        **settings: Any,
    ) -> None:
        info = self.info
        unknown = set(settings) - set(info.settings)
        if unknown:
            raise TypeError(
                f"{info.name} does not take {', '.join(sorted(unknown))}; "
                f"it takes {', '.join(info.settings) or 'no settings'}"
            )
        explicit = {
            **settings,
            "base_url": base_url,
            "account": account,
            "app_name": app_name,
            "token_store": token_store if isinstance(token_store, str) else None,
        }
        self.settings = resolve_settings(
            info.name, (*info.settings, *COMMON_SETTINGS), explicit, env_aliases=info.env_aliases
        )
        self.redactor = Redactor(self.settings.get(k) for k in info.secret_settings)
        self.account = self.settings.get("account", "default")
        if token_store is None or isinstance(token_store, str):
            token_store = open_store(token_store_spec(info.name, settings=self.settings))
        self.token_store: TokenStore = token_store
        options = http_options or HttpOptions()
        if self.settings.get("app_name") and not options.app_name:
            from dataclasses import replace

            options = replace(options, app_name=self.settings["app_name"])
        self.base_url = resolve_base_url(
            info.name, self.settings.get("base_url"), info.default_base_url
        )
        self.http = HttpClient(
            info.name, self.base_url, options=options, redactor=self.redactor, hooks=list(hooks)
        )

    def use_oauth2(self, endpoints: OAuth2Endpoints) -> OAuth2Auth:
        """Authenticate every request with OAuth 2, from settings and the token store.

        Reads ``client_id``, ``client_secret`` and ``redirect_uri``. An explicit
        ``access_token`` (with ``refresh_token``, as from a developer portal) is
        stored for this account, so it is refreshed and persisted like any other.
        """
        settings = self.settings
        auth = OAuth2Auth(
            provider=self.info.name,
            endpoints=endpoints,
            http=self.http,
            client_id=settings.get("client_id"),
            client_secret=settings.get("client_secret"),
            redirect_uri=settings.get("redirect_uri"),
            store=self.token_store,
            account=self.account,
        )
        access_token = settings.get("access_token")
        if access_token:
            auth.seed_token(access_token, settings.get("refresh_token"))
        current = auth.token
        if current is not None:
            self.redactor.add(current.access_token, current.refresh_token)
        self.http.auth = auth
        self.oauth = auth
        return auth

    # -- logins: the same steps whatever the protocol -------------------------------

    def start_login(
        self, redirect_uri: str | None = None, scopes: Sequence[str] | None = None, **extra: str
    ) -> LoginStart:
        """A web login's first step: send the visitor to the returned start's ``url``.

        Keep ``start.to_dict()`` in the visitor's session until the callback. The
        protocol is the one ``info.auth`` declares (OAuth 2 or frob); a provider
        that needs no login raises :class:`~paysupport.errors.Unsupported` before
        any request. Frob providers call back the URL registered with the
        application: ``redirect_uri`` may be left out, and another one than the
        ``callback_url`` setting is refused. See :mod:`paysupport.login`.
        """
        from paysupport.login import start_login

        return start_login(self, redirect_uri, scopes, **extra)

    def finish_login(self, callback_url: str, start: LoginStart | Mapping[str, Any]) -> Token:
        """A web login's second step: check the callback, store and return the token.

        ``start`` is what :meth:`start_login` returned, or its ``to_dict()`` back
        from the session. A callback that does not belong to it (``state`` or frob
        tampered, missing) raises :class:`~paysupport.errors.StateMismatch`.
        """
        from paysupport.login import finish_login

        return finish_login(self, callback_url, start)

    def login(
        self,
        scopes: Sequence[str] | None = None,
        *,
        open_browser: bool = True,
        auto_consent: bool = False,
        timeout: float = 300.0,
        say: Callable[[str], object] = print,
    ) -> Token:
        """Log in from a terminal in one call: show (and open) the URL, wait, store the token.

        ``auto_consent`` answers the consent page as a browser would (sandbox only).
        """
        from paysupport.login import login

        return login(
            self,
            scopes,
            open_browser=open_browser,
            auto_consent=auto_consent,
            timeout=timeout,
            say=say,
        )

    # -- the common verbs ------------------------------------------------------------

    def _unsupported(
        self, verb: str, *, url: str | None = None, why: str = "", target: Any = None
    ) -> Unsupported:
        """The error for a verb this provider lacks; raised before any request.

        ``target`` is what the verb was asked to act on (``support``'s URL), so a
        provider that cannot do it may override this to point ``url`` at the page
        where a person can (Patreon's pledge page).
        """
        capability = VERBS.get(verb, verb)
        return Unsupported(
            f"{self.info.title} cannot {verb}" + (f": {why}" if why else ""),
            provider=self.info.name,
            capability=str(capability),
            url=url,
        )

    def supports(self, capability: Capability | str) -> bool:
        return Capability(capability) in self.info.capabilities

    def identity(self) -> User:
        """The account this client acts for."""
        raise self._unsupported("identity")

    def support(self, target: Any) -> Any:
        """Give support to ``target`` (a URL, a thing, an episode's payment link)."""
        raise self._unsupported("support", target=target)

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
        """Make ``url`` supportable (idempotent): create it, or update what changed."""
        raise self._unsupported("register")

    def unregister(self, url: str) -> bool:
        """Undo ``register(url)``; ``False`` when nothing was registered for it."""
        raise self._unsupported("unregister")

    def walk(self, collection: str, **filters: Any) -> Walk[Any]:
        """Lazily iterate a collection; ``self.info.collections`` lists the names."""
        raise self._unsupported("walk")

    def raw(
        self, target: str, params: Mapping[str, Any] | None = None, *, http_method: str = "GET"
    ) -> Any:
        """Raw access for ``paysupport call``: a route (REST APIs) or a method name (Ipernity).

        Returns the decoded answer; errors are the library's as for every call.
        """
        raise Unsupported(
            f"{self.info.title} offers no raw calls", provider=self.info.name, capability="call"
        )

    def check_collection(self, collection: str) -> None:
        """Raise :class:`Unsupported` for a collection this provider does not walk."""
        if collection not in self.info.collections:
            known = ", ".join(self.info.collections) or "none"
            raise Unsupported(
                f"{self.info.title} has no collection {collection!r} (it has: {known})",
                provider=self.info.name,
                capability="walk",
            )

    # -- lifecycle ---------------------------------------------------------------------

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.redactor.text(self.base_url)} account={self.account!r}>"
        )
