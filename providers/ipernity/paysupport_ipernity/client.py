"""``IpernityClient``: the paysupport client of Ipernity (entry point ``ipernity``).

Thin on purpose: catalog-checked signed calls live in :mod:`~paysupport_ipernity.transport`,
the frob flows in :mod:`~paysupport_ipernity.auth`, the method-property form in
:mod:`~paysupport_ipernity.methods`, walks in :mod:`~paysupport_ipernity.walks`, uploads in
:mod:`~paysupport_ipernity.uploads`; the declaration is :data:`~paysupport_ipernity.info.INFO`.
This class wires them to the settings, the HTTP layer and the token store, and offers them
as one object::

    client = paysupport.connect("ipernity")       # api_key, api_secret from the config
    client.login()                                # desktop frob flow, token stored
    start = client.start_login()                  # web flow: the registered callback_url
    client.finish_login(callback_url_with_frob, start)
    client.doc.get(doc_id="100001")               # any method, by property or call()
    for doc in client.walk_docs():                # every page, lazily
        print(doc.title)
    doc_id = client.upload_file("photo.jpg", title="Harbour")

Settings: ``api_key`` and ``api_secret`` (the application), ``auth_token`` (a user token
obtained elsewhere; it is stored in the token store once, like OAuth providers' tokens from
settings) and ``callback_url`` (the web flow's registered callback: ``start_login`` refuses
another one, since Ipernity calls back only the registered URL). The
environment names ``IPERNITY_API_KEY``, ``IPERNITY_API_SECRET`` and ``IPERNITY_API_TOKEN``
are read last.
"""

from __future__ import annotations

import contextlib
import os
import time
import warnings
import webbrowser
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from paysupport.errors import InvalidRequest, ResponseFormatError
from paysupport.http import EventHook, HttpOptions
from paysupport.provider import Client, User
from paysupport.tokens import Token, TokenStore
from paysupport.walk import Walk
from paysupport_ipernity.auth import (
    TOKEN_TYPE,
    AuthInfo,
    IpernityFrobFlow,
    authorize_endpoint,
    parse_perms,
)
from paysupport_ipernity.catalog import Catalog, load_catalog
from paysupport_ipernity.errors import PROVIDER, FrobNotAuthorized
from paysupport_ipernity.info import INFO
from paysupport_ipernity.methods import MethodProxy, top_level_names
from paysupport_ipernity.resources import Album, Doc, Member
from paysupport_ipernity.transport import ApiCaller
from paysupport_ipernity.uploads import Uploader
from paysupport_ipernity.walks import data_walk, doc_walk, element_path

__all__ = ["IpernityClient", "connect"]

JSON = dict[str, Any]

#: Extras asked for in document walks unless the caller names others: rows for people
#: (``paysupport walk ipernity docs``) want dates and links, which lists leave out by default.
DOC_WALK_EXTRAS = "dates,link"


class IpernityClient(Client):
    """Ipernity over its signed REST API; see the module docstring."""

    info = INFO

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.catalog = load_catalog()
        self._namespaces = top_level_names(self.catalog)
        self.caller = ApiCaller(
            self.http,
            api_key=self.settings.get("api_key"),
            api_secret=self.settings.get("api_secret"),
            token=self._current_token,
            redactor=self.redactor,
            catalog=self.catalog,
        )
        self.authorize_url = authorize_endpoint(self.base_url)
        self.callback_url: str | None = self.settings.get("callback_url")
        self._flow = IpernityFrobFlow(
            self.token_store,
            self.account,
            api=self.caller,
            authorize_url=self.authorize_url,
            redactor=self.redactor,
        )
        self.frob = self._flow
        self.uploads = Uploader(self.caller)
        self._seed_token(self.settings.get("auth_token"))

    # -- calls ---------------------------------------------------------------------------

    def call(self, method: str, **params: Any) -> JSON:
        """Call any API method; returns the parsed JSON answer (``api`` block included).

        Raises :class:`~paysupport_ipernity.errors.UnknownMethod` or
        :class:`~paysupport_ipernity.errors.MissingParameter` before sending, and the
        library's errors for Ipernity's error codes (see :mod:`paysupport_ipernity.errors`).
        """
        return self.caller.call(method, params)

    def raw(
        self, target: str, params: Mapping[str, Any] | None = None, *, http_method: str = "GET"
    ) -> Any:
        """``paysupport call ipernity doc.get doc_id=1``: the catalog picks GET or POST."""
        return self.call(target, **dict(params or {}))

    def __getattr__(self, name: str) -> MethodProxy:
        # Only reached for names the instance does not have: ``client.doc``, ``client.album``.
        # ``account`` is the token store's account name (the core's), so ``account.getQuota``
        # goes through ``call()``.
        namespaces = self.__dict__.get("_namespaces", frozenset())
        if name in namespaces:
            return MethodProxy(name, self.call, self.catalog)
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")

    def __dir__(self) -> list[str]:
        return sorted({*super().__dir__(), *self.__dict__.get("_namespaces", ())})

    @property
    def catalogue(self) -> Catalog:
        """Deprecated spelling of :attr:`catalog` (goes in 0.3)."""
        warnings.warn(
            "IpernityClient.catalogue is now IpernityClient.catalog", DeprecationWarning, 2
        )
        return self.catalog

    # -- tokens and authorization --------------------------------------------------------

    def _seed_token(self, value: str | None) -> None:
        """Store a token from settings once; the store's copy wins until the setting changes."""
        if not value:
            return
        seed = Token.seed_marker(value)
        stored = self.token_store.load(PROVIDER, self.account)
        if stored is None or stored.extra.get("seed") != seed:
            self.token_store.save(
                PROVIDER, self.account, Token(value, token_type=TOKEN_TYPE, extra={"seed": seed})
            )

    def _current_token(self) -> str | None:
        token = self.token_store.load(PROVIDER, self.account)
        if token is None:
            return None
        self.redactor.add(token.access_token)
        return token.access_token

    def get_frob(self) -> str:
        """Desktop flow, step 1: a fresh frob."""
        return self._flow.get_frob()

    def auth_url(
        self, perms: Mapping[str, str] | str | None = None, frob: str | None = None
    ) -> str:
        """The signed authorization page for ``perms`` (default ``doc=write``).

        With ``frob`` it is the desktop flow; without, the web flow (Ipernity then calls the
        registered callback URL with ``?frob=``).
        """
        return self._flow.auth_url(self._flow.default_perms if perms is None else perms, frob)

    def get_token(self, frob: str) -> AuthInfo:
        """Trade an approved frob for a token, store it, and return what it grants.

        Raises :class:`~paysupport_ipernity.errors.FrobNotAuthorized` when the user has not
        approved the frob yet.
        """
        info = self._flow.exchange(frob)
        self.token_store.save(PROVIDER, self.account, info.to_token())
        return info

    def login(
        self,
        scopes: Sequence[str] | Mapping[str, str] | str | None = None,
        *,
        open_browser: bool = True,
        auto_consent: bool = False,
        timeout: float = 300.0,
        interval: float = 2.0,
        say: Callable[[str], object] = print,
        sleep: Callable[[float], None] = time.sleep,
    ) -> Token:
        """The desktop flow for a person: show the link, open a browser, wait, store the token.

        The same call as every client's :meth:`~paysupport.provider.Client.login`;
        ``scopes`` are permissions as ``["doc:write"]``, ``{"doc": "write"}`` or
        ``"doc=write"`` (default ``doc=write``). Waiting means asking ``auth.getToken``
        every ``interval`` seconds until the user approved (at most ``timeout``
        seconds, then :class:`~paysupport_ipernity.errors.FrobNotAuthorized`).
        ``auto_consent`` answers the page as a browser would (sandbox only).
        """
        perms = self._login_perms(scopes)
        frob = self.get_frob()
        url = self.auth_url(perms, frob)
        if auto_consent:
            from paysupport.sandbox.consent import answer_consent

            answer_consent(url, "allow")
        else:
            say(f"Open this page to let this application use your Ipernity account:\n  {url}")
            if open_browser:
                with contextlib.suppress(webbrowser.Error):  # no browser: the link is enough
                    webbrowser.open(url)
        deadline = time.monotonic() + timeout
        while True:
            try:
                info = self.get_token(frob)
            except FrobNotAuthorized:
                if time.monotonic() + interval > deadline:
                    raise FrobNotAuthorized(
                        f"the authorization was not approved within {timeout:g} s",
                        provider=PROVIDER,
                    ) from None
                sleep(interval)
                continue
            say(f"Logged in to Ipernity as {info.name} (user {info.user_id}).")
            return info.to_token()

    def _login_perms(
        self, scopes: Sequence[str] | Mapping[str, str] | str | None
    ) -> Mapping[str, str] | str | None:
        """Permissions in any form :meth:`auth_url` reads; scopes as ``doc:write`` too."""
        if scopes is None or isinstance(scopes, (str, Mapping)):
            return scopes
        from paysupport.login import frob_perms

        return frob_perms(scopes, provider=PROVIDER)

    def logout(self) -> None:
        """Forget the stored token (the token itself stays valid at Ipernity)."""
        self._flow.logout()

    def check_token(self) -> AuthInfo:
        """``auth.checkToken``: the stored token's user and grant (refreshed in the store)."""
        body = self.call("auth.checkToken")
        info = AuthInfo.from_answer(body, "auth.checkToken")
        previous = self.token_store.load(PROVIDER, self.account)
        if previous is not None and previous.access_token == info.token:
            self.token_store.save(PROVIDER, self.account, info.to_token(previous))
        return info

    def _auth(self) -> AuthInfo:
        """What the stored token grants, asking Ipernity only when the store does not know."""
        token = self._flow.require_token()
        return AuthInfo.from_token(token) or self.check_token()

    def permissions(self) -> dict[str, str]:
        """The token's level per category: ``doc``, ``blog``, ``post``, ``network``, ``profile``."""
        return dict(self._auth().permissions)

    def has_permissions(self, perms: Mapping[str, str] | str) -> bool:
        """Whether the token grants ``perms`` (none < read < write < delete)."""
        return self._auth().allows(parse_perms(perms))

    def user_info(self, user_id: str | None = None) -> Member:
        """``user.get`` for ``user_id`` (an id or alias), by default the logged-in user."""
        body = self.call("user.get", user_id=user_id or self._auth().user_id)
        record = body.get("user")
        if not isinstance(record, dict):
            raise ResponseFormatError("user.get: no 'user' in the answer", provider=PROVIDER)
        return Member.from_record(record)

    def identity(self) -> User:
        """The account, from ``auth.checkToken``."""
        info = self.check_token()
        return User(
            provider=PROVIDER,
            id=info.user_id,
            name=info.name,
            url=f"{self._web_root()}/home/{info.user_id}",
            raw=info,
        )

    def _web_root(self) -> str:
        parts = urlsplit(self.authorize_url)
        return f"{parts.scheme}://{parts.netloc}"

    # -- walks ---------------------------------------------------------------------------

    def walk_data(
        self,
        method: str,
        elem_name: str | None = None,
        *,
        max_workers: int | None = None,
        **params: Any,
    ) -> Walk[JSON]:
        """Every item of any list method, as plain dicts, page after page.

        ``elem_name`` is guessed for ``<noun>.<verb>`` methods (``album.getList`` ->
        ``albums.album``); give a dotted path for others. ``max_workers``: pages fetched at once
        (``None``: the core's default, :data:`paysupport.walk.PREFETCH_WORKERS`; 1: none ahead).
        """
        path = element_path(method, elem_name)
        self.caller.prepare(method, {**params, "page": 1})  # refuse bad calls before any request
        return data_walk(self._call_mapping, method, path, params, dict, max_workers=max_workers)

    def walk_docs(self, *, max_workers: int | None = None, **filters: Any) -> Walk[Doc]:
        """``doc.getList``: a user's documents (the logged-in user's by default).

        Document walks ask for ``extra="dates,link"`` unless ``extra`` is given.
        """
        if not filters.get("user_id"):
            filters["user_id"] = self._auth().user_id
        filters.setdefault("extra", DOC_WALK_EXTRAS)
        return self._walk_docs("doc.getList", ("docs", "doc"), filters, max_workers)

    def walk_doc_search(self, *, max_workers: int | None = None, **filters: Any) -> Walk[Doc]:
        """``doc.search`` with its filters (``text``, ``tags``, ``user_id``, ``media``...)."""
        filters.setdefault("extra", DOC_WALK_EXTRAS)
        return self._walk_docs("doc.search", ("docs", "doc"), filters, max_workers)

    def walk_albums(self, *, max_workers: int | None = None, **filters: Any) -> Walk[Album]:
        """``album.getList``: a user's albums (the logged-in user's by default)."""
        return self._walk(
            "album.getList", ("albums", "album"), filters, Album.from_record, max_workers
        )

    def walk_album_docs(
        self, album_id: str | int, *, max_workers: int | None = None, **filters: Any
    ) -> Walk[Doc]:
        """``album.docs.getList``: the documents of one album."""
        filters["album_id"] = album_id
        filters.setdefault("extra", DOC_WALK_EXTRAS)
        return self._walk_docs("album.docs.getList", ("album", "docs", "doc"), filters, max_workers)

    def walk(self, collection: str, **filters: Any) -> Walk[Any]:
        """``docs``, ``albums``, ``album_docs`` (needs ``album_id``) or ``doc_search``."""
        self.check_collection(collection)
        if collection == "docs":
            return self.walk_docs(**filters)
        if collection == "albums":
            return self.walk_albums(**filters)
        if collection == "doc_search":
            return self.walk_doc_search(**filters)
        album_id = filters.pop("album_id", None)
        if album_id in (None, ""):
            raise InvalidRequest("walking album_docs needs album_id", provider=PROVIDER)
        return self.walk_album_docs(album_id, **filters)

    def _walk(
        self,
        method: str,
        path: tuple[str, ...],
        params: Mapping[str, Any],
        convert: Callable[[JSON], Any],
        max_workers: int | str | None,
    ) -> Walk[Any]:
        self.caller.prepare(method, {**params, "page": 1})  # refuse bad calls before any request
        return data_walk(
            self._call_mapping,
            method,
            path,
            params,
            convert,
            max_workers=None if max_workers is None else int(max_workers),
        )

    def _walk_docs(
        self,
        method: str,
        path: tuple[str, ...],
        params: Mapping[str, Any],
        max_workers: int | str | None,
    ) -> Walk[Doc]:
        """A document walk: pages decoded straight into :class:`Doc` structs."""
        self.caller.prepare(method, {**params, "page": 1})  # refuse bad calls before any request
        return doc_walk(
            self.caller,
            method,
            path,
            params,
            max_workers=None if max_workers is None else int(max_workers),
        )

    def _call_mapping(self, method: str, params: Mapping[str, Any]) -> JSON:
        return self.caller.call(method, params)

    # -- uploads -------------------------------------------------------------------------

    def upload_file(self, path: str | os.PathLike[str], **attributes: Any) -> str:
        """Upload a file and return its ``doc_id`` once Ipernity has processed it.

        ``attributes`` are ``upload.file``'s parameters (``title``, ``description``,
        ``keywords``, ``is_public``, ``album_id``...). Polls the ticket honouring its
        ``eta`` (``client.uploads`` holds the timeout); raises
        :class:`~paysupport_ipernity.errors.InvalidTicket` if Ipernity refuses the file.
        """
        ticket = self.uploads.send("upload.file", path, attributes)
        return self.uploads.wait(ticket)

    def replace_file(self, doc_id: str | int, path: str | os.PathLike[str]) -> str:
        """Replace the file of document ``doc_id`` (``upload.replace``); returns the doc_id."""
        ticket = self.uploads.send("upload.replace", path, {"doc_id": doc_id})
        return self.uploads.wait(ticket)


def connect(
    *,
    api_key: str | None = None,
    api_secret: str | None = None,
    auth_token: str | None = None,
    callback_url: str | None = None,
    base_url: str | None = None,
    http_options: HttpOptions | None = None,
    token_store: TokenStore | str | None = None,
    account: str | None = None,
    app_name: str | None = None,
    hooks: Sequence[EventHook] = (),
) -> IpernityClient:
    """An :class:`IpernityClient`, typed: ``paysupport.connect("ipernity", ...)`` with checks.

    The settings are arguments here, so editors complete them and mypy refuses a
    misspelt one; ``None`` leaves a setting to the configuration chain (config file,
    then ``PAYSUPPORT_IPERNITY_*`` and ``IPERNITY_*`` variables), as with
    ``paysupport.connect``.
    """
    return IpernityClient(
        api_key=api_key,
        api_secret=api_secret,
        auth_token=auth_token,
        callback_url=callback_url,
        base_url=base_url,
        http_options=http_options,
        token_store=token_store,
        account=account,
        app_name=app_name,
        hooks=hooks,
    )
