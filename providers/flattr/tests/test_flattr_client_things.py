"""Things through the client: get, lookup, search, create, edit with dirty tracking, delete."""

from __future__ import annotations

import pytest
from paysupport_flattr import Forbidden, Thing, ThingNotFound, ValidationFailed

from paysupport import InsufficientScope


def test_get_a_thing_with_the_fields_the_viewer_may_see(client, sandbox):
    foreign = sandbox.foreign_thing()
    thing = client.things.get(foreign["id"])
    assert (thing.id, thing.url, thing.title) == (foreign["id"], foreign["url"], foreign["title"])
    assert thing.flattred is False and thing.subscribed is not None
    assert thing.updated_at is None  # only the owner sees it
    own = client.things.get(str(sandbox.own_thing()["id"]))
    assert own.updated_at is not None and own.owner_username == sandbox.primary


def test_an_unknown_thing_is_thing_not_found(client):
    with pytest.raises(ThingNotFound) as caught:
        client.things.get(999_999_999)
    assert (caught.value.status, caught.value.code, caught.value.provider) == (
        404,
        "not_found",
        "flattr",
    )


def test_get_many_in_one_request_leaves_unknown_ids_out(client, sandbox, events):
    a, b = sandbox.foreign_thing()["id"], sandbox.own_thing()["id"]
    events.clear()
    things = client.things.get_many([a, b, 999_999_999])
    assert [t.id for t in things] == [a, b]
    assert events.seen == [("GET", f"/rest/v2/things/{a},{b},999999999")]
    assert [t.id for t in client.things.get_many([a])] == [a]
    assert client.things.get_many([]) == []


def test_lookup_finds_a_url_or_answers_none(client, sandbox):
    foreign = sandbox.foreign_thing()
    found = client.things.lookup(foreign["url"])
    assert found is not None and found.id == foreign["id"]
    assert client.things.lookup("https://nothing.example/here") is None


def test_lookup_of_an_auto_submit_url(client, sandbox):
    foreign = sandbox.foreign_thing()
    owner = foreign["owner"]["username"]
    link = client.autosubmit_url(owner, foreign["url"])
    found = client.things.lookup(link)
    assert found is not None and found.id == foreign["id"]
    with pytest.raises(ValidationFailed) as caught:  # documented: owner mismatch
        client.things.lookup(
            client.autosubmit_url("flattr" if owner != "flattr" else "alice", foreign["url"])
        )
    assert caught.value.code == "validation"


def test_search_walks_every_page_and_reports_the_total(client, events):
    walk = client.things.search("podcast", count=7)
    total = walk.total  # read from the first page, which the iteration then uses
    things = list(walk)
    assert total == len(things) > 7
    assert len({t.id for t in things}) == len(things)
    assert all("podcast" in (t.title + t.description + " ".join(t.tags)).lower() for t in things)
    pages = [p for m, p in events.seen if p.endswith("/things/search")]
    assert len(pages) == -(-len(things) // 7)


def test_search_filters_are_sent_as_documented(client, sandbox):
    by_user = list(client.things.search(user=sandbox.primary, category=["text", "audio"]))
    assert by_user and all(t.owner_username == sandbox.primary for t in by_user)
    assert all(t.category in ("text", "audio") for t in by_user)
    tagged = list(client.things.search(tags="podcast ! music", sort="flattrs"))
    assert all("podcast" in t.tags and "music" not in t.tags for t in tagged)
    assert [t.flattrs for t in tagged] == sorted((t.flattrs for t in tagged), reverse=True)


def test_search_prefetches_pages_in_order(client):
    sequential = [t.id for t in client.things.search(count=10)]
    parallel = [t.id for t in client.things.search(count=10, max_workers=4)]
    assert parallel == sequential and len(sequential) > 30


def test_bad_search_sort_is_refused_before_sending(client, events):
    with pytest.raises(ValidationFailed):
        client.things.search(sort="newest")
    assert events.seen == []


def test_create_then_read_back(client, sandbox):
    thing = client.things.create(
        "https://blog.example/post-1",
        title="Post 1",
        description="About things",
        tags=["blog", " news "],
        language="sq_AL",
        category="text",
        hidden=True,
    )
    assert thing.id is not None and not thing.dirty
    again = client.things.get(thing.id)
    assert (again.title, again.tags, again.language, again.hidden) == (
        "Post 1",
        ("blog", "news"),
        "sq_AL",
        True,
    )
    assert again.owner_username == sandbox.primary


def test_creating_a_registered_url_is_a_validation_error(client, sandbox):
    with pytest.raises(ValidationFailed) as caught:
        client.things.create(sandbox.foreign_thing()["url"], title="Mine now")
    assert caught.value.status == 400


def test_commit_sends_only_the_changed_fields(client, sandbox, events):
    thing = client.things.get(sandbox.own_thing()["id"])
    events.clear()
    assert thing.commit() is False  # nothing changed: nothing sent
    thing.title = thing.title  # same value: still clean
    assert thing.commit() is False and events.seen == []
    thing.title = "A new title"
    thing.tags = ["one", "two"]
    assert thing.changes == {"title": "A new title", "tags": ("one", "two")}
    assert thing.commit() is True
    assert events.writes() == [("POST", f"/rest/v2/things/{thing.id}")]
    assert thing.commit() is False
    fresh = client.things.get(thing.id)
    assert (fresh.title, fresh.tags) == ("A new title", ("one", "two"))


def test_commit_with_a_real_patch(client, sandbox, events):
    thing = client.things.get(sandbox.own_thing()["id"])
    thing.hidden = not thing.hidden
    thing.commit(method="PATCH")
    assert events.writes() == [("PATCH", f"/rest/v2/things/{thing.id}")]
    assert client.things.get(thing.id).hidden == thing.hidden


def test_changing_back_clears_the_change(client, sandbox):
    thing = client.things.get(sandbox.own_thing()["id"])
    original = thing.description
    thing.description = "something else"
    assert thing.dirty
    thing.description = original
    assert not thing.dirty


def test_read_only_fields_and_url_of_a_created_thing(client, sandbox):
    thing = client.things.get(sandbox.own_thing()["id"])
    with pytest.raises(AttributeError):
        thing.id = 5  # type: ignore[misc]
    with pytest.raises(AttributeError):
        thing.flattrs = 10  # type: ignore[misc]
    with pytest.raises(ValidationFailed):
        thing.url = "https://elsewhere.example"


def test_language_and_category_come_from_the_published_lists_fetched_once(client, events):
    draft = client.things.new("https://blog.example/x")
    draft.language = "en_GB"
    draft.category = "software"
    with pytest.raises(ValidationFailed) as caught:
        draft.language = "xx_XX"
    assert caught.value.field == "language"
    with pytest.raises(ValidationFailed):
        draft.category = "gossip"
    assert events.seen.count(("GET", "/rest/v2/languages")) == 1
    assert events.seen.count(("GET", "/rest/v2/categories")) == 1


def test_update_by_id_validates_and_sends_the_given_fields(client, sandbox, events):
    own = sandbox.own_thing()
    client.things.update(own["id"], title="Renamed")
    assert client.things.get(own["id"]).title == "Renamed"
    events.clear()
    with pytest.raises(ValidationFailed):
        client.things.update(own["id"], url="https://x.example")
    with pytest.raises(ValidationFailed):
        client.things.update(own["id"], tags="a,b")
    assert events.writes() == []


def test_updating_someone_elses_thing_is_forbidden(client, sandbox):
    with pytest.raises(Forbidden) as caught:
        client.things.update(sandbox.foreign_thing()["id"], title="Hijacked")
    assert (caught.value.status, caught.value.code) == (403, "forbidden")


def test_delete(client):
    thing = client.things.create("https://blog.example/short-lived", title="Bye")
    client.things.delete(thing)
    with pytest.raises(ThingNotFound):
        client.things.get(thing.id)


def test_writes_need_the_thing_scope(sandbox, make_client):
    token = sandbox.token_for(scopes="flattr")["Authorization"].split()[1]
    limited = make_client(sandbox, access_token=token)
    with pytest.raises(InsufficientScope) as caught:
        limited.things.create("https://blog.example/no-scope", title="No")
    assert caught.value.code == "insufficient_scope"


def test_a_things_flattrs_walk(client, sandbox):
    thing = client.things.get(sandbox.foreign_thing()["id"])
    client.flattr(thing)
    flattrs = list(client.things.flattrs(thing, count=2))
    assert sandbox.primary in [f.owner.username for f in flattrs]
    assert all(f.thing.id == thing.id for f in flattrs)


def test_a_thing_s_owner_is_a_lazy_user(client, sandbox, events):
    thing = client.things.get(sandbox.foreign_thing()["id"])
    events.clear()
    owner = thing.owner
    assert owner is not None and owner.username == thing.owner_username
    assert owner.link and events.seen == []
    assert owner.about  # now the profile is fetched, once
    assert owner.city is not None
    assert events.seen == [("GET", f"/rest/v2/users/{owner.username}")]


def test_to_row_for_the_command_line(client, sandbox):
    row = client.things.get(sandbox.own_thing()["id"]).to_row()
    assert set(row) >= {"id", "title", "url", "owner", "flattrs", "tags"}
    assert isinstance(row["tags"], str)


def test_a_thing_without_a_client_cannot_commit():
    draft = Thing.draft(None, "https://x.example")
    with pytest.raises(ValidationFailed):
        draft.commit()
