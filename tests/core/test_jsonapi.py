"""Reading JSON:API documents (Patreon's format): lookups, relationships, the normalized view."""

from __future__ import annotations

import gc
import json
import time
import weakref
from collections.abc import Callable, Iterator
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from paysupport.errors import PaySupportError, ResponseFormatError
from paysupport.jsonapi import JsonApiDocument, JsonApiResource
from paysupport.resource import Resource


def ref(rtype: str, rid: str | int) -> dict[str, Any]:
    return {"type": rtype, "id": rid}


def members_document() -> dict[str, Any]:
    """A page of a campaign's members, shaped like Patreon's answer.

    Member m2's user u2 and tier t9 were not included.
    """
    return {
        "data": [
            {
                "type": "member",
                "id": "m1",
                "attributes": {"full_name": "Ada", "patron_status": "active_patron"},
                "relationships": {
                    "user": {"data": ref("user", "u1")},
                    "campaign": {"data": ref("campaign", "c1")},
                    "currently_entitled_tiers": {"data": [ref("tier", "t1"), ref("tier", "t2")]},
                },
            },
            {
                "type": "member",
                "id": "m2",
                "attributes": {"full_name": "Grace", "patron_status": "former_patron"},
                "relationships": {
                    "user": {"data": ref("user", "u2")},
                    "campaign": {"data": ref("campaign", "c1")},
                    "currently_entitled_tiers": {"data": [ref("tier", "t2"), ref("tier", "t9")]},
                    "address": {"data": None},
                },
            },
        ],
        "included": [
            {"type": "user", "id": "u1", "attributes": {"full_name": "Ada Lovelace"}},
            {
                "type": "campaign",
                "id": "c1",
                "attributes": {"vanity": "engines"},
                "relationships": {"creator": {"data": ref("user", "u1")}},
            },
            {"type": "tier", "id": "t1", "attributes": {"title": "Bronze"}},
            {"type": "tier", "id": "t2", "attributes": {"title": "Silver"}},
        ],
        "meta": {"pagination": {"total": 2}},
        "links": {"next": "https://www.patreon.com/api/oauth2/v2/campaigns/c1/members?page=2"},
    }


def user_campaign_cycle() -> dict[str, Any]:
    """The current user, whose campaign's creator is that same user."""
    return {
        "data": {
            "type": "user",
            "id": "u1",
            "attributes": {"full_name": "Ada Lovelace"},
            "relationships": {"campaign": {"data": ref("campaign", "c1")}},
        },
        "included": [
            {
                "type": "campaign",
                "id": "c1",
                "attributes": {"vanity": "engines"},
                "relationships": {"creator": {"data": ref("user", "u1")}},
            }
        ],
    }


def members() -> tuple[JsonApiResource, JsonApiResource]:
    first, second = JsonApiDocument(members_document()).data_list()
    return first, second


# Primary data and included resources


def test_single_resource_data() -> None:
    doc = JsonApiDocument({"data": {"type": "user", "id": "u1", "attributes": {"name": "Ada"}}})
    user = doc.data()
    assert isinstance(user, JsonApiResource) and isinstance(user, Resource)
    assert (user.type, user.id) == ("user", "u1")
    assert user.attribute("name") == "Ada"
    assert user.attribute("email", "hidden") == "hidden"
    assert doc.data_list() == [user]


def test_list_data_keeps_document_order() -> None:
    doc = JsonApiDocument(members_document())
    data = doc.data()
    assert isinstance(data, list)
    assert [m.id for m in data] == ["m1", "m2"]
    assert list(doc) == data


@pytest.mark.parametrize("payload", [{"data": None}, {"meta": {"count": 0}}, {"errors": []}])
def test_no_primary_data(payload: dict[str, Any]) -> None:
    doc = JsonApiDocument(payload)
    assert doc.data() is None
    assert doc.data_list() == []
    assert doc.included == []
    assert doc.normalized() is None


def test_resource_without_attributes_has_empty_ones() -> None:
    user = JsonApiDocument({"data": ref("user", "u1")}).data()
    assert isinstance(user, JsonApiResource)
    assert user.attributes == {}


def test_included_lists_the_other_resources_in_document_order() -> None:
    doc = JsonApiDocument(members_document())
    assert [(r.type, r.id) for r in doc.included] == [
        ("user", "u1"),
        ("campaign", "c1"),
        ("tier", "t1"),
        ("tier", "t2"),
    ]


def test_meta_links_and_errors() -> None:
    doc = JsonApiDocument(members_document())
    assert doc.meta == {"pagination": {"total": 2}}
    assert doc.links["next"].endswith("page=2")
    assert doc.errors == []

    failed = JsonApiDocument({"errors": [{"code": 1, "detail": "Unauthorized"}, "junk"]})
    assert failed.errors == [{"code": 1, "detail": "Unauthorized"}]
    assert failed.meta == {} and failed.links == {}


# Lookups


def test_find_resource_by_type_and_id() -> None:
    doc = JsonApiDocument(members_document())
    tier = doc.find_resource_by_type_and_id("tier", "t2")
    assert tier is not None and tier.attribute("title") == "Silver"
    assert doc.find_resource_by_type_and_id("member", "m1") is doc.data_list()[0]
    assert doc.find_resource_by_type_and_id("tier", "t9") is None
    assert doc.find_resource_by_type_and_id("user", "t1") is None  # the type matters


def test_integer_ids_are_found_as_strings_or_integers() -> None:
    doc = JsonApiDocument(
        {"data": {"type": "campaign", "id": 42}, "included": [{"type": "user", "id": 7}]}
    )
    campaign = doc.data()
    assert isinstance(campaign, JsonApiResource) and campaign.id == "42"
    assert doc.find_resource_by_type_and_id("user", 7) is doc.find_resource_by_type_and_id(
        "user", "7"
    )
    assert doc.find_resource_by_type_and_id("user", 7) is not None


class CountingList(list[Any]):
    """A list that counts how often it is walked through."""

    walks = 0

    def __iter__(self) -> Iterator[Any]:
        type(self).walks += 1
        return super().__iter__()


def test_lookups_never_scan_the_document() -> None:
    payload = members_document()
    payload["included"] = CountingList(payload["included"])
    CountingList.walks = 0
    doc = JsonApiDocument(payload)
    doc.find_resource_by_type_and_id("tier", "t1")
    assert CountingList.walks == 1  # indexed once, on first use
    for member in doc.data_list():
        for name in member.relationships:
            member.relationship(name)
    for _ in range(100):
        doc.find_resource_by_type_and_id("tier", "t2")
    assert CountingList.walks == 1


# Relationships


def test_to_one_relationship_is_the_included_resource() -> None:
    ada, _ = members()
    user = ada.relationship("user")
    assert isinstance(user, JsonApiResource)
    assert user.attribute("full_name") == "Ada Lovelace"
    campaign = ada.relationship("campaign")
    assert isinstance(campaign, JsonApiResource)
    assert campaign.relationship("creator") is user


def test_to_many_relationship_is_a_list_in_linkage_order() -> None:
    ada, _ = members()
    tiers = ada.relationship("currently_entitled_tiers")
    assert isinstance(tiers, list)
    assert [t.attribute("title") for t in tiers] == ["Bronze", "Silver"]


def test_relationship_to_a_resource_not_included() -> None:
    _, grace = members()
    assert grace.relationship("user") is None
    tiers = grace.relationship("currently_entitled_tiers")
    assert isinstance(tiers, list)
    assert [t.id for t in tiers] == ["t2"]  # t9 left out
    # The linkage is still there for who needs to fetch it.
    assert grace.relationship_ids("user") == [("user", "u2")]
    assert grace.relationship_ids("currently_entitled_tiers") == [("tier", "t2"), ("tier", "t9")]


def test_empty_and_unknown_relationships() -> None:
    _, grace = members()
    assert grace.relationship("address") is None  # "data": null
    assert grace.relationship("pledge_history") is None  # not in the document at all
    assert grace.relationship_ids("address") == []
    assert grace.relationship_ids("pledge_history") == []
    assert grace.related("pledge_history") == []
    doc = JsonApiDocument({"data": {**ref("user", "u1"), "relationships": {"tiers": {"data": []}}}})
    user = doc.data()
    assert isinstance(user, JsonApiResource)
    assert user.relationship("tiers") == []


def test_related_is_always_a_list() -> None:
    ada, grace = members()
    assert [r.id for r in ada.related("user")] == ["u1"]
    assert [r.id for r in ada.related("currently_entitled_tiers")] == ["t1", "t2"]
    assert grace.related("user") == []


def test_relationship_to_a_primary_resource_resolves() -> None:
    payload = members_document()
    payload["included"].append(
        {
            "type": "pledge-event",
            "id": "e1",
            "relationships": {"member": {"data": ref("member", "m2")}},
        }
    )
    doc = JsonApiDocument(payload)
    event = doc.find_resource_by_type_and_id("pledge-event", "e1")
    assert event is not None
    assert event.relationship("member") is doc.data_list()[1]


def test_to_dict_keeps_attributes_and_linkage() -> None:
    ada, _ = members()
    out = ada.to_dict()
    assert out["attributes"] == {"full_name": "Ada", "patron_status": "active_patron"}
    assert out["relationships"]["user"] == ref("user", "u1")


def test_resources_compare_by_type_and_id() -> None:
    ada, grace = members()
    assert ada == Resource("member", "m1")
    assert ada != grace
    assert len({ada, Resource("member", "m1"), grace}) == 2
    assert repr(ada) == "<JsonApiResource member:m1>"


# The normalized view


def test_normalized_flattens_attributes_and_inlines_relationships() -> None:
    first, second = JsonApiDocument(members_document()).normalized()
    assert first["full_name"] == "Ada"
    assert first["user"] == {"type": "user", "id": "u1", "full_name": "Ada Lovelace"}
    assert first["currently_entitled_tiers"] == [
        {"type": "tier", "id": "t1", "title": "Bronze"},
        {"type": "tier", "id": "t2", "title": "Silver"},
    ]
    assert first["campaign"]["vanity"] == "engines"
    # Missing from included: None for to-one, left out of to-many.
    assert second["user"] is None
    assert second["currently_entitled_tiers"] == [{"type": "tier", "id": "t2", "title": "Silver"}]
    assert second["address"] is None
    # Every primary resource gets its own tree: the shared campaign is whole in both.
    assert second["campaign"]["vanity"] == "engines"


def test_normalized_inlines_a_resource_once_per_tree_where_it_is_nearest() -> None:
    (first, _) = JsonApiDocument(members_document()).normalized()
    # u1 is inlined as m1's user; met again as the campaign's creator it is a reference.
    assert first["campaign"]["creator"] == {"type": "user", "id": "u1"}


def test_normalized_cuts_a_user_campaign_cycle() -> None:
    user = JsonApiDocument(user_campaign_cycle()).normalized()
    assert user == {
        "type": "user",
        "id": "u1",
        "full_name": "Ada Lovelace",
        "campaign": {
            "type": "campaign",
            "id": "c1",
            "vanity": "engines",
            "creator": {"type": "user", "id": "u1"},
        },
    }
    json.dumps(user)  # plain data, no reference loop


def tiers_and_benefits(count: int) -> dict[str, Any]:
    """A campaign whose tiers all list every benefit, and the benefits every tier."""
    tiers = [ref("tier", f"t{i}") for i in range(count)]
    benefits = [ref("benefit", f"b{i}") for i in range(count)]
    return {
        "data": {**ref("campaign", "c1"), "relationships": {"tiers": {"data": tiers}}},
        "included": [{**t, "relationships": {"benefits": {"data": benefits}}} for t in tiers]
        + [{**b, "relationships": {"tiers": {"data": tiers}}} for b in benefits],
    }


def count_nodes(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + sum(count_nodes(v) for v in value.values())
    if isinstance(value, list):
        return sum(count_nodes(v) for v in value)
    return 0


def test_normalized_stays_linear_when_resources_link_densely() -> None:
    # Inlining along every path would make 30 tiers x 30 benefits astronomically large.
    count = 30
    view = JsonApiDocument(tiers_and_benefits(count)).normalized()
    resources = 1 + 2 * count
    links = count + 2 * count * count
    assert count_nodes(view) <= resources + links
    assert len(view["tiers"]) == count
    assert len(view["tiers"][0]["benefits"]) == count


def test_normalized_survives_a_very_long_chain() -> None:
    length = 5000
    chain = [
        {**ref("post", str(i)), "relationships": {"next": {"data": ref("post", str(i + 1))}}}
        for i in range(length)
    ]
    view = JsonApiDocument({"data": chain[0], "included": chain[1:]}).normalized()
    depth = 0
    while view.get("next") is not None:
        view = view["next"]
        depth += 1
    assert depth == length - 1


# Objects and their lifetime


def tier_page(count: int) -> dict[str, Any]:
    """``count`` members, each with its own user, all entitled to the one tier t1."""
    return {
        "data": [
            {
                **ref("member", f"m{i}"),
                "attributes": {"full_name": f"Patron {i}"},
                "relationships": {
                    "user": {"data": ref("user", f"u{i}")},
                    "tiers": {"data": [ref("tier", "t1")]},
                },
            }
            for i in range(count)
        ],
        "included": [{**ref("tier", "t1"), "attributes": {"title": "Bronze"}}]
        + [
            {**ref("user", f"u{i}"), "attributes": {"full_name": f"User {i}"}} for i in range(count)
        ],
    }


def test_a_tier_shared_by_a_page_is_one_object_while_the_page_lives() -> None:
    members = JsonApiDocument(tier_page(5)).data_list()
    members[0].related("tiers")  # wrapped, and freed at once: nobody holds it
    kept = weakref.ref(members[1].related("tiers")[0])
    assert kept() is not None  # looked up again: the page keeps it
    assert all(m.related("tiers")[0] is kept() for m in members)
    del members
    assert kept() is None


def test_a_page_is_freed_by_reference_counting() -> None:
    # No reference cycles: with the collector off, dropping the page frees everything.
    gc.disable()
    try:
        doc = JsonApiDocument.from_bytes(json.dumps(tier_page(20)).encode())
        members = doc.data_list()
        for member in members:
            member.relationship("user")
            member.related("tiers")
        watched = [
            weakref.ref(doc),
            weakref.ref(members[3]),
            weakref.ref(members[3].related("tiers")[0]),
            weakref.ref(doc.included[-1]),
        ]
        found = doc.find_resource_by_type_and_id("member", "m2")
        assert found is not None and found.relationship("user") is not None
        single = JsonApiDocument(user_campaign_cycle())
        user = single.data()
        assert isinstance(user, JsonApiResource)
        campaign = user.relationship("campaign")
        assert isinstance(campaign, JsonApiResource)
        assert campaign.relationship("creator") is user
        watched += [weakref.ref(single), weakref.ref(user), weakref.ref(campaign)]
        del doc, members, member, found, single, user, campaign
        assert [w() for w in watched] == [None] * len(watched)
    finally:
        gc.enable()


def test_primary_resources_are_found_after_the_page_was_read() -> None:
    payload = members_document()
    payload["included"].append(
        {**ref("pledge-event", "e1"), "relationships": {"member": {"data": ref("member", "m2")}}}
    )
    doc = JsonApiDocument(payload)
    members = doc.data_list()  # read first: primary resources join the index only when asked
    event = doc.find_resource_by_type_and_id("pledge-event", "e1")
    assert event is not None
    member = event.relationship("member")
    assert isinstance(member, JsonApiResource)
    assert member == members[1] and member.raw is members[1].raw
    assert doc.find_resource_by_type_and_id("member", "m2") is member
    assert doc.data_list()[1] is member  # the wrapper alive is the one handed out


@pytest.mark.parametrize("data_first", [True, False], ids=["data first", "lookup first"])
def test_duplicate_identifiers_resolve_as_documented(data_first: bool) -> None:
    # A primary resource wins over an included one; among primary ones the last,
    # among included ones the first.
    payload = {
        "data": [
            {**ref("member", "m1"), "attributes": {"v": "first"}},
            {**ref("member", "m1"), "attributes": {"v": "second"}},
        ],
        "included": [
            {**ref("member", "m1"), "attributes": {"v": "included"}},
            {**ref("user", "u1"), "attributes": {"v": "first"}},
            {**ref("user", "u1"), "attributes": {"v": "second"}},
        ],
    }
    doc = JsonApiDocument(payload)
    if data_first:
        assert [m.attribute("v") for m in doc.data_list()] == ["first", "second"]
    member = doc.find_resource_by_type_and_id("member", "m1")
    user = doc.find_resource_by_type_and_id("user", "u1")
    assert member is not None and member.attribute("v") == "second"
    assert user is not None and user.attribute("v") == "first"
    assert [(r.type, r.id, r.attribute("v")) for r in doc.included] == [("user", "u1", "first")]
    assert [m.attribute("v") for m in doc.data_list()] == ["first", "second"]


def test_other_mappings_and_number_ids_are_read_like_dicts() -> None:
    doc = JsonApiDocument(
        MappingProxyType(
            {
                "data": [
                    MappingProxyType(
                        {
                            **ref("member", 1),
                            "relationships": MappingProxyType(
                                {"user": MappingProxyType({"data": ref("user", 7)})}
                            ),
                        }
                    )
                ],
                "included": [MappingProxyType({**ref("user", 7), "attributes": {"n": 1}})],
            }
        )
    )
    (member,) = doc.data_list()
    assert (member.type, member.id) == ("member", "1")
    user = member.relationship("user")
    assert isinstance(user, JsonApiResource) and user.id == "7" and user.attribute("n") == 1
    assert doc.find_resource_by_type_and_id("member", 1) == member


def test_an_included_resource_with_bad_attributes_raises_when_reached() -> None:
    payload = members_document()
    payload["included"][0]["attributes"] = ["not", "an", "object"]  # u1
    doc = JsonApiDocument(payload, provider="patreon")
    ada, grace = doc.data_list()  # the page itself reads
    assert ada.relationship_ids("user") == [("user", "u1")]
    assert grace.relationship("user") is None  # u2 was not included
    with pytest.raises(ResponseFormatError, match=r"\[patreon\].*attributes of user:u1"):
        ada.relationship("user")
    with pytest.raises(ResponseFormatError, match=r"\[patreon\]"):
        doc.find_resource_by_type_and_id("user", "u1")


# Malformed documents


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param([], id="a list"),
        pytest.param("data", id="a string"),
        pytest.param(None, id="null"),
        pytest.param(3, id="a number"),
        pytest.param({"links": {}}, id="none of data, errors, meta"),
    ],
)
def test_a_document_that_is_not_json_api(payload: Any) -> None:
    with pytest.raises(ResponseFormatError, match=r"\[patreon\]"):
        JsonApiDocument(payload, provider="patreon")


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"data": "u1"}, id="data a string"),
        pytest.param({"data": 7}, id="data a number"),
        pytest.param({"data": {"id": "1"}}, id="no type"),
        pytest.param({"data": {"type": "user"}}, id="no id"),
        pytest.param({"data": {"type": 3, "id": "1"}}, id="type not a string"),
        pytest.param({"data": {"type": "user", "id": 1.5}}, id="id a float"),
        pytest.param({"data": {"type": "user", "id": True}}, id="id a boolean"),
        pytest.param({"data": {"type": "user", "id": None}}, id="id null"),
        pytest.param({"data": [ref("user", "1"), "u2"]}, id="list item a string"),
        pytest.param({"data": {**ref("user", "1"), "attributes": [1]}}, id="attributes a list"),
        pytest.param({"data": {**ref("user", "1"), "attributes": "x"}}, id="attributes a string"),
        pytest.param({"data": None, "included": {}}, id="included an object"),
        pytest.param({"data": None, "included": "x"}, id="included a string"),
        pytest.param({"data": None, "included": 0}, id="included a number"),
        pytest.param({"data": None, "included": [1]}, id="included item a number"),
        pytest.param({"data": None, "included": [{"type": "user"}]}, id="included item no id"),
    ],
)
def test_malformed_resources_raise_response_format_error(payload: dict[str, Any]) -> None:
    doc = JsonApiDocument(payload, provider="patreon")
    for use in (
        doc.data,
        lambda: doc.included,
        doc.normalized,
        lambda: doc.find_resource_by_type_and_id("user", "1"),
    ):
        with pytest.raises(ResponseFormatError, match=r"\[patreon\]"):
            use()


@pytest.mark.parametrize(
    "linkage",
    [
        pytest.param("u1", id="a string"),
        pytest.param({"type": "user"}, id="no id"),
        pytest.param([ref("user", "u1"), 5], id="list item a number"),
        pytest.param({"type": "user", "id": {"nested": 1}}, id="id an object"),
    ],
)
def test_malformed_linkage_raises_response_format_error(linkage: Any) -> None:
    doc = JsonApiDocument(
        {
            "data": {**ref("member", "m1"), "relationships": {"user": {"data": linkage}}},
            "included": [ref("user", "u1")],
        },
        provider="patreon",
    )
    member = doc.data()
    assert isinstance(member, JsonApiResource)
    for use in (
        lambda: member.relationship("user"),
        lambda: member.relationship_ids("user"),
        lambda: member.related("user"),
        doc.normalized,
    ):
        with pytest.raises(ResponseFormatError):
            use()


@pytest.mark.parametrize("relationships", [[1], "x", {"user": "not an object"}, {"user": []}])
def test_relationships_of_the_wrong_shape_are_empty(relationships: Any) -> None:
    member = JsonApiDocument({"data": {**ref("member", "m1"), "relationships": relationships}})
    resource = member.data()
    assert isinstance(resource, JsonApiResource)
    assert resource.relationship("user") is None
    assert resource.relationship_ids("user") == []


@pytest.mark.parametrize(
    "body",
    [b"", b"<html>", b'{"data": ', b"\xff\xfe\x00junk", b"[" * 100_000],
    ids=["empty", "html", "truncated", "not utf-8", "absurdly deep"],
)
def test_from_bytes_rejects_what_is_not_json(body: bytes) -> None:
    with pytest.raises(ResponseFormatError, match=r"\[patreon\].*not valid JSON"):
        JsonApiDocument.from_bytes(body, provider="patreon")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b'{"data": [{"type": "member"}]}', id="no id"),
        pytest.param(b'{"data": [{"type": "member", "id": "m1"}, 3]}', id="item a number"),
        pytest.param(
            b'{"data": [], "included": {"type": "user", "id": "u1"}}', id="included an object"
        ),
        pytest.param(b'{"data": [], "included": [{"type": "user", "id": 1.5}]}', id="id a float"),
        pytest.param(b'{"data": "m1"}', id="data a string"),
    ],
)
def test_malformed_pages_from_bytes_raise_response_format_error(body: bytes) -> None:
    doc = JsonApiDocument.from_bytes(body, provider="patreon")
    for use in (doc.data, lambda: doc.included, lambda: doc.find_resource_by_type_and_id("x", "1")):
        with pytest.raises(ResponseFormatError, match=r"\[patreon\]"):
            use()


def test_a_page_member_with_bad_attributes_raises_once_the_page_is_checked() -> None:
    body = b'{"data": [{"type": "member", "id": "m1", "attributes": []}], "included": [3]}'
    doc = JsonApiDocument.from_bytes(body, provider="patreon")
    with pytest.raises(ResponseFormatError, match="resource is not an object"):
        doc.data()  # the whole page is checked first, as before
    doc = JsonApiDocument.from_bytes(body.replace(b"[3]", b"[]"), provider="patreon")
    with pytest.raises(ResponseFormatError, match=r"\[patreon\] attributes of member:m1"):
        doc.data()
    assert doc.find_resource_by_type_and_id("user", "u1") is None  # the index is usable


def test_from_bytes_reads_a_document() -> None:
    doc = JsonApiDocument.from_bytes(json.dumps(user_campaign_cycle()).encode())
    user = doc.data()
    assert isinstance(user, JsonApiResource) and user.id == "u1"


# Any document: values or PaySupportError, nothing else

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=6)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=12,
)


def shaped(valid: st.SearchStrategy[Any], noise: int) -> st.SearchStrategy[Any]:
    """``valid``, or one time in ``noise`` any JSON value at all (never when noise is 0)."""
    if not noise:
        return valid
    return st.integers(0, noise - 1).flatmap(lambda n: json_values if n == 0 else valid)


def json_api_documents(noise: int) -> st.SearchStrategy[dict[str, Any]]:
    """Documents shaped like JSON:API whose relationships point anywhere in a small pool.

    A small pool of types and ids makes relationships often hit an included
    resource, sometimes miss, and sometimes repeat a key.
    """
    rtype = shaped(st.sampled_from(["user", "campaign", "tier"]), noise)
    rid = shaped(st.sampled_from(["1", "2", "3"]) | st.integers(1, 3), noise)
    identifier = st.fixed_dictionaries({"type": rtype, "id": rid})
    linkage = shaped(st.none() | identifier | st.lists(identifier, max_size=4), noise)
    relationships = shaped(
        st.dictionaries(
            st.sampled_from(["user", "campaign", "tiers", "creator"]),
            shaped(st.fixed_dictionaries({"data": linkage}), noise),
            max_size=4,
        ),
        noise,
    )
    attributes = shaped(st.dictionaries(st.text(max_size=6), json_values, max_size=3), noise)
    resource = shaped(
        st.fixed_dictionaries(
            {"type": rtype, "id": rid},
            optional={"attributes": attributes, "relationships": relationships},
        ),
        noise,
    )
    return st.fixed_dictionaries(
        {"data": shaped(st.none() | resource | st.lists(resource, max_size=5), noise)},
        optional={
            "included": shaped(st.lists(resource, max_size=10), noise),
            "meta": json_values,
            "links": json_values,
        },
    )


def attempt(use: Callable[..., Any], *args: Any) -> Any:
    """Call ``use``; a PaySupportError is an acceptable answer, anything else fails the test."""
    try:
        return use(*args)
    except PaySupportError:
        return None


def exercise(payload: Any) -> None:
    doc = attempt(JsonApiDocument, payload)
    if doc is None:
        return
    attempt(doc.data)
    attempt(doc.data_list)
    attempt(lambda: (doc.meta, doc.links, doc.errors, repr(doc)))
    view = attempt(doc.normalized)
    json.dumps(view)  # when there is a view, it is plain data without reference loops
    resources = (attempt(lambda: doc.included) or []) + (attempt(doc.data_list) or [])
    for resource in resources:
        resource.to_dict()
        for name in resource.relationships:
            attempt(resource.relationship, name)
            attempt(resource.relationship_ids, name)
            attempt(resource.related, name)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_values)
def test_any_json_value_gives_values_or_a_paysupport_error(payload: Any) -> None:
    exercise(payload)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_api_documents(noise=15))
def test_any_json_api_shaped_document_gives_values_or_a_paysupport_error(
    payload: dict[str, Any],
) -> None:
    exercise(payload)


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(json_api_documents(noise=0))
def test_well_formed_documents_resolve_exactly_what_was_included(payload: dict[str, Any]) -> None:
    doc = JsonApiDocument(payload)
    everything = doc.data_list() + doc.included
    keys = {(r.type, r.id) for r in everything}
    for resource in everything:
        for name in resource.relationships:
            linked = resource.relationship_ids(name)
            present = [key for key in linked if key in keys]
            assert [(r.type, r.id) for r in resource.related(name)] == present
    json.dumps(doc.normalized())


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64) | json_values.map(lambda v: json.dumps(v).encode()))
def test_any_body_gives_a_document_or_a_paysupport_error(body: bytes) -> None:
    doc = attempt(JsonApiDocument.from_bytes, body)
    if doc is not None:
        exercise(doc.payload)


# Linearity


def campaign_members(resources: int) -> dict[str, Any]:
    """Half members, half their users, all in one campaign with a few tiers."""
    count = resources // 2
    return {
        "data": [
            {
                **ref("member", str(i)),
                "attributes": {"full_name": f"Patron {i}"},
                "relationships": {
                    "user": {"data": ref("user", str(i))},
                    "campaign": {"data": ref("campaign", "c1")},
                    "currently_entitled_tiers": {"data": [ref("tier", str(i % 5))]},
                },
            }
            for i in range(count)
        ],
        "included": [
            {
                **ref("user", str(i)),
                "attributes": {"full_name": f"User {i}"},
                "relationships": {"campaign": {"data": ref("campaign", "c1")}},
            }
            for i in range(count)
        ],
    }


def resolve_everything(payload: dict[str, Any]) -> None:
    doc = JsonApiDocument(payload)
    for resource in doc.data_list() + doc.included:
        for name in resource.relationships:
            resource.relationship(name)


def normalize(payload: dict[str, Any]) -> None:
    JsonApiDocument(payload).normalized()


def best_time(work: Callable[[dict[str, Any]], None], payload: dict[str, Any]) -> float:
    times = []
    for _ in range(5):
        started = time.perf_counter()
        work(payload)
        times.append(time.perf_counter() - started)
    return min(times)


@pytest.mark.parametrize(
    "work", [resolve_everything, normalize], ids=["relationships", "normalized"]
)
def test_cost_grows_linearly_with_the_document(work: Callable[[dict[str, Any]], None]) -> None:
    small, large = campaign_members(500), campaign_members(4000)
    work(small)  # warm up
    # Eight times the resources: about eight times the time; quadratic would be 64.
    # The bound leaves room for a loaded machine (the suite runs beside other work).
    assert best_time(work, large) < 24 * best_time(work, small)
