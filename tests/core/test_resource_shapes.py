"""Every provider's resources have one shape: ``id``, ``raw`` and a flat ``to_dict()``.

Read from the sandbox over HTTP, so the records are the ones users get. Flat means one
level of keys, ``id`` first and equal to ``.id``, every value a JSON scalar: the same
record goes into a table, a CSV row or ``json.dumps`` whatever the provider.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import pytest
from paysupport_flattr import FlattrClient
from paysupport_ipernity import IpernityClient
from paysupport_patreon import PatreonClient

import paysupport
from paysupport import Record, Resource, sandbox
from paysupport.resource import SCALARS


@pytest.fixture(scope="module")
def sb() -> Iterator[sandbox.Sandbox]:
    with sandbox.running(sizes={"members": 5}) as running:
        yield running


def patreon_records(sb: sandbox.Sandbox) -> list[Any]:
    patreon = sb.connect("patreon")
    assert isinstance(patreon, PatreonClient)
    campaign = patreon.walk("campaigns").first(1)[0]
    members = patreon.walk("members", campaign=campaign.id).first(3)
    post = patreon.walk("posts", campaign=campaign.id).first(1)
    webhook = patreon.create_webhook(campaign.id, "https://app.example/hook", ["members:create"])
    tiers = [t for m in members for t in m.entitled_tiers][:1]
    users = [m.user for m in members if m.user is not None][:1]
    return [campaign, *members, *post, webhook, *tiers, *users]


def flattr_records(sb: sandbox.Sandbox) -> list[Any]:
    flattr = sb.connect("flattr")
    assert isinstance(flattr, FlattrClient)
    foreign = next(t for t in flattr.walk("search", count=20) if t.owner_username != "alice")
    result = flattr.flattr(foreign.id)
    flattrs = flattr.walk("flattrs").first(1)
    things = flattr.walk("things").first(1)
    subscription = flattr.subscriptions.subscribe(foreign.id)
    profile = flattr.users.get(foreign.owner_username or "")
    return [
        foreign,
        result,
        result.thing,
        *flattrs,
        *[f.owner for f in flattrs],
        *things,
        subscription,
        profile,
        *flattr.walk("activities").first(1),
    ]


def ipernity_records(sb: sandbox.Sandbox) -> list[Any]:
    ipernity = sb.connect("ipernity")
    assert isinstance(ipernity, IpernityClient)
    return [
        *ipernity.walk_docs().first(2),
        *ipernity.walk_albums().first(1),
        ipernity.user_info(),
    ]


@pytest.mark.parametrize(
    "read", [patreon_records, flattr_records, ipernity_records], ids=lambda f: f.__name__
)
def test_every_resource_has_an_id_raw_data_and_a_flat_record(
    sb: sandbox.Sandbox, read: Callable[[sandbox.Sandbox], list[Any]]
) -> None:
    records = read(sb)
    kinds = {type(r).__name__ for r in records}
    assert len(kinds) >= 3, kinds
    for record in records:
        assert isinstance(record, Record), type(record)
        flat = record.to_dict()
        assert next(iter(flat)) == "id" and flat["id"] == record.id is not None
        for value in flat.values():  # one level: scalars, or lists of scalars
            items = value if isinstance(value, list) else [value]
            assert all(isinstance(i, SCALARS) for i in items), (type(record), flat)
        json.dumps(flat)
        assert isinstance(record.raw, Mapping) and record.raw, type(record)
        assert "api" not in record.raw  # Ipernity's status block is the answer's, not a record's


def test_a_webhook_record_leaves_its_secret_out(sb: sandbox.Sandbox) -> None:
    patreon = sb.connect("patreon")
    assert isinstance(patreon, PatreonClient)
    campaign = patreon.walk("campaigns").first(1)[0]
    webhook = patreon.create_webhook(campaign.id, "https://app.example/h2", ["members:create"])
    assert webhook.secret
    assert webhook.secret not in json.dumps(webhook.to_dict())


def test_a_plain_resource_flattens_nested_attributes() -> None:
    record = Resource(
        "doc",
        "7",
        {"title": "Sea", "owner": {"user_id": "1", "name": {"first": "Ada"}}, "tags": ["a", "b"]},
    )
    assert record.to_dict() == {
        "id": "7",
        "type": "doc",
        "title": "Sea",
        "owner.user_id": "1",
        "owner.name.first": "Ada",
        "tags": ["a", "b"],  # a list stays a list; tables and CSV join it (output.cell)
    }
    assert record.raw is record.attributes
    assert paysupport.Record is Record
