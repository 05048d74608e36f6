"""Every example object of the documentation (resource-examples.rb) read by the client.

Each example is served verbatim at the route the documentation shows it on,
and the client's call is checked against the example's values, so a field
the client misreads or a documented variant it rejects (``"hidden": 0``) fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

EXAMPLES: dict[str, Any] = json.loads(
    (Path(__file__).parent / "data" / "flattr_resource_examples.json").read_text("utf-8")
)
COVERED: set[str] = set()


def example(name: str) -> Any:
    COVERED.add(name)
    return EXAMPLES[name]


@pytest.mark.parametrize("name", ["THING_PUBLIC", "THING", "THING_FULL"])
def test_a_thing(canned, name):
    app, client = canned
    body = example(name)
    app.set("/things/423405", body)
    thing = client.things.get(423405)
    assert (thing.id, thing.url, thing.title, thing.tags) == (
        body["id"],
        body["url"],
        body["title"],
        tuple(body["tags"]),
    )
    assert (thing.language, thing.category, thing.hidden, thing.flattrs) == (
        "en_GB",
        "text",
        False,
        8,
    )
    assert thing.owner_username == "flattr" and thing.created_at == 1319704532
    assert thing.flattred == body.get("flattred") and thing.subscribed == body.get("subscribed")
    assert thing.last_flattr_at == body.get("last_flattr_at")


def test_many_things_including_hidden_as_zero(canned):
    app, client = canned
    app.set("/things/423405,450287", example("THING_MANY"))
    example("THING_PUBLIC_2")
    first, second = client.things.get_many([423405, 450287])
    assert (first.id, second.id) == (423405, 450287)
    assert second.hidden is False and second.tags[0] == "gem" and second.image == ""


def test_lookup_found_and_not_found(canned):
    app, client = canned
    found = example("THING_LOOKUP")
    app.set("/things/lookup/", found, 302, Location=found["location"])
    app.set("/things/423405", example("THING"))
    thing = client.things.lookup("http://blog.flattr.net/2011/10/api-v2-beta-out-whats-changed/")
    assert thing is not None and thing.id == 423405
    app.set("/things/lookup/", example("THING_LOOKUP_ERROR"), 404)
    assert client.things.lookup("http://nothing.example/") is None


def test_create_and_update(canned):
    app, client = canned
    app.set("/languages", example("LANGUAGES"))
    app.set("/categories", example("CATEGORIES"))
    app.set("/things", example("THING_CREATE"), 201)
    app.set("/things/431547", {**example("THING_PUBLIC"), "id": 431547})
    thing = client.things.create("http://developers.flattr.net", language="be_BY")
    assert thing.id == 431547
    app.set("/things/431547", example("THING_UPDATE"))
    client.things.update(431547, title="API v2 documentation")  # no error: "ok"


def test_flattrs(canned):
    app, client = canned
    app.set("/user/flattrs", [example("FLATTR")])
    (flattr,) = client.walk("flattrs")
    assert (flattr.thing.id, flattr.thing.owner.username) == (313733, "gnuproject")
    assert (flattr.owner.username, flattr.created_at) == ("qzio", 1316697578)
    app.set("/things/423405/flattr", example("FLATTR_CREATE"))
    result = client.support(423405)
    assert (result.thing_id, result.thing.flattrs, result.message) == (423405, 3, "ok")


def test_subscriptions(canned):
    app, client = canned
    app.set("/user/subscriptions", [example("SUBSCRIPTION")])
    (sub,) = client.subscriptions.list()
    assert (sub.active, sub.created_at, sub.started_at, sub.thing.id) == (
        True,
        1350654024,
        1351164964,
        423405,
    )
    app.set("/things/423405/subscriptions", example("SUBSCRIPTION_CREATE"))
    assert client.subscriptions.subscribe(423405).title == "API v2 beta out - what's changed?"
    app.set("/things/423405/subscriptions", example("SUBSCRIPTION_START"))
    assert client.subscriptions.toggle(423405) is True
    app.set("/things/423405/subscriptions", example("SUBSCRIPTION_PAUSE"))
    assert client.subscriptions.toggle(423405) is False


def test_activities(canned):
    app, client = canned
    body = example("ACTIVITIES")
    app.set("/user/activities", body, ctype="application/stream+json")
    (activity,) = client.me.activities()
    assert (activity.verb, activity.actor_name, activity.object_name) == (
        "like",
        "pthulin",
        "Acoustid",
    )
    assert activity.id == body["items"][0]["id"]


def test_languages_and_categories(canned):
    app, client = canned
    app.set("/languages", example("LANGUAGES"))
    app.set("/categories", example("CATEGORIES"))
    assert [c.id for c in client.languages()] == ["en_GB", "sq_AL", "ar_DZ", "be_BY"]
    assert client.categories()[-1].text == "Other"


def test_users(canned):
    app, client = canned
    app.set("/users/flattr", example("USER"))
    user = client.users.get("flattr")
    assert (user.name, user.url, user.email) == ("Flattr.com", "http://flattr.com", None)
    app.set("/user", example("USER_EXTENDED"))
    me = client.identity()
    assert (me.id, me.email, me.raw["registered_at"]) == ("flattr", "info@flattr.com", 1270166816)


def test_search(canned):
    app, client = canned
    app.set("/things/search", example("SEARCH"))
    walk = client.things.search("flattr", category="software", tags="ruby")
    assert walk.total == 1
    assert [t.id for t in walk] == [423405]


def test_every_example_is_read_by_the_client():
    # Runs last in this module (pytest keeps file order): every test above registered its examples.
    if not COVERED:
        pytest.skip("run with the tests above it")
    assert set(EXAMPLES) - {"_source"} == COVERED
