"""Every example object of the documentation has the same shape as the emulator's answer.

``data/flattr_resource_examples.json`` is resource-examples.rb converted to
JSON. Shapes compare keys recursively and scalar types (so ``hidden`` must be a
boolean, ``created_at`` an integer); every list item is held to the example's first.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests

EXAMPLES: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "flattr_resource_examples.json").read_text("utf-8")
)


def mismatches(example: Any, actual: Any, path: str = "$") -> list[str]:
    """Where ``actual`` differs in shape from ``example`` (keys, scalar types, list items)."""
    if isinstance(example, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object"]
        if set(example) != set(actual):
            return [f"{path}: keys differ: {sorted(set(example) ^ set(actual))}"]
        return [m for k in example for m in mismatches(example[k], actual[k], f"{path}.{k}")]
    if isinstance(example, list):
        if not isinstance(actual, list):
            return [f"{path}: expected a list"]
        if not example:
            return []
        return [
            m for i, item in enumerate(actual) for m in mismatches(example[0], item, f"{path}[{i}]")
        ]
    if type(example) is not type(actual):
        return [f"{path}: {type(actual).__name__} instead of {type(example).__name__}"]
    return []


def assert_same_shape(example: str, actual: Any) -> None:
    assert mismatches(EXAMPLES[example], actual) == []


@pytest.fixture
def world(sandbox):
    """Responses for every documented example, gathered from one sandbox."""
    api, auth = sandbox.api, sandbox.auth
    foreign = sandbox.foreign_thing()
    own = sandbox.own_thing()
    r: dict[str, Any] = {}
    r["THING_PUBLIC"] = requests.get(f"{api}/things/{foreign['id']}").json()
    r["THING"] = requests.get(f"{api}/things/{foreign['id']}", headers=auth).json()
    r["THING_FULL"] = requests.get(f"{api}/things/{own['id']}", headers=auth).json()
    r["THING_MANY"] = requests.get(f"{api}/things/{foreign['id']},{own['id']}").json()
    r["THING_LOOKUP"] = requests.get(
        f"{api}/things/lookup", params={"url": foreign["url"]}, allow_redirects=False
    ).json()
    r["THING_LOOKUP_ERROR"] = requests.get(
        f"{api}/things/lookup", params={"url": "http://none.example"}
    ).json()
    r["THING_CREATE"] = requests.post(
        f"{api}/things", json={"url": "http://developers.flattr.net"}, headers=auth
    ).json()
    r["THING_UPDATE"] = requests.patch(
        f"{api}/things/{own['id']}", json={"title": "API v2 documentation"}, headers=auth
    ).json()
    r["FLATTR_CREATE"] = requests.post(f"{api}/things/{foreign['id']}/flattr", headers=auth).json()
    r["FLATTR"] = requests.get(f"{api}/users/{sandbox.primary}/flattrs").json()[0]
    sub_url = f"{api}/things/{foreign['id']}/subscriptions"
    r["SUBSCRIPTION_CREATE"] = requests.post(sub_url, headers=auth).json()
    r["SUBSCRIPTION"] = requests.get(f"{api}/user/subscriptions", headers=auth).json()[0]
    r["SUBSCRIPTION_PAUSE"] = requests.put(sub_url, headers=auth).json()
    r["SUBSCRIPTION_START"] = requests.put(sub_url, headers=auth).json()
    r["ACTIVITIES"] = requests.get(f"{api}/user/activities", headers=auth).json()
    r["LANGUAGES"] = requests.get(f"{api}/languages").json()
    r["CATEGORIES"] = requests.get(f"{api}/categories").json()
    r["USER"] = requests.get(f"{api}/users/flattr").json()
    r["USER_EXTENDED"] = requests.get(
        f"{api}/user", headers=sandbox.token_for("flattr", scopes="extendedread")
    ).json()
    r["SEARCH"] = requests.get(f"{api}/things/search").json()
    return r


@pytest.mark.parametrize(
    "example",
    [
        "THING_PUBLIC",
        "THING",
        "THING_FULL",
        "THING_MANY",
        "THING_LOOKUP",
        "THING_LOOKUP_ERROR",
        "THING_CREATE",
        "THING_UPDATE",
        "FLATTR",
        "FLATTR_CREATE",
        "SUBSCRIPTION",
        "SUBSCRIPTION_CREATE",
        "SUBSCRIPTION_START",
        "SUBSCRIPTION_PAUSE",
        "ACTIVITIES",
        "LANGUAGES",
        "CATEGORIES",
        "USER",
        "USER_EXTENDED",
        "SEARCH",
    ],
)
def test_example_has_the_emulators_shape(world, example):
    assert_same_shape(example, world[example])


def test_every_documented_example_is_covered():
    covered = {
        "THING_PUBLIC",
        "THING",
        "THING_FULL",
        "THING_MANY",
        "THING_LOOKUP",
        "THING_LOOKUP_ERROR",
        "THING_CREATE",
        "THING_UPDATE",
        "FLATTR",
        "FLATTR_CREATE",
        "SUBSCRIPTION",
        "SUBSCRIPTION_CREATE",
        "SUBSCRIPTION_START",
        "SUBSCRIPTION_PAUSE",
        "ACTIVITIES",
        "LANGUAGES",
        "CATEGORIES",
        "USER",
        "USER_EXTENDED",
        "SEARCH",
    }
    # THING_PUBLIC_2 is a second public thing (with ``hidden`` as 0), shown only inside THING_MANY.
    assert set(EXAMPLES) - {"_source", "THING_PUBLIC_2"} == covered


def test_the_documented_flattr_account_is_seeded_as_documented(world):
    def without_urls(user: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in user.items() if k not in ("resource", "link")}

    assert without_urls(world["USER"]) == without_urls(EXAMPLES["USER"])
    assert without_urls(world["USER_EXTENDED"]) == without_urls(EXAMPLES["USER_EXTENDED"])
    assert world["CATEGORIES"] == EXAMPLES["CATEGORIES"]
    assert world["LANGUAGES"] == EXAMPLES["LANGUAGES"]
    assert world["SUBSCRIPTION_START"] == EXAMPLES["SUBSCRIPTION_START"]
    assert world["SUBSCRIPTION_PAUSE"] == EXAMPLES["SUBSCRIPTION_PAUSE"]
    assert world["THING_UPDATE"] == EXAMPLES["THING_UPDATE"]
    assert world["THING_LOOKUP_ERROR"] == EXAMPLES["THING_LOOKUP_ERROR"]


def test_mini_objects_use_the_documented_field_tables(world):
    # FIELDS_MINI_THING and FIELDS_MINI_USER in resource-examples.rb.
    mini_thing = {"type", "resource", "link", "id", "url", "title", "image", "flattrs"}
    mini_user = {"type", "resource", "link", "username"}
    assert set(world["FLATTR_CREATE"]["thing"]) == mini_thing
    assert set(world["SUBSCRIPTION_CREATE"]["thing"]) == mini_thing
    assert set(world["THING_PUBLIC"]["owner"]) == mini_user
    assert set(world["FLATTR"]["owner"]) == mini_user
