"""Flattring every kind of target, the documented refusals, and subscriptions."""

from __future__ import annotations

import time

import pytest
from paysupport_flattr import (
    AlreadyFlattred,
    AlreadySubscribed,
    NotEnoughMeans,
    OwnThing,
    ThingNotFound,
    ValidationFailed,
)

from paysupport import InsufficientScope, InvalidRequest, NotFound
from paysupport.errors import AuthError


def flattrs_of(sandbox, **params) -> int:
    return int(sandbox.admin_flattrs(seeded="0", **params)["count"])


@pytest.mark.parametrize("form", ["thing", "int", "str", "thing page", "thing page slug"])
def test_support_a_thing_in_every_form(client, sandbox, form):
    foreign = sandbox.foreign_thing()
    target = {
        "thing": lambda: client.things.get(foreign["id"]),
        "int": lambda: foreign["id"],
        "str": lambda: f" {foreign['id']} ",
        "thing page": lambda: foreign["link"],
        "thing page slug": lambda: foreign["link"] + "/some-title",
    }[form]()
    before = time.time()
    result = client.support(target)
    assert (result.thing_id, result.url) == (foreign["id"], foreign["url"])
    assert result.flattred_at >= int(before) - 1
    assert flattrs_of(sandbox, thing_id=str(foreign["id"])) == 1


def test_support_a_plain_url_of_a_registered_thing(client, sandbox, events):
    foreign = sandbox.foreign_thing()
    result = client.support(foreign["url"])
    assert result.thing_id == foreign["id"]
    assert events.writes() == [("POST", "/rest/v2/flattr")]


def test_support_an_auto_submit_url_creates_the_thing_on_its_first_flattr(client, sandbox):
    episode = "https://podcast.example/ep/7"
    link = client.autosubmit_url("flattr", episode, title="Episode 7", tags=["podcast"])
    assert client.things.lookup(episode) is None
    result = client.support(link)
    assert result.url == episode and result.thing.title == "Episode 7"
    thing = client.things.get(result.thing_id)
    assert (thing.owner_username, thing.tags, thing.flattred) == ("flattr", ("podcast",), True)
    assert flattrs_of(sandbox, url=episode) == 1


def test_flattring_twice_is_already_flattred_and_records_one_flattr(client, sandbox):
    foreign = sandbox.foreign_thing()
    client.support(foreign["id"])
    with pytest.raises(AlreadyFlattred) as caught:
        client.support(foreign["url"])
    error = caught.value
    assert isinstance(error, InvalidRequest)
    assert (error.status, error.code, error.provider) == (403, "flattr_once", "flattr")
    assert "flattr_once" in str(error)
    assert flattrs_of(sandbox, thing_id=str(foreign["id"])) == 1


def test_flattring_your_own_thing_is_own_thing(client, sandbox):
    with pytest.raises(OwnThing) as caught:
        client.support(sandbox.own_thing()["id"])
    assert (caught.value.status, caught.value.code) == (403, "flattr_owner")


def test_without_means_it_is_not_enough_means_not_an_auth_error(client, sandbox):
    sandbox.set_means(sandbox.primary, 0)
    with pytest.raises(NotEnoughMeans) as caught:
        client.support(sandbox.foreign_thing()["id"])
    assert (caught.value.status, caught.value.code) == (401, "no_means")
    assert not isinstance(caught.value, AuthError)


def test_unknown_things_and_urls_are_thing_not_found(client):
    with pytest.raises(ThingNotFound):
        client.support(999_999_999)
    with pytest.raises(ThingNotFound) as caught:
        client.support("https://unregistered.example/page")
    assert isinstance(caught.value, NotFound) and caught.value.status == 404


@pytest.mark.parametrize("target", [None, 3.5, True, "not a url", "ftp://x.example/a", [], -4])
def test_targets_that_are_not_flattrable_are_refused_before_sending(client, events, target):
    with pytest.raises(ValidationFailed):
        client.support(target)
    assert events.seen == []


def test_flattring_needs_the_flattr_scope(sandbox, make_client):
    token = sandbox.token_for(scopes="thing")["Authorization"].split()[1]
    with pytest.raises(InsufficientScope):
        make_client(sandbox, access_token=token).support(sandbox.foreign_thing()["id"])


# -- subscriptions --------------------------------------------------------------------


def test_subscribe_list_pause_resume_unsubscribe(client, sandbox, events):
    thing_id = sandbox.foreign_thing()["id"]
    if client.subscriptions.get(thing_id) is not None:
        client.subscriptions.unsubscribe(thing_id)
    mini = client.subscriptions.subscribe(thing_id)
    assert mini.id == thing_id
    sub = client.subscriptions.get(thing_id)
    assert sub is not None and sub.active and sub.thing.id == thing_id
    assert client.subscriptions.pause(thing_id) is True
    events.clear()
    assert client.subscriptions.pause(thing_id) is False  # already paused: no toggle sent
    assert events.writes() == []
    assert client.subscriptions.get(thing_id).active is False
    assert client.subscriptions.resume(thing_id) is True
    assert client.subscriptions.toggle(thing_id) is False  # the raw toggle pauses again
    assert client.subscriptions.toggle(thing_id) is True
    client.subscriptions.unsubscribe(thing_id)
    assert client.subscriptions.get(thing_id) is None
    assert thing_id not in [s.thing.id for s in client.me.subscriptions()]


def test_subscription_refusals(client, sandbox):
    thing_id = sandbox.foreign_thing()["id"]
    with pytest.raises(OwnThing) as own:
        client.subscriptions.subscribe(sandbox.own_thing()["id"])
    assert own.value.code == "thing_owner"
    client.subscriptions.subscribe(thing_id)
    with pytest.raises(AlreadySubscribed) as twice:
        client.subscriptions.subscribe(thing_id)
    assert twice.value.code == "subscribed"
    with pytest.raises(ThingNotFound):
        client.subscriptions.subscribe(999_999_999)
    client.subscriptions.unsubscribe(thing_id)
    with pytest.raises(NotFound):
        client.subscriptions.unsubscribe(thing_id)
    with pytest.raises(NotFound):
        client.subscriptions.toggle(thing_id)
    with pytest.raises(NotFound):
        client.subscriptions.pause(thing_id)


def test_subscriptions_walk_and_rows(client):
    subs = list(client.walk("subscriptions"))
    assert subs == client.subscriptions.list()
    for sub in subs:
        assert set(sub.to_row()) == {"thing_id", "title", "active", "started_at"}
