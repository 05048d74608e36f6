"""``register()``: look up first, create when absent, update only what changed, never duplicate."""

from __future__ import annotations

import threading

import pytest
from paysupport_flattr import Forbidden, ValidationFailed


def things_count(sandbox) -> int:
    return int(sandbox.emulator.admin_state()["things_count"])


def test_first_register_creates_and_the_second_changes_nothing(client, sandbox, events):
    before = things_count(sandbox)
    args = dict(description="Hello", tags=["a", "b"], language="en_GB", category="text")
    first = client.register("https://blog.example/hello", "Hello world", **args)
    assert first.created and first.id is not None
    assert first.thing.owner_username == sandbox.primary
    events.clear()
    second = client.register("https://blog.example/hello", "Hello world", **args)
    assert second.unchanged and second.id == first.id
    assert events.writes() == []
    assert things_count(sandbox) == before + 1
    assert second.to_row()["action"] == "unchanged"


def test_register_updates_only_the_fields_that_differ(client, sandbox, events):
    first = client.register("https://blog.example/evolving", "Draft", tags=["x"])
    events.clear()
    later = client.register("https://blog.example/evolving", "Final", tags=["x"], hidden=True)
    assert later.changed == ("hidden", "title") and later.id == first.id
    assert events.writes() == [("POST", f"/rest/v2/things/{first.id}")]
    thing = client.things.get(first.id)
    assert (thing.title, thing.hidden, thing.tags) == ("Final", True, ("x",))


def test_omitted_fields_are_left_as_they_are(client):
    first = client.register(
        "https://blog.example/kept", "Kept", description="Long text", tags=["keep"]
    )
    again = client.register("https://blog.example/kept", "Kept")
    assert again.unchanged
    thing = client.things.get(first.id)
    assert (thing.description, thing.tags) == ("Long text", ("keep",))


def test_a_url_registered_by_someone_else_is_refused_without_writing(client, sandbox, events):
    foreign = sandbox.foreign_thing()
    events.clear()
    with pytest.raises(Forbidden):
        client.register(foreign["url"], "Mine")
    assert events.writes() == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"url": "mailto:me@example.org"},
        {"tags": "a,b"},
        {"tags": ["a,b"]},
        {"language": "klingon"},
        {"category": "gossip"},
        {"hidden": "yes"},
        {"title": 12},
    ],
)
def test_invalid_fields_are_refused_before_any_write(client, events, kwargs):
    args = {"url": "https://blog.example/valid", "title": "T", **kwargs}
    with pytest.raises(ValidationFailed):
        client.register(**args)
    assert events.writes() == []
    assert not [p for _, p in events.seen if "/things" in p]


def test_concurrent_registers_make_one_thing(sandbox, make_client):
    before = things_count(sandbox)
    results = []
    errors = []

    def go() -> None:
        try:
            results.append(make_client(sandbox).register("https://blog.example/race", "Race"))
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len({r.id for r in results}) == 1
    assert sum(r.created for r in results) == 1
    assert things_count(sandbox) == before + 1
