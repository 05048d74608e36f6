"""Logging in: the consent form posted like a browser, refresh rotation, creator-token mode."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from paysupport_patreon import PatreonClient
from paysupport_patreon.auth import ALL_SCOPES

from paysupport import sandbox
from paysupport.errors import AccessDenied, InvalidRequest, StateMismatch
from paysupport.sandbox import Sandbox, answer_consent
from paysupport.tokens import MemoryTokenStore


@pytest.fixture(scope="module")
def sb() -> Iterator[Sandbox]:
    with sandbox.running(providers=["patreon"], sizes={"members": 20}) as running:
        yield running


def fresh(sb: Sandbox, **overrides: object) -> PatreonClient:
    client = sb.connect("patreon", creator_access_token="", creator_refresh_token="", **overrides)
    assert isinstance(client, PatreonClient) and client.oauth is not None
    return client


def test_authorization_url_carries_patreon_scopes_state_and_pkce(sb: Sandbox) -> None:
    client = fresh(sb)
    assert client.oauth is not None
    request = client.oauth.authorization_url()
    query = parse_qs(urlsplit(request.url).query)
    assert request.url.startswith(f"{sb.url('patreon')}/oauth2/authorize?")
    assert query["scope"][0].split() == list(client.oauth.endpoints.default_scopes)
    assert query["state"] == [request.state] and query["code_challenge_method"] == ["S256"]
    assert set(ALL_SCOPES) >= {"w:campaigns.webhook", "campaigns.members[email]"}
    with pytest.raises(InvalidRequest):
        client.oauth.authorization_url(["campaigns.everything"])


def test_consent_allow_logs_in_and_deny_is_access_denied(sb: Sandbox) -> None:
    client = fresh(sb)
    assert client.oauth is not None
    request = client.oauth.authorization_url(["identity", "campaigns"])
    answer = answer_consent(request.url, "allow")
    assert answer.status_code == 302
    token = client.oauth.fetch_token(authorization_response=answer.headers["Location"])
    assert set(token.scope) == {"identity", "campaigns"}
    assert client.identity().name == "Sandy Creator"

    denied = client.oauth.authorization_url(["identity"])
    refusal = answer_consent(denied.url, "deny")
    with pytest.raises(AccessDenied):
        client.oauth.fetch_token(authorization_response=refusal.headers["Location"])


def test_a_callback_with_someone_elses_state_is_refused(sb: Sandbox) -> None:
    client = fresh(sb)
    assert client.oauth is not None
    client.oauth.authorization_url(["identity"])
    other = fresh(sb)
    assert other.oauth is not None
    forged = other.oauth.authorization_url(["identity"])
    answer = answer_consent(forged.url, "allow")
    with pytest.raises(StateMismatch):
        client.oauth.fetch_token(authorization_response=answer.headers["Location"])


def test_refresh_rotates_and_the_old_refresh_token_is_dead() -> None:
    # Tokens live 30 s, inside the client's 60 s leeway: every call refreshes first.
    with sandbox.running(providers=["patreon"], token_lifetime=30) as running:
        store = MemoryTokenStore()
        client = fresh(running, token_store=store)
        assert client.oauth is not None
        request = client.oauth.authorization_url(["identity"])
        answer = answer_consent(request.url, "allow")
        seeded = client.oauth.fetch_token(authorization_response=answer.headers["Location"])
        client.identity()
        first = store.load("patreon", "default")
        client.identity()
        second = store.load("patreon", "default")
        assert first is not None and second is not None
        assert len({seeded.refresh_token, first.refresh_token, second.refresh_token}) == 3
        creds = running.emulator("patreon").credentials()
        replay = requests.post(
            f"{running.url('patreon')}/api/oauth2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": seeded.refresh_token,
                "client_id": creds["client_id"],
                "client_secret": creds["client_secret"],
            },
            timeout=10,
        )
        assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_creator_token_seeds_the_store_once(sb: Sandbox) -> None:
    store = MemoryTokenStore()
    creds = sb.emulator("patreon").credentials()
    client = sb.connect("patreon", token_store=store)
    token = store.load("patreon", "default")
    assert token is not None and token.access_token == creds["creator_access_token"]
    assert token.refresh_token == creds["creator_refresh_token"]
    assert client.identity().name == "Sandy Creator"
    explicit = sb.connect(
        "patreon", token_store=MemoryTokenStore(), access_token="explicit-token-1234"
    )
    assert explicit.oauth is not None and explicit.oauth.token is not None
    assert explicit.oauth.token.access_token == "explicit-token-1234"
    assert explicit.oauth.token.refresh_token is None  # never paired with the creator's


def test_settings_come_from_patreon_environment_names(
    sb: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    creds = sb.emulator("patreon").credentials()
    (tmp_path / "empty.ini").write_text("")
    monkeypatch.setenv("PAYSUPPORT_CONFIG", str(tmp_path / "empty.ini"))
    monkeypatch.setenv("PATREON_CLIENT_ID", creds["client_id"])
    monkeypatch.setenv("PATREON_CREATOR_ACCESS_TOKEN", creds["creator_access_token"])
    client = PatreonClient(base_url=sb.url("patreon"), token_store=MemoryTokenStore())
    assert client.settings["client_id"] == creds["client_id"]
    assert client.identity().name == "Sandy Creator"


def test_secrets_stay_out_of_reprs_and_errors(sb: Sandbox) -> None:
    creds = sb.emulator("patreon").credentials()
    client = sb.connect("patreon")
    assert client.oauth is not None
    shown = " ".join(
        [repr(client), repr(client.oauth), repr(client.oauth.token), repr(client.http)]
    )
    for key in ("client_secret", "creator_access_token", "creator_refresh_token"):
        assert creds[key] not in shown
    assert client.redactor.text(f"x {creds['creator_access_token']} y") == "x *** y"
