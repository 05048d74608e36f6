"""Typed decoding from bytes: values or the library's errors, naming the field that was wrong."""

from __future__ import annotations

import json
from typing import Any

import msgspec
import pytest

from paysupport.decode import (
    UNSET,
    Linkage,
    ResponseFieldError,
    ToMany,
    ToOne,
    Undeclared,
    UnsetType,
    decode,
    decoder,
)
from paysupport.errors import ResponseFormatError
from paysupport.jsonapi import JsonApiDocument


class Attributes(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: str | UnsetType | None = UNSET
    cents: int | UnsetType | None = UNSET


class Relationships(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    owner: ToOne | UnsetType = UNSET
    tiers: ToMany | UnsetType = UNSET


class Thing(msgspec.Struct, tag="thing", tag_field="type", forbid_unknown_fields=True):
    id: str
    attributes: Attributes | UnsetType = UNSET
    relationships: Relationships | UnsetType = UNSET


class Page(msgspec.Struct, forbid_unknown_fields=True):
    data: list[Thing]
    meta: Any = UNSET


def body(*things: dict[str, Any], **extra: Any) -> bytes:
    return json.dumps({"data": list(things), **extra}).encode()


def thing(i: int, **attributes: Any) -> dict[str, Any]:
    return {"type": "thing", "id": str(i), "attributes": {"name": f"T{i}", **attributes}}


def test_a_page_decodes_into_its_structs() -> None:
    linked = {
        **thing(1),
        "relationships": {
            "owner": {"data": {"type": "user", "id": "u1"}},
            "tiers": {"data": [{"type": "tier", "id": "t1"}]},
        },
    }
    page = decode(body(thing(0, cents=300), linked), Page, provider="x")
    assert [t.id for t in page.data] == ["0", "1"]
    first, second = page.data
    assert isinstance(first.attributes, Attributes) and first.attributes.cents == 300
    assert isinstance(second.relationships, Relationships)
    owner = second.relationships.owner
    assert isinstance(owner, ToOne) and owner.data == Linkage("user", "u1")
    assert isinstance(owner.data, Linkage) and owner.data.key == ("user", "u1")
    tiers = second.relationships.tiers
    assert isinstance(tiers, ToMany) and tiers.data == [Linkage("tier", "t1")]


def test_an_attribute_not_sent_is_unset_and_null_stays_null() -> None:
    page = decode(body(thing(0, cents=None)), Page, provider="x")
    attributes = page.data[0].attributes
    assert isinstance(attributes, Attributes)
    assert attributes.cents is None
    assert msgspec.to_builtins(attributes) == {"name": "T0", "cents": None}  # as sent


def test_a_value_of_the_wrong_type_names_its_path() -> None:
    with pytest.raises(ResponseFieldError) as caught:
        decode(body(thing(0), thing(1), thing(2), thing(3, cents="300")), Page, provider="x")
    assert caught.value.path == "$.data[3].attributes.cents"
    assert "$.data[3].attributes.cents" in str(caught.value)
    assert caught.value.provider == "x"
    assert isinstance(caught.value, ResponseFormatError)
    assert not isinstance(caught.value, Undeclared)


@pytest.mark.parametrize(
    ("page", "path"),
    [
        (body(thing(0, colour="teal")), "$.data[0].attributes"),
        (body({"type": "hologram", "id": "h"}), "$.data[0].type"),
        (body(thing(0), jsonapi={"version": "1.0"}), "$"),
    ],
    ids=["unknown attribute", "unknown type", "unknown top-level member"],
)
def test_what_the_declaration_does_not_know_is_undeclared(page: bytes, path: str) -> None:
    with pytest.raises(Undeclared) as caught:
        decode(page, Page, provider="x")
    assert caught.value.path == path


@pytest.mark.parametrize("text", [b"", b"<html>", b'{"data": [', b"{'data': []}"])
def test_what_is_not_json_is_a_response_format_error(text: bytes) -> None:
    with pytest.raises(ResponseFormatError) as caught:
        decode(text, Page, provider="x")
    assert not isinstance(caught.value, ResponseFieldError)


def test_one_decoder_per_type() -> None:
    assert decoder(Page) is decoder(Page)
    assert decoder(Page) is not decoder(Thing)


def test_a_document_from_an_answer_is_decoded_on_first_use() -> None:
    raw = body(thing(0), meta={"count": 1})
    document = JsonApiDocument.from_answer(raw)
    assert document.payload == json.loads(raw)
    assert document.data_list()[0].attribute("name") == "T0"
    assert document.decode_as(Page, lambda page: None) is None  # already decoded as dicts


def test_a_document_decoded_into_structs_rebuilds_its_payload_when_asked() -> None:
    raw = body(thing(0), meta={"count": 1})
    document = JsonApiDocument.from_answer(raw)
    page = document.decode_as(Page, lambda page: {"data": msgspec.to_builtins(page.data)})
    assert page is not None and page.data[0].id == "0"
    assert document.payload == {"data": json.loads(raw)["data"]}
    assert document.decode_as(Page, lambda page: None) is None  # the body is gone


def test_a_document_with_what_the_structs_do_not_know_stays_readable() -> None:
    raw = body(thing(0, colour="teal"))
    document = JsonApiDocument.from_answer(raw)
    assert document.decode_as(Page, lambda page: None) is None
    assert document.data_list()[0].attribute("colour") == "teal"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"[1, 2]", "not an object"),
        (b'{"links": {}}', "none of data, errors or meta"),
        (b'{"data": [', "not valid JSON"),
        (b"<!DOCTYPE html>", "not valid JSON"),
    ],
)
def test_an_answer_that_is_no_document_is_refused_at_once(text: bytes, message: str) -> None:
    with pytest.raises(ResponseFormatError, match=message):
        JsonApiDocument.from_answer(text, provider="x")
