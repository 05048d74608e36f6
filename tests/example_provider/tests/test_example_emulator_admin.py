"""``/_admin/state``: what clients did, over HTTP; it counts not itself and shows no key."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from paysupport_example.client import ExampleClient
from paysupport_example.emulator import ExampleEmulator

Admin = Callable[[], dict[str, Any]]


def test_the_admin_view_shows_requests_items_and_tips(
    client: ExampleClient, admin: Admin, emulator: ExampleEmulator
) -> None:
    assert admin() == {"requests": 0, "items": 25, "supports": {}}
    client.identity()
    client.support("https://tips.example/show/7")
    assert admin() == {"requests": 2, "items": 25, "supports": {"https://tips.example/show/7": 1}}
    assert admin() == emulator.admin_state()  # the same view, in process


def test_the_admin_view_never_shows_the_key(admin: Admin, emulator: ExampleEmulator) -> None:
    assert emulator.credentials()["api_key"] not in str(admin())


def test_other_admin_paths_are_the_services_not_found(
    http: Callable[..., requests.Response],
) -> None:
    answer = http("GET", "/_admin/nothing")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert http("POST", "/_admin/state").status_code == 405
