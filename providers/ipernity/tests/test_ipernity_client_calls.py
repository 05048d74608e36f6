"""Calling Ipernity: ``call()``, the method-property form and the catalog's rules.

Each test talks to the emulator over real HTTP. The catalog decides GET or POST, signing
and whether a token is needed; mistakes are refused before any request is sent.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from ipernity_helpers import Requests, Served
from paysupport_ipernity import IpernityClient, MissingParameter, UnknownMethod

import paysupport
from paysupport.errors import InvalidRequest, InvalidToken, NotFound
from paysupport.provider import Capability

SUPERMAN = "1001"


def own_doc(served: Served, owner: str = SUPERMAN, public: bool = True) -> str:
    world = served.emulator.state.world
    return str(next(d for d in world.user_docs[owner] if world.docs[d].is_public == public))


def foreign_public_doc(served: Served) -> str:
    world = served.emulator.state.world
    return str(next(d for d in world.public_docs if world.docs[d].owner_id != SUPERMAN))


def test_call_returns_the_parsed_answer(client: IpernityClient) -> None:
    answer = client.call("test.echo", echo="hé, ça marche", extra_field="1")
    assert answer == {"api": {"status": "ok"}, "echo": "hé, ça marche", "extra_field": "1"}
    assert client.call("test.hello")["hello"] == "hello world!"


def test_the_property_form_builds_the_method_name(client: IpernityClient, served: Served) -> None:
    assert client.user.get(user_id="superman")["user"]["user_id"] == SUPERMAN
    doc_id = own_doc(served)
    added = client.doc.tags.add(doc_id=doc_id, keywords="paysupport,'quoted'")
    assert added["tags"]["added"] == "2"
    assert "paysupport" in served.emulator.state.world.docs[int(doc_id)].keywords
    assert "add" in dir(client.doc.tags) and "getList" in dir(client.album.docs)
    assert repr(client.doc.get).startswith("<Ipernity method doc.get(doc_id, extra?)")


def test_every_emulated_method_through_the_client(client: IpernityClient, served: Served) -> None:
    """One call per method the emulator implements, each through the client's rules."""
    mine, theirs = own_doc(served), foreign_public_doc(served)
    requests = Requests(client)
    assert client.doc.get(doc_id=mine, extra="tags,geo")["doc"]["doc_id"] == mine
    assert client.doc.getList(user_id=SUPERMAN, per_page=5)["docs"]["per_page"] == 5
    assert int(client.doc.search(text="harbour")["docs"]["total"]) >= 0
    assert client.doc.set(doc_id=mine, title="Renamed")["doc"]["title"] == "Renamed"
    album = client.album.create(title="Trip", description="by the client")["album"]
    album_id = album["album_id"]
    assert client.album.docs.add(album_id=album_id, doc_id=[mine])["album"]["added"] == "1"
    assert client.album.get(album_id=album_id)["album"]["title"] == "Trip"
    assert client.album.getList(user_id=SUPERMAN)["albums"]["total"] >= 1
    listed = client.album.docs.getList(album_id=album_id)["album"]["docs"]["doc"]
    assert [d["doc_id"] for d in listed] == [mine]
    assert client.faves.docs.add(doc_id=theirs) == {"api": {"status": "ok"}}
    faves = client.faves.docs.getList(user_id=SUPERMAN, per_page=100)["docs"]["doc"]
    assert theirs in [d["doc_id"] for d in faves]
    assert client.auth.checkToken()["auth"]["user"]["user_id"] == SUPERMAN
    assert client.doc.delete(doc_id=mine) == {"api": {"status": "ok"}}
    with pytest.raises(NotFound):
        client.doc.get(doc_id=mine)
    # The catalog, not the caller, chooses the verb: changes are POSTed.
    assert {m for v, m in requests.methods() if v == "POST"} == {
        "doc.set",
        "album.create",
        "album.docs.add",
        "faves.docs.add",
        "doc.delete",
    }
    assert ("GET", "doc.get") in requests.methods()


def test_unknown_methods_fail_before_any_request(client: IpernityClient) -> None:
    requests = Requests(client)
    with pytest.raises(UnknownMethod, match=r"did you mean doc\.getList") as caught:
        client.call("doc.getLst")
    assert isinstance(caught.value, InvalidRequest)
    with pytest.raises(UnknownMethod):
        client.doc.nothing.here()
    assert requests.count == 0


def test_missing_required_parameters_fail_before_any_request(client: IpernityClient) -> None:
    requests = Requests(client)
    with pytest.raises(MissingParameter, match=r"doc\.get needs doc_id"):
        client.doc.get()
    with pytest.raises(MissingParameter, match="echo"):
        client.call("test.echo", echo="")
    with pytest.raises(MissingParameter, match="album_id, doc_id"):
        client.album.docs.add()
    assert requests.count == 0


def test_values_are_sent_as_ipernity_reads_them(client: IpernityClient) -> None:
    echoed = client.call(
        "test.echo", echo="x", yes=True, no=False, n=42, ids=[1, "2", 3], gone=None
    )
    assert echoed["yes"] == "1" and echoed["no"] == "0" and echoed["n"] == "42"
    assert echoed["ids"] == "1,2,3"
    assert "gone" not in echoed
    with pytest.raises(InvalidRequest, match="cannot be sent as dict"):
        client.call("test.echo", echo={"nested": 1})
    with pytest.raises(InvalidRequest, match="set by the client"):
        client.call("test.echo", echo="x", api_sig="forged")


def test_token_methods_need_a_login_first(connect: Callable[..., IpernityClient]) -> None:
    anonymous = connect(auth_token=None)
    requests = Requests(anonymous)
    with pytest.raises(InvalidToken, match="log in first"):
        anonymous.doc.set(doc_id="1", title="x")
    assert requests.count == 0
    # Methods that need no token work without one, and send none.
    assert anonymous.user.get(user_id="ada")["user"]["realname"] == "Ada Lovelace"
    assert "auth_token" not in requests.events[-1].url


def test_raw_is_call_for_the_cli(client: IpernityClient) -> None:
    assert client.raw("test.echo", {"echo": "cli"}, http_method="POST")["echo"] == "cli"


def test_registered_declaration(served: Served) -> None:
    client = paysupport.connect(
        "ipernity", base_url=served.url, token_store="memory", **served.emulator.credentials()
    )
    assert isinstance(client, IpernityClient)
    info = client.info
    assert info.capabilities == {Capability.IDENTITY, Capability.WALK, Capability.UPLOAD}
    assert set(info.collections) == {"docs", "albums", "album_docs", "doc_search"}
    assert set(served.emulator.credentials()) <= set(info.settings)
    with pytest.raises(paysupport.Unsupported):
        client.support("https://www.ipernity.com/doc/superman/100001")
    patterns = [re.compile(p) for p in info.url_patterns]
    assert any(p.match("https://www.ipernity.com/doc/superman/100001") for p in patterns)
    assert any(p.match("http://ipernity.com/home/superman") for p in patterns)
    assert not any(p.match("https://www.patreon.com/superman") for p in patterns)
    client.close()


def test_environment_names_and_no_secret_in_reprs(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    creds = served.emulator.credentials()
    monkeypatch.setenv("IPERNITY_API_KEY", creds["api_key"])
    monkeypatch.setenv("IPERNITY_API_SECRET", creds["api_secret"])
    monkeypatch.setenv("IPERNITY_API_TOKEN", creds["auth_token"])
    client = IpernityClient(base_url=served.url, token_store="memory")
    assert client.identity().id == SUPERMAN
    shown = repr(client) + repr(client.caller.prepare("doc.get", {"doc_id": "1"}))
    shown += repr(client.frob.token) + repr(client.check_token())
    for secret in creds.values():
        if secret != creds["callback_url"]:
            assert secret not in shown
    client.close()
