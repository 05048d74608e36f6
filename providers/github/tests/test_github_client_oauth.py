"""Logins through GitHub's OAuth pages, and GitHub App tokens refreshed with rotation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from paysupport_github import GitHubClient

from paysupport.errors import StateMismatch
from paysupport.sandbox import answer_consent
from paysupport.tokens import MemoryTokenStore, TokenStore

if TYPE_CHECKING:
    from github_helpers import FakeClock, Served  # fixtures' types; pytest provides the values

EIGHT_HOURS = 8 * 3600


@pytest.fixture(autouse=True)
def no_github_variables(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("GITHUB_TOKEN", "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    yield


def app_client(served: Served, store: TokenStore, *, github_app: bool = True) -> GitHubClient:
    """A client of the emulator's GitHub App (expiring tokens) or OAuth app, no token yet."""
    credentials = served.emulator.credentials()
    prefix = "app_" if github_app else ""
    return GitHubClient(
        base_url=served.url,
        token_store=store,
        client_id=credentials[f"{prefix}client_id"],
        client_secret=credentials[f"{prefix}client_secret"],
        redirect_uri=credentials["redirect_uri"],
    )


def log_in(client: GitHubClient, scopes: list[str] | None = None) -> None:
    start = client.start_login(scopes=scopes)
    answer = answer_consent(start.url, "allow")
    client.finish_login(answer.headers["Location"], start.to_dict())


def test_a_web_login_goes_through_the_site_s_authorize_page_with_pkce(served: Served) -> None:
    client = app_client(served, MemoryTokenStore(), github_app=False)
    start = client.start_login(scopes=["read:user", "user:email"])
    url = urlsplit(start.url)
    query = parse_qs(url.query)
    assert url.path == "/login/oauth/authorize"
    assert query["code_challenge_method"] == ["S256"] and query["state"]
    assert query["scope"] == ["read:user user:email"]
    callback = answer_consent(start.url, "allow").headers["Location"]
    token = client.finish_login(callback, start.to_dict())
    assert token.expires_at is None  # an OAuth app's token does not expire
    assert client.identity().email  # user:email granted


def test_a_tampered_callback_is_refused(served: Served) -> None:
    client = app_client(served, MemoryTokenStore(), github_app=False)
    start = client.start_login()
    callback = answer_consent(start.url, "allow").headers["Location"]
    forged = callback.replace(f"state={start.state}", "state=forged")
    with pytest.raises(StateMismatch):
        client.finish_login(forged, start.to_dict())


def test_github_app_tokens_are_refreshed_and_rotated_through_the_token_store(
    make_served: Callable[..., Served], clock: FakeClock
) -> None:
    served = make_served()
    store = MemoryTokenStore()
    client = app_client(served, store)
    log_in(client)
    first = store.load("github", "default")
    assert first is not None and first.refresh_token and first.expires_at is not None
    clock.advance(EIGHT_HOURS + 1)  # GitHub refuses the access token from now on
    assert client.identity().raw.login == "mona"  # 401, refresh, the same query again
    second = store.load("github", "default")
    assert second is not None
    assert second.access_token != first.access_token
    assert second.refresh_token != first.refresh_token  # rotated
    spent = requests.post(
        f"{served.url}/login/oauth/access_token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": first.refresh_token,
            "client_id": client.oauth.client_id if client.oauth else "",
            "client_secret": client.oauth.client_secret if client.oauth else "",
        },
        headers={"Accept": "application/json"},
        timeout=10,
    ).json()
    assert "error" in spent  # the old refresh token died when it was used


def test_a_second_client_on_the_same_store_uses_the_rotated_token(
    make_served: Callable[..., Served], clock: FakeClock
) -> None:
    served = make_served()
    store = MemoryTokenStore()
    first = app_client(served, store)
    log_in(first)
    second = app_client(served, store)  # another worker sharing the store
    clock.advance(EIGHT_HOURS + 1)
    first.identity()
    rotated = store.load("github", "default")
    assert second.identity().raw.login == "mona"  # no second refresh with a dead token
    assert store.load("github", "default") == rotated
