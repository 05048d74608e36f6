"""Who the API key belongs to, and what happens without a key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from paysupport_example.client import ExampleClient, connect
from paysupport_example.info import INFO

import paysupport
from paysupport.errors import InvalidToken
from paysupport.testing import ServedApp


def test_identity_is_the_keys_user(client: ExampleClient) -> None:
    me = client.identity()
    assert (me.provider, me.id, me.name) == ("example", "1", "Example User")
    assert me.raw == {"id": 1, "name": "Example User"}


def test_the_registry_makes_the_same_client_from_the_declaration(
    served: ServedApp, emulator: Any
) -> None:
    made = paysupport.connect(
        "example", ExampleClient, base_url=served.url, **emulator.credentials()
    )
    assert type(made) is ExampleClient and made.info is INFO
    assert made.identity().name == "Example User"


def test_without_a_key_nothing_is_sent(
    served: ServedApp, admin: Callable[[], dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("EXAMPLE_API_KEY", raising=False)
    keyless = connect(base_url=served.url, token_store="memory")
    with pytest.raises(InvalidToken, match="no api_key configured") as refused:
        keyless.identity()
    assert refused.value.provider == "example"
    assert admin()["requests"] == 0


def test_the_key_never_shows(client: ExampleClient, emulator: Any) -> None:
    key = emulator.credentials()["api_key"]
    assert key not in repr(client) and key not in repr(client.http.auth)
    assert key not in client.redactor.text(f"GET /api/me?key={key}")
