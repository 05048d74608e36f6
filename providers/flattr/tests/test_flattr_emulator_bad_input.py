"""Hostile input gets a 4xx in Flattr's documented error body, never a 500.

Non-ASCII client secrets and tokens, and JSON nested 50,000 deep, used to reach parts of
the standard library that raise (``secrets.compare_digest``, the recursive JSON parser).
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:  # conftest is not importable by name when several suites run together
    from conftest import Sandbox

DEEP_JSON = "[" * 50_000 + "]" * 50_000
ERROR_KEYS = {"error", "error_description", "error_uri"}


def flattr_error(response: requests.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body.keys() == ERROR_KEYS, body
    return body


def test_a_non_ascii_client_secret_is_a_wrong_secret(sandbox: Sandbox) -> None:
    response = requests.post(
        f"{sandbox.url}/oauth/token",
        auth=(sandbox.creds["client_id"].encode(), "sécret-✓".encode()),
        data={"grant_type": "authorization_code", "code": "x", "redirect_uri": "x"},
        timeout=10,
    )
    assert flattr_error(response, 401)["error"] == "invalid_client"


def test_a_non_ascii_bearer_token_is_unauthorized(sandbox: Sandbox) -> None:
    response = requests.get(
        f"{sandbox.api}/user", headers={"Authorization": "Bearer tökén".encode()}, timeout=10
    )
    assert flattr_error(response, 401)["error"] == "unauthorized"


def test_deeply_nested_json_is_an_invalid_request(sandbox: Sandbox) -> None:
    json_type = {"Content-Type": "application/json"}
    api = requests.post(
        f"{sandbox.api}/things", data=DEEP_JSON, headers={**sandbox.auth, **json_type}, timeout=10
    )
    assert flattr_error(api, 400)["error"] == "invalid_request"

    pair = f"{sandbox.creds['client_id']}:{sandbox.creds['client_secret']}".encode()
    basic = {"Authorization": "Basic " + base64.b64encode(pair).decode()}
    token = requests.post(
        f"{sandbox.url}/oauth/token", data=DEEP_JSON, headers={**basic, **json_type}, timeout=10
    )
    assert flattr_error(token, 400)["error"] == "invalid_request"

    admin = requests.post(
        f"{sandbox.url}/_admin/users/{sandbox.primary}/means",
        data=DEEP_JSON,
        headers=json_type,
        timeout=10,
    )
    assert flattr_error(admin, 400)["error"] == "invalid_request"
