"""The emulator's wire format: the key check, pages, tips and the service's error bodies."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from paysupport_example.emulator import ExampleEmulator, create_emulator
from paysupport_example.emulator.api import PER_PAGE

from paysupport.emulation import Emulator, EmulatorSettings

Http = Callable[..., requests.Response]


@pytest.fixture
def key(emulator: ExampleEmulator) -> dict[str, str]:
    return {"X-Api-Key": emulator.credentials()["api_key"]}


def test_it_follows_the_emulator_contract(emulator: ExampleEmulator) -> None:
    assert isinstance(emulator, Emulator) and emulator.name == "example"
    assert emulator.credentials() == {"api_key": "example-key-0003"}


def test_the_same_seed_gives_the_same_world() -> None:
    settings = EmulatorSettings(seed=9, sizes={"items": 12})
    one, two = create_emulator(settings), create_emulator(settings)
    assert one.credentials() == two.credentials()
    assert one.store.items == two.store.items == [{"id": i} for i in range(12)]
    assert create_emulator(EmulatorSettings(seed=10)).credentials() != one.credentials()


def test_every_api_request_needs_the_key(http: Http) -> None:
    answer = http("GET", "/api/me", headers={"X-Api-Key": "wrong"})
    assert answer.status_code == 401
    assert answer.json() == {"error": {"code": "bad_api_key", "message": "bad api key"}}


def test_items_come_in_numbered_pages(http: Http, key: dict[str, str]) -> None:
    last = http("GET", "/api/items", params={"page": 3}, headers=key).json()
    assert last == {"items": [{"id": i} for i in range(20, 25)], "page": 3, "pages": 3, "total": 25}
    first = http("GET", "/api/items", headers=key).json()
    assert len(first["items"]) == PER_PAGE and first["page"] == 1
    assert http("GET", "/api/items", params={"page": 4}, headers=key).json()["items"] == []


@pytest.mark.parametrize("page", ["0", "-1", "two", ""])
def test_a_page_that_is_not_a_positive_number_is_refused(
    http: Http, key: dict[str, str], page: str
) -> None:
    answer = http("GET", "/api/items", params={"page": page}, headers=key)
    assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_request"


def test_a_url_is_tipped_once(http: Http, key: dict[str, str]) -> None:
    url = {"url": "https://tips.example/a"}
    first = http("POST", "/api/supports", data=url, headers=key)
    assert (first.status_code, first.json()) == (201, {"id": 1, "url": url["url"]})
    again = http("POST", "/api/supports", data=url, headers=key)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_supported"
    missing = http("POST", "/api/supports", data={}, headers=key)
    assert missing.status_code == 400 and missing.json()["error"]["message"] == "url is required"


def test_unknown_routes_and_methods(http: Http, key: dict[str, str]) -> None:
    assert http("GET", "/api/nothing", headers=key).json()["error"]["code"] == "not_found"
    wrong = http("GET", "/api/supports", headers=key)
    assert wrong.status_code == 405 and wrong.json()["error"]["code"] == "method_not_allowed"
