"""The emulated OAuth server: consent form, codes, PKCE, rotating refresh tokens, expiry."""

from __future__ import annotations

from patreon_helpers import Api, FakeClock, Login, pkce_pair
from paysupport_patreon.emulator import PatreonEmulator


def test_consent_page_is_a_postable_form_with_allow_and_deny(login: Login) -> None:
    page, form = login.consent(scope="identity campaigns")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert form.method == "post"
    assert form.buttons == {"allow": "Allow", "deny": "Deny"}
    assert form.hidden["client_id"] == login.credentials["client_id"]
    assert form.hidden["redirect_uri"] == login.credentials["redirect_uri"]
    assert form.hidden["scope"] == "campaigns identity"
    assert form.hidden["state"] == "st4te"


def test_allow_redirects_with_code_and_state_and_the_code_buys_tokens(login: Login) -> None:
    _, form = login.consent(scope="identity identity[email]")
    redirect = login.decide(form, "allow")
    assert redirect["state"] == ["st4te"]
    response = login.token(
        grant_type="authorization_code",
        code=redirect["code"][0],
        redirect_uri=login.credentials["redirect_uri"],
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["version"] == "0.0.1"
    assert body["expires_in"] == 3600
    assert body["scope"].split() == ["identity", "identity[email]"]
    me = Api(login.session, login.base, body["access_token"]).get(
        "/api/oauth2/v2/identity", **{"fields[user]": "email"}
    )
    assert me.status_code == 200
    assert me.json()["data"]["attributes"]["email"] == "creator@example.com"


def test_deny_redirects_with_access_denied(login: Login) -> None:
    _, form = login.consent(scope="identity")
    redirect = login.decide(form, "deny")
    assert redirect == {"error": ["access_denied"], "state": ["st4te"]}


def test_a_consent_form_can_be_posted_only_once(login: Login) -> None:
    _, form = login.consent()
    login.decide(form, "allow")
    replay = login.session.post(
        login.base + form.action, data={**form.hidden, "decision": "allow"}, allow_redirects=False
    )
    assert replay.status_code == 400
    assert "text/html" in replay.headers["Content-Type"]


def test_unknown_client_or_unregistered_redirect_gets_an_html_error_not_a_redirect(
    login: Login,
) -> None:
    page, _ = login.consent(client_id="nobody")
    assert page.status_code == 400 and "Unknown application" in page.text
    assert not page.history
    page, _ = login.consent(redirect_uri="https://evil.example/callback")
    assert page.status_code == 400 and "redirect_uri" in page.text


def test_any_loopback_port_is_a_valid_redirect_for_cli_logins(login: Login) -> None:
    tokens = login.tokens(redirect_uri="http://localhost:53123/oauth/done")
    assert tokens["access_token"]
    tokens = login.tokens(redirect_uri="http://127.0.0.1:8765/cb")
    assert tokens["access_token"]


def test_unknown_scope_and_wrong_response_type_come_back_as_redirect_errors(login: Login) -> None:
    page = login.session.get(
        f"{login.base}/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": login.credentials["client_id"],
            "redirect_uri": login.credentials["redirect_uri"],
            "scope": "identity launch-missiles",
        },
        allow_redirects=False,
    )
    assert page.status_code == 302
    assert "error=invalid_scope" in page.headers["Location"]
    page = login.session.get(
        f"{login.base}/oauth2/authorize",
        params={
            "response_type": "token",
            "client_id": login.credentials["client_id"],
            "redirect_uri": login.credentials["redirect_uri"],
        },
        allow_redirects=False,
    )
    assert "error=unsupported_response_type" in page.headers["Location"]


def test_a_code_is_single_use_and_replay_revokes_its_tokens(login: Login) -> None:
    code = login.code(scope="identity")
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": login.credentials["redirect_uri"],
    }
    first = login.token(**form)
    assert first.status_code == 200
    again = login.token(**form)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"
    api = Api(login.session, login.base, first.json()["access_token"])
    assert api.get("/api/oauth2/v2/identity").status_code == 401


def test_redirect_uri_must_match_the_authorization(login: Login) -> None:
    code = login.code()
    response = login.token(
        grant_type="authorization_code", code=code, redirect_uri="http://127.0.0.1:9/other"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_pkce_verifier_is_checked_when_a_challenge_was_sent(login: Login) -> None:
    verifier, challenge = pkce_pair()
    params = {"code_challenge": challenge, "code_challenge_method": "S256"}
    redirect_uri = login.credentials["redirect_uri"]
    base = {"grant_type": "authorization_code", "redirect_uri": redirect_uri}

    wrong = login.token(**base, code=login.code(**params), code_verifier="b" * 43)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    missing = login.token(**base, code=login.code(**params))
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_grant"
    right = login.token(**base, code=login.code(**params), code_verifier=verifier)
    assert right.status_code == 200


def test_client_secret_is_checked(login: Login) -> None:
    code = login.code()
    response = login.token(
        grant_type="authorization_code",
        code=code,
        redirect_uri=login.credentials["redirect_uri"],
        client_secret="wrong",
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_token_endpoint_reports_bad_grant_types_and_missing_fields(login: Login) -> None:
    unsupported = login.token(grant_type="password", username="x", password="y")
    assert unsupported.status_code == 400
    assert unsupported.json()["error"] == "unsupported_grant_type"
    missing = login.token()
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    no_code = login.token(grant_type="authorization_code")
    assert no_code.status_code == 400 and no_code.json()["error"] == "invalid_request"


def test_refresh_rotates_and_the_old_refresh_token_dies(login: Login) -> None:
    tokens = login.tokens(scope="identity campaigns")
    renewed = login.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert renewed.status_code == 200
    body = renewed.json()
    assert body["refresh_token"] != tokens["refresh_token"]
    assert body["access_token"] != tokens["access_token"]
    assert body["scope"].split() == ["campaigns", "identity"]
    reused = login.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    assert reused.status_code == 400
    assert reused.json()["error"] == "invalid_grant"


def test_access_tokens_expire_after_the_token_lifetime(login: Login, clock: FakeClock) -> None:
    tokens = login.tokens()
    api = Api(login.session, login.base, tokens["access_token"])
    assert api.get("/api/oauth2/v2/identity").status_code == 200
    clock.advance(3600)
    expired = api.get("/api/oauth2/v2/identity")
    assert expired.status_code == 401
    assert expired.json()["errors"][0]["status"] == "401"
    renewed = login.token(grant_type="refresh_token", refresh_token=tokens["refresh_token"])
    api.token = renewed.json()["access_token"]
    assert api.get("/api/oauth2/v2/identity").status_code == 200


def test_creator_tokens_are_ordinary_refreshable_tokens(
    login: Login, emulator: PatreonEmulator
) -> None:
    credentials = emulator.credentials()
    assert set(credentials) == {
        "client_id",
        "client_secret",
        "redirect_uri",
        "creator_access_token",
        "creator_refresh_token",
    }
    renewed = login.token(
        grant_type="refresh_token", refresh_token=credentials["creator_refresh_token"]
    )
    assert renewed.status_code == 200
    assert "w:campaigns.webhook" in renewed.json()["scope"].split()


def test_login_as_a_patron_shows_their_membership(login: Login, creator_api: Api) -> None:
    members = creator_api.get(
        "/api/oauth2/v2/campaigns/7100000/members", include="user", **{"page[count]": "1"}
    ).json()
    patron_id = members["data"][0]["relationships"]["user"]["data"]["id"]
    tokens = login.tokens(scope="identity identity.memberships", login_as=patron_id)
    me = Api(login.session, login.base, tokens["access_token"]).get(
        "/api/oauth2/v2/identity", include="memberships"
    )
    assert me.json()["data"]["id"] == patron_id
    memberships = me.json()["data"]["relationships"]["memberships"]["data"]
    assert memberships == [{"type": "member", "id": members["data"][0]["id"]}]


def test_admin_state_counts_tokens_without_showing_them(
    login: Login, emulator: PatreonEmulator
) -> None:
    tokens = login.tokens()
    state = emulator.admin_state()
    assert state["oauth"]["tokens_issued"] == 2  # the creator's pair and this login
    assert tokens["access_token"] not in str(state)
    assert tokens["refresh_token"] not in str(state)


def test_token_parameters_may_come_in_the_query_string_as_patreon_python_sends_them(
    login: Login,
) -> None:
    # patreon-python's OAuth.get_tokens / refresh_token: requests.post(url, params=...).
    url = f"{login.base}/api/oauth2/token"
    client = {k: login.credentials[k] for k in ("client_id", "client_secret")}
    code = login.code(scope="identity")
    redirect_uri = login.credentials["redirect_uri"]
    params = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    tokens = login.session.post(url, params={**params, **client}, timeout=10)
    assert tokens.status_code == 200, tokens.text
    refresh = {"grant_type": "refresh_token", "refresh_token": tokens.json()["refresh_token"]}
    renewed = login.session.post(url, params={**refresh, **client}, timeout=10)
    assert renewed.status_code == 200, renewed.text
    assert renewed.json()["scope"] == "identity"


def test_the_body_wins_over_the_query_string_at_the_token_endpoint(login: Login) -> None:
    code = login.code()
    url = f"{login.base}/api/oauth2/token"
    wrong_in_query = {"client_secret": "not-the-secret", "code": "not-the-code"}
    body = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": login.credentials["redirect_uri"],
        "client_id": login.credentials["client_id"],
        "client_secret": login.credentials["client_secret"],
    }
    response = login.session.post(url, params=wrong_in_query, data=body, timeout=10)
    assert response.status_code == 200, response.text
    wrong_in_body = login.session.post(
        url, params=body, data={"client_secret": "not-the-secret"}, timeout=10
    )
    assert wrong_in_body.status_code == 401
    assert wrong_in_body.json()["error"] == "invalid_client"
