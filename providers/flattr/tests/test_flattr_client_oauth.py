"""The OAuth 2 dance through the client, the consent form posted as a browser would."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from paysupport_flattr import FlattrClient
from paysupport_flattr.transport import Hosts

from paysupport import AccessDenied, InvalidToken, StateMismatch
from paysupport.errors import AuthError
from paysupport.sandbox import answer_consent


def test_authorization_url_asks_for_the_four_scopes_without_pkce(make_client, sandbox):
    client = make_client(sandbox, access_token=None)
    login = client.oauth.authorization_url()
    parts = urlsplit(login.url)
    query = parse_qs(parts.query)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{sandbox.url}/oauth/authorize"
    assert query["scope"] == ["flattr thing email extendedread"]
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [sandbox.creds["client_id"]]
    assert "code_challenge" not in query
    assert query["state"] == [login.state]


def test_real_hosts_split_api_and_oauth():
    hosts = Hosts.for_base_url("https://api.flattr.com/rest/v2/")
    assert hosts.api == "https://api.flattr.com/rest/v2"
    assert hosts.oauth_endpoints().authorize_url == "https://flattr.com/oauth/authorize"
    assert hosts.oauth_endpoints().token_url == "https://flattr.com/oauth/token"
    assert hosts.oauth_endpoints().client_auth == "basic"
    client = FlattrClient(client_id="id", client_secret="secret-value")
    assert client.hosts == Hosts("https://api.flattr.com/rest/v2", "https://flattr.com")


def test_login_dance_then_calls_with_the_new_token(make_client, sandbox, events):
    client = make_client(sandbox, events, access_token=None)
    login = client.oauth.authorization_url(["flattr", "email"])
    answer = answer_consent(login.url, "allow")
    assert answer.status_code == 302
    token = client.oauth.fetch_token(
        authorization_response=answer.headers["Location"], request=login
    )
    assert token.access_token != sandbox.creds["access_token"]
    assert events.seen[-1] == ("POST", "/oauth/token")
    assert client.identity().id == sandbox.primary
    # The token exchange authenticated with HTTP Basic: the emulator refuses anything else.
    assert client.oauth.token.access_token == token.access_token


def test_the_token_request_carries_no_secret_in_the_body(make_client, sandbox, monkeypatch):
    client = make_client(sandbox, access_token=None)
    sent = []
    original = client.http.session.request

    def spy(method, url, **kwargs):
        sent.append((url, kwargs.get("data"), kwargs.get("auth")))
        return original(method, url, **kwargs)

    monkeypatch.setattr(client.http.session, "request", spy)
    login = client.oauth.authorization_url()
    answer = answer_consent(login.url, "allow")
    client.oauth.fetch_token(authorization_response=answer.headers["Location"], request=login)
    url, data, auth = sent[-1]
    assert url.endswith("/oauth/token")
    assert auth == (sandbox.creds["client_id"], sandbox.creds["client_secret"])
    assert "client_secret" not in data and data["grant_type"] == "authorization_code"


def test_a_denied_consent_is_access_denied(make_client, sandbox):
    client = make_client(sandbox, access_token=None)
    login = client.oauth.authorization_url()
    answer = answer_consent(login.url, "deny")
    with pytest.raises(AccessDenied):
        client.oauth.fetch_token(authorization_response=answer.headers["Location"], request=login)


def test_a_forged_state_is_refused(make_client, sandbox):
    client = make_client(sandbox, access_token=None)
    login = client.oauth.authorization_url()
    location = answer_consent(login.url, "allow").headers["Location"]
    forged = location.replace(f"state={login.state}", "state=forged")
    with pytest.raises(StateMismatch):
        client.oauth.fetch_token(authorization_response=forged, request=login)


def test_a_wrong_client_secret_fails_the_exchange(make_client, sandbox):
    client = make_client(sandbox, access_token=None, client_secret="not-the-secret")
    login = client.oauth.authorization_url()
    location = answer_consent(login.url, "allow").headers["Location"]
    with pytest.raises(AuthError) as caught:
        client.oauth.fetch_token(authorization_response=location, request=login)
    assert caught.value.code == "invalid_client"


def test_an_unknown_token_is_invalid_token(make_client, sandbox):
    client = make_client(sandbox, access_token="0" * 40)
    with pytest.raises(InvalidToken) as caught:
        client.identity()
    assert (caught.value.status, caught.value.code) == (401, "unauthorized")
    assert "0" * 40 not in str(caught.value)


def test_no_token_at_all_is_invalid_token_before_sending(make_client, sandbox, events):
    client = make_client(sandbox, events, access_token=None)
    with pytest.raises(InvalidToken):
        client.identity()


def test_secrets_stay_out_of_reprs_and_errors(make_client, sandbox):
    client = make_client(sandbox, access_token="f" * 40)
    secret = sandbox.creds["client_secret"]
    assert secret not in repr(client) and "f" * 40 not in repr(client)
    with pytest.raises(InvalidToken) as caught:
        client.support(1)
    assert "f" * 40 not in str(caught.value) and secret not in str(caught.value)
