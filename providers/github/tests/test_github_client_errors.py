"""GitHub's refusals become the library's errors: GraphQL ``errors`` in a 200, 401, bad bodies."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from paysupport_github import FieldNotFound, GitHubClient
from paysupport_github.errors import graphql_error

from paysupport.errors import (
    InsufficientScope,
    InvalidRequest,
    InvalidToken,
    NotFound,
    RateLimited,
    ResponseFormatError,
)
from paysupport.sandbox import answer_consent
from paysupport.sandbox.serving import start_server
from paysupport.tokens import MemoryTokenStore

if TYPE_CHECKING:
    from github_helpers import Served  # fixtures' types; pytest provides the values


@pytest.fixture
def make_client(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., GitHubClient]]:
    """``make_client(url, **settings)``: a client of the server at ``url``, tokens in memory."""
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    made: list[GitHubClient] = []

    def make(url: str, **settings: Any) -> GitHubClient:
        client = GitHubClient(base_url=url, token_store=MemoryTokenStore(), **settings)
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def test_an_unknown_login_is_not_found_as_user_nor_as_organization(
    served: Served, credentials: dict[str, str], make_client: Callable[..., GitHubClient]
) -> None:
    client = make_client(served.url, access_token=credentials["access_token"])
    before = served.emulator.requests
    with pytest.raises(NotFound) as caught:
        list(client.walk("sponsors", login="nobody-has-this-login"))
    assert isinstance(caught.value, FieldNotFound)
    assert caught.value.path == ("organization",)  # tried as a user first, then as an org
    assert caught.value.code == "NOT_FOUND" and caught.value.status is None
    assert "nobody-has-this-login" in str(caught.value)
    assert served.emulator.requests == before + 2


def test_a_login_found_as_organization_is_remembered(
    served: Served, credentials: dict[str, str], make_client: Callable[..., GitHubClient]
) -> None:
    client = make_client(served.url, access_token=credentials["access_token"])
    list(client.walk("tiers", login="paysupport-sandbox"))
    before = served.emulator.requests
    assert list(client.walk("tiers", login="paysupport-sandbox"))
    assert served.emulator.requests == before + 1  # straight to organization(login:)


def test_private_sponsorships_of_someone_else_are_forbidden(
    served: Served, credentials: dict[str, str], make_client: Callable[..., GitHubClient]
) -> None:
    sponsor = make_client(served.url, access_token=credentials["sponsor_access_token"])
    with pytest.raises(InsufficientScope) as caught:
        list(sponsor.walk("sponsors", login="mona"))
    assert caught.value.code == "FORBIDDEN"
    assert "sponsorshipsAsMaintainer" in str(caught.value)  # the field path is named
    public = list(sponsor.walk("sponsors", login="mona", include_private=False))
    assert public and all(not s.is_private for s in public)


def test_a_token_without_the_scope_is_insufficient(
    served: Served, credentials: dict[str, str], make_client: Callable[..., GitHubClient]
) -> None:
    client = make_client(
        served.url,
        client_id=credentials["client_id"],
        client_secret=credentials["client_secret"],
        redirect_uri=credentials["redirect_uri"],
    )
    start = client.start_login(scopes=["user:email"])
    client.finish_login(answer_consent(start.url).headers["Location"], start.to_dict())
    with pytest.raises(InsufficientScope) as caught:
        list(client.walk("sponsors"))
    assert caught.value.code == "INSUFFICIENT_SCOPES"


def test_a_field_github_would_not_give_is_an_invalid_request_naming_its_path(
    served: Served, credentials: dict[str, str], make_client: Callable[..., GitHubClient]
) -> None:
    client = make_client(served.url, access_token=credentials["access_token"])
    with pytest.raises(InvalidRequest) as caught:
        client.query("query Bio { viewer { bio company } }")
    assert "at viewer.bio" in str(caught.value)
    assert "and 1 more" in str(caught.value)
    assert caught.value.code == "EMULATOR_UNSUPPORTED"


def test_a_query_that_does_not_validate_is_an_invalid_request(
    served: Served, credentials: dict[str, str], make_client: Callable[..., GitHubClient]
) -> None:
    client = make_client(served.url, access_token=credentials["access_token"])
    with pytest.raises(InvalidRequest, match="doesn't exist on type 'User'"):
        client.query("query Nope { viewer { nope } }")


def test_bad_credentials_are_an_invalid_token(
    served: Served, make_client: Callable[..., GitHubClient]
) -> None:
    client = make_client(served.url, access_token="ghp_not-a-token-anyone-issued")
    with pytest.raises(InvalidToken) as caught:
        client.identity()
    assert caught.value.status == 401
    assert "Bad credentials" in str(caught.value)
    assert "ghp_not-a-token" not in str(caught.value)


def test_rate_limited_errors_carry_the_wait_until_the_reset() -> None:
    error = graphql_error(
        [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}],
        operation="Viewer",
        now=1000.0,
    )
    assert isinstance(error, RateLimited) and error.retry_after is None  # no headers: unknown
    assert error.code == "RATE_LIMITED" and error.status is None


def test_an_html_page_instead_of_json_is_a_format_error(
    make_client: Callable[..., GitHubClient],
) -> None:
    def proxy_page(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/html")])
        return [b"<!doctype html><title>Unicorn!</title>"]

    page = start_server(proxy_page, quiet=True)
    try:
        client = make_client(page.url, access_token="ghp_anything")
        with pytest.raises(ResponseFormatError, match="HTML"):
            client.identity()
    finally:
        page.close()
