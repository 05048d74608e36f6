"""Logging in to Ipernity: both frob flows, the token store, permissions.

The consent page is answered by the test with ``answer_consent``, as a browser would, so
the emulator's real authorization page decides what is granted.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from ipernity_helpers import Requests, Served
from paysupport_ipernity import FrobNotAuthorized, IpernityClient, authorize_endpoint, sign

from paysupport.errors import AuthError, InsufficientScope, InvalidRequest, InvalidToken
from paysupport.login import frob_login
from paysupport.sandbox import answer_consent
from paysupport.tokens import JsonFileTokenStore, MemoryTokenStore

Connect = Callable[..., IpernityClient]


def test_desktop_flow(connect: Connect, served: Served) -> None:
    client = connect(auth_token=None)
    frob = client.get_frob()
    url = client.auth_url({"doc": "write", "profile": "read"}, frob)
    assert url.startswith(served.url + "/apps/authorize?")
    assert answer_consent(url, "allow").status_code == 200
    info = client.get_token(frob)
    assert (info.user_id, info.username, info.realname) == ("1001", "Superman", "Kal-El")
    assert info.permissions["doc"] == "write" and info.permissions["profile"] == "read"
    assert info.permissions["blog"] == "none"
    stored = client.frob.token if client.frob else None
    assert stored is not None and stored.access_token == info.token
    assert stored.scope == ("doc:write", "profile:read")
    assert client.identity().name == "Kal-El"


def test_the_authorization_link_is_signed_without_a_method_name(connect: Connect) -> None:
    client = connect()
    query = {
        k: v[0] for k, v in parse_qs(urlsplit(client.auth_url("doc=read", "1-f")).query).items()
    }
    signature = query.pop("api_sig")
    assert query == {"api_key": client.settings["api_key"], "perm_doc": "read", "frob": "1-f"}
    assert signature == sign(query, client.settings["api_secret"])


def test_web_flow_through_the_registered_callback(connect: Connect) -> None:
    client = connect(auth_token=None)
    url = client.auth_url({"doc": "read"})  # no frob: the web flow
    assert "frob=" not in url
    answer = answer_consent(url, "allow")
    assert answer.status_code == 302
    callback = answer.headers["Location"]
    assert callback.startswith(client.callback_url or "")
    frob = parse_qs(urlsplit(callback).query)["frob"][0]
    info = client.get_token(frob)
    assert info.permissions["doc"] == "read"
    assert client.permissions()["doc"] == "read"


def test_a_refusal_leaves_the_frob_unauthorized(connect: Connect) -> None:
    client = connect(auth_token=None)
    frob = client.get_frob()
    assert answer_consent(client.auth_url(None, frob), "deny").status_code == 200
    with pytest.raises(FrobNotAuthorized) as caught:
        client.get_token(frob)
    assert isinstance(caught.value, AuthError) and caught.value.code == 2
    assert client.frob is not None and client.frob.token is None


def test_login_waits_for_the_approval(connect: Connect) -> None:
    """``login()`` prints the link and polls auth.getToken until the person approved."""
    client = connect(auth_token=None)
    said: list[str] = []
    naps: list[float] = []

    def person_approves_after_a_while(seconds: float) -> None:
        naps.append(seconds)
        if len(naps) == 2:  # the person clicks Allow during the second wait
            link = next(line.strip() for t in said for line in t.splitlines() if "://" in line)
            answer_consent(link, "allow")

    token = client.login(open_browser=False, say=said.append, sleep=person_approves_after_a_while)
    assert naps == [2.0, 2.0]
    assert token.scope == ("doc:write",)  # the default request
    assert "Logged in to Ipernity as Kal-El" in said[-1]
    assert client.check_token().token == token.access_token


def test_login_gives_up_after_the_timeout(connect: Connect) -> None:
    client = connect(auth_token=None)
    with pytest.raises(FrobNotAuthorized, match="not approved within 0 s"):
        client.login(open_browser=False, timeout=0, say=lambda _: None, sleep=lambda _: None)


def test_the_core_frob_login_drives_this_flow(connect: Connect) -> None:
    client = connect(auth_token=None)
    token = frob_login(client, auto_consent=True, say=lambda _: None)
    assert client.check_token().token == token.access_token


def test_tokens_persist_in_the_token_store(served: Served, tmp_path: Path) -> None:
    store = JsonFileTokenStore(tmp_path / "tokens.json")
    creds = {k: v for k, v in served.emulator.credentials().items() if k != "auth_token"}
    first = IpernityClient(base_url=served.url, token_store=store, **creds)
    frob = first.get_frob()
    answer_consent(first.auth_url({"doc": "delete"}, frob), "allow")
    first.get_token(frob)
    first.close()
    second = IpernityClient(base_url=served.url, token_store=store, **creds)
    requests = Requests(second)
    assert second.permissions()["doc"] == "delete"  # from the store: no request
    assert requests.count == 0
    assert second.identity().id == "1001"
    second.logout()
    with pytest.raises(InvalidToken, match="not logged in"):
        second.permissions()
    second.close()


def test_a_token_from_settings_is_stored_once(served: Served) -> None:
    store = MemoryTokenStore()
    token = served.emulator.credentials()["auth_token"]
    client = IpernityClient(base_url=served.url, token_store=store, **served.emulator.credentials())
    assert client.check_token().user_id == "1001"
    stored = store.load("ipernity", "default")
    assert stored is not None and stored.access_token == token
    assert stored.extra["user"]["username"] == "Superman"  # learned from auth.checkToken
    again = IpernityClient(base_url=served.url, token_store=store, **served.emulator.credentials())
    assert store.load("ipernity", "default") == stored  # same setting: store kept as it is
    assert again.permissions()["profile"] == "write"
    client.close()
    again.close()


def test_permission_levels(connect: Connect) -> None:
    client = connect(auth_token=None)
    frob = client.get_frob()
    answer_consent(client.auth_url({"doc": "write", "network": "read"}, frob), "allow")
    client.get_token(frob)
    assert client.has_permissions({"doc": "read"})
    assert client.has_permissions("doc=write,network=read")
    assert not client.has_permissions({"doc": "delete"})
    assert not client.has_permissions({"blog": "read"})
    with pytest.raises(InvalidRequest, match="cannot be granted"):
        client.has_permissions({"profile": "delete"})
    with pytest.raises(InvalidRequest, match="unknown Ipernity permission"):
        client.auth_url({"photos": "read"})


def test_a_refused_permission_is_insufficient_scope(connect: Connect, served: Served) -> None:
    client = connect(auth_token=None)
    frob = client.get_frob()
    answer_consent(client.auth_url({"doc": "write"}, frob), "allow")
    client.get_token(frob)
    world = served.emulator.state.world
    doc_id = world.user_docs["1001"][0]
    with pytest.raises(InsufficientScope) as caught:
        client.doc.delete(doc_id=doc_id)  # needs doc=delete
    assert caught.value.code == 108 and caught.value.status is None
    assert "requires doc=delete" in str(caught.value)
    assert doc_id in world.docs


def test_authorization_page_location() -> None:
    assert (
        authorize_endpoint("https://api.ipernity.com") == "https://www.ipernity.com/apps/authorize"
    )
    assert authorize_endpoint("http://127.0.0.1:8000/ipernity/") == (
        "http://127.0.0.1:8000/ipernity/apps/authorize"
    )
    client = IpernityClient(api_key="k" * 32, api_secret="s" * 16, token_store="memory")
    assert client.auth_url("doc=read", "1-2").startswith("https://www.ipernity.com/apps/authorize?")
    client.close()
