"""``support(url)``: one tip per URL; the second is ``AlreadyTipped``, which the ledger trusts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from paysupport_example.client import ExampleClient
from paysupport_example.errors import AlreadyTipped
from paysupport_example.resources import Tip

from paysupport.errors import AlreadySupported

URL = "https://tips.example/show/1"


def test_a_tip_returns_the_services_receipt(
    client: ExampleClient, admin: Callable[[], dict[str, Any]]
) -> None:
    tip = client.support(URL)
    assert tip == Tip(id=1, url=URL, raw={"id": 1, "url": URL})
    assert tip.to_dict() == {"id": 1, "url": URL}
    assert admin()["supports"] == {URL: 1}


def test_a_second_tip_for_the_same_url_is_already_supported(
    client: ExampleClient, admin: Callable[[], dict[str, Any]]
) -> None:
    client.support(URL)
    with pytest.raises(AlreadyTipped) as refused:
        client.support(URL)
    assert isinstance(refused.value, AlreadySupported)  # what the podcatcher's ledger catches
    assert (refused.value.status, refused.value.code) == (409, "already_supported")
    assert "was tipped already" in str(refused.value)
    assert admin()["supports"] == {URL: 1}


def test_the_tip_is_not_retried(client: ExampleClient, admin: Callable[[], dict[str, Any]]) -> None:
    client.support(URL)
    client.support("https://tips.example/show/2")
    assert admin()["requests"] == 2
