"""Answers the API should never give, and the library errors (or ``None``) they become.

A scripted WSGI app plays Patreon here: HTML error pages from a proxy, bodies cut
short, JSON:API ``errors`` arrays, documents whose included resources are
missing or of unknown types, attributes of the wrong type. None of them may
escape as ``KeyError`` or ``TypeError``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings, strategies as st
from paysupport_patreon import Member, PatreonClient
from paysupport_patreon.walks import extract_cursor

from paysupport.errors import (
    HTTPError,
    InsufficientScope,
    PaySupportError,
    RateLimited,
    ResponseFormatError,
)
from paysupport.http import HttpOptions
from paysupport.jsonapi import JsonApiDocument
from paysupport.sandbox.serving import ServedApp
from paysupport.tokens import MemoryTokenStore

Script = tuple[int, str, bytes]


class Scripted:
    """Answers every request with the next scripted (status, content type, body)."""

    def __init__(self) -> None:
        self.answers: list[Script] = []

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        status, ctype, body = self.answers.pop(0)
        start_response(f"{status} X", [("Content-Type", ctype), ("Content-Length", str(len(body)))])
        return [body]


@pytest.fixture
def scripted(wsgi_server: Callable[[Any], ServedApp]) -> Iterator[tuple[Scripted, PatreonClient]]:
    app = Scripted()
    served = wsgi_server(app)
    client = PatreonClient(
        base_url=served.url,
        access_token="scripted-token-abcdef",
        token_store=MemoryTokenStore(),
        http_options=HttpOptions(retries=0),
    )
    yield app, client


def json_answer(body: Any, status: int = 200) -> Script:
    return (status, "application/json", json.dumps(body).encode())


def test_an_html_error_page_is_a_response_format_error(
    scripted: tuple[Scripted, PatreonClient],
) -> None:
    app, client = scripted
    app.answers.append((200, "text/html", b"<!DOCTYPE html><html><body>Maintenance</body></html>"))
    with pytest.raises(ResponseFormatError) as caught:
        client.identity()
    assert "HTML" in str(caught.value) and caught.value.provider == "patreon"
    app.answers.append((502, "text/html", b"<html>Bad gateway</html>"))
    with pytest.raises(HTTPError) as gateway:
        client.identity()
    assert gateway.value.status == 502


def test_truncated_json_is_a_response_format_error(
    scripted: tuple[Scripted, PatreonClient],
) -> None:
    app, client = scripted
    app.answers.append((200, "application/json", b'{"data": {"type": "user", "id": "1", "attr'))
    with pytest.raises(ResponseFormatError) as caught:
        client.get_identity()
    assert "truncated" in str(caught.value)


def test_a_json_api_errors_array_becomes_the_matching_error(
    scripted: tuple[Scripted, PatreonClient],
) -> None:
    app, client = scripted
    error = {
        "code": 403,
        "code_name": "ScopeMissing",
        "detail": "This request needs the 'campaigns' scope.",
        "id": "0b6c1d1e-err",
        "status": "403",
        "title": "Forbidden",
    }
    app.answers.append(json_answer({"errors": [error]}, 403))
    with pytest.raises(InsufficientScope) as caught:
        client.get_campaigns()
    assert caught.value.code == "ScopeMissing" and caught.value.request_id == "0b6c1d1e-err"
    assert "needs the 'campaigns' scope" in str(caught.value)
    app.answers.append(
        json_answer({"errors": [{**error, "status": "429", "retry_after_seconds": 7}]}, 429)
    )
    with pytest.raises(RateLimited) as limited:
        client.get_campaigns()
    assert limited.value.retry_after == 7
    app.answers.append(json_answer({"errors": [error]}, 200))  # errors inside a 200
    with pytest.raises(HTTPError):
        client.get_campaigns()
    app.answers.append(json_answer({"errors": "nope"}, 500))
    with pytest.raises(HTTPError) as odd:
        client.get_campaigns()
    assert odd.value.status == 500 and odd.value.code is None


def test_missing_included_resources_resolve_to_none(
    scripted: tuple[Scripted, PatreonClient],
) -> None:
    app, client = scripted
    page = {
        "data": [
            {
                "type": "member",
                "id": "m1",
                "attributes": {"patron_status": "active_patron"},
                "relationships": {
                    "user": {"data": {"type": "user", "id": "u404"}},
                    "currently_entitled_tiers": {"data": [{"type": "tier", "id": "t404"}]},
                },
            }
        ],
        "meta": {"pagination": {"total": 1, "cursors": {"next": None}}},
    }
    app.answers.append(json_answer(page))
    (member,) = client.walk("members", campaign="1")
    assert member.user is None and member.user_id == "u404"
    assert member.entitled_tiers == [] and member.entitled_tier_ids == ["t404"]
    assert member.full_name is None  # not asked for, not sent
    assert member.to_row()["tier_titles"] == ""


def test_unknown_resource_types_stay_generic_and_a_wrong_primary_type_is_an_error(
    scripted: tuple[Scripted, PatreonClient],
) -> None:
    app, client = scripted
    doc = {
        "data": {
            "type": "user",
            "id": "1",
            "attributes": {"full_name": "A"},
            "relationships": {"campaign": {"data": {"type": "hologram", "id": "h"}}},
        },
        "included": [{"type": "hologram", "id": "h", "attributes": {"shine": 1}}],
    }
    app.answers.append(json_answer(doc))
    document = client.get_identity()
    found = document.find_resource_by_type_and_id("hologram", "h")
    assert found is not None and found.attribute("shine") == 1
    app.answers.append(json_answer({"data": [{"type": "hologram", "id": "h"}], "meta": {}}))
    with pytest.raises(ResponseFormatError):
        list(client.walk("members", campaign="1"))


def test_wrong_attribute_types_and_missing_blocks_are_library_errors(
    scripted: tuple[Scripted, PatreonClient],
) -> None:
    app, client = scripted
    app.answers.append(
        json_answer({"data": {"type": "user", "id": "1", "attributes": {"full_name": 7}}})
    )
    with pytest.raises(ResponseFormatError):
        client.identity()
    app.answers.append(json_answer({"links": {}}))  # none of data, errors, meta
    with pytest.raises(ResponseFormatError):
        client.get_identity()
    app.answers.append(json_answer([1, 2, 3]))
    with pytest.raises(ResponseFormatError):
        client.get_identity()
    app.answers.append(json_answer({"data": [{"type": "user"}]}))  # no id
    with pytest.raises(ResponseFormatError):
        client.identity()
    document = JsonApiDocument(
        {"data": {"type": "member", "id": "m", "attributes": {"last_charge_date": "yesterday"}}}
    )
    member = Member(document.data())  # type: ignore[arg-type]
    with pytest.raises(ResponseFormatError):
        member.last_charge_date  # noqa: B018


def test_the_token_never_shows_in_error_text(scripted: tuple[Scripted, PatreonClient]) -> None:
    app, client = scripted
    app.answers.append((500, "text/html", b"<html>token scripted-token-abcdef leaked</html>"))
    with pytest.raises(PaySupportError) as caught:
        client.identity()
    assert "scripted-token-abcdef" not in str(caught.value)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=12,
)
member_like = st.fixed_dictionaries(
    {"type": st.sampled_from(["member", "user", "tier"]), "id": st.text(min_size=1, max_size=4)},
    optional={
        "attributes": st.dictionaries(
            st.sampled_from(
                [
                    "full_name",
                    "patron_status",
                    "currently_entitled_amount_cents",
                    "last_charge_date",
                    "email",
                ]
            ),
            json_values,
            max_size=4,
        ),
        "relationships": st.dictionaries(
            st.sampled_from(["user", "currently_entitled_tiers", "campaign"]),
            st.fixed_dictionaries({"data": json_values}),
            max_size=3,
        ),
    },
)


@settings(max_examples=150, deadline=None)
@given(data=st.lists(member_like, max_size=4), included=json_values, links=json_values)
def test_any_document_reads_as_members_or_raises_a_library_error(
    data: list[dict[str, Any]], included: Any, links: Any
) -> None:
    payload = {"data": data, "included": included, "links": links}
    try:
        document = JsonApiDocument(payload, provider="patreon")
        extract_cursor(document)
        for resource in document.data_list():
            member = Member(resource)
            member.to_row()
            _ = member.user, member.campaign_id, member.is_active
    except PaySupportError:
        pass


def members_page(members: int, **overrides: Any) -> dict[str, Any]:
    """A page of ``members`` as walk("members") reads it: each with its user included."""
    data = [
        {
            "type": "member",
            "id": f"m{i}",
            "attributes": {"full_name": f"Patron {i}", "patron_status": "active_patron"},
            "relationships": {"user": {"data": {"type": "user", "id": f"u{i}"}}},
        }
        for i in range(members)
    ]
    for index, attributes in overrides.items():
        data[int(index.lstrip("m"))]["attributes"].update(attributes)
    included = [{"type": "user", "id": f"u{i}", "attributes": {}} for i in range(members)]
    return {"data": data, "included": included, "meta": {"pagination": {"total": members}}}


def test_a_walk_names_the_field_of_a_malformed_page(
    scripted: tuple[Scripted, PatreonClient],
) -> None:
    app, client = scripted
    app.answers.append(json_answer(members_page(5, m3={"patron_status": 42})))
    with pytest.raises(ResponseFormatError) as caught:
        list(client.walk("members", campaign="c1"))
    assert "$.data[3].attributes.patron_status" in str(caught.value)
    assert caught.value.provider == "patreon"


def test_a_page_with_what_the_catalog_does_not_know_is_read_all_the_same(
    scripted: tuple[Scripted, PatreonClient],
) -> None:
    page = members_page(2, m1={"favourite_colour": "teal"})
    page["included"].append({"type": "hologram", "id": "h", "attributes": {"shine": 1}})
    app, client = scripted
    app.answers.append(json_answer(page))
    members = list(client.walk("members", campaign="c1"))
    assert [m.id for m in members] == ["m0", "m1"]
    assert members[1].raw["attributes"]["favourite_colour"] == "teal"  # nothing sent is lost
    assert members[1].user is not None and members[1].user.id == "u1"


def test_a_decoded_member_is_the_resource_as_sent(
    scripted: tuple[Scripted, PatreonClient],
) -> None:
    page = members_page(3)
    app, client = scripted
    app.answers.append(json_answer(page))
    members = list(client.walk("members", campaign="c1"))
    assert [m.raw for m in members] == page["data"]
    assert members[0].resource.relationship("user") is not None  # the core view, made on demand
    assert Member(members[0].resource) == members[0]
