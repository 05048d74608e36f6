"""Hostile input gets Ipernity's error envelope (or the consent page's 400), never a 500.

A non-ASCII ``api_sig`` used to reach ``hmac.compare_digest`` with a ``str`` it refuses.
Ipernity takes parameters only as query strings and form fields, never as a JSON body, so
there is no JSON parser to overwhelm with deep nesting.
"""

from __future__ import annotations

from urllib.parse import urlencode

import requests
from ipernity_helpers import Api, Served


def test_a_non_ascii_api_sig_is_an_invalid_signature(api: Api) -> None:
    params = {"api_key": api.api_key, "api_sig": "é" * 32}
    response = requests.get(f"{api.base_url}/api/auth.getFrob/json", params=params, timeout=10)
    assert response.status_code == 200
    assert response.json() == {
        "api": {"status": "error", "code": 105, "message": "Invalid signature"}
    }


def test_a_non_ascii_api_sig_on_an_authorization_link_is_refused(served: Served) -> None:
    link = "/apps/authorize?" + urlencode(
        {"api_key": served.api.api_key, "perm_doc": "read", "api_sig": "sïg"}
    )
    page = requests.get(served.url + link, timeout=10)
    assert page.status_code == 400 and "invalid signature" in page.text


def test_non_ascii_keys_and_tokens_are_unknown_ones(api: Api) -> None:
    assert Api(api.base_url, "kéy", api.api_secret).error("test.hello", signed=False) == 101
    assert api.with_token("tökén").error("auth.checkToken") == 107
