"""Hostile input gets a 4xx in Patreon's own error shape, never a 500.

Non-ASCII secrets and tokens, and JSON nested 50,000 deep, used to reach parts of the
standard library that raise (``hmac.compare_digest``, the recursive JSON parser).
"""

from __future__ import annotations

import base64

import requests
from patreon_helpers import Api, Login, pkce_pair

V2 = "/api/oauth2/v2"
DEEP_JSON = "[" * 50_000 + "]" * 50_000


def assert_json_api_error(response: requests.Response, status: int) -> None:
    assert response.status_code == status, response.text
    (error,) = response.json()["errors"]
    assert error["status"] == str(status) and error["code_name"] and error["detail"]


def test_a_non_ascii_client_secret_is_a_wrong_secret(login: Login) -> None:
    response = login.token(
        grant_type="authorization_code",
        code=login.code(),
        redirect_uri=login.credentials["redirect_uri"],
        client_secret="sécret-✓",
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_non_ascii_basic_auth_secret_is_a_wrong_secret(login: Login) -> None:
    pair = f"{login.credentials['client_id']}:sécret".encode()
    response = login.session.post(
        f"{login.base}/api/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        headers={"Authorization": "Basic " + base64.b64encode(pair).decode()},
        timeout=10,
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_a_non_ascii_pkce_verifier_is_a_wrong_verifier(login: Login) -> None:
    _, challenge = pkce_pair()
    code = login.code(code_challenge=challenge, code_challenge_method="plain")
    response = login.token(
        grant_type="authorization_code",
        code=code,
        redirect_uri=login.credentials["redirect_uri"],
        code_verifier="vérifier-" + "a" * 40,
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_a_non_ascii_bearer_token_is_an_unknown_token(creator_api: Api) -> None:
    response = creator_api.request(
        "GET", f"{V2}/identity", headers={"Authorization": "Bearer tökén".encode()}
    )
    assert_json_api_error(response, 401)


def test_deeply_nested_json_bodies_are_400(creator_api: Api) -> None:
    response = creator_api.request(
        "POST",
        f"{V2}/webhooks",
        data=DEEP_JSON,
        headers={"Content-Type": "application/vnd.api+json"},
    )
    assert_json_api_error(response, 400)


def test_deeply_nested_cursors_are_400(creator_api: Api) -> None:
    # 5,000 levels: deep enough for the recursive parser, short enough for a URL.
    nested = ("[" * 5_000 + "]" * 5_000).encode()
    forged = base64.urlsafe_b64encode(nested).decode()
    response = creator_api.get(f"{V2}/campaigns/7100000/members", **{"page[cursor]": forged})
    assert_json_api_error(response, 400)


def test_deeply_nested_admin_bodies_are_400(creator_api: Api) -> None:
    response = creator_api.request("POST", "/_admin/members", data=DEEP_JSON)
    assert response.status_code == 400
    assert response.json() == {"error": "body is not valid JSON"}
