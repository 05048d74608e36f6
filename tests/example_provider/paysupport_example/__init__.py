"""A third-party provider, installed only in the test environment: the client.

It proves the plugin boundary: paysupport finds it through the entry points
``paysupport.providers`` and ``paysupport.sandboxes`` alone, exactly as it
finds Patreon, Flattr and Ipernity. It is also the smallest complete example
of a provider, referred to by docs/writing-a-provider.md.

The "Example" service has an API key, ``GET /api/me``, a page-numbered
``GET /api/items?page=N`` and ``POST /api/supports`` (a tip for a URL on
``tips.example``, at most once per URL: a second one is refused with 409).
Its emulator lives in :mod:`paysupport_example.emulator`, so importing the
client (as ``paysupport providers`` does) never loads werkzeug.
"""

from __future__ import annotations

from typing import Any

from paysupport.errors import AlreadySupported, InvalidToken
from paysupport.http import decode_json, error_for_status
from paysupport.provider import Capability, Client, ProviderInfo, User
from paysupport.walk import Page, Walk

PER_PAGE = 10


class ExampleClient(Client):
    """Client of the Example service."""

    info = ProviderInfo(
        name="example",
        title="Example",
        default_base_url="https://api.example.invalid",
        capabilities=frozenset({Capability.IDENTITY, Capability.WALK, Capability.SUPPORT}),
        collections=("items",),
        settings=("api_key",),
        secret_settings=("api_key",),
        env_aliases={"EXAMPLE_API_KEY": "api_key"},
        url_patterns=(r"^https?://tips\.example/",),
        auth="none",
        description="A test provider proving the plugin boundary",
    )

    def _send(self, method: str, path: str, **params: Any) -> Any:
        api_key = self.settings.get("api_key")
        if not api_key:
            raise InvalidToken("no api_key configured", provider=self.info.name)
        response = self.http.request(
            method,
            path,
            params=params if method == "GET" else None,
            data=params if method != "GET" else None,
            headers={"X-Api-Key": api_key},
            auth=None,
        )
        if response.status_code == 409:
            raise AlreadySupported("already supported", provider=self.info.name, status=409)
        if response.status_code >= 400:
            raise error_for_status(response, self.info.name, f"{method} {path} failed")
        return decode_json(response, self.info.name, self.redactor)

    def _get(self, path: str, **params: Any) -> Any:
        return self._send("GET", path, **params)

    def support(self, target: Any) -> dict[str, Any]:
        return dict(self._send("POST", "/api/supports", url=str(target)))

    def identity(self) -> User:
        me = self._get("/api/me")
        return User(provider="example", id=str(me["id"]), name=me.get("name"), raw=me)

    def walk(self, collection: str, **filters: Any) -> Walk[dict[str, Any]]:
        self.check_collection(collection)

        def fetch(page: int) -> Page[dict[str, Any]]:
            body = self._get("/api/items", page=page)
            return Page(
                items=body["items"],
                next=page + 1 if page < body["pages"] else None,
                total=body["total"],
                pages=body["pages"],
            )

        return Walk(fetch, start=1, pagination="page", max_workers=filters.get("max_workers", 1))
