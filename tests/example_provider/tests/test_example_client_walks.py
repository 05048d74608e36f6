"""``walk("items")``: every item once, in order, as records; prefetching changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from paysupport_example.client import ExampleClient
from paysupport_example.resources import Item

from paysupport import Record
from paysupport.errors import Unsupported


def test_the_walk_reads_every_page(client: ExampleClient) -> None:
    walk = client.walk("items")
    pages = list(walk.pages())
    assert [len(page.items) for page in pages] == [10, 10, 5]
    assert walk.total == 25
    assert [item.id for page in pages for item in page.items] == list(range(25))


def test_prefetching_pages_yields_the_same_items(client: ExampleClient) -> None:
    ahead = [item.id for item in client.walk("items", max_workers=3)]
    assert ahead == list(range(25))


def test_first_reads_no_more_pages_than_needed(
    client: ExampleClient, admin: Callable[[], dict[str, Any]]
) -> None:
    assert [item.id for item in client.walk("items").first(3)] == [0, 1, 2]
    assert admin()["requests"] == 1


def test_an_item_is_a_record_and_reads_as_its_json(client: ExampleClient) -> None:
    item = client.walk("items").first(1)[0]
    assert isinstance(item, Item) and isinstance(item, Record)
    assert item.id == 0 and item["id"] == 0 and dict(item) == {"id": 0}
    assert item.raw == {"id": 0}
    assert json.loads(json.dumps(item.to_dict())) == {"id": 0}


def test_an_unknown_collection_is_refused_before_any_request(
    client: ExampleClient, admin: Callable[[], dict[str, Any]]
) -> None:
    with pytest.raises(Unsupported, match="no collection 'things'"):
        client.walk("things")
    assert admin()["requests"] == 0
