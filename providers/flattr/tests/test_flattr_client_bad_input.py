"""Answers that are not what the documentation shows become library errors, never KeyError."""

from __future__ import annotations

import pytest

from paysupport import HTTPError, PaySupportError, ResponseFormatError, sandbox
from paysupport.decode import ResponseFieldError
from paysupport.sandbox import FaultPlan

THING = {
    "type": "thing",
    "id": 1,
    "url": "https://a.example/1",
    "title": "One",
    "owner": {"username": "flattr"},
}


def raises_format_error(call, client=None) -> ResponseFormatError:
    with pytest.raises(ResponseFormatError) as caught:
        call()
    assert caught.value.provider == "flattr"
    if client is not None:
        assert client.oauth.token.access_token not in str(caught.value)
    return caught.value


HTML = "<!DOCTYPE html><html><body><h1>Oops</h1></body></html>"


@pytest.mark.parametrize("status", [200, 404, 500, 502])
def test_an_html_page_is_a_format_error(canned, status):
    app, client = canned
    app.set("/user", HTML, status, "text/html")
    error = raises_format_error(client.identity, client)
    assert error.status == status and "HTML" in str(error)


@pytest.mark.parametrize(
    ("path", "body", "call"),
    [
        ("/user", '{"username": "fla', lambda c: c.identity()),
        ("/things/1", '{"id": 1, "url": ', lambda c: c.things.get(1)),
        ("/categories", "[{", lambda c: c.categories()),
        ("/user", "", lambda c: c.identity()),
        ("/user", "not json at all", lambda c: c.identity()),
    ],
)
def test_truncated_or_non_json_bodies_are_format_errors(canned, path, body, call):
    app, client = canned
    app.set(path, body)
    raises_format_error(lambda: call(client), client)


@pytest.mark.parametrize(
    ("path", "body", "call", "mentions"),
    [
        ("/user", {"nick": "flattr", "colour": "blue"}, lambda c: c.identity(), "username"),
        ("/user", ["flattr"], lambda c: c.identity(), "JSON object"),
        ("/things/1", {**THING, "id": "one"}, lambda c: c.things.get(1), "'id'"),
        ("/things/1", {**THING, "tags": "a,b"}, lambda c: c.things.get(1), "'tags'"),
        ("/things/1", {**THING, "hidden": "maybe"}, lambda c: c.things.get(1), "'hidden'"),
        ("/things/1", {**THING, "owner": "flattr"}, lambda c: c.things.get(1), "owner"),
        (
            "/things/1",
            {k: v for k, v in THING.items() if k != "url"},
            lambda c: c.things.get(1),
            "'url'",
        ),
        (
            "/things/search",
            {"total_items": 1, "page": 1},
            lambda c: list(c.things.search()),
            "'things'",
        ),
        ("/things/search", {"things": [THING]}, lambda c: list(c.things.search()), "total_items"),
        ("/user/things", {"things": []}, lambda c: list(c.walk("things")), "JSON array"),
        ("/user/subscriptions", [{"active": True}], lambda c: c.subscriptions.list(), "thing"),
        ("/things/1/flattr", {"message": "ok"}, lambda c: c.support(1), "'thing'"),
        ("/flattr", {"thing": {"id": 1}}, lambda c: c.support("https://a.example/x"), "'url'"),
        ("/user/activities", {"entries": []}, lambda c: c.me.activities(), "'items'"),
        (
            "/user/flattrs",
            [{"thing": THING, "created_at": 1}],
            lambda c: list(c.walk("flattrs")),
            "'owner'",
        ),
        ("/rate_limit", "[]", lambda c: c.rate_limit_status(), "JSON object"),
        (
            "/things/1/subscriptions",
            {"message": "sideways"},
            lambda c: c.subscriptions.toggle(1),
            "sideways",
        ),
        ("/languages", [{"id": "en_GB"}], lambda c: c.languages(), "'text'"),
    ],
)
def test_missing_blocks_unknown_shapes_and_wrong_types_are_format_errors(
    canned, path, body, call, mentions
):
    app, client = canned
    app.set(path, body)
    error = raises_format_error(lambda: call(client), client)
    assert mentions in str(error)


def test_unknown_extra_fields_are_kept_but_do_no_harm(canned):
    app, client = canned
    app.set("/things/1", {**THING, "sparkles": 3, "owner": {"username": "flattr", "x": 1}})
    thing = client.things.get(1)
    assert thing.title == "One" and thing.raw["sparkles"] == 3


def test_lookup_redirect_without_a_location_is_a_format_error(canned):
    app, client = canned
    app.set("/things/lookup/", {"message": "found"}, 302)
    app.set("/things/lookup", {"message": "found"}, 302)
    raises_format_error(lambda: client.things.lookup("https://a.example/1"))


def test_an_undocumented_error_code_keeps_its_status_and_code(canned):
    app, client = canned
    app.set(
        "/user",
        {"error": "teapot", "error_description": "I am one"},
        418,
        **{"X-Request-Id": "req-42"},
    )
    with pytest.raises(HTTPError) as caught:
        client.identity()
    assert (caught.value.status, caught.value.code, caught.value.request_id) == (
        418,
        "teapot",
        "req-42",
    )


def test_an_error_without_a_body_is_still_a_library_error(canned):
    app, client = canned
    app.set("/user", {}, 500)
    with pytest.raises(PaySupportError):
        client.identity()


def test_a_write_cut_short_in_transit_is_a_format_error():
    plan = FaultPlan(rate=1.0, kinds=("truncate",))
    with sandbox.running(providers=["flattr"], faults=plan) as sb:
        client = sb.connect("flattr")
        raises_format_error(lambda: client.support(400_001))


@pytest.mark.parametrize(
    ("path", "body", "call", "where"),
    [
        (
            "/things/search",
            {"things": [THING, THING, {**THING, "id": "three"}], "total_items": 3},
            lambda c: list(c.walk("search")),
            "$.things[2].id",
        ),
        (
            "/things/search",
            {"things": [THING, {**THING, "hidden": "maybe"}], "total_items": 2},
            lambda c: list(c.walk("search")),
            "$.things[1].hidden",
        ),
        (
            "/user/things",
            [THING, {**THING, "tags": "a,b"}],
            lambda c: list(c.walk("things")),
            "$[1].tags",
        ),
    ],
)
def test_a_malformed_page_names_the_field_by_its_path(canned, path, body, call, where):
    """A walk's page is decoded at once into structs: the error says where the bad value is."""
    app, client = canned
    app.set(path, body)
    error = raises_format_error(lambda: call(client), client)
    assert isinstance(error, ResponseFieldError)
    assert error.path == where and where in str(error)


def test_a_walked_thing_rebuilds_what_was_sent_and_stays_editable(canned):
    sent = {**THING, "tags": ["a"], "hidden": 0, "owner": {"username": "flattr", "link": "l"}}
    app, client = canned
    app.set("/things/search", {"things": [sent], "total_items": 1})
    (thing,) = list(client.walk("search"))
    assert thing.raw == sent and thing.raw is not sent
    assert (thing.id, thing.tags, thing.hidden, thing.owner_username) == (
        1,
        ("a",),
        False,
        "flattr",
    )
    thing.title = "One"  # what it was: nothing to send
    assert not thing.dirty
    thing.title = "Two"
    assert thing.changes == {"title": "Two"} and thing.raw == sent
