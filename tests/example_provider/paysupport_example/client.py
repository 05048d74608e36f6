"""``ExampleClient``: the common verbs (identity, walk, support) on the Example service.

The other pieces are in their own modules: the declaration (:mod:`.info`), the API
key (:mod:`.auth`), one call (:mod:`.transport`), refusals (:mod:`.errors`), records
(:mod:`.resources`) and walks (:mod:`.walks`). :func:`connect` gives the client its
own type, with the settings as typed arguments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from paysupport.http import EventHook, HttpOptions
from paysupport.provider import Client, User
from paysupport.tokens import TokenStore
from paysupport.walk import Walk

from .auth import ApiKeyAuth
from .info import INFO, PROVIDER
from .resources import Item, Tip
from .transport import Transport
from .walks import item_walk

__all__ = ["ExampleClient", "connect"]


class ExampleClient(Client):
    """Client of the Example service: who the key belongs to, its items, tips for URLs.

    Settings: ``api_key`` (or ``EXAMPLE_API_KEY``), and the common ones
    (``base_url``, ...). Without a key the client is still made; its first call
    raises :class:`~paysupport.errors.InvalidToken`.
    """

    info = INFO

    def __init__(self, **settings: Any) -> None:
        super().__init__(**settings)
        api_key = self.settings.get("api_key")
        if api_key:
            self.http.auth = ApiKeyAuth(api_key)
        self.transport = Transport(self.http)

    def identity(self) -> User:
        """The account the API key belongs to (``GET /api/me``)."""
        me = self.transport.call("GET", "/api/me")
        return User(provider=PROVIDER, id=str(me["id"]), name=me.get("name"), raw=me)

    def walk(self, collection: str, **filters: Any) -> Walk[Item]:
        """Every record of ``collection`` (only ``"items"``); ``max_workers`` prefetches pages."""
        self.check_collection(collection)
        return item_walk(self.transport, max_workers=filters.get("max_workers", 1))

    def support(self, target: Any) -> Tip:
        """Tip the URL ``target`` once; a second tip for it raises ``AlreadyTipped``."""
        return Tip.from_json(self.transport.call("POST", "/api/supports", {"url": str(target)}))


def connect(
    *,
    api_key: str | None = None,
    base_url: str | None = None,
    http_options: HttpOptions | None = None,
    token_store: TokenStore | str | None = None,
    account: str | None = None,
    app_name: str | None = None,
    hooks: Sequence[EventHook] = (),
) -> ExampleClient:
    """An :class:`ExampleClient`, typed; ``None`` leaves a setting to the configuration chain."""
    return ExampleClient(
        api_key=api_key,
        base_url=base_url,
        http_options=http_options,
        token_store=token_store,
        account=account,
        app_name=app_name,
        hooks=hooks,
    )
