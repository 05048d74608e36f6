"""Answers a walk decodes from bytes: as sent, malformed, with the unforeseen, or refused.

A walk's page is decoded straight into the declared records. A scripted WSGI
app plays GitHub with real answers of the emulator, changed: a value of the
wrong type is a ``ResponseFieldError`` naming its path, a field the records do
not declare sends the page to the generic reader (nothing sent is lost), and
the refusals ``query()`` turns into library errors (HTML, broken JSON,
``errors`` in a 200) are the same errors in a walk.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given, settings, strategies as st
from paysupport_github import GitHubClient, Sponsorship, Tier, catalog as cat
from paysupport_github.walks import connection_walk

from paysupport.decode import ResponseFieldError
from paysupport.errors import NotFound, PaySupportError
from paysupport.http import HttpOptions
from paysupport.sandbox.serving import start_server
from paysupport.tokens import MemoryTokenStore

if TYPE_CHECKING:
    from github_helpers import Served  # fixtures' types; pytest provides the values

SPONSORS = cat.SPONSORSHIPS_AS_MAINTAINER["viewer"]
SPONSORS_VARIABLES = {"first": 6, "after": None, "activeOnly": False, "includePrivate": True}
NODES = "$.data.viewer.sponsorshipsAsMaintainer.nodes"

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
def scripted(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Scripted, GitHubClient]]:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    app = Scripted()
    served = start_server(app, quiet=True)
    client = GitHubClient(
        base_url=served.url,
        access_token="ghp_scripted",
        token_store=MemoryTokenStore(),
        http_options=HttpOptions(retries=0),
    )
    try:
        yield app, client
    finally:
        client.close()
        served.close()


@pytest.fixture(scope="module")
def sponsors_answer(served: Served) -> dict[str, Any]:
    """The emulator's first page of mona's sponsors (past ones too), made the last one.

    A scripted server answers only what a test queued: a walk must not ask for more.
    """
    answer = served.graphql(SPONSORS, SPONSORS_VARIABLES)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    connection = body["data"]["viewer"]["sponsorshipsAsMaintainer"]
    assert len(connection["nodes"]) == 6 and connection["pageInfo"]["hasNextPage"]
    connection["pageInfo"]["hasNextPage"] = False
    return body


def answered(body: Any, status: int = 200) -> Script:
    return (status, "application/json", json.dumps(body).encode())


def sponsors(client: GitHubClient) -> list[Any]:
    return list(client.walk("sponsors", past=True, count=6))


def test_a_decoded_page_is_the_answer_as_sent(
    scripted: tuple[Scripted, GitHubClient], sponsors_answer: dict[str, Any]
) -> None:
    app, client = scripted
    app.answers.append(answered(sponsors_answer))
    page = next(client.walk("sponsors", past=True, count=6).pages())
    account = sponsors_answer["data"]["viewer"]
    nodes = account["sponsorshipsAsMaintainer"]["nodes"]
    assert all(isinstance(s, Sponsorship) for s in page.items)
    assert [s.raw for s in page.items] == nodes
    assert [s.sponsor.raw if s.sponsor else None for s in page.items] == [
        n["sponsorEntity"] for n in nodes
    ]
    assert page.raw == {"account": account}  # the page's JSON, as before
    assert json.loads(json.dumps(page.raw)) == page.raw
    assert page.total == account["sponsorshipsAsMaintainer"]["totalCount"]
    assert page.next is None  # hasNextPage: false


def test_a_walk_names_the_field_of_a_malformed_page(
    scripted: tuple[Scripted, GitHubClient], sponsors_answer: dict[str, Any]
) -> None:
    app, client = scripted
    body = copy.deepcopy(sponsors_answer)
    nodes = body["data"]["viewer"]["sponsorshipsAsMaintainer"]["nodes"]
    index = next(i for i, n in enumerate(nodes) if n["tier"])
    nodes[index]["tier"]["monthlyPriceInCents"] = "500"  # a number as text
    app.answers.append(answered(body))
    with pytest.raises(ResponseFieldError) as caught:
        sponsors(client)
    assert caught.value.path == f"{NODES}[{index}].tier.monthlyPriceInCents"
    assert caught.value.path in str(caught.value) and caught.value.provider == "github"


def test_a_page_with_a_field_the_records_do_not_declare_is_read_all_the_same(
    scripted: tuple[Scripted, GitHubClient], sponsors_answer: dict[str, Any]
) -> None:
    app, client = scripted
    app.answers.append(answered(sponsors_answer))
    app.answers.append(answered(sponsors_answer))
    decoded, decoded_supporters = (
        sponsors(client),
        list(client.walk("supporters", past=True, count=6)),
    )
    body = copy.deepcopy(sponsors_answer)
    nodes = body["data"]["viewer"]["sponsorshipsAsMaintainer"]["nodes"]
    shown = next(i for i, n in enumerate(nodes) if n["sponsorEntity"])
    nodes[shown]["sponsorEntity"]["pronouns"] = "they/them"  # a field GitHub may add
    nodes[0]["isSponsorOptedIntoEmail"] = True
    app.answers.append(answered(body))
    app.answers.append(answered(body))
    page = next(client.walk("sponsors", past=True, count=6).pages())
    read = page.items
    assert [s.raw for s in read] == nodes  # nothing sent is lost
    assert read[shown].sponsor is not None
    assert read[shown].sponsor.raw["pronouns"] == "they/them"
    assert page.raw == {"account": body["data"]["viewer"]}
    assert [s.to_dict() for s in read] == [s.to_dict() for s in decoded]
    assert list(client.walk("supporters", past=True, count=6)) == decoded_supporters


def test_a_walk_refuses_what_a_query_refuses_with_the_same_error(
    scripted: tuple[Scripted, GitHubClient], sponsors_answer: dict[str, Any]
) -> None:
    app, client = scripted
    forbidden = {"type": "FORBIDDEN", "path": ["viewer"], "message": "Resource not accessible"}
    refusals: list[Script] = [
        (200, "text/html", b"<!doctype html><title>Unicorn!</title>"),
        (200, "text/html", json.dumps(sponsors_answer).encode()),  # JSON, but said to be HTML
        (200, "application/json", json.dumps(sponsors_answer).encode()[:500]),  # cut short
        (200, "application/json", b""),
        (200, "application/json", b"[1, 2]"),
        answered({"data": None}),
        answered({"errors": [forbidden]}),
        answered({**sponsors_answer, "errors": [forbidden]}),  # partial data and errors
        answered({"message": "Bad credentials"}, 401),
        (502, "text/html", b"<html>Bad gateway</html>"),
    ]
    for refusal in refusals:
        app.answers.append(refusal)
        with pytest.raises(PaySupportError) as by_query:
            client.query(SPONSORS, SPONSORS_VARIABLES)
        app.answers.append(refusal)
        with pytest.raises(PaySupportError) as by_walk:
            sponsors(client)
        assert type(by_walk.value) is type(by_query.value), refusal
        assert str(by_walk.value) == str(by_query.value), refusal
        assert getattr(by_walk.value, "status", None) == getattr(by_query.value, "status", None)


def test_an_empty_errors_list_is_no_refusal(
    scripted: tuple[Scripted, GitHubClient], sponsors_answer: dict[str, Any]
) -> None:
    app, client = scripted
    app.answers.append(answered({**sponsors_answer, "errors": []}))
    nodes = sponsors_answer["data"]["viewer"]["sponsorshipsAsMaintainer"]["nodes"]
    assert [s.raw for s in sponsors(client)] == nodes


def test_a_listing_that_is_null_is_not_found(scripted: tuple[Scripted, GitHubClient]) -> None:
    app, client = scripted
    app.answers.append(answered({"data": {"viewer": {"login": "mona", "sponsorsListing": None}}}))
    with pytest.raises(NotFound, match=r"account\.sponsorsListing is null"):
        list(client.walk("tiers"))


def test_a_decoded_tier_is_the_node_as_sent(
    scripted: tuple[Scripted, GitHubClient], served: Served
) -> None:
    answer = served.graphql(
        cat.TIERS["viewer"], {"first": 100, "after": None, "unpublished": True}
    ).json()
    app, client = scripted
    app.answers.append(answered(answer))
    tiers = list(client.walk("tiers", unpublished=True))
    assert tiers and all(isinstance(t, Tier) for t in tiers)
    assert [t.raw for t in tiers] == answer["data"]["viewer"]["sponsorsListing"]["tiers"]["nodes"]


# -- any value in any field: a record as sent, or an error naming the field ------------

#: The fields of a sponsorship node the walk declares, as paths inside the node.
FIELDS = [
    ("id",),
    ("createdAt",),
    ("isActive",),
    ("isOneTimePayment",),
    ("privacyLevel",),
    ("paymentSource",),
    ("tierSelectedAt",),
    ("tier",),
    ("tier", "id"),
    ("tier", "name"),
    ("tier", "monthlyPriceInCents"),
    ("tier", "isOneTime"),
    ("tier", "createdAt"),
    ("sponsorEntity",),
    ("sponsorEntity", "login"),
    ("sponsorEntity", "databaseId"),
    ("sponsorEntity", "__typename"),
    ("sponsorable",),
    ("sponsorable", "login"),
]

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)


@settings(max_examples=200, deadline=None)
@given(where=st.sampled_from(FIELDS), value=json_values, index=st.integers(0, 5))
def test_any_value_reads_as_sent_or_fails_naming_its_field(
    sponsors_answer: dict[str, Any], where: tuple[str, ...], value: Any, index: int
) -> None:
    body = copy.deepcopy(sponsors_answer)
    node = body["data"]["viewer"]["sponsorshipsAsMaintainer"]["nodes"][index]
    parent = node
    for key in where[:-1]:
        parent = parent.get(key) or {}
    parent[where[-1]] = value
    payload = json.dumps(body).encode()
    walk = connection_walk(
        lambda _: (payload, "viewer"),
        ("account", "sponsorshipsAsMaintainer"),
        Sponsorship,
        operation="ViewerSponsorshipsAsMaintainer",
    )
    try:
        read = next(iter(walk.pages())).items
    except ResponseFieldError as exc:
        assert exc.path.startswith(f"{NODES}[{index}].{where[0]}"), (exc.path, where)
        return
    except NotFound:
        return  # a connection that is null
    nodes = body["data"]["viewer"]["sponsorshipsAsMaintainer"]["nodes"]
    assert [s.raw for s in read] == [n for n in nodes if isinstance(n, dict)]
    for sponsorship in read:
        sponsorship.to_dict()
