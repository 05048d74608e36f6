"""The emulator's OAuth: consent form, code + PKCE, JSON or form answers, refresh rotation."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from urllib.parse import parse_qs, urlencode, urlsplit

import requests
from github_helpers import FakeClock, Served
from paysupport_github.emulator import s256

from paysupport.sandbox import answer_consent


def authorize(served: Served, client_id: str, decision: str = "allow", **extra: str) -> dict:
    params = {
        "client_id": client_id,
        "redirect_uri": "http://127.0.0.1:8765/callback",
        "scope": "read:user user:email",
        "state": "xyz",
        **extra,
    }
    answer = answer_consent(f"{served.url}/login/oauth/authorize?{urlencode(params)}", decision)
    assert answer.status_code == 302
    location = urlsplit(answer.headers["Location"])
    assert (location.hostname, location.port, location.path) == ("127.0.0.1", 8765, "/callback")
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def token(served: Served, accept_json: bool = True, **params: str) -> requests.Response:
    headers = {"Accept": "application/json"} if accept_json else {}
    return served.http.post(f"{served.url}/login/oauth/access_token", data=params, headers=headers)


def test_code_with_pkce_gives_a_token_for_the_granted_scopes(served: Served) -> None:
    creds = served.emulator.credentials()
    verifier = secrets.token_urlsafe(48)
    back = authorize(
        served, creds["client_id"], code_challenge=s256(verifier), code_challenge_method="S256"
    )
    assert back["state"] == "xyz"
    issued = token(
        served,
        client_id=creds["client_id"],
        client_secret=creds["client_secret"],
        code=back["code"],
        code_verifier=verifier,
    ).json()
    assert issued["token_type"] == "bearer"
    assert issued["scope"] == "read:user,user:email"
    assert issued["access_token"].startswith("gho_") and "refresh_token" not in issued
    me = served.data("{ viewer { login } }", token=issued["access_token"])
    assert me == {"viewer": {"login": "mona"}}


def test_a_wrong_verifier_or_a_reused_code_is_refused(served: Served) -> None:
    creds = served.emulator.credentials()
    back = authorize(served, creds["client_id"], code_challenge=s256("right" * 10))
    common = {"client_id": creds["client_id"], "client_secret": creds["client_secret"]}
    wrong = token(served, code=back["code"], code_verifier="wrong" * 10, **common)
    assert wrong.status_code == 200  # GitHub answers token errors with 200
    assert wrong.json()["error"] == "bad_verification_code"
    again = token(served, code=back["code"], code_verifier="right" * 10, **common)
    assert again.json()["error"] == "bad_verification_code"


def test_without_accept_json_the_answer_is_form_encoded(served: Served) -> None:
    creds = served.emulator.credentials()
    back = authorize(served, creds["client_id"])
    answer = token(
        served,
        accept_json=False,
        client_id=creds["client_id"],
        client_secret=creds["client_secret"],
        code=back["code"],
    )
    assert answer.headers["Content-Type"].startswith("application/x-www-form-urlencoded")
    assert parse_qs(answer.text)["token_type"] == ["bearer"]


def test_a_wrong_secret_is_incorrect_client_credentials(served: Served) -> None:
    creds = served.emulator.credentials()
    answer = token(served, client_id=creds["client_id"], client_secret="nope", code="abc")
    assert answer.json()["error"] == "incorrect_client_credentials"


def test_deny_sends_access_denied_back_with_the_state(served: Served) -> None:
    back = authorize(served, served.emulator.credentials()["client_id"], decision="deny")
    assert back["error"] == "access_denied"
    assert back["state"] == "xyz"
    assert "code" not in back


def test_login_as_another_user_through_the_form(served: Served) -> None:
    creds = served.emulator.credentials()
    url = f"{served.url}/login/oauth/authorize?client_id={creds['client_id']}"
    answer = answer_consent(url, login_as="upstream-dev")
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    issued = token(
        served, client_id=creds["client_id"], client_secret=creds["client_secret"], code=code
    ).json()
    assert served.data("{ viewer { login } }", token=issued["access_token"]) == {
        "viewer": {"login": "upstream-dev"}
    }


def test_github_app_tokens_expire_and_refresh_tokens_rotate(
    make_served: Callable[..., Served], clock: FakeClock
) -> None:
    served = make_served()
    creds = served.emulator.credentials()
    app = {"client_id": creds["app_client_id"], "client_secret": creds["app_client_secret"]}
    first = token(served, code=authorize(served, app["client_id"])["code"], **app).json()
    assert (first["expires_in"], first["refresh_token_expires_in"]) == (28_800, 15_811_200)
    assert first["access_token"].startswith("ghu_") and first["refresh_token"].startswith("ghr_")
    clock.advance(28_800)
    assert served.graphql("{ viewer { login } }", token=first["access_token"]).status_code == 401
    second = token(
        served, grant_type="refresh_token", refresh_token=first["refresh_token"], **app
    ).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert served.data("{ viewer { login } }", token=second["access_token"])
    replay = token(served, grant_type="refresh_token", refresh_token=first["refresh_token"], **app)
    assert replay.json()["error"] == "bad_refresh_token"


def test_an_unregistered_redirect_uri_gets_a_page_not_a_redirect(served: Served) -> None:
    client_id = served.emulator.credentials()["client_id"]
    answer = served.http.get(
        f"{served.url}/login/oauth/authorize",
        params={"client_id": client_id, "redirect_uri": "https://evil.example/cb"},
        allow_redirects=False,
    )
    assert answer.status_code == 400
    assert answer.headers["Content-Type"].startswith("text/html")
