"""Users: lazy users, profiles, the authenticated user, identity() and walk() dispatch."""

from __future__ import annotations

import pytest
from paysupport_flattr import ValidationFailed

from paysupport import NotFound, Unsupported


def test_a_lazy_user_makes_no_request_until_needed(client, events):
    user = client.user("flattr")
    assert user.username == "flattr" and not user.loaded
    assert events.seen == []
    assert user.firstname == "Flattr.com"
    assert user.name == "Flattr.com" and user.loaded
    assert events.seen == [("GET", "/rest/v2/users/flattr")]
    assert "not loaded" not in repr(user)


def test_a_lazy_user_walks_without_fetching_the_profile(client, events):
    things = client.user("flattr").things(count=5).first(7)
    assert things and all(t.owner_username == "flattr" for t in things)
    assert ("GET", "/rest/v2/users/flattr") not in events.seen


def test_get_a_user_and_an_unknown_one(client):
    user = client.users.get("flattr")
    assert (user.username, user.url, user.email) == ("flattr", "http://flattr.com", None)
    with pytest.raises(NotFound):
        client.users.get("nobody-at-all")
    with pytest.raises(NotFound):
        client.user("nobody-at-all").about  # noqa: B018 - reading it fetches the profile


def test_unknown_attributes_are_attribute_errors(client, events):
    with pytest.raises(AttributeError):
        client.user("flattr").no_such_field  # noqa: B018
    assert events.seen == []


def test_a_users_flattrs_walk(client, sandbox):
    client.support(sandbox.foreign_thing()["id"])
    flattrs = list(client.user(sandbox.primary).flattrs(count=3))
    assert flattrs and all(f.owner.username == sandbox.primary for f in flattrs)
    assert [f.created_at for f in flattrs] == sorted((f.created_at for f in flattrs), reverse=True)


def test_the_authenticated_user(client, sandbox):
    profile = client.me.profile()
    assert profile.username == sandbox.primary and profile.email  # email scope
    assert profile.registered_at is not None  # extendedread scope
    mine = list(client.me.things(count=4))
    assert mine and all(t.owner_username == sandbox.primary for t in mine)
    assert list(client.me.flattrs()) == list(client.walk("flattrs"))


def test_activities_are_activity_streams(client, sandbox, events):
    client.support(sandbox.foreign_thing()["id"])
    outgoing = client.me.activities()
    assert outgoing and outgoing[0].verb == "like"
    assert outgoing[0].actor_name == sandbox.primary
    incoming = client.user(sandbox.primary).activities("incoming")
    assert all(a.actor_name != sandbox.primary for a in incoming)
    with pytest.raises(ValidationFailed):
        client.me.activities("sideways")
    assert [a.id for a in client.walk("activities")] == [a.id for a in outgoing]


def test_identity_in_the_common_shape(client, sandbox):
    me = client.identity()
    assert (me.provider, me.id) == ("flattr", sandbox.primary)
    assert me.url and me.url.endswith(f"/profile/{sandbox.primary}")
    assert me.email and me.name and me.raw["username"] == sandbox.primary


def test_walk_dispatches_collections_and_refuses_unknown_filters(client, events):
    assert client.walk("things", user="flattr", count="3").first(3)
    assert client.walk("search", query="open", count=5, max_workers="2").first(6)
    events.clear()
    with pytest.raises(ValidationFailed):
        client.walk("things", colour="blue")
    with pytest.raises(ValidationFailed):
        client.walk("search", count="many")
    with pytest.raises(Unsupported):
        client.walk("members")
    assert events.seen == []


def test_raw_calls_for_the_command_line(client, sandbox):
    assert client.raw("categories")[0] == {"id": "text", "text": "Text"}
    thing = client.raw(f"things/{sandbox.own_thing()['id']}")
    assert thing["type"] == "thing"
    assert client.raw("user/activities")["items"] is not None
    assert client.raw(f"things/{thing['id']}", {"title": "Raw"}, http_method="PATCH") == {
        "message": "ok",
        "description": "Thing was updated correctly",
    }
