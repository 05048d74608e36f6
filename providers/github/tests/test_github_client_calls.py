"""The client's calls against the emulator over HTTP: identity, raw queries, settings, hosts."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from paysupport_github import GitHubClient, connect
from paysupport_github.auth import Hosts
from paysupport_github.info import INFO

import paysupport
from paysupport.errors import AuthError, InvalidRequest
from paysupport.provider import User
from paysupport.tokens import MemoryTokenStore

if TYPE_CHECKING:
    from github_helpers import Served  # fixtures' types; pytest provides the values

GITHUB_VARIABLES = (
    "GITHUB_TOKEN",
    "GITHUB_CLIENT_ID",
    "GITHUB_CLIENT_SECRET",
    "GITHUB_REDIRECT_URI",
    "GITHUB_WEBHOOK_SECRET",
)


@pytest.fixture
def make_client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., GitHubClient]]:
    """``make_client(served, **settings)``: a client of that emulator, tokens in memory."""
    for name in GITHUB_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    made: list[GitHubClient] = []

    def make(served: Served, **settings: Any) -> GitHubClient:
        client = GitHubClient(base_url=served.url, token_store=MemoryTokenStore(), **settings)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def test_identity_is_the_token_s_account(
    served: Served, credentials: dict[str, str], make_client: Callable[..., GitHubClient]
) -> None:
    client = make_client(served, access_token=credentials["access_token"])
    me = client.identity()
    assert isinstance(me, User)
    assert me.provider == "github"
    assert me.raw.login == credentials["login"]
    assert me.id == me.raw.id and me.id  # the node id, stable across renames
    assert me.name


def test_a_personal_access_token_needs_no_oauth_settings(
    served: Served, credentials: dict[str, str], make_client: Callable[..., GitHubClient]
) -> None:
    client = make_client(served, access_token=credentials["access_token"])
    assert client.identity().raw.login == "mona"
    with pytest.raises(AuthError):  # but a login would need the app's credentials
        client.start_login("http://127.0.0.1/callback")


def test_github_token_variable_is_the_access_token(
    served: Served,
    credentials: dict[str, str],
    make_client: Callable[..., GitHubClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GITHUB_TOKEN", credentials["sponsor_access_token"])
    client = make_client(served)
    assert client.settings["access_token"] == credentials["sponsor_access_token"]
    assert client.identity().raw.login != "mona"  # the sponsor's token, not the maintainer's


def test_query_runs_any_document_and_raw_takes_operation_names(
    served: Served, credentials: dict[str, str], make_client: Callable[..., GitHubClient]
) -> None:
    client = make_client(served, access_token=credentials["access_token"])
    data = client.query("query Mine { viewer { login } }")
    assert data == {"viewer": {"login": "mona"}}
    assert client.raw("Viewer")["viewer"]["login"] == "mona"
    answer = client.raw("UserIsSponsoredBy", {"login": "mona", "sponsor": "upstream-dev"})
    assert answer["user"]["isSponsoredBy"] is False
    with pytest.raises(InvalidRequest):
        client.raw("Viewer", http_method="DELETE")


def test_every_answer_reports_the_rate_limit_budget(
    served: Served, credentials: dict[str, str], make_client: Callable[..., GitHubClient]
) -> None:
    client = make_client(served, access_token=credentials["access_token"])
    assert client.rate_limit is None
    client.identity()
    budget = client.rate_limit
    assert budget is not None and budget.resource == "graphql"
    assert budget.limit == 5000 and budget.remaining is not None and budget.remaining < 5000


def test_paysupport_connect_finds_the_provider_through_its_entry_point(
    served: Served, credentials: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in GITHUB_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert "github" in [p.name for p in paysupport.available()]
    client = paysupport.connect(
        "github",
        GitHubClient,
        base_url=served.url,
        access_token=credentials["access_token"],
        token_store=MemoryTokenStore(),
    )
    with client:
        assert client.identity().raw.login == "mona"


def test_typed_connect_takes_every_setting(
    served: Served, credentials: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in GITHUB_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    client = connect(
        base_url=served.url,
        access_token=credentials["access_token"],
        login="paysupport-sandbox",
        rate_limit_mode="raise",
        rate_limit_wait=5,
        token_store=MemoryTokenStore(),
    )
    with client:
        assert isinstance(client, GitHubClient)
        assert client.maintainer == "paysupport-sandbox"
        assert client.graphql.gate.mode == "raise" and client.graphql.gate.max_wait == 5
        assert client.sponsors_page() == f"{served.url}/sponsors/paysupport-sandbox"


def test_the_declaration_is_readable_without_the_client() -> None:
    assert INFO.client == "paysupport_github.client:GitHubClient"
    assert INFO.collections == ("sponsors", "sponsorships", "tiers", "supporters")
    assert {"access_token", "refresh_token", "client_secret", "webhook_secret"} <= set(
        INFO.secret_settings
    )
    assert GitHubClient.info is INFO
    pattern = re.compile(INFO.url_patterns[0])
    assert pattern.search("https://github.com/sponsors/octocat")["login"] == "octocat"  # type: ignore[index]
    assert not pattern.search("https://github.com/octocat")


def test_site_and_api_are_two_hosts_on_github_and_one_root_in_the_sandbox() -> None:
    real = Hosts.for_base_url("https://api.github.com")
    assert real.graphql == "https://api.github.com/graphql"
    endpoints = real.oauth_endpoints()
    assert endpoints.authorize_url == "https://github.com/login/oauth/authorize"
    assert endpoints.token_url == "https://github.com/login/oauth/access_token"
    assert endpoints.pkce and endpoints.client_auth == "body"
    local = Hosts.for_base_url("http://127.0.0.1:8080/")
    assert local.graphql == "http://127.0.0.1:8080/graphql"
    assert local.oauth_endpoints().authorize_url == "http://127.0.0.1:8080/login/oauth/authorize"


def test_walk_refuses_unknown_filters_and_page_sizes_before_any_request(
    served: Served, credentials: dict[str, str], make_client: Callable[..., GitHubClient]
) -> None:
    client = make_client(served, access_token=credentials["access_token"])
    before = served.emulator.requests
    with pytest.raises(InvalidRequest, match="takes no campaign"):
        client.walk("sponsors", campaign="1")
    with pytest.raises(InvalidRequest, match="between 1 and 100"):
        client.walk("tiers", count=101)
    with pytest.raises(paysupport.Unsupported):
        client.walk("members")
    assert served.emulator.requests == before
