"""OAuth 2 on the emulator: the consent page, the code exchange and their documented errors."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import requests


def _query(location: str) -> dict[str, list[str]]:
    return parse_qs(urlsplit(location).query)


def test_consent_page_is_a_real_form_carrying_the_request(sandbox):
    page = sandbox.consent_page(scope="flattr thing", state="abc")
    assert page.status_code == 200
    assert page.headers["Content-Type"].startswith("text/html")
    assert '<form method="post"' in page.text
    assert '<button type="submit" name="decision" value="allow">' in page.text
    assert '<button type="submit" name="decision" value="deny">' in page.text
    assert 'name="state" value="abc"' in page.text
    assert 'name="scope" value="flattr thing"' in page.text


def test_allow_redirects_with_code_and_state_and_code_buys_a_bearer_token(sandbox):
    redirect = sandbox.decide(sandbox.consent_page(state="xyz"), "allow")
    assert redirect.status_code == 302
    location = redirect.headers["Location"]
    assert location.startswith("http://127.0.0.1/callback?")
    params = _query(location)
    assert params["state"] == ["xyz"]

    token = sandbox.exchange(params["code"][0])
    assert token.status_code == 200
    assert token.json().keys() == {"access_token", "token_type"}
    assert token.json()["token_type"] == "bearer"
    assert token.headers["Cache-Control"] == "no-store"
    assert token.headers["Pragma"] == "no-cache"

    me = requests.get(
        f"{sandbox.api}/user",
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert me.status_code == 200
    assert me.json()["username"] == sandbox.primary


def test_the_signed_in_user_field_chooses_who_grants(sandbox):
    headers = sandbox.token_for("flattr")
    assert requests.get(f"{sandbox.api}/user", headers=headers).json()["username"] == "flattr"


def test_unknown_signed_in_user_is_refused(sandbox):
    response = sandbox.decide(sandbox.consent_page(), "allow", username="nobody-here")
    assert response.status_code == 400


def test_deny_redirects_with_access_denied_and_state(sandbox):
    redirect = sandbox.decide(sandbox.consent_page(state="s9"), "deny")
    assert redirect.status_code == 302
    assert _query(redirect.headers["Location"]) == {"error": ["access_denied"], "state": ["s9"]}


def test_local_redirect_uris_on_any_port_are_accepted_and_keep_their_query(sandbox):
    uri = "http://localhost:8765/cb?app=1"
    redirect = sandbox.decide(sandbox.consent_page(redirect_uri=uri), "allow")
    location = redirect.headers["Location"]
    assert location.startswith("http://localhost:8765/cb?")
    params = _query(location)
    assert params["app"] == ["1"]
    assert sandbox.exchange(params["code"][0], redirect_uri=uri).status_code == 200


def test_unknown_client_gets_an_html_400_and_no_redirect(sandbox):
    page = sandbox.consent_page(client_id="not-a-client")
    assert page.status_code == 400
    assert "Location" not in page.headers
    assert page.headers["Content-Type"].startswith("text/html")


def test_unregistered_redirect_uri_gets_an_html_400_and_no_redirect(sandbox):
    page = sandbox.consent_page(redirect_uri="https://evil.example/cb")
    assert page.status_code == 400
    assert "Location" not in page.headers


def test_unknown_scope_redirects_with_invalid_scope(sandbox):
    redirect = sandbox.consent_page(scope="flattr admin")
    assert redirect.status_code == 302
    assert _query(redirect.headers["Location"])["error"] == ["invalid_scope"]


def test_unsupported_response_type_redirects_with_error(sandbox):
    redirect = sandbox.consent_page(response_type="password")
    assert _query(redirect.headers["Location"])["error"] == ["unsupported_response_type"]


def test_response_type_token_returns_the_token_in_the_fragment(sandbox):
    redirect = sandbox.decide(sandbox.consent_page(response_type="token"), "allow")
    fragment = parse_qs(urlsplit(redirect.headers["Location"]).fragment)
    assert fragment["token_type"] == ["bearer"]
    headers = {"Authorization": f"Bearer {fragment['access_token'][0]}"}
    assert requests.get(f"{sandbox.api}/user", headers=headers).status_code == 200


def _fresh_code(sandbox) -> str:
    redirect = sandbox.decide(sandbox.consent_page(), "allow")
    return _query(redirect.headers["Location"])["code"][0]


def test_token_endpoint_requires_basic_client_authentication(sandbox):
    code = _fresh_code(sandbox)
    body = {
        "code": code,
        "grant_type": "authorization_code",
        "redirect_uri": sandbox.creds["redirect_uri"],
        "client_id": sandbox.creds["client_id"],
        "client_secret": sandbox.creds["client_secret"],
    }
    missing = requests.post(f"{sandbox.url}/oauth/token", data=body)
    assert missing.status_code == 401
    assert missing.json()["error"] == "invalid_client"
    assert missing.headers["WWW-Authenticate"].startswith("Basic")

    wrong = requests.post(
        f"{sandbox.url}/oauth/token", data=body, auth=(sandbox.creds["client_id"], "wrong")
    )
    assert wrong.status_code == 401
    # The code was not consumed by the refused attempts.
    assert sandbox.exchange(code).status_code == 200


def test_token_endpoint_accepts_a_form_body(sandbox):
    response = requests.post(
        f"{sandbox.url}/oauth/token",
        auth=(sandbox.creds["client_id"], sandbox.creds["client_secret"]),
        data={
            "code": _fresh_code(sandbox),
            "grant_type": "authorization_code",
            "redirect_uri": sandbox.creds["redirect_uri"],
        },
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"


def test_a_code_is_single_use(sandbox):
    code = _fresh_code(sandbox)
    assert sandbox.exchange(code).status_code == 200
    again = sandbox.exchange(code)
    assert again.status_code == 400
    assert again.json()["error"] == "invalid_grant"


def test_redirect_uri_must_match_the_one_the_code_was_issued_for(sandbox):
    response = sandbox.exchange(_fresh_code(sandbox), redirect_uri="http://127.0.0.1:9/other")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_token_request_errors_use_the_documented_body(sandbox):
    auth = (sandbox.creds["client_id"], sandbox.creds["client_secret"])
    url = f"{sandbox.url}/oauth/token"
    cases = [
        ({"code": "x", "redirect_uri": "http://127.0.0.1/callback"}, "invalid_request"),
        ({"grant_type": "password", "code": "x"}, "unsupported_grant_type"),
        ({"grant_type": "authorization_code", "redirect_uri": "x"}, "invalid_request"),
        ({"grant_type": "authorization_code", "code": "x"}, "invalid_request"),
    ]
    for body, error in cases:
        response = requests.post(url, auth=auth, json=body)
        assert response.status_code == 400, body
        assert response.json()["error"] == error
        assert set(response.json()) == {"error", "error_description", "error_uri"}
    broken = requests.post(url, auth=auth, data="{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
    assert requests.get(url).status_code == 405


def test_api_rejects_an_unknown_bearer_token(sandbox):
    response = requests.get(f"{sandbox.api}/categories", headers={"Authorization": "Bearer nope"})
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
